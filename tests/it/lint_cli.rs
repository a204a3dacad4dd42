//! End-to-end tests of `netstack lint`: the real binary on a copy of the bundled KB (whose
//! deliberate problems it must report, and little else), ad-hoc CI checkouts, output formats
//! (SARIF validated against the official 2.1.0 schema), baselines, suppression, exit codes.

use std::path::Path;

use serde_json::Value;

use crate::util::{bundled_copy, copy_dir, netstack};

fn lint_json(kb: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = netstack()
        .arg("--kb")
        .arg(kb)
        .arg("lint")
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), v, stderr)
}

fn key(f: &Value) -> (String, String, String) {
    (
        f["rule"].as_str().unwrap().to_string(),
        f["site"].as_str().unwrap_or("").to_string(),
        f["path"].as_str().unwrap().to_string(),
    )
}

#[test]
fn bundled_kb_reports_its_deliberate_problems_and_little_else() {
    let (_d, kb) = bundled_copy();
    let (code, findings, _) = lint_json(&kb, &[]);
    assert_eq!(code, 1);
    let mut got: Vec<(String, String, String)> = findings.iter().map(key).collect();
    got.sort();
    let k = |r: &str, s: &str, p: &str| (r.to_string(), s.to_string(), p.to_string());
    let mut want = vec![
        k("duplicate-content", "wf", "docs/backup.md"),
        k("unknown-pattern", "sl", "docs/monitoring.md"),
        k("unknown-pattern", "sl", "docs/services.md"),
        k("broken-link", "cf", "docs/network.md"),
        k("broken-link", "cf", "docs/network.md"),
        k("unlinked-procedure", "wf", "docs/printer-setup.md"),
        k("missing-values", "cf", "docs/certificates.md"),
        k("missing-contract", "wf", ".wip-contract.md"),
        k(
            "site-values-in-pattern",
            "",
            "docs/lan/network/dns-split-horizon-pattern.md",
        ),
        // Pattern repo: a retired page still linked (on purpose, as a cautionary tale) and an
        // anchor the backup pattern does not have.
        k("broken-link", "", "docs/guides/writing-patterns.md"),
        k("broken-link", "", "docs/guides/action-recommendations.md"),
    ];
    want.sort();
    assert_eq!(got, want, "{findings:#?}");

    let find = |rule: &str, path: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule && f["path"] == path)
            .unwrap()
    };
    let dup = find("duplicate-content", "docs/backup.md");
    assert_eq!(dup["severity"], "error");
    assert_eq!(dup["pattern"]["id"], "backup-cron-pattern");
    assert_eq!(
        dup["pattern"]["path"],
        "docs/ops/backup/backup-cron-pattern.md"
    );
    assert_eq!(
        dup["pattern"]["url"],
        "https://netstack.org/docs/ops/backup/backup-cron-pattern/"
    );
    let sim = dup["similarity"].as_f64().unwrap();
    assert!((0.4..1.0).contains(&sim), "{sim}");
    // The copied stretch, not the site's values above it or its host table below.
    assert!(dup["line"].as_u64().unwrap() >= 13, "{dup}");
    assert!(dup["end_line"].as_u64().unwrap() <= 81, "{dup}");
    assert_eq!(dup["fingerprint"].as_str().unwrap().len(), 32);

    let mon = find("unknown-pattern", "docs/monitoring.md");
    assert!(
        mon["message"]
            .as_str()
            .unwrap()
            .contains("uptime-probe-pattern")
    );
    assert!(mon["pattern"].is_null() && mon["similarity"].is_null());
    // The reference itself on line 6, not the whole line.
    let line6 = std::fs::read_to_string(kb.join("sl/docs/monitoring.md"))
        .unwrap()
        .lines()
        .nth(5)
        .unwrap()
        .to_string();
    let (a, b) = (
        mon["column"].as_u64().unwrap() as usize,
        mon["end_column"].as_u64().unwrap() as usize,
    );
    assert_eq!(
        &line6[a - 1..b],
        "https://netstack.org/docs/ops/monitor/uptime-probe-pattern/"
    );
    let vals = find("missing-values", "docs/certificates.md");
    assert!(vals["message"].as_str().unwrap().contains("acme_contact"));
    assert_eq!(vals["severity"], "warning");
    let net: Vec<&Value> = findings
        .iter()
        .filter(|f| f["path"] == "docs/network.md")
        .collect();
    assert!(
        net.iter()
            .any(|f| f["message"].as_str().unwrap().contains("switch-config.md"))
    );
    assert!(
        net.iter()
            .any(|f| f["message"].as_str().unwrap().contains("#forwarders"))
    );
    let svp = find(
        "site-values-in-pattern",
        "docs/lan/network/dns-split-horizon-pattern.md",
    );
    assert_eq!(svp["severity"], "info");
    assert!(svp["site"].is_null());

    // Warnings and infos do not fail the default gate on their own.
    let (code, _, _) = lint_json(
        &kb,
        &[
            "wf",
            "--config",
            &write_tmp(&kb, "off.toml", "[rules]\nduplicate-content = \"off\"\n"),
        ],
    );
    assert_eq!(code, 0);
    let (code, f, _) = lint_json(
        &kb,
        &[
            "wf",
            "--fail-on",
            "warning",
            "--config",
            &write_tmp(&kb, "off2.toml", "[rules]\nduplicate-content = \"off\"\n"),
        ],
    );
    assert_eq!(code, 1);
    assert!(f.iter().all(|f| f["site"] == "wf"));
}

fn write_tmp(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn named_sites_and_patterns_only() {
    let (_d, kb) = bundled_copy();
    // By folder and by name.
    let (code, f, _) = lint_json(&kb, &[kb.join("cf").to_str().unwrap(), "sl"]);
    assert_eq!(code, 1);
    let sites: std::collections::BTreeSet<&str> =
        f.iter().map(|f| f["site"].as_str().unwrap()).collect();
    assert_eq!(sites, ["cf", "sl"].into());
    let (_, f, _) = lint_json(&kb, &["--patterns-only"]);
    assert!(f.iter().all(|f| f["site"].is_null()), "{f:#?}");
    assert!(f.iter().any(|f| f["rule"] == "site-values-in-pattern"));
    // Not a folder, not a site: usage error.
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cf, sl, wf"));
}

#[test]
fn ci_checkout_with_patterns_and_no_netstack_toml() {
    let (_d, kb) = bundled_copy();
    // The CI layout: the site repo is the working folder, the pattern repo cloned beside it.
    let work = kb.parent().unwrap().join("work");
    copy_dir(&kb.join("wf"), &work.join("site"));
    copy_dir(&kb.join("netstack"), &work.join("netstack"));
    let out = netstack()
        .current_dir(work.join("site"))
        .args(["lint", "--patterns", "../netstack", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = f.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"duplicate-content"), "{rules:?}");
    assert!(rules.contains(&"unlinked-procedure"), "{rules:?}");
    assert!(rules.contains(&"missing-contract"), "{rules:?}");
    let dup = f.iter().find(|f| f["rule"] == "duplicate-content").unwrap();
    assert_eq!(dup["path"], "docs/backup.md");
    assert_eq!(
        dup["pattern"]["url"],
        "https://netstack.org/docs/ops/backup/backup-cron-pattern/"
    );

    // GitHub annotations relative to the working folder, and a step summary.
    let summary = work.join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = netstack()
        .current_dir(work.join("site"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["lint", "--patterns", "../netstack", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ann = String::from_utf8_lossy(&out.stdout);
    assert!(
        ann.lines()
            .any(|l| l.starts_with("::error file=docs/backup.md,line=")
                && l.contains("title=netstack duplicate-content")),
        "{ann}"
    );
    assert!(
        ann.lines()
            .any(|l| l.starts_with("::warning file=docs/printer-setup.md")),
        "{ann}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("# earlier step\n"),
        "appended, not overwritten"
    );
    assert!(
        md.contains("## netstack lint") && md.contains("`duplicate-content`"),
        "{md}"
    );

    // A pattern repo path that does not exist is a usage error.
    let out = netstack()
        .current_dir(work.join("site"))
        .args(["lint", "--patterns", "../nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // The pattern repo cloned into the site checkout: only the site's own docs are linted.
    copy_dir(&kb.join("netstack"), &work.join("site/vendor/netstack"));
    let inside = netstack()
        .current_dir(work.join("site"))
        .args(["lint", "--patterns", "vendor/netstack", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(inside.status.code(), Some(1));
    let g: Vec<Value> = serde_json::from_slice(&inside.stdout).unwrap();
    let paths = |v: &[Value]| {
        let mut p: Vec<String> = v.iter().map(|f| f["path"].to_string()).collect();
        p.sort();
        p
    };
    assert_eq!(
        paths(&g),
        paths(&f),
        "same findings as with the pattern repo beside it"
    );

    // The pattern repo itself, a folder inside it, or a KB folder holding it: not a site.
    for (dir, path, says) in [
        (work.join("site"), "vendor/netstack", "is the pattern repo"),
        (
            work.join("site"),
            "vendor/netstack/docs",
            "is inside the pattern repo",
        ),
        (kb.clone(), ".", "is a knowledge base folder"),
    ] {
        let out = netstack()
            .current_dir(&dir)
            .args(["lint", path, "--patterns"])
            .arg(if dir == kb {
                "netstack"
            } else {
                "vendor/netstack"
            })
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains(says) && err.contains("--patterns-only"),
            "{err}"
        );
    }
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let (_d, kb) = bundled_copy();
    let out_file = kb.join("lint.sarif");
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "--format", "sarif", "-o"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lint failed"));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    // The OASIS SARIF 2.1.0 schema (rtm.5, as shipped in Microsoft's sarif-js-sdk). Its
    // `run.language` pattern has a stray `]` that strict regex meta-validation rejects; the
    // errata form is used instead (netstack never writes `language`).
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0-rtm.5.json"),
    )
    .unwrap()
    .replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // What GitHub code scanning needs beyond the schema.
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        for k in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!rule[k].is_null(), "{k} missing in {rule}");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        assert!(loc["artifactLocation"]["uriBaseId"].is_string());
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["netstackFingerprint/v1"].is_string());
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
}

#[test]
fn baseline_keys_on_content_not_lines() {
    let (_d, kb) = bundled_copy();
    let baseline = kb.join("lint-baseline.json");
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "--format", "json", "--write-baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let b: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(b["findings"].as_array().unwrap().len(), 11);

    // Lines move: still baselined.
    let backup = kb.join("wf/docs/backup.md");
    let text = std::fs::read_to_string(&backup).unwrap();
    std::fs::write(
        &backup,
        format!("<!-- moved -->\n\nIntro added later.\n\n{text}"),
    )
    .unwrap();
    let b = baseline.to_str().unwrap();
    let (code, f, stderr) = lint_json(&kb, &["--baseline", b]);
    assert_eq!(code, 0, "{f:#?}");
    assert!(f.is_empty());
    assert!(stderr.contains("11 in the baseline"), "{stderr}");

    // A new problem fails the run, alone.
    let dns = kb.join("cf/docs/dns.md");
    let text = std::fs::read_to_string(&dns).unwrap();
    std::fs::write(
        &dns,
        format!("{text}\nSee [the old notes](./old-dns.md).\n"),
    )
    .unwrap();
    let (code, f, _) = lint_json(&kb, &["--baseline", b]);
    assert_eq!(code, 1);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["rule"], "broken-link");
    assert_eq!(f[0]["path"], "docs/dns.md");

    // A broken baseline file is a usage error naming it.
    std::fs::write(&baseline, "not json").unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "--baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lint-baseline.json"));
}

#[test]
fn inline_suppression_and_bad_rule_ids() {
    let (_d, kb) = bundled_copy();
    let backup = kb.join("wf/docs/backup.md");
    let text = std::fs::read_to_string(&backup).unwrap();
    let text = text.replacen(
        "## How the nightly job works\n",
        "## How the nightly job works\n\n<!-- netstack-disable duplicate-content -->\n",
        1,
    );
    std::fs::write(&backup, text).unwrap();
    let printer = kb.join("wf/docs/printer-setup.md");
    let text = std::fs::read_to_string(&printer).unwrap();
    std::fs::write(
        &printer,
        format!("<!-- netstack-disable unlinked-procedur -->\n{text}"),
    )
    .unwrap();
    let (code, f, stderr) = lint_json(&kb, &["wf"]);
    assert_eq!(code, 0, "{f:#?}");
    assert!(!f.iter().any(|f| f["rule"] == "duplicate-content"));
    assert!(stderr.contains("1 suppressed inline"), "{stderr}");
    // The misspelt id suppresses nothing and is reported.
    assert!(f.iter().any(|f| f["rule"] == "unlinked-procedure"));
    let bad = f.iter().find(|f| f["rule"] == "bad-suppression").unwrap();
    assert_eq!(bad["line"], 1);
    assert!(
        bad["message"]
            .as_str()
            .unwrap()
            .contains("unlinked-procedure")
    );
}

#[test]
fn config_errors_explain_and_list_rules() {
    let (_d, kb) = bundled_copy();
    let toml = kb.join("netstack.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        format!("{text}\n[lint.rules]\nbroken-links = \"off\"\n"),
    )
    .unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .arg("lint")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken-links") && err.contains("netstack.toml:"),
        "{err}"
    );
    assert!(err.contains("did you mean `broken-link`"), "{err}");

    let out = netstack()
        .args(["lint", "--explain", "duplicate-content"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("# duplicate-content") && s.contains("## Example") && s.contains("## Fix"));
    let out = netstack()
        .args(["lint", "--explain", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = netstack()
        .args(["lint", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    std::fs::write(
        &toml,
        format!("{text}\n[lint.rules]\nmissing-contract = \"off\"\n"),
    )
    .unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "--list-rules"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    for id in [
        "duplicate-content",
        "unknown-pattern",
        "broken-link",
        "front-matter",
        "missing-contract",
        "invalid-contract",
        "missing-values",
        "unlinked-procedure",
        "site-values-in-pattern",
    ] {
        assert!(s.contains(id), "{id} missing:\n{s}");
    }
    assert!(
        s.lines()
            .any(|l| l.starts_with("missing-contract") && l.contains("off")),
        "{s}"
    );
}

#[test]
fn human_output_has_code_frames_and_a_summary() {
    let (_d, kb) = bundled_copy();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "wf"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(!s.contains('\x1b'), "no colour off a terminal");
    assert!(s.contains("error[duplicate-content]"), "{s}");
    assert!(s.contains("wf/docs/backup.md:15"), "{s}");
    assert!(
        s.contains("| restic encrypts on the client"),
        "code frame: {s}"
    );
    assert!(s.contains("help: Delete the copied text"), "{s}");
    assert!(s.contains("warning[missing-contract]"), "{s}");
    assert!(
        s.lines()
            .last()
            .unwrap()
            .starts_with("lint failed: 1 error, 2 warnings, 0 info in 1 repo"),
        "{s}"
    );
}

#[test]
fn messy_site_front_matter_links_and_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let w = |rel: &str, text: &str| {
        let p = r.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "netstack/docs/ops/x/thing-pattern.md",
        "---\nvalues: [thing_host]\n---\n# Thing\n\n## Steps\n\nDo it.\n",
    );
    w(
        "site/.wip-contract.md",
        "# Contract\n\n## Contact Method\n\n- **Admin actions:** ask around\n",
    );
    w(
        "site/docs/a.md",
        "---\nfollows: [thing-pattern\n---\n# A\n\n[b](./b.md#nope) [img](./img/x.png) [ok](./c.md)\n\n![bin](./data.bin)\n",
    );
    w(
        "site/docs/b.md",
        "# B\n\nfollows netstack thing-pattern\n\n## Values\n\n- thing_host: TODO\n",
    );
    w(
        "site/docs/c.md",
        "# C\n\n<!-- netstack-disable-next-block broken-link -->\n[gone](./gone.md)\n",
    );
    std::fs::write(r.join("site/docs/data.bin"), [0u8, 159, 146, 150]).unwrap();
    let out = netstack()
        .current_dir(r)
        .args(["lint", "--patterns", "netstack", "site", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, u64)> = f
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().into(),
                f["path"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let has = |rule: &str, path: &str, line: u64| got.contains(&(rule.into(), path.into(), line));
    assert!(has("invalid-contract", ".wip-contract.md", 3), "{got:?}");
    assert!(
        (1..=3).any(|l| has("front-matter", "docs/a.md", l)),
        "{got:?}"
    );
    assert!(has("broken-link", "docs/a.md", 6), "{got:?}");
    assert!(
        has("missing-values", "docs/b.md", 3),
        "TODO is no value: {got:?}"
    );
    assert!(
        !got.iter().any(|g| g.1 == "docs/c.md"),
        "suppressed: {got:?}"
    );
    let links: Vec<&Value> = f.iter().filter(|f| f["rule"] == "broken-link").collect();
    assert_eq!(
        links.len(),
        2,
        "anchor in b.md and the missing image: {links:#?}"
    );
    let fm = f.iter().find(|f| f["rule"] == "front-matter").unwrap();
    assert!(
        fm["message"]
            .as_str()
            .unwrap()
            .contains("front matter does not parse")
    );
}

#[test]
fn docs_describe_every_rule_as_explain_does() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lint.md"))
        .unwrap();
    let out = netstack().args(["lint", "--list-rules"]).output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    for line in list.lines().skip(1).take_while(|l| !l.is_empty()) {
        let mut cols = line.split_whitespace();
        let (id, default) = (cols.next().unwrap(), cols.next().unwrap());
        assert!(
            docs.contains(&format!("### `{id}`")),
            "docs/lint.md lacks {id}"
        );
        let explain = netstack().args(["lint", "--explain", id]).output().unwrap();
        let explain = String::from_utf8_lossy(&explain.stdout).into_owned();
        let summary = explain.lines().nth(4).unwrap();
        assert!(
            docs.contains(summary),
            "docs/lint.md is out of date for {id}: {summary}"
        );
        assert!(
            docs.contains(&format!("| [`{id}`](#{id}) | {default} |")),
            "rule table row for {id}"
        );
    }
}

#[test]
fn file_names_with_control_bytes_are_printed_escaped_in_every_text_format() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    let w = |rel: &str, text: &str| {
        let p = r.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    w(
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
    );
    w("netstack/docs/ops/a-pattern.md", "# A pattern\n\ntext\n");
    w(
        "wf/docs/broken\u{1b}]0;PWNED\u{7}.md",
        "---\ntitle: [unclosed \u{1b}[2J\n---\n# x\n",
    );
    for format in ["human", "github"] {
        let out = netstack()
            .arg("--kb")
            .arg(r)
            .args(["lint", "--format", format])
            .output()
            .unwrap();
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{format}: {s:?}"
        );
        assert!(
            s.contains("wf/docs/broken\\u{1b}]0;PWNED\\u{7}.md"),
            "{format}: {s}"
        );
    }
}

/// A file where a folder is expected is called a file (not "does not exist"), and the file
/// system root is refused as a pattern repo instead of walked.
#[test]
fn a_file_or_the_root_as_a_checkout_is_named_for_what_it_is() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("passwd");
    std::fs::write(&file, "root:x:0:0\n").unwrap();
    std::fs::create_dir_all(d.path().join("pat/docs")).unwrap();
    let out = netstack()
        .current_dir(d.path())
        .arg("lint")
        .arg("--patterns")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert!(!err.contains("does not exist"), "{err}");

    let out = netstack()
        .current_dir(d.path())
        .args(["lint", "--patterns", "pat"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a file, not a folder"), "{err}");

    let out = netstack()
        .current_dir(d.path())
        .args(["lint", "--patterns", "/"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("root of the file system"), "{err}");
}
