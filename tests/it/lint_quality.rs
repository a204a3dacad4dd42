//! The quality bar of `duplicate-content`, measured on the labelled set in
//! `tests/lint-quality/` (see its `manifest.toml`; the bundled sample in `content/` is part of it): precision ≥ 0.95 and recall ≥ 0.9 at the
//! level of (site doc, pattern doc) pairs, over verbatim and edited copies and honest docs
//! that share the patterns' vocabulary.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

#[derive(Debug, serde::Deserialize)]
struct Manifest {
    doc: Vec<Entry>,
}

#[derive(Debug, serde::Deserialize)]
struct Entry {
    site: String,
    path: String,
    label: String,
    source: Option<String>,
    edit: Option<String>,
}

fn set_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint-quality")
}

fn markdown_files(dir: &Path, rel: &str, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir.join(rel)).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if e.file_type().unwrap().is_dir() {
            markdown_files(dir, &child, out);
        } else if name.ends_with(".md") {
            out.push(child);
        }
    }
}

#[test]
fn duplicate_content_precision_and_recall_on_the_labelled_set() {
    let dir = set_dir();
    let manifest: Manifest =
        toml::from_str(&std::fs::read_to_string(dir.join("manifest.toml")).unwrap()).unwrap();

    // Every site doc is labelled, and every label names a real file.
    let labelled: BTreeSet<(String, String)> = manifest
        .doc
        .iter()
        .map(|d| (d.site.clone(), d.path.clone()))
        .collect();
    assert_eq!(labelled.len(), manifest.doc.len(), "duplicate labels");
    let mut on_disk = BTreeSet::new();
    // cf, sl and wf are the bundled sample sites; indep and copies live beside the manifest.
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    for site in ["cf", "sl", "wf", "indep", "copies"] {
        let mut files = Vec::new();
        let root = match site {
            "cf" | "sl" | "wf" => content.join(site),
            _ => dir.join("sites").join(site),
        };
        markdown_files(&root, "", &mut files);
        for f in files {
            on_disk.insert((site.to_string(), f));
        }
    }
    assert_eq!(labelled, on_disk, "manifest.toml must label every site doc");

    let expected: BTreeSet<(String, String, String)> = manifest
        .doc
        .iter()
        .filter(|d| d.label == "copy")
        .map(|d| {
            (
                d.site.clone(),
                d.path.clone(),
                d.source.clone().expect("a copy names its source"),
            )
        })
        .collect();
    let honest = manifest.doc.iter().filter(|d| d.label == "honest").count();
    assert!(
        expected.len() >= 40 && honest >= 40,
        "the set must mean something: {} copies, {honest} honest docs",
        expected.len()
    );

    let out = crate::util::netstack()
        .arg("--kb")
        .arg(&dir)
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let predicted: BTreeSet<(String, String, String)> = findings
        .iter()
        .filter(|f| f["rule"] == "duplicate-content")
        .map(|f| {
            (
                f["site"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["pattern"]["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    let tp = predicted.intersection(&expected).count();
    let precision = tp as f64 / predicted.len().max(1) as f64;
    let recall = tp as f64 / expected.len() as f64;
    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for d in manifest.doc.iter().filter(|d| d.label == "copy") {
        let e = per_kind
            .entry(d.edit.clone().unwrap_or_default())
            .or_default();
        e.1 += 1;
        if predicted.contains(&(
            d.site.clone(),
            d.path.clone(),
            d.source.clone().unwrap_or_default(),
        )) {
            e.0 += 1;
        }
    }
    let edited: (usize, usize) = per_kind
        .iter()
        .filter(|(k, _)| k.as_str() != "verbatim")
        .fold((0, 0), |a, (_, v)| (a.0 + v.0, a.1 + v.1));
    eprintln!(
        "duplicate-content: precision {precision:.3}, recall {recall:.3} ({tp} of {} copies, {} predicted); edited copies {}/{}; per edit: {per_kind:?}",
        expected.len(),
        predicted.len(),
        edited.0,
        edited.1
    );
    for fp in predicted.difference(&expected) {
        eprintln!("false positive: {fp:?}");
    }
    for fneg in expected.difference(&predicted) {
        eprintln!("missed: {fneg:?}");
    }
    assert!(precision >= 0.95, "precision {precision:.3} < 0.95");
    assert!(recall >= 0.9, "recall {recall:.3} < 0.9");
    assert!(
        edited.0 as f64 / edited.1 as f64 >= 0.9,
        "recall on edited copies {}/{} < 0.9",
        edited.0,
        edited.1
    );
    // No honest doc is reported at all.
    for f in findings.iter().filter(|f| f["rule"] == "duplicate-content") {
        let key = (
            f["site"].as_str().unwrap().to_string(),
            f["path"].as_str().unwrap().to_string(),
        );
        let e = manifest
            .doc
            .iter()
            .find(|d| (d.site.clone(), d.path.clone()) == key)
            .unwrap();
        assert_eq!(e.label, "copy", "honest doc reported: {f}");
    }
}
