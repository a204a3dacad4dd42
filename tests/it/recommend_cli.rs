//! End-to-end tests of `netstack recommend`: the real binary on the bundled sample KB and on
//! KBs made in temp folders.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

use crate::util::{copy_dir, write};

fn content() -> PathBuf {
    crate::util::bundled()
}

/// 2025-10-14 09:30:00 UTC
const T0: i64 = 1_760_434_200;

fn netstack(kb: &Path) -> Command {
    let mut c = crate::util::netstack();
    c.env("SOURCE_DATE_EPOCH", T0.to_string())
        .arg("--kb")
        .arg(kb);
    c
}

/// A KB: a pattern repo with one pattern and a site `hq` with the given contract line.
fn kb_with_contract(root: &Path, contract_line: &str) {
    write(
        root,
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.example.org/\"]\n\n[[sites]]\nname = \"hq\"\npath = \"hq\"\n\n[recommend]\nfrom = \"netstack <netstack@example.org>\"\n",
    );
    write(
        root,
        "netstack/docs/ops/backup/backup-cron-pattern.md",
        "---\nvalues: [backup_target, schedule, retention_days]\n---\n# Backup cron pattern\n\nRun `restic backup` nightly.\n\n## Verification\n\n`restic snapshots`\n",
    );
    write(
        root,
        "hq/.wip-contract.md",
        format!(
            "# HQ contract\n\n## Contact Method\n\n- {contract_line}\n- **Admin actions:** Email to boss@example.org\n"
        ),
    );
    write(
        root,
        "hq/docs/backup.md",
        "# Backup at HQ\n\nRuns per netstack backup-cron-pattern.\n\n## Values\n\n- backup_target: nas.hq.lan\n- schedule: 01:30 daily\n",
    );
}

/// The bar: a free-form contract naming ops@example.org gets a valid e-mail to that address
/// whose body holds the pattern's published URL and the site values.
#[test]
fn free_form_contract_email_is_valid_rfc5322() {
    let dir = tempfile::tempdir().unwrap();
    kb_with_contract(
        dir.path(),
        "**Action recommendations:** Email to ops@example.org with netstack pattern link",
    );
    let out = netstack(dir.path())
        .args([
            "recommend",
            "--site",
            "hq",
            "--pattern",
            "backup-cron-pattern",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = out.stdout;
    let msg = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("RFC 5322");
    let to: Vec<&str> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, vec!["ops@example.org"]);
    assert_eq!(
        msg.from().unwrap().first().unwrap().address(),
        Some("netstack@example.org")
    );
    assert_eq!(
        msg.subject(),
        Some("[netstack hq] Follow Backup cron pattern (backup-cron-pattern)")
    );
    assert_eq!(msg.date().unwrap().to_rfc3339(), "2025-10-14T09:30:00Z");
    let body = msg.body_text(0).unwrap();
    assert!(
        body.contains("https://netstack.example.org/docs/ops/backup/backup-cron-pattern/"),
        "{body}"
    );
    assert!(
        body.contains("nas.hq.lan") && body.contains("01:30 daily"),
        "{body}"
    );
    // The value the site did not record is shown, to be filled; stderr says so.
    assert!(
        body.contains("retention_days") && body.contains("(to be filled)"),
        "{body}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("retention_days not recorded at hq"),
        "{stderr}"
    );
    // Never the pattern re-explained.
    assert!(!body.contains("restic backup"), "{body}");
}

#[test]
fn bundled_sites_route_per_their_contracts() {
    let kb = content();
    // cf (free form): e-mail to the action-recommendations contact with its cc.
    let out = netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cf",
            "--pattern",
            "backup-cron-pattern",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let msg = mail_parser::MessageParser::default()
        .parse(&out.stdout)
        .unwrap();
    let cc: Vec<&str> = msg
        .cc()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(cc, vec!["facilities@cedarfalls.example.org"]);

    // sl (structured): a security error goes to the NOC room and to lab ops.
    let out = netstack(&kb)
        .args([
            "recommend",
            "--site",
            "sl",
            "--pattern",
            "certificate-renewal-pattern",
            "--severity",
            "error",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("==> matrix noc (matrix #sl-noc:example.org) <=="),
        "{stdout}"
    );
    assert!(
        stdout.contains("==> email ops (email labops@stonelake.example.org) <=="),
        "{stdout}"
    );
    assert!(stdout.contains("\"format\": \"org.matrix.custom.html\""));
    // --contact picks one.
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "sl",
            "--pattern",
            "certificate-renewal-pattern",
            "--severity",
            "error",
            "--contact",
            "noc",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::starts_with("{")
                .and(predicate::str::contains("\"msgtype\": \"m.text\"")),
        );
    // Info goes to the tracker, as an issue body.
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "sl",
            "--pattern",
            "backup-cron-pattern",
            "--severity",
            "info",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("# Follow "))
        .stdout(predicate::str::contains("## Suggested action"))
        .stderr(predicate::str::contains(
            "tracker (issue https://github.com/example-fed/sl)",
        ));
}

#[test]
fn every_format_renders_and_json_is_the_model() {
    let kb = content();
    for format in ["issue", "email", "matrix", "slack", "json"] {
        let out = netstack(&kb)
            .args([
                "recommend",
                "--site",
                "cf",
                "--pattern",
                "backup-cron-pattern",
                "--format",
                format,
                "--set",
                "schedule=03:00 daily",
                "--note",
                "Drill found the copy late.",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("https://netstack.org/docs/ops/backup/backup-cron-pattern/"),
            "{format}"
        );
        assert!(text.contains("03:00 daily"), "{format}");
        assert!(text.contains("Drill found the copy late."), "{format}");
        if ["matrix", "slack", "json"].contains(&format) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if format == "json" {
                assert_eq!(v["site"]["name"], "cf");
                assert_eq!(v["pattern"]["id"], "backup-cron-pattern");
                assert_eq!(
                    v["recipients"][0]["address"],
                    "it-admin@cedarfalls.example.org"
                );
            }
        }
    }
}

#[test]
fn mistakes_exit_2_and_say_what_to_do() {
    let kb = content();
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cff",
            "--pattern",
            "backup-cron-pattern",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown site `cff` (did you mean cf?)",
        ));
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cf",
            "--pattern",
            "backup-corn-pattern",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean backup-cron-pattern?",
        ));
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "wf",
            "--pattern",
            "backup-cron-pattern",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("wf/.wip-contract.md"))
        .stderr(predicate::str::contains(
            "**Action recommendations:** Email to",
        ));
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cf",
            "--pattern",
            "backup-cron-pattern",
            "--set",
            "novalue",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("KEY=VALUE"));
    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cf",
            "--pattern",
            "backup-cron-pattern",
            "--contact",
            "nobody",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no contact `nobody`"));

    netstack(&kb)
        .args([
            "recommend",
            "--site",
            "cf",
            "--pattern",
            "backup-cron-pattern",
            "--due",
            "next week",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("write it as YYYY-MM-DD"));

    // A contract whose recommendations line has no address.
    let dir = tempfile::tempdir().unwrap();
    kb_with_contract(dir.path(), "**Action recommendations:** Email to the admin");
    netstack(dir.path())
        .args([
            "recommend",
            "--site",
            "hq",
            "--pattern",
            "backup-cron-pattern",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hq/.wip-contract.md:5"))
        .stderr(predicate::str::contains("add an e-mail address"));
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".netstack.lock")
        .collect();
    v.sort();
    v
}

#[test]
fn outbox_runs_are_idempotent() {
    let kb = content();
    let out = tempfile::tempdir().unwrap();
    let run = |t: i64| {
        netstack(&kb)
            .env("SOURCE_DATE_EPOCH", t.to_string())
            .args([
                "recommend",
                "--site",
                "sl",
                "--pattern",
                "certificate-renewal-pattern",
                "--severity",
                "error",
                "--outbox",
            ])
            .arg(out.path())
            .output()
            .unwrap()
    };
    let first = run(T0);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let files = listing(out.path());
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(files.iter().any(|f| f.ends_with(".noc.matrix.json")));
    assert!(files.iter().any(|f| f.ends_with(".ops.eml")));
    let eml = files.iter().find(|f| f.ends_with(".eml")).unwrap();
    let eml_before = std::fs::read(out.path().join(eml)).unwrap();
    assert!(String::from_utf8_lossy(&first.stderr).contains("new: send the files above"));

    let second = run(T0 + 3600);
    assert!(second.status.success());
    assert_eq!(listing(out.path()), files);
    assert_eq!(std::fs::read(out.path().join(eml)).unwrap(), eml_before);
    assert!(String::from_utf8_lossy(&second.stderr).contains("seen 2 times"));
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("ledger.json")).unwrap()).unwrap();
    let e = &ledger["recommendations"][0];
    assert_eq!(ledger["recommendations"].as_array().unwrap().len(), 1);
    assert_eq!(e["times_seen"], 2);
    assert_eq!(e["first_seen"], "2025-10-14T09:30:00Z");
    assert_eq!(e["last_seen"], "2025-10-14T10:30:00Z");
    assert_eq!(e["status"], "open");
    assert_eq!(e["recipients"][0]["contact"], "noc");
    assert!(
        e["recipients"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".noc.matrix.json")
    );
}

/// A run killed between writing the new ledger and renaming it over the old one leaves the
/// old ledger intact and readable; the next run cleans up and carries on.
#[test]
fn a_killed_run_leaves_the_ledger_readable() {
    let kb = content();
    let out = tempfile::tempdir().unwrap();
    let args = [
        "recommend",
        "--site",
        "cf",
        "--pattern",
        "backup-cron-pattern",
        "--outbox",
    ];
    netstack(&kb).args(args).arg(out.path()).assert().success();
    let before = std::fs::read(out.path().join("ledger.json")).unwrap();

    let killed = netstack(&kb)
        .env("SOURCE_DATE_EPOCH", (T0 + 60).to_string())
        .env("NETSTACK_FAILPOINT", "outbox-ledger-before-rename")
        .args(args)
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        !killed.status.success(),
        "the failpoint must abort the process"
    );
    // The new ledger was fully written to a temp file, then the process died.
    let temps: Vec<String> = listing(out.path())
        .into_iter()
        .filter(|f| f.starts_with(".netstack-tmp-"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    let after = std::fs::read(out.path().join("ledger.json")).unwrap();
    assert_eq!(after, before, "the ledger is untouched");
    let _: serde_json::Value = serde_json::from_slice(&after).unwrap();

    let next = netstack(&kb)
        .env("SOURCE_DATE_EPOCH", (T0 + 120).to_string())
        .args(args)
        .arg(out.path())
        .output()
        .unwrap();
    assert!(next.status.success());
    assert!(
        !listing(out.path())
            .iter()
            .any(|f| f.starts_with(".netstack-tmp-"))
    );
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("ledger.json")).unwrap()).unwrap();
    assert_eq!(ledger["recommendations"][0]["times_seen"], 2);
}

fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

/// The bar: two `lint --recommend` runs in a row leave the same set of files; a fixed finding
/// is then marked resolved.
#[test]
fn lint_recommend_runs_are_idempotent_and_resolve_fixed_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    copy_dir(&content(), &kb);
    let out = tmp.path().join("outbox");
    let run = |t: i64| {
        netstack(&kb)
            .env("SOURCE_DATE_EPOCH", t.to_string())
            .args(["lint", "--format", "json", "--recommend", "--outbox"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let first = run(T0);
    assert_eq!(first.status.code(), Some(1), "lint still fails on errors");
    let findings: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert!(
        findings.as_array().unwrap().len() > 3,
        "stdout stays the lint output"
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("recommendations:"), "{stderr}");
    assert!(stderr.contains("findings of wf not routed"), "{stderr}");
    let files1 = contents(&out);
    assert!(files1.len() >= 3, "{:?}", listing(&out));
    // Every message file names its recommendation's key, and every e-mail parses.
    for (name, bytes) in &files1 {
        if name.ends_with(".eml") {
            let msg = mail_parser::MessageParser::default().parse(bytes).unwrap();
            assert!(msg.to().is_some(), "{name}");
        }
    }

    let second = run(T0 + 86_400);
    assert_eq!(second.status.code(), Some(1));
    let files2 = contents(&out);
    assert_eq!(
        files1.iter().map(|f| &f.0).collect::<Vec<_>>(),
        files2.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "the same set of files"
    );
    for (a, b) in files1.iter().zip(&files2) {
        if a.0 != "ledger.json" {
            assert_eq!(a, b, "{} changed", a.0);
        }
    }
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("ledger.json")).unwrap()).unwrap();
    let entries = ledger["recommendations"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["times_seen"] == 2 && e["status"] == "open")
    );

    // cf records the missing ACME contact: that recommendation is resolved.
    let doc = kb.join("cf/docs/certificates.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let fixed = text.replacen(
        "| domains |",
        "| acme_contact | it-admin@cedarfalls.example.org |\n| domains |",
        1,
    );
    assert_ne!(fixed, text);
    std::fs::write(&doc, fixed).unwrap();
    let third = run(T0 + 2 * 86_400);
    assert!(String::from_utf8_lossy(&third.stderr).contains("1 resolved"));
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("ledger.json")).unwrap()).unwrap();
    let resolved: Vec<&str> = ledger["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "resolved")
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(resolved.len(), 1);
    assert!(resolved[0].starts_with("cf.missing-values.certificate-renewal-pattern."));
}
