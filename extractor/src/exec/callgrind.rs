//! Reading a callgrind profile: executed instructions per instruction
//! address, and call counts per call target.
//!
//! The profile must be written with `--dump-instr=yes` (positions are
//! instruction addresses). Cost lines give the *self* cost of one
//! instruction; the cost line after a `calls=` line is the inclusive cost
//! of that call and is not self cost, so it is skipped. The sum of all self
//! costs must equal the profile's `summary:`/`totals:` line; a profile that
//! does not add up is refused rather than half-read.

use anyhow::{anyhow, bail, Result};
use std::collections::BTreeMap;
use std::ops::Range;

/// Executed instructions (`Ir`) by address, and calls by target address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    ir: BTreeMap<u64, u64>,
    calls: BTreeMap<u64, u64>,
    total: u64,
}

impl Profile {
    /// Instructions executed at addresses in `range`.
    pub fn ir_in(&self, range: Range<u64>) -> u64 {
        self.ir.range(range).map(|(_, c)| c).sum()
    }

    /// How many calls entered the code at `target`.
    pub fn calls_to(&self, target: u64) -> u64 {
        self.calls.get(&target).copied().unwrap_or(0)
    }

    /// All instructions the profile collected.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// Parse callgrind's output format (one or more parts).
pub fn parse(text: &str) -> Result<Profile> {
    let mut profile = Profile::default();
    let mut positions: Vec<String> = vec!["line".into()];
    let mut ir_index: Option<usize> = None;
    let mut declared_total: Option<u64> = None;
    let mut last = [0u64; 2];
    // The next cost line belongs to a call (inclusive cost), with this many
    // calls to this target.
    let mut pending_call = false;
    for (n, line) in text.lines().enumerate() {
        let at = || format!("callgrind output line {}", n + 1);
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("positions:") {
            positions = rest.split_whitespace().map(str::to_string).collect();
            continue;
        }
        if let Some(rest) = line.strip_prefix("events:") {
            ir_index = rest.split_whitespace().position(|e| e == "Ir");
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("summary:")
            .or_else(|| line.strip_prefix("totals:"))
        {
            let i = ir_index.ok_or_else(|| anyhow!("{}: no Ir event", at()))?;
            let v = rest
                .split_whitespace()
                .nth(i)
                .ok_or_else(|| anyhow!("{}: short summary", at()))?;
            let v: u64 = v.parse().map_err(|_| anyhow!("{}: bad summary", at()))?;
            // Several parts add up; `summary:` and `totals:` of one part
            // are the same number.
            if line.starts_with("summary:") {
                *declared_total.get_or_insert(0) += v;
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("calls=") {
            let mut it = rest.split_whitespace();
            let count: u64 = it
                .next()
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| anyhow!("{}: bad calls= line", at()))?;
            let target = it
                .next()
                .ok_or_else(|| anyhow!("{}: calls= without a target", at()))?;
            if positions.first().map(String::as_str) == Some("instr") {
                let addr = parse_position(target, 0).map_err(|e| anyhow!("{}: {e}", at()))?;
                *profile.calls.entry(addr).or_default() += count;
            }
            pending_call = true;
            continue;
        }
        let first = line.as_bytes()[0];
        let is_cost = first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*');
        if !is_cost {
            // `ob=`, `fl=`, `fn=`, `cfn=`, headers, … : names, not costs.
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut addr = None;
        for (k, kind) in positions.iter().enumerate() {
            let f = fields
                .next()
                .ok_or_else(|| anyhow!("{}: missing position", at()))?;
            let v = parse_position(f, last[k.min(1)]).map_err(|e| anyhow!("{}: {e}", at()))?;
            last[k.min(1)] = v;
            if kind == "instr" {
                addr = Some(v);
            }
        }
        let costs: Vec<&str> = fields.collect();
        if std::mem::take(&mut pending_call) {
            continue;
        }
        let Some(addr) = addr else {
            bail!(
                "{}: the profile has no instruction addresses (use --dump-instr=yes)",
                at()
            );
        };
        let i = ir_index.ok_or_else(|| anyhow!("{}: no events: line", at()))?;
        // Trailing zero costs may be left out.
        let ir: u64 = match costs.get(i) {
            Some(c) => c.parse().map_err(|_| anyhow!("{}: bad cost {c:?}", at()))?,
            None => 0,
        };
        *profile.ir.entry(addr).or_default() += ir;
        profile.total += ir;
    }
    if let Some(d) = declared_total {
        if d != profile.total {
            bail!(
                "callgrind profile does not add up: summary {d}, self costs {}",
                profile.total
            );
        }
    }
    Ok(profile)
}

/// An absolute (`0x1f`, `31`) or relative (`+4`, `-4`, `*`) position.
fn parse_position(s: &str, last: u64) -> Result<u64> {
    let bad = || anyhow!("bad position {s:?}");
    if s == "*" {
        return Ok(last);
    }
    if let Some(d) = s.strip_prefix('+') {
        return Ok(last.wrapping_add(parse_number(d).ok_or_else(bad)?));
    }
    if let Some(d) = s.strip_prefix('-') {
        return Ok(last.wrapping_sub(parse_number(d).ok_or_else(bad)?));
    }
    parse_number(s).ok_or_else(bad)
}

fn parse_number(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
version: 1
creator: callgrind-3.19.0
positions: instr
events: Ir
summary: 18
ob=???
fl=???
fn=0x0000000004a2c000
0x4a2c000 3
0x4a2c004 2
+4 1
fn=driver
0x10000 4
calls=2 0x4a2c000
0x10004 12
0x10009 8
totals: 18
";

    #[test]
    fn self_costs_and_calls() {
        let p = parse(SAMPLE).unwrap();
        assert_eq!(p.total(), 18);
        assert_eq!(p.ir_in(0x4a2c000..0x4a2c100), 6);
        assert_eq!(p.ir_in(0x4a2c004..0x4a2c008), 2);
        assert_eq!(p.ir_in(0x10000..0x10010), 12);
        assert_eq!(p.calls_to(0x4a2c000), 2);
        assert_eq!(p.calls_to(0x10000), 0);
    }

    #[test]
    fn refuses_a_profile_that_does_not_add_up() {
        let bad = SAMPLE.replace("summary: 18", "summary: 19");
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn refuses_a_profile_without_addresses() {
        let lines = SAMPLE.replace("positions: instr", "positions: line");
        assert!(parse(&lines).is_err());
    }
}
