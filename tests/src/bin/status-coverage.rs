//! Proves the spec's error statuses are real: every error status an operation declares
//! (4xx and 503; 500 is declared everywhere and produced by no correct request) must have
//! been answered by that operation somewhere in the test suite.
//!
//! `status-coverage SPEC RECORDS_DIR`: `RECORDS_DIR` holds the `http_requests_total` counters
//! the test processes wrote (`BEEGET_TEST_STATUS_LOG`, see the harness). Prints every
//! operation's declared error statuses with what the suite produced; exits 1 naming each
//! declared status no test produced.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use serde_json::Value;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, records] = args.as_slice() else {
        bail!("usage: status-coverage SPEC RECORDS_DIR");
    };
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(spec).with_context(|| format!("read {spec}"))?)
        .context("the spec is JSON")?;
    let declared = declared_error_statuses(&spec);
    let mut answered: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    let mut files = 0;
    for entry in std::fs::read_dir(records).with_context(|| format!("read {records}"))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "prom") {
            files += 1;
            for (operation, status) in parse_counters(&std::fs::read_to_string(&path)?) {
                answered.entry(operation).or_default().insert(status);
            }
        }
    }
    if files == 0 {
        bail!("no status records in {records}: was the suite run with BEEGET_TEST_STATUS_LOG set?");
    }
    let mut missing = Vec::new();
    for (operation, statuses) in &declared {
        let seen = answered.get(operation).cloned().unwrap_or_default();
        let gaps: Vec<u16> = statuses.difference(&seen).copied().collect();
        let list = |set: &BTreeSet<u16>| set.iter().map(u16::to_string).collect::<Vec<_>>().join(" ");
        println!(
            "{operation:32} declared [{}] answered [{}]",
            list(statuses),
            list(&seen)
        );
        missing.extend(gaps.into_iter().map(|status| format!("{operation} {status}")));
    }
    // Error statuses an operation gave without declaring them are listed for a reader; the
    // schemathesis run in CI fails on those (status_code_conformance), this step on gaps.
    for (operation, seen) in answered.iter().filter(|(op, _)| declared.contains_key(*op)) {
        let undeclared: Vec<String> = seen
            .iter()
            .filter(|s| **s >= 400 && **s != 500)
            .filter(|s| !declared.get(operation).is_some_and(|d| d.contains(s)))
            .map(u16::to_string)
            .collect();
        if !undeclared.is_empty() {
            println!(
                "note: {operation} also answered {} (not declared)",
                undeclared.join(" ")
            );
        }
    }
    let covered: usize = declared.values().map(BTreeSet::len).sum::<usize>() - missing.len();
    println!(
        "{covered} declared error statuses produced by the suite, {} not",
        missing.len()
    );
    if !missing.is_empty() {
        bail!("declared but never produced by a test: {}", missing.join(", "));
    }
    Ok(())
}

/// `operationId` → the error statuses its responses declare, but 500.
fn declared_error_statuses(spec: &Value) -> BTreeMap<String, BTreeSet<u16>> {
    let mut declared = BTreeMap::new();
    for item in spec["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for operation in item.as_object().into_iter().flat_map(|ops| ops.values()) {
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let statuses: BTreeSet<u16> = operation["responses"]
                .as_object()
                .into_iter()
                .flat_map(|responses| responses.keys())
                .filter_map(|status| status.parse::<u16>().ok())
                .filter(|status| *status >= 400 && *status != 500)
                .collect();
            declared.insert(id.to_owned(), statuses);
        }
    }
    declared
}

/// `(route, status)` of every `http_requests_total{…} N` line with N > 0.
fn parse_counters(text: &str) -> Vec<(String, u16)> {
    text.lines()
        .filter_map(|line| {
            let labels = line.strip_prefix("http_requests_total{")?;
            let (labels, count) = labels.rsplit_once("} ")?;
            if count.trim().parse::<f64>().ok()? <= 0.0 {
                return None;
            }
            let label = |name: &str| {
                labels.split(',').find_map(|pair| {
                    let (key, value) = pair.split_once('=')?;
                    (key == name).then(|| value.trim_matches('"').to_owned())
                })
            };
            Some((label("route")?, label("status")?.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_read_by_label_name_and_zero_counts_are_ignored() {
        let text = "http_requests_total{route=\"getCart\",method=\"GET\",status=\"401\"} 3\n\
                    http_requests_total{status=\"404\",method=\"GET\",route=\"getPage\"} 1\n\
                    http_requests_total{route=\"getCart\",method=\"GET\",status=\"429\"} 0\n";
        assert_eq!(
            parse_counters(text),
            vec![("getCart".to_owned(), 401), ("getPage".to_owned(), 404)]
        );
    }

    #[test]
    fn declared_statuses_leave_out_success_and_500() {
        let spec = serde_json::json!({"paths": {"/cart": {"get": {
            "operationId": "getCart",
            "responses": {"200": {}, "401": {}, "500": {}, "503": {}}
        }}}});
        let declared = declared_error_statuses(&spec);
        assert_eq!(declared["getCart"], BTreeSet::from([401, 503]));
    }
}
