//! Site values: what a pattern says a site must supply (`values:` in its front matter) and
//! what a site doc supplies (front matter `values:`, or a "Values" section with a two-column
//! table or `key: value` bullets).

use serde::Serialize;
use serde_json::Value;

use crate::doc::markdown::{ListItem, Table};
use crate::front_matter::{FrontMatter, scalar_string};

/// A value a pattern asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueSpec {
    /// Normalized key (`backup_target`).
    pub key: String,
    /// The name as written.
    pub name: String,
    pub description: Option<String>,
}

/// Where a site value was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueSource {
    FrontMatter,
    Table,
    List,
}

/// A value a site doc supplies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteValue {
    /// Normalized key.
    pub key: String,
    /// The key as written.
    pub name: String,
    pub value: String,
    pub line: u32,
    pub source: ValueSource,
}

/// Normalize a value name: lowercase, trimmed of markup, spaces and hyphens as `_`.
pub fn normalize_key(name: &str) -> String {
    let trimmed = name
        .trim()
        .trim_matches(|c: char| c == '*' || c == '`' || c == '_' || c == ':' || c.is_whitespace());
    let mut out = String::with_capacity(trimmed.len());
    let mut last_us = false;
    for c in trimmed.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            last_us = false;
        } else if (c == ' ' || c == '-' || c == '_' || c == '.') && !last_us && !out.is_empty() {
            out.push('_');
            last_us = true;
        }
    }
    out.trim_end_matches('_').to_string()
}

/// The values a pattern declares in front matter `values:` (a list of names, or a map of
/// name → description).
pub fn declared(fm: Option<&FrontMatter>) -> Vec<ValueSpec> {
    let Some(v) = fm.and_then(|f| f.data.get("values")) else {
        return Vec::new();
    };
    let mut out = Specs::default();
    match v {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(map) => {
                        // `- name: description` or `- {name: x, description: y}`
                        if let Some(name) = map.get("name").and_then(scalar_string) {
                            let description = map.get("description").and_then(scalar_string);
                            push_spec(&mut out, &name, description);
                        } else {
                            for (k, d) in map {
                                push_spec(&mut out, k, scalar_string(d));
                            }
                        }
                    }
                    other => {
                        if let Some(name) = scalar_string(other) {
                            push_spec(&mut out, &name, None);
                        }
                    }
                }
            }
        }
        Value::Object(map) => {
            for (k, d) in map {
                push_spec(&mut out, k, scalar_string(d));
            }
        }
        Value::String(s) => {
            for name in s.split(',') {
                push_spec(&mut out, name, None);
            }
        }
        _ => {}
    }
    out.specs
}

/// Declared values in order, and their keys (first one wins), so many values stay linear.
#[derive(Default)]
struct Specs {
    specs: Vec<ValueSpec>,
    keys: rustc_hash::FxHashSet<String>,
}

fn push_spec(out: &mut Specs, name: &str, description: Option<String>) {
    let key = normalize_key(name);
    if !key.is_empty() && out.keys.insert(key.clone()) {
        out.specs.push(ValueSpec {
            key,
            name: name.trim().to_string(),
            description: description.filter(|d| !d.is_empty()),
        });
    }
}

/// Headers of a two-column table that holds key/value pairs wherever it appears.
fn is_kv_header(header: &[String]) -> bool {
    if header.len() != 2 {
        return false;
    }
    let a = normalize_key(&header[0]);
    let b = normalize_key(&header[1]);
    matches!(
        a.as_str(),
        "key" | "name" | "setting" | "parameter" | "variable" | "value_name"
    ) && matches!(
        b.as_str(),
        "value" | "site_value" | "setting" | "here" | "this_site"
    )
}

fn in_values_section(heading: Option<&str>) -> bool {
    heading.is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h.contains("values") || h.contains("parameters") || h.contains("settings")
    })
}

/// The values a site doc supplies. `section_heading(i)` gives the heading text of section i.
pub fn supplied<'a>(
    fm: Option<&FrontMatter>,
    tables: &[Table],
    items: &[ListItem],
    section_heading: impl Fn(usize) -> Option<&'a str>,
) -> Vec<SiteValue> {
    let mut out: Vec<SiteValue> = Vec::new();
    // Keys already supplied (first one wins), so a doc with many values stays linear.
    let mut seen: rustc_hash::FxHashSet<String> = Default::default();
    let mut push = |out: &mut Vec<SiteValue>, name: &str, value: String, line: u32, source| {
        let key = normalize_key(name);
        if key.is_empty() || value.is_empty() || !seen.insert(key.clone()) {
            return;
        }
        out.push(SiteValue {
            key,
            name: name.trim().trim_matches(['*', '`']).trim().to_string(),
            value,
            line,
            source,
        });
    };
    if let Some(fm) = fm
        && let Some(Value::Object(map)) = fm.data.get("values")
    {
        for (k, v) in map {
            let value = match v {
                Value::Array(items) => items
                    .iter()
                    .filter_map(scalar_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                other => scalar_string(other).unwrap_or_default(),
            };
            push(&mut out, k, value, 1, ValueSource::FrontMatter);
        }
    }
    for t in tables {
        if t.header.len() < 2 {
            continue;
        }
        if !(is_kv_header(&t.header)
            || (t.header.len() == 2 && in_values_section(section_heading(t.section))))
        {
            continue;
        }
        for (line, row) in &t.rows {
            if row.len() >= 2 {
                push(
                    &mut out,
                    &row[0],
                    row[1].trim().to_string(),
                    *line,
                    ValueSource::Table,
                );
            }
        }
    }
    for item in items {
        if item.depth > 0 || !in_values_section(section_heading(item.section)) {
            continue;
        }
        if let Some((k, v)) = item.text.split_once(':') {
            let k = k.trim();
            if k.is_empty() || k.split_whitespace().count() > 5 {
                continue;
            }
            push(
                &mut out,
                k,
                v.trim().to_string(),
                item.line,
                ValueSource::List,
            );
        }
    }
    out
}

// ---- the one rule: does a site supply the value a pattern needs? -------------------------
//
// Lint (`missing-values`), the pattern page's Followed-by panel, a site doc's "Follows" list
// and recommendations all ask this question; they all call `answer`, so a site never gets one
// answer on a page and another in CI.

/// Is a supplied value a placeholder (`TODO`, `TBD`, `?`, `n/a`, …) rather than a value?
/// A placeholder supplies nothing.
pub fn is_placeholder(value: &str) -> bool {
    let v = value
        .trim()
        .trim_matches(['`', '*', '_'])
        .to_ascii_lowercase();
    v.is_empty()
        || matches!(
            v.as_str(),
            "todo" | "tbd" | "?" | "-" | "—" | "n/a" | "xxx" | "fixme" | "..."
        )
}

/// Does a supplied key name the declared one? Equal keys do, and so does a supplied key
/// holding the declared one as whole words (`acme_contact` in `acme_contact_email`), never
/// part of a word (`contact` is not in `contacts`).
pub fn key_answers(declared: &str, supplied: &str) -> bool {
    if declared == supplied {
        return true;
    }
    let d: Vec<&str> = declared.split('_').collect();
    let s: Vec<&str> = supplied.split('_').collect();
    s.windows(d.len()).any(|w| w == d.as_slice())
}

/// The value that answers a declared one, searched in the supplying docs in the order given
/// (callers put the doc at hand first, then the site's other docs that follow the pattern).
/// An exact key anywhere wins over a whole-word match; placeholders are skipped. Returns the
/// index of the doc in `docs` and the value, or `None` when the site does not supply it.
pub fn answer<'a>(spec: &ValueSpec, docs: &[&'a [SiteValue]]) -> Option<(usize, &'a SiteValue)> {
    let usable = |v: &&SiteValue| !is_placeholder(&v.value);
    let find = |exact: bool| {
        docs.iter().enumerate().find_map(|(i, values)| {
            values
                .iter()
                .filter(usable)
                .find(|v| {
                    if exact {
                        v.key == spec.key
                    } else {
                        key_answers(&spec.key, &v.key)
                    }
                })
                .map(|v| (i, v))
        })
    };
    find(true).or_else(|| find(false))
}

/// The declared values no supplying doc answers (see `answer`), in declaration order.
pub fn missing<'s>(declared: &'s [ValueSpec], docs: &[&[SiteValue]]) -> Vec<&'s ValueSpec> {
    declared
        .iter()
        .filter(|spec| answer(spec, docs).is_none())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::front_matter::split;

    fn fm(src: &str) -> FrontMatter {
        split(src).front_matter.unwrap().unwrap()
    }

    fn sv(key: &str, value: &str) -> SiteValue {
        SiteValue {
            key: key.into(),
            name: key.into(),
            value: value.into(),
            line: 1,
            source: ValueSource::Table,
        }
    }

    fn spec(key: &str) -> ValueSpec {
        ValueSpec {
            key: key.into(),
            name: key.into(),
            description: None,
        }
    }

    #[test]
    fn keys_answer_by_whole_words() {
        assert!(key_answers("acme_contact", "acme_contact"));
        assert!(key_answers("acme_contact", "acme_contact_email"));
        assert!(!key_answers("acme_contact", "acme_server"));
        assert!(!key_answers("contact", "contacts"));
        assert!(is_placeholder("TODO"));
        assert!(is_placeholder(" `tbd` "));
        assert!(!is_placeholder("02:00"));
    }

    #[test]
    fn answer_pools_docs_prefers_exact_keys_and_skips_placeholders() {
        let first = [
            sv("retention_days", "TODO"),
            sv("backup_target_host", "nas01"),
        ];
        let second = [sv("retention_days", "30"), sv("backup_target", "nas02")];
        let docs: [&[SiteValue]; 2] = [&first, &second];
        // The placeholder in the first doc supplies nothing; the second doc's value answers.
        let (i, v) = answer(&spec("retention_days"), &docs).unwrap();
        assert_eq!((i, v.value.as_str()), (1, "30"));
        // An exact key in a later doc wins over a whole-word match in the first.
        let (i, v) = answer(&spec("backup_target"), &docs).unwrap();
        assert_eq!((i, v.value.as_str()), (1, "nas02"));
        // A whole-word match answers when nothing matches exactly.
        let only_first: [&[SiteValue]; 1] = [&first];
        assert_eq!(
            answer(&spec("backup_target"), &only_first).map(|(_, v)| v.value.as_str()),
            Some("nas01")
        );
        let declared = [spec("retention_days"), spec("schedule")];
        let names: Vec<&str> = missing(&declared, &only_first)
            .iter()
            .map(|s| s.key.as_str())
            .collect();
        assert_eq!(names, vec!["retention_days", "schedule"]);
    }

    #[test]
    fn keys_normalize() {
        assert_eq!(normalize_key("Backup target"), "backup_target");
        assert_eq!(normalize_key("**retention-days:**"), "retention_days");
        assert_eq!(normalize_key("`listen_port`"), "listen_port");
    }

    #[test]
    fn declared_list_and_map_forms() {
        let d = declared(Some(&fm("---\nvalues: [backup_target, schedule]\n---\n")));
        assert_eq!(
            d.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            vec!["backup_target", "schedule"]
        );
        let d = declared(Some(&fm(
            "---\nvalues:\n  endpoint: public host:port\n  listen_port: UDP port\n---\n",
        )));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].description.as_deref(), Some("public host:port"));
        let d = declared(Some(&fm(
            "---\nvalues:\n  - endpoint: public host\n  - name: tunnel_subnet\n    description: /30\n---\n",
        )));
        assert_eq!(
            d.iter().map(|s| s.key.as_str()).collect::<Vec<_>>(),
            vec!["endpoint", "tunnel_subnet"]
        );
    }

    #[test]
    fn supplied_from_front_matter_table_and_bullets() {
        let src = "---\nvalues:\n  backup_target: nas01\n---\n# Backup\n\n## Site values\n\n| Key | Value |\n|---|---|\n| schedule | 02:00 |\n\n- retention days: 30\n\n## Other\n\n- not: a value\n";
        let f = crate::doc::markdown::parse_source(src);
        let fmv = f.front_matter.clone().unwrap().unwrap();
        let p = f.parsed;
        let heading = |i: usize| {
            p.sections
                .get(i)
                .and_then(|s| s.heading)
                .map(|h| p.headings[h].text.as_str())
        };
        let v = supplied(Some(&fmv), &p.tables, &p.items, heading);
        let keys: Vec<_> = v
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("backup_target", "nas01"),
                ("schedule", "02:00"),
                ("retention_days", "30")
            ]
        );
        assert_eq!(v[1].line, 11);
    }
}

#[cfg(test)]
mod line_tests {
    #[test]
    fn front_matter_values_point_at_their_key_line() {
        let doc = crate::testkit::doc(
            Some("cf"),
            "docs/b.md",
            "---\nfollows: [x-pattern]\nvalues:\n  backup_target: nas01\n  \"schedule\": \"02:00\"\n---\n# B\n",
        );
        let lines: Vec<(&str, u32)> = doc
            .values
            .iter()
            .map(|v| (v.key.as_str(), v.line))
            .collect();
        assert_eq!(lines, vec![("backup_target", 4), ("schedule", 5)]);
    }
}
