//! The rule audit: every rewrite rule of Cranelift 0.135.8's mid-end,
//! accounted for.
//!
//! Cranelift's e-graph rules live in `src/opts/*.isle` of the
//! `cranelift-codegen` crate. This test finds that source (through
//! `cargo metadata`, or else in `$CARGO_HOME/registry/src`), lists every
//! top-level `(rule …)` form with its file and line, and joins the list with
//! the hand-maintained `extractor/audit/status.tsv`, which gives each rule a
//! status:
//!
//! - `ported`: regpress has an equivalent rewrite; the detail names it (the
//!   name as written in `src/rules/*.rs`, or `core/src/rules/*.rs` once the
//!   crates are split) and, after `; test:`, the test of `tests/rules.rs`
//!   that has a case for it;
//! - `folded`: the constant folder (`fold.rs`) computes the same result;
//! - `skeleton`: the skeleton pass (`skeleton.rs`, `division.rs`) does it;
//! - `not-applicable`: the rule cannot matter for regpress (the detail says
//!   why);
//! - `missing`: an honest gap;
//! - `unreviewed`: nobody has compared it yet.
//!
//! From both it renders `extractor/audit/RULES.md`: counts by status and by
//! file, then one row per rule with a mechanically generated one-line summary
//! of its left-hand side. With `REGPRESS_BLESS=1` the test writes that file;
//! otherwise it asserts the committed file is exactly what it would write, so
//! the table cannot go stale. It also fails when a rule has no status line or
//! several, when a status line names no existing rule, when a status is
//! unknown, and when a `ported` line names a regpress rule or test that does
//! not exist. Rule names are checked by plain text search of the string
//! literals of the rule sources; a name built with `format!` is matched
//! against the literal's template (each `{…}` hole stands for a word), so
//! that check is exact for literal names and looser for generated ones.
//!
//! Run: `cargo test --release -p regpress --test rule_audit`
//! (bless: `REGPRESS_BLESS=1 cargo test --release -p regpress --test rule_audit`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Cranelift release whose rules are audited.
const VERSION: &str = "0.135.8";

/// Every status a rule may have, in the order the table lists them.
const STATUSES: &[&str] = &[
    "ported",
    "folded",
    "skeleton",
    "not-applicable",
    "missing",
    "unreviewed",
];

/// Longest left-hand-side summary, in characters.
const SUMMARY_MAX: usize = 80;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn audit_dir() -> PathBuf {
    manifest_dir().join("audit")
}

// ---------------------------------------------------------------------------
// Locating cranelift-codegen's source.

/// The root of the `cranelift-codegen` package at [`VERSION`], if found.
fn cranelift_root() -> Option<PathBuf> {
    from_cargo_metadata().or_else(|| {
        eprintln!("rule_audit: `cargo metadata` did not locate the package; trying $CARGO_HOME");
        from_cargo_home()
    })
}

/// Ask cargo where the package's manifest is. Offline, and for the host
/// platform only: dependencies of other platforms need not be downloaded.
/// The JSON is scanned as text: a package object starts with its name and
/// version, and the first `manifest_path` after that is the package's own
/// (its dependency entries carry none).
fn from_cargo_metadata() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec!["metadata", "--format-version", "1", "--offline"];
    let host = host_triple();
    if let Some(h) = &host {
        args.extend(["--filter-platform", h.as_str()]);
    }
    let out = Command::new(cargo)
        .args(&args)
        .current_dir(manifest_dir())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let json = String::from_utf8(out.stdout).ok()?;
    let needle = format!("\"name\":\"cranelift-codegen\",\"version\":\"{VERSION}\"");
    let start = json.find(&needle)?;
    let key = "\"manifest_path\":\"";
    let rest = &json[start..];
    let value = &rest[rest.find(key)? + key.len()..];
    let value = &value[..value.find('"')?];
    let path = PathBuf::from(value.replace("\\\\", "\\"));
    let root = path.parent()?.to_path_buf();
    root.join("src/opts").is_dir().then_some(root)
}

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
}

/// Look in cargo's registry cache: `$CARGO_HOME/registry/src/*/`.
fn from_cargo_home() -> Option<PathBuf> {
    let home = match std::env::var_os("CARGO_HOME") {
        Some(h) => PathBuf::from(h),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cargo"),
    };
    let mut found: Vec<PathBuf> = fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join(format!("cranelift-codegen-{VERSION}")))
        .filter(|p| p.join("src/opts").is_dir())
        .collect();
    found.sort();
    found.into_iter().next()
}

// ---------------------------------------------------------------------------
// Reading ISLE.

/// An ISLE s-expression, with the line it starts on.
#[derive(Debug, Clone)]
enum Sx {
    Atom(String),
    List(Vec<Sx>, usize),
}

impl Sx {
    fn atom(&self) -> Option<&str> {
        match self {
            Sx::Atom(a) => Some(a),
            Sx::List(..) => None,
        }
    }
}

/// Parse a whole ISLE file into its top-level forms. Comments run from `;`
/// to the end of the line; `(; … ;)` block comments nest.
fn parse_isle(text: &str) -> Result<Vec<Sx>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    // Stack of open lists: (items, line of the open paren).
    let mut stack: Vec<(Vec<Sx>, usize)> = vec![(Vec::new(), 0)];
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '(' && chars.get(i + 1) == Some(&';') {
            // Block comment, possibly nested.
            let mut depth = 0usize;
            while i < chars.len() {
                if chars[i] == '(' && chars.get(i + 1) == Some(&';') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == ';' && chars.get(i + 1) == Some(&')') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if ch == ';' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if ch == '(' {
            stack.push((Vec::new(), line));
            i += 1;
        } else if ch == ')' {
            let (items, l) = stack.pop().ok_or("unbalanced `)`")?;
            let parent = stack
                .last_mut()
                .ok_or_else(|| format!("unbalanced `)` on line {line}"))?;
            parent.0.push(Sx::List(items, l));
            i += 1;
        } else if ch == '@' {
            // `name @ pattern` may be written without spaces.
            stack.last_mut().unwrap().0.push(Sx::Atom("@".into()));
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | ';' | '@')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            stack.last_mut().unwrap().0.push(Sx::Atom(word));
        }
    }
    if stack.len() != 1 {
        return Err(format!(
            "{} unclosed `(` (innermost opened on line {})",
            stack.len() - 1,
            stack.last().unwrap().1
        ));
    }
    Ok(stack.pop().unwrap().0)
}

/// One Cranelift rule.
#[derive(Debug, Clone)]
struct IsleRule {
    file: String,
    line: usize,
    summary: String,
}

impl IsleRule {
    fn key(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Every top-level rule of every `src/opts/*.isle`, sorted by file and line.
fn isle_rules(root: &Path) -> Vec<IsleRule> {
    let dir = root.join("src/opts");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "isle"))
        .collect();
    files.sort();
    let mut rules = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let forms = parse_isle(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for form in forms {
            let Sx::List(items, line) = &form else {
                continue;
            };
            if items.first().and_then(Sx::atom) != Some("rule") {
                continue;
            }
            rules.push(IsleRule {
                file: name.clone(),
                line: *line,
                summary: summarize_rule(&items[1..])
                    .unwrap_or_else(|| panic!("{name}:{line}: a rule without a pattern")),
            });
        }
    }
    rules
}

/// `(rule [name] [priority] pattern condition… result)`: summarize the
/// pattern, noting how many side conditions follow it.
fn summarize_rule(parts: &[Sx]) -> Option<String> {
    let mut rest = parts;
    // An optional name, then an optional priority: both atoms.
    while let Some(Sx::Atom(..)) = rest.first() {
        rest = &rest[1..];
    }
    let (pattern, after) = rest.split_first()?;
    // After the pattern come the conditions, then the right-hand side.
    let conds = after.len().saturating_sub(1);
    let mut s = String::new();
    let items = match pattern {
        Sx::List(items, _) => drop_bindings(items),
        Sx::Atom(..) => Vec::new(),
    };
    match (items.first().and_then(|h| h.atom()), items.len()) {
        (Some("simplify"), 2) => render(items[1], 0, &mut s),
        (Some("simplify_skeleton"), 2) => {
            s.push_str("skel: ");
            render(items[1], 0, &mut s);
        }
        _ => {
            // A rule of a helper term (a decl'd constructor), not a rewrite.
            s.push_str("term: ");
            render(pattern, 0, &mut s);
        }
    }
    if conds > 0 {
        s.push_str(&format!(" [if ×{conds}]"));
    }
    Some(shorten(&s))
}

/// Write a pattern in call notation: operators as `op(a, b)`, a leading
/// type variable named `ty` dropped (unless it is the only operand), `name @ pat` reduced to `pat`, constants
/// `iconst*(ty, k)` as `#k`, `$T` as `T`, and anything nested deeper than
/// four levels as `…`.
fn render(sx: &Sx, depth: usize, out: &mut String) {
    match sx {
        Sx::Atom(a) => out.push_str(a.strip_prefix('$').unwrap_or(a)),
        Sx::List(items, _) => {
            if depth >= 4 {
                out.push('…');
                return;
            }
            let items = drop_bindings(items);
            let Some((head, args)) = items.split_first() else {
                out.push_str("()");
                return;
            };
            let op = head.atom().unwrap_or("?");
            let n_args = args.len();
            let args: Vec<&Sx> = args
                .iter()
                .copied()
                .enumerate()
                .filter(|(i, a)| !(*i == 0 && a.atom() == Some("ty") && n_args > 1))
                .map(|(_, a)| a)
                .collect();
            if matches!(op, "iconst" | "iconst_u" | "iconst_s") && !args.is_empty() {
                let k = args[args.len() - 1];
                if args.len() == 2 {
                    if let Some(t) = args[0].atom() {
                        if t != "_" {
                            out.push_str(t.strip_prefix('$').unwrap_or(t));
                        }
                    }
                }
                out.push('#');
                render(k, depth + 1, out);
                return;
            }
            out.push_str(op);
            if args.is_empty() {
                // A nullary term or enum variant: `(IntCC.Equal)`.
                return;
            }
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(a, depth + 1, out);
            }
            out.push(')');
        }
    }
}

/// `[a, @, b, c]` → `[b, c]`: keep what the binding names.
fn drop_bindings(items: &[Sx]) -> Vec<&Sx> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < items.len() {
        if items.get(i + 1).and_then(Sx::atom) == Some("@") && i + 2 < items.len() {
            out.push(&items[i + 2]);
            i += 3;
        } else {
            out.push(&items[i]);
            i += 1;
        }
    }
    out
}

/// Cut a summary to [`SUMMARY_MAX`] characters.
fn shorten(s: &str) -> String {
    if s.chars().count() <= SUMMARY_MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(SUMMARY_MAX - 1).collect();
        t.push('…');
        t
    }
}

// ---------------------------------------------------------------------------
// The status file.

#[derive(Debug, Clone)]
struct Status {
    status: String,
    detail: String,
    line: usize,
}

/// Read `status.tsv`: `key<TAB>status<TAB>detail`; `#` starts a comment
/// line; blank lines are ignored. Returns the entries by key and every
/// problem found.
fn read_status(text: &str) -> (BTreeMap<String, Vec<Status>>, Vec<String>) {
    let mut map: BTreeMap<String, Vec<Status>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let n = n + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.splitn(3, '\t').collect();
        if cols.len() < 2 {
            problems.push(format!(
                "status.tsv:{n}: expected key<TAB>status<TAB>detail"
            ));
            continue;
        }
        let detail = cols.get(2).copied().unwrap_or("").trim().to_string();
        let status = cols[1].trim().to_string();
        if !STATUSES.contains(&status.as_str()) {
            problems.push(format!("status.tsv:{n}: unknown status `{status}`"));
        }
        if matches!(
            status.as_str(),
            "ported" | "folded" | "skeleton" | "not-applicable"
        ) && detail.is_empty()
        {
            problems.push(format!("status.tsv:{n}: `{status}` needs a detail"));
        }
        map.entry(cols[0].trim().to_string())
            .or_default()
            .push(Status {
                status,
                detail,
                line: n,
            });
    }
    (map, problems)
}

// ---------------------------------------------------------------------------
// regpress's side: rule names and tests.

/// The text of every file under the first existing directory of `dirs`
/// (recursively) ending in `.rs`.
fn rust_sources(paths: &[PathBuf]) -> String {
    fn walk(p: &Path, out: &mut String) {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = fs::read_dir(p)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect();
            entries.sort();
            for e in entries {
                walk(&e, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push_str(&fs::read_to_string(p).unwrap());
            out.push('\n');
        }
    }
    let mut out = String::new();
    for p in paths {
        walk(p, &mut out);
    }
    out
}

/// The string literals of Rust source, as written (escapes kept). Literals
/// built by `format!` keep their `{…}` holes, which [`name_matches`] treats
/// as wildcards.
fn string_literals(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal or a lifetime: skip `'x'` and `'\x'`.
                let mut look = chars.clone();
                match (look.next(), look.next()) {
                    (Some('\\'), _) => {
                        chars.next();
                        chars.next();
                        chars.next();
                    }
                    (Some(_), Some('\'')) => {
                        chars.next();
                        chars.next();
                    }
                    _ => {}
                }
            }
            '"' => {
                let mut lit = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            lit.push(c);
                            if let Some(e) = chars.next() {
                                lit.push(e);
                            }
                        }
                        '"' => break,
                        _ => lit.push(c),
                    }
                }
                out.insert(lit);
            }
            _ => {}
        }
    }
    out
}

/// Does `name` equal `lit`, where each `{…}` hole of `lit` stands for one
/// or more name characters? Templates that begin with a hole never match.
fn name_matches(lit: &str, name: &str) -> bool {
    let mut parts = Vec::new();
    let mut rest = lit;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        parts.push(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    parts.push(rest);
    if parts.len() == 1 {
        return lit == name;
    }
    // A template must start with fixed text (a family prefix such as
    // `arith-`): `"{name}-fwd"` alone would match almost anything.
    if parts[0].is_empty() {
        return false;
    }
    fn go(parts: &[&str], s: &str, first: bool) -> bool {
        let Some((p, more)) = parts.split_first() else {
            return s.is_empty();
        };
        if first {
            return s.starts_with(p) && go(more, &s[p.len()..], false);
        }
        // A hole (at least one character of a name) then `p`.
        let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        for (i, c) in s.char_indices() {
            if !ok(c) {
                return false;
            }
            let after = &s[i + c.len_utf8()..];
            if let Some(rest) = after.strip_prefix(p) {
                if more.is_empty() {
                    if rest.is_empty() {
                        return true;
                    }
                } else if go(more, rest, false) {
                    return true;
                }
            }
        }
        false
    }
    go(&parts, name, true)
}

fn names_exist(lits: &BTreeSet<String>, name: &str) -> bool {
    lits.iter().any(|l| name_matches(l, name))
}

/// Check a `ported` detail: `name[, name…][; test: module::fn][; note]`.
fn check_ported(
    key: &str,
    detail: &str,
    rule_lits: &BTreeSet<String>,
    test_src: &str,
    test_lits: &BTreeSet<String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut segments = detail.split(';');
    let names: Vec<&str> = segments
        .next()
        .unwrap_or("")
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        problems.push(format!("{key}: `ported` names no regpress rule"));
    }
    for name in &names {
        let base = name.split('/').next().unwrap();
        if !names_exist(rule_lits, base) {
            problems.push(format!(
                "{key}: regpress rule `{base}` does not occur in src/rules/*.rs"
            ));
        }
    }
    for seg in segments {
        let Some(test) = seg.trim().strip_prefix("test:") else {
            continue;
        };
        let test = test.trim();
        let (module, func) = test.rsplit_once("::").unwrap_or(("", test));
        let has_fn = test_src.contains(&format!("fn {func}("));
        let has_mod = module.is_empty() || test_src.contains(&format!("mod {module} {{"));
        if !(has_fn && has_mod) {
            problems.push(format!("{key}: test `{test}` not found in tests/rules.rs"));
        }
        for name in &names {
            let base = name.split('/').next().unwrap();
            if !names_exist(test_lits, base) {
                problems.push(format!("{key}: tests/rules.rs has no case naming `{base}`"));
            }
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// The table.

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn render_table(rules: &[IsleRule], status: &BTreeMap<String, Vec<Status>>) -> String {
    let get = |r: &IsleRule| -> (String, String) {
        match status.get(&r.key()).and_then(|v| v.first()) {
            Some(s) => (s.status.clone(), s.detail.clone()),
            None => ("unreviewed".into(), "(no status line)".into()),
        }
    };
    let files: BTreeSet<&str> = rules.iter().map(|r| r.file.as_str()).collect();
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_file: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for r in rules {
        let (s, _) = get(r);
        let s_static = STATUSES.iter().find(|x| **x == s).copied().unwrap_or("?");
        *by_status.entry(s_static).or_default() += 1;
        *by_file.entry((r.file.as_str(), s)).or_default() += 1;
    }
    let mut t = String::new();
    t.push_str(&format!("# Cranelift {VERSION} mid-end rules: audit\n\n"));
    t.push_str(
        "Generated by `extractor/tests/rule_audit.rs` from cranelift-codegen's \
         `src/opts/*.isle` and the hand-kept `extractor/audit/status.tsv`. \
         Do not edit: change `status.tsv`, then run\n\
         `REGPRESS_BLESS=1 cargo test --release -p regpress --test rule_audit`.\n\n",
    );
    t.push_str(
        "The left-hand-side summary is generated: `op(a, b)` for a pattern, \
         `#k` for a constant, type variables dropped, `…` for deeper nesting, \
         `skel:` for skeleton rules, `term:` for rules of helper terms (not rewrites), `[if ×n]` for side conditions.\n\n",
    );
    t.push_str(&format!(
        "{} rules in {} files.\n\n## By status\n\n| status | rules |\n|---|---:|\n",
        rules.len(),
        files.len()
    ));
    for s in STATUSES {
        t.push_str(&format!(
            "| {s} | {} |\n",
            by_status.get(s).copied().unwrap_or(0)
        ));
    }
    t.push_str("\n## By file\n\n| file | rules |");
    for s in STATUSES {
        t.push_str(&format!(" {s} |"));
    }
    t.push_str("\n|---|---:|");
    for _ in STATUSES {
        t.push_str("---:|");
    }
    t.push('\n');
    for f in &files {
        let n = rules.iter().filter(|r| r.file == *f).count();
        t.push_str(&format!("| {f} | {n} |"));
        for s in STATUSES {
            let c = by_file.get(&(*f, s.to_string())).copied().unwrap_or(0);
            t.push_str(&format!(" {c} |"));
        }
        t.push('\n');
    }
    t.push_str("\n## Rules\n\n| file | line | left-hand side | status | detail |\n|---|---:|---|---|---|\n");
    for r in rules {
        let (s, d) = get(r);
        t.push_str(&format!(
            "| {} | {} | `{}` | {} | {} |\n",
            r.file,
            r.line,
            md_cell(&r.summary),
            s,
            md_cell(&d)
        ));
    }
    t
}

// ---------------------------------------------------------------------------

#[test]
fn every_cranelift_rule_has_a_status() {
    let Some(root) = cranelift_root() else {
        eprintln!(
            "SKIPPED rule_audit: the source of cranelift-codegen {VERSION} was not found \
             (neither through `cargo metadata` nor in $CARGO_HOME/registry/src)"
        );
        return;
    };
    let rules = isle_rules(&root);
    assert!(!rules.is_empty(), "no rules found under {}", root.display());

    let status_path = audit_dir().join("status.tsv");
    let status_text = fs::read_to_string(&status_path)
        .unwrap_or_else(|e| panic!("{}: {e}", status_path.display()));
    let (status, mut problems) = read_status(&status_text);

    // Exactly one status line per rule, and none for rules that don't exist.
    let keys: BTreeSet<String> = rules.iter().map(IsleRule::key).collect();
    for r in &rules {
        match status.get(&r.key()).map(Vec::len) {
            None => problems.push(format!(
                "{}: no status line (add `{}\tunreviewed\t` to status.tsv)",
                r.key(),
                r.key()
            )),
            Some(1) => {}
            Some(_) => problems.push(format!("{}: several status lines", r.key())),
        }
    }
    for (k, v) in &status {
        if !keys.contains(k) {
            problems.push(format!(
                "status.tsv:{}: `{k}` is not the line of a rule in cranelift-codegen {VERSION}",
                v[0].line
            ));
        }
    }

    // `ported` lines name real regpress rules and tests.
    let dir = manifest_dir();
    let rule_dirs: Vec<PathBuf> = [dir.join("src/rules"), dir.join("core/src/rules")]
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        !rule_dirs.is_empty(),
        "regpress's rules not found (src/rules or core/src/rules)"
    );
    let rule_lits = string_literals(&rust_sources(&rule_dirs));
    let test_files: Vec<PathBuf> = [dir.join("tests/rules.rs"), dir.join("core/tests/rules.rs")]
        .into_iter()
        .filter(|p| p.is_file())
        .collect();
    let test_src = rust_sources(&test_files);
    let test_lits = string_literals(&test_src);
    for (k, v) in &status {
        for s in v.iter().filter(|s| s.status == "ported") {
            problems.extend(check_ported(
                k, &s.detail, &rule_lits, &test_src, &test_lits,
            ));
        }
    }

    // The table is current.
    let table = render_table(&rules, &status);
    let table_path = audit_dir().join("RULES.md");
    if std::env::var("REGPRESS_BLESS").is_ok_and(|v| v == "1") {
        fs::write(&table_path, &table).unwrap();
        eprintln!("wrote {}", table_path.display());
    } else {
        let committed = fs::read_to_string(&table_path).unwrap_or_default();
        if committed != table {
            problems.push(format!(
                "{} is stale: run `REGPRESS_BLESS=1 cargo test --release -p regpress --test rule_audit`",
                table_path.display()
            ));
        }
    }

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rules {
        let s = status
            .get(&r.key())
            .and_then(|v| v.first())
            .map_or("unreviewed", |s| s.status.as_str());
        *counts.entry(s).or_default() += 1;
    }
    eprintln!(
        "cranelift-codegen {VERSION} at {}: {} rules; {counts:?}",
        root.display(),
        rules.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn parser_handles_names_priorities_comments_and_bindings() {
    let text = "\
;; a comment with (rule inside it)
(decl foo (Value) Value)
(rule named 3 (simplify (iadd ty x (iconst_u ty 0))) ; trailing (
      (subsume x))
(; block (rule (simplify x) x) ;)
(rule -1
  (simplify_skeleton (sdiv x y @ (iconst_s $I32 -1)))
  (if-let true (cond))
  (ineg $I32 x))
";
    let forms = parse_isle(text).unwrap();
    let rules: Vec<(usize, String)> = forms
        .iter()
        .filter_map(|f| match f {
            Sx::List(items, line) if items[0].atom() == Some("rule") => {
                Some((*line, summarize_rule(&items[1..]).unwrap()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        rules,
        vec![
            (3, "iadd(x, #0)".to_string()),
            (6, "skel: sdiv(x, I32#-1) [if ×1]".to_string()),
        ]
    );
    assert!(parse_isle("(rule (a)").is_err());
    assert!(parse_isle("(rule))").is_err());
}

#[test]
fn name_templates() {
    assert!(name_matches("arith-iadd-zero", "arith-iadd-zero"));
    assert!(!name_matches("arith-iadd-zero", "arith-iadd"));
    assert!(name_matches(
        "arith-{op}-{op}-absorb",
        "arith-umin-umin-absorb"
    ));
    assert!(!name_matches("arith-{op}-{op}-absorb", "arith--absorb"));
    assert!(!name_matches("{name}", "arith-anything"));
    assert!(name_matches(
        "bitops-{op}-bnot-self",
        "bitops-band-bnot-self"
    ));
    assert!(!name_matches(
        "bitops-{op}-bnot-self",
        "bitops-band bnot-self"
    ));
    let lits = string_literals("let a = \"x-{y}\"; // \"not-this\"\nlet c = 'q'; \"b\\\"c\"");
    assert!(lits.contains("x-{y}"));
    assert!(!lits.contains("not-this"));
    assert!(lits.contains("b\\\"c"));
}
