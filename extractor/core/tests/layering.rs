//! The core's modules form layers: no module imports, directly or through
//! others, a module that imports it back.
//!
//! The check reads the sources. Every `crate::a::b` and `super::b` path
//! outside `#[cfg(test)]` code is an edge from the file's module to the
//! module it names. Two graphs must be acyclic:
//!
//! * the top-level modules (`lang`, `graph`, `extract`, …), with each
//!   directory module standing for all of its files;
//! * within each directory module, its child modules (`extract::dag`,
//!   `extract::pressure`, …), leaving out the parent's `mod.rs`, which
//!   declares and re-exports its children by nature.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`extract::dag`) → source text without test code or comments.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|l| l == "mod") {
                parts.pop();
            }
            let name = parts.join("::");
            if name == "lib" || name == "testing" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let code = match text.find("#[cfg(test)]") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            let code: String = code
                .lines()
                .map(|l| match l.find("//") {
                    Some(i) => &l[..i],
                    None => l,
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.insert(name, code);
        }
    }
    out
}

/// The identifiers of a `::`-separated path starting right after `prefix`.
fn paths_after<'a>(code: &'a str, prefix: &'a str) -> impl Iterator<Item = Vec<&'a str>> + 'a {
    code.match_indices(prefix).map(move |(i, _)| {
        let rest = &code[i + prefix.len()..];
        let mut parts = Vec::new();
        let mut s = rest;
        loop {
            let end = s
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(s.len());
            if end == 0 {
                break;
            }
            parts.push(&s[..end]);
            s = &s[end..];
            match s.strip_prefix("::") {
                Some(t) => s = t,
                None => break,
            }
        }
        parts
    })
}

/// The deepest known module that `path` (absolute, split) lies in.
fn resolve(path: &[&str], known: &BTreeMap<String, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|m| known.contains_key(m))
}

/// Edges between modules, as (from, to), both as full module paths.
fn edges(mods: &BTreeMap<String, String>) -> BTreeSet<(String, String)> {
    let mut edges = BTreeSet::new();
    for (name, code) in mods {
        let parent: Vec<&str> = name.split("::").collect();
        let parent = &parent[..parent.len() - 1];
        // `crate::x` in a file whose own path is not preceded by an
        // identifier character (so `regpress_core::x` does not count).
        let absolute = paths_after(code, "crate::").collect::<Vec<_>>();
        let relative = paths_after(code, "super::").map(|p| {
            let mut full: Vec<&str> = parent.to_vec();
            full.extend(p);
            full
        });
        for path in absolute.into_iter().chain(relative) {
            if let Some(to) = resolve(&path, mods) {
                if &to != name {
                    edges.insert((name.clone(), to));
                }
            }
        }
    }
    edges
}

/// A cycle of `graph`, if it has one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        v: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        mark: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match mark.get(v) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|p| p == v).unwrap();
                let mut cycle = path[start..].to_vec();
                cycle.push(v.to_string());
                return Some(cycle);
            }
            None => {}
        }
        mark.insert(v.to_string(), Mark::Open);
        path.push(v.to_string());
        for w in graph.get(v).into_iter().flatten() {
            if let Some(c) = visit(w, graph, mark, path) {
                return Some(c);
            }
        }
        path.pop();
        mark.insert(v.to_string(), Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    graph
        .keys()
        .find_map(|v| visit(v, graph, &mut mark, &mut Vec::new()))
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap()
}

#[test]
fn top_level_modules_have_no_cycle() {
    let mods = modules();
    assert!(mods.len() > 20, "found only {} modules", mods.len());
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in edges(&mods) {
        if top(&a) != top(&b) {
            graph
                .entry(top(&a).into())
                .or_default()
                .insert(top(&b).into());
        }
    }
    assert!(graph.len() > 10, "too few edges found: {graph:?}");
    if let Some(c) = find_cycle(&graph) {
        panic!("import cycle between top-level modules: {}", c.join(" -> "));
    }
}

#[test]
fn sibling_modules_have_no_cycle() {
    let mods = modules();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (a, b) in edges(&mods) {
        let (pa, pb) = (a.rsplit_once("::"), b.rsplit_once("::"));
        if let (Some((pa, _)), Some((pb, _))) = (pa, pb) {
            if pa == pb {
                graph.entry(a).or_default().insert(b);
            }
        }
    }
    if let Some(c) = find_cycle(&graph) {
        panic!("import cycle between sibling modules: {}", c.join(" -> "));
    }
}

/// The check can fail: a graph with a cycle is found to have one.
#[test]
fn a_cycle_is_found() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.get_mut("c").unwrap().clear();
    assert!(find_cycle(&g).is_none());
}
