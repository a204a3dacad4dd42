//! Machine renderings of a lint report, as strings (callers print or write them): the
//! documented JSON array, SARIF 2.1.0 for code scanning, GitHub workflow-command annotations
//! and a markdown summary for `$GITHUB_STEP_SUMMARY`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::finding::Finding;
use super::rule::Rule;
use super::{Report, Settings};
use crate::problem::Severity;

/// The findings as a pretty JSON array (schema in `docs/lint.md`).
pub fn json(findings: &[Finding]) -> String {
    serde_json::to_string_pretty(findings).unwrap_or_else(|_| "[]".into()) + "\n"
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF's `$schema`, as GitHub code scanning documents it.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The report as a SARIF 2.1.0 log with one run. Paths are relative to their repo root;
/// `uriBaseId` is `%SRCROOT%` when one repo was linted, else the repo's name.
pub fn sarif(report: &Report, settings: &Settings) -> String {
    let repos: Vec<&str> = report.repos.iter().map(|r| r.name.as_str()).collect();
    let single = repos.len() <= 1;
    let base_of = |repo: &str| {
        if single {
            "%SRCROOT%".to_string()
        } else {
            repo.to_string()
        }
    };
    let mut bases = serde_json::Map::new();
    for r in &report.repos {
        if let Ok(u) = url::Url::from_directory_path(&r.root) {
            bases.insert(base_of(&r.name), json!({ "uri": u.as_str() }));
        }
    }
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|&r| {
            let i = r.info();
            let level = settings.severity(r);
            json!({
                "id": i.id,
                "name": i.name,
                "shortDescription": { "text": i.summary },
                "fullDescription": { "text": plain(i.description) },
                "help": { "text": plain(&r.explain()), "markdown": r.explain() },
                "defaultConfiguration": {
                    "enabled": level.is_some(),
                    "level": sarif_level(level.unwrap_or(i.default_severity)),
                },
                "properties": { "tags": ["netstack", "documentation"] },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut res = json!({
                "ruleId": f.rule.id(),
                "ruleIndex": f.rule.index(),
                "level": sarif_level(f.severity),
                "message": { "text": format!("{}\n{}", f.message, f.fix) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri_path(&f.path), "uriBaseId": base_of(&f.repo) },
                        "region": region(f),
                    }
                }],
                "partialFingerprints": { "netstackFingerprint/v1": f.fingerprint },
            });
            let mut props = serde_json::Map::new();
            if let Some(site) = &f.site {
                props.insert("site".into(), json!(site));
            }
            if let Some(s) = f.similarity {
                props.insert("similarity".into(), json!(s));
            }
            if let Some(p) = &f.pattern {
                props.insert("pattern".into(), json!(p));
                if let Some(url) = &p.url {
                    let mut loc = json!({
                        "id": 1,
                        "physicalLocation": { "artifactLocation": { "uri": url } },
                        "message": { "text": format!("pattern {}", p.id) },
                    });
                    if let (Some(a), Some(b)) = (p.line, p.end_line) {
                        loc["physicalLocation"]["region"] =
                            json!({ "startLine": a, "endLine": b.max(a) });
                    }
                    res["relatedLocations"] = json!([loc]);
                }
            }
            if !props.is_empty() {
                res["properties"] = Value::Object(props);
            }
            res
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "netstack",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/example-fed/netstack-engine/blob/main/docs/lint.md",
                "rules": rules,
            }
        },
        "columnKind": "utf16CodeUnits",
        "results": results,
    });
    if !bases.is_empty() {
        run["originalUriBaseIds"] = Value::Object(bases);
    }
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// Percent-encode what a relative URI may not hold (spaces, `%`, `#`, `?`, non-ASCII).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Markdown without the code fences and backticks, for plain-text fields.
fn plain(md: &str) -> String {
    md.lines()
        .filter(|l| !l.trim_start().starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace('`', "")
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A finding's SARIF region: its lines, and its columns when it points at text on a line.
fn region(f: &Finding) -> Value {
    let mut r = json!({ "startLine": f.line, "endLine": f.end_line });
    if let Some(c) = &f.columns {
        r["startColumn"] = json!(c.utf16.0);
        r["endColumn"] = json!(c.utf16.1);
    }
    r
}

/// GitHub workflow commands (`::error file=…,line=…::message`), one per finding. `path`
/// gives the file as GitHub should see it (relative to the workspace).
pub fn github(findings: &[Finding], path: impl Fn(&Finding) -> String) -> String {
    let mut out = String::new();
    for f in findings {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let title = match &f.site {
            Some(site) => format!("netstack {} ({site})", f.rule.id()),
            None => format!("netstack {}", f.rule.id()),
        };
        let columns = f
            .columns
            .map(|c| format!(",col={},endColumn={}", c.start, c.end))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "::{cmd} file={},line={},endLine={}{columns},title={}::{}",
            escape_property(&path(f)),
            f.line,
            f.end_line,
            escape_property(&title),
            escape_data(&format!("{}\n{}", f.message, f.fix))
        );
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A markdown summary of the run (for `$GITHUB_STEP_SUMMARY`): counts, per rule, and the
/// findings (the first `limit`). `path` shows a finding's file.
pub fn markdown_summary(
    report: &Report,
    limit: usize,
    path: impl Fn(&Finding) -> String,
) -> String {
    let (e, w, i) = report.counts();
    let mut o = String::new();
    let _ = writeln!(o, "## netstack lint\n");
    let repos: Vec<String> = report
        .repos
        .iter()
        .map(|r| format!("`{}`", r.name))
        .collect();
    let _ = writeln!(
        o,
        "**{e} error{}, {w} warning{}, {i} info** in {} ({} docs){}{}\n",
        if e == 1 { "" } else { "s" },
        if w == 1 { "" } else { "s" },
        repos.join(", "),
        report.docs,
        if report.suppressed > 0 {
            format!(" · {} suppressed inline", report.suppressed)
        } else {
            String::new()
        },
        if report.baselined.is_empty() {
            String::new()
        } else {
            format!(" · {} in the baseline", report.baselined.len())
        }
    );
    if report.findings.is_empty() {
        let _ = writeln!(o, "No findings.");
        return o;
    }
    let mut per: BTreeMap<(Severity, Rule), usize> = BTreeMap::new();
    for f in &report.findings {
        *per.entry((f.severity, f.rule)).or_default() += 1;
    }
    let _ = writeln!(o, "| rule | severity | findings |\n|---|---|---:|");
    for ((s, r), n) in per.iter().rev() {
        let _ = writeln!(o, "| `{}` | {} | {} |", r.id(), s, n);
    }
    let _ = writeln!(o, "\n| location | rule | message |\n|---|---|---|");
    for f in report.findings.iter().take(limit) {
        let mut msg = md_cell(&f.message);
        if let Some(p) = &f.pattern
            && let Some(url) = &p.url
        {
            msg.push_str(&format!(" ([{}]({url}))", md_cell(&p.id)));
        }
        let _ = writeln!(
            o,
            "| `{}:{}` | {} `{}` | {} |",
            md_cell(&path(f)),
            f.line,
            f.severity,
            f.rule.id(),
            msg
        );
    }
    if report.findings.len() > limit {
        let _ = writeln!(
            o,
            "\n… and {} more (run `netstack lint` locally for all).",
            report.findings.len() - limit
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Columns;

    fn finding() -> Finding {
        let mut f = Finding::new(
            Rule::BrokenLink,
            Some("cf"),
            "cf",
            "docs/net work.md",
            3,
            4,
            "`a,b` is: broken\nreally",
            "fix 100%",
            "k",
        );
        f.fingerprint = "00ff".into();
        f
    }

    #[test]
    fn github_commands_are_escaped() {
        let out = github(&[finding()], |f| f.path.clone());
        assert_eq!(
            out,
            "::error file=docs/net work.md,line=3,endLine=4,title=netstack broken-link (cf)::`a,b` is: broken%0Areally%0Afix 100%25\n"
        );
    }

    #[test]
    fn columns_reach_github_and_sarif_in_their_own_units() {
        let mut f = Finding::new(
            Rule::UnknownPattern,
            Some("cf"),
            "cf",
            "d.md",
            2,
            2,
            "m",
            "f",
            "k",
        );
        // Characters before x-pattern: 20 (the emoji is one), UTF-16 units: 21.
        f.columns = Columns::find("Über 😀 per netstack x-pattern", "x-pattern");
        let c = f.columns.unwrap();
        assert_eq!((c.start, c.end), (21, 29));
        assert_eq!(c.utf16, (22, 31), "the emoji is two UTF-16 units");
        let gh = github(std::slice::from_ref(&f), |f| f.path.clone());
        assert!(
            gh.contains(",line=2,endLine=2,col=21,endColumn=29,"),
            "{gh}"
        );
        let report = Report {
            findings: vec![f],
            ..Default::default()
        };
        let v: Value = serde_json::from_str(&sarif(&report, &Settings::default())).unwrap();
        let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startColumn"], 22);
        assert_eq!(region["endColumn"], 31);
        // Without columns the region is lines only.
        let report = Report {
            findings: vec![finding()],
            ..Default::default()
        };
        let v: Value = serde_json::from_str(&sarif(&report, &Settings::default())).unwrap();
        let region = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert!(region.get("startColumn").is_none());
    }

    #[test]
    fn sarif_has_the_fields_code_scanning_needs() {
        let report = Report {
            findings: vec![finding()],
            repos: vec![super::super::LintedRepo {
                name: "cf".into(),
                site: Some("cf".into()),
                root: std::path::PathBuf::from("/kb/cf"),
                docs: 1,
            }],
            ..Default::default()
        };
        let v: Value = serde_json::from_str(&sarif(&report, &Settings::default())).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            Rule::ALL.len()
        );
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "broken-link");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "docs/net%20work.md");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(r["partialFingerprints"]["netstackFingerprint/v1"], "00ff");
        assert_eq!(
            run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
            "file:///kb/cf/"
        );
    }

    #[test]
    fn summary_lists_counts_and_findings() {
        let report = Report {
            findings: vec![finding()],
            docs: 7,
            ..Default::default()
        };
        let md = markdown_summary(&report, 10, |f| f.path.clone());
        assert!(md.contains("**1 error, 0 warnings, 0 info**"), "{md}");
        assert!(md.contains("| `broken-link` | error | 1 |"), "{md}");
        assert!(md.contains("`docs/net work.md:3`"), "{md}");
    }
}
