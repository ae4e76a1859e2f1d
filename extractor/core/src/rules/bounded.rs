//! A rule scheduler that keeps the e-graph within its node limit.
//!
//! egg's runner checks the node limit only after a whole rule has been
//! applied, and its backoff scheduler lets a rule apply up to thousands of
//! matches (more after each ban): one associativity or commutativity rule
//! can carry the e-graph several times past the limit in one step (13,224
//! nodes against a limit of 4,000 on the `reassoc` blow-up in
//! `tests/hostile.rs`). This scheduler keeps egg's backoff for searching and
//! applies a rule's matches one e-class at a time, stopping once the limit
//! is reached, so the e-graph ends at most one e-class's worth of matches
//! past it. The runner then stops with its usual `NodeLimit` reason.

use egg::{Analysis, BackoffScheduler, EGraph, Language, Rewrite, RewriteScheduler, SearchMatches};

/// egg's [`BackoffScheduler`], with rule application cut off at a node
/// limit.
pub struct NodeBoundedScheduler {
    inner: BackoffScheduler,
    node_limit: usize,
}

impl NodeBoundedScheduler {
    /// Default backoff, applications stop at `node_limit` e-nodes.
    pub fn new(node_limit: usize) -> Self {
        NodeBoundedScheduler {
            inner: BackoffScheduler::default(),
            node_limit,
        }
    }
}

impl<L: Language, N: Analysis<L>> RewriteScheduler<L, N> for NodeBoundedScheduler {
    fn can_stop(&mut self, iteration: usize) -> bool {
        <BackoffScheduler as RewriteScheduler<L, N>>::can_stop(&mut self.inner, iteration)
    }

    fn search_rewrite<'a>(
        &mut self,
        iteration: usize,
        egraph: &EGraph<L, N>,
        rewrite: &'a Rewrite<L, N>,
    ) -> Vec<SearchMatches<'a, L>> {
        self.inner.search_rewrite(iteration, egraph, rewrite)
    }

    fn apply_rewrite(
        &mut self,
        _iteration: usize,
        egraph: &mut EGraph<L, N>,
        rewrite: &Rewrite<L, N>,
        matches: Vec<SearchMatches<L>>,
    ) -> usize {
        let mut applied = 0;
        for m in matches {
            if egraph.total_size() >= self.node_limit {
                break;
            }
            applied += rewrite.apply(egraph, std::slice::from_ref(&m)).len();
        }
        applied
    }
}
