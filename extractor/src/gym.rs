//! extraction-gym's egraph-serialize JSON, as an [`ExtractionGraph`], and the
//! scoring that extraction-gym applies to every extractor alike.

use crate::extract::{Choice, NodeCosts};
use crate::graph::{Builder, ClassId, ExtractionGraph, NodeInfo, NodeKind};
use anyhow::{anyhow, Result};
use cranelift_codegen::ir::types::INVALID;
use std::collections::HashMap;
use std::path::Path;

/// Load an egraph-serialize JSON file.
pub fn load(path: &Path) -> Result<ExtractionGraph> {
    let eg = egraph_serialize::EGraph::from_json_file(path)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    from_serialized(&eg).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// Convert an egraph-serialize e-graph. Classes are numbered in the file's
/// order, nodes within a class in the file's order.
pub fn from_serialized(eg: &egraph_serialize::EGraph) -> Result<ExtractionGraph> {
    let classes = eg.classes();
    let class_index: HashMap<&egraph_serialize::ClassId, ClassId> = classes
        .keys()
        .enumerate()
        .map(|(i, c)| (c, ClassId(i as u32)))
        .collect();
    let mut b = Builder::default();
    let mut names = Vec::new();
    for (age, (_, class)) in classes.iter().enumerate() {
        b.begin_class(INVALID, None);
        for nid in &class.nodes {
            let node = &eg[nid];
            let children = node
                .children
                .iter()
                .map(|c| {
                    let cid = eg
                        .nodes
                        .get(c)
                        .map(|n| &n.eclass)
                        .ok_or_else(|| anyhow!("node {nid} has unknown child {c}"))?;
                    Ok(class_index[cid])
                })
                .collect::<Result<Vec<_>>>()?;
            let info = NodeInfo {
                kind: NodeKind::Foreign,
                ty: INVALID,
                imm: None,
                given_cost: node.cost.into_inner(),
                age: age as u32,
                born: age as u32,
            };
            b.add_node(info, children);
            names.push(nid.to_string());
        }
    }
    let roots = eg
        .root_eclasses
        .iter()
        .map(|r| {
            class_index
                .get(r)
                .copied()
                .ok_or_else(|| anyhow!("unknown root class {r}"))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut g = b.finish(roots);
    g.names = names;
    Ok(g)
}

/// The DAG cost of a well-formed choice: every chosen class reachable from
/// the roots paid once.
pub fn dag_cost(graph: &ExtractionGraph, costs: &NodeCosts, choice: &Choice) -> f64 {
    choice
        .topo_order(graph)
        .into_iter()
        .filter_map(|c| choice.get(c))
        .map(|n| costs.get(n))
        .sum()
}

/// The tree cost of a well-formed choice: each root's tree, shared
/// subterms paid once per use, summed over the roots.
pub fn tree_cost(graph: &ExtractionGraph, costs: &NodeCosts, choice: &Choice) -> f64 {
    let mut memo: Vec<Option<f64>> = vec![None; graph.num_classes()];
    for c in choice.topo_order(graph) {
        let n = choice.get(c).expect("chosen");
        let t = costs.get(n)
            + graph
                .children(n)
                .iter()
                .map(|k| memo[k.index()].expect("children first"))
                .sum::<f64>();
        memo[c.index()] = Some(t);
    }
    graph
        .roots
        .iter()
        .map(|r| memo[r.index()].unwrap_or(f64::INFINITY))
        .sum()
}
