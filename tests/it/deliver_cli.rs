//! End-to-end tests of `netstack deliver`, `netstack outbox` and `lint --recommend
//! --deliver` that need no mail server: picking the outbox, exit codes, `--dry-run`
//! changing nothing, the listing by state, and `[deliver]` config errors. Delivery over
//! SMTP to a real server is in `deliver_smtp`.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::util::bundled_copy;

/// 2025-10-14 09:30:00 UTC
pub const T0: i64 = 1_760_434_200;

/// `netstack --kb KB` at a fixed time.
pub fn netstack(kb: &Path) -> assert_cmd::Command {
    let mut c = crate::util::netstack();
    c.env("SOURCE_DATE_EPOCH", T0.to_string())
        .arg("--kb")
        .arg(kb);
    c
}

/// Every file of a folder with its bytes (to prove a command changed nothing).
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            out.push((e.path(), std::fs::read(e.path()).unwrap()));
        }
    }
    out.sort();
    out
}

/// The bundled KB copied, linted into `<kb>/out` (5 e-mail recommendations for cf and sl).
pub fn recorded() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, kb) = bundled_copy();
    let out = kb.join("out");
    netstack(&kb)
        .args(["lint", "--recommend", "--outbox"])
        .arg(&out)
        .assert()
        .code(1);
    (tmp, kb, out)
}

#[test]
fn deliver_without_smtp_config_is_a_configuration_error_and_sends_nothing() {
    let (_t, kb, out) = recorded();
    let before = snapshot(&out);
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "not configured email it-admin@cedarfalls.example.org",
        ))
        .stdout(predicate::str::contains("add a [deliver.smtp] section"))
        .stderr(predicate::str::contains("5 not configured"));
    let after = snapshot(&out);
    assert_eq!(before.len(), after.len());
    let ledger = std::fs::read_to_string(out.join("ledger.json")).unwrap();
    assert_eq!(
        ledger.matches("\"state\": \"pending\"").count(),
        5,
        "{ledger}"
    );
    // The listing shows them pending, grouped, with their files.
    netstack(&kb)
        .arg("outbox")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("pending (5)\n"))
        .stdout(predicate::str::contains(
            "waiting for `netstack deliver` (cf.missing-values.certificate-renewal-pattern.",
        ));
    netstack(&kb)
        .args(["outbox", "--state", "sent"])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let json = netstack(&kb)
        .args(["outbox", "--json"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 5);
    assert_eq!(rows[0]["shown"], "pending");
    assert_eq!(rows[0]["state"], "pending");
    assert_eq!(rows[0]["method"], "email");
}

#[test]
fn missing_outbox_and_bad_deliver_config_are_usage_errors_naming_what_to_fix() {
    let (_t, kb) = bundled_copy();
    netstack(&kb)
        .arg("deliver")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no outbox: pass --outbox DIR"));
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(kb.join("nope"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no outbox here (no ledger.json)"));
    assert!(!kb.join("nope").exists(), "a typo creates no folder");
    netstack(&kb)
        .arg("outbox")
        .arg(kb.join("nope"))
        .assert()
        .code(2);
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    let line = toml.lines().count() + 4;
    std::fs::write(
        kb.join("netstack.toml"),
        format!("{toml}\n[deliver.smtp]\nhost = \"smtp.example.org\"\nport_number = 25\n"),
    )
    .unwrap();
    netstack(&kb)
        .args(["deliver", "--outbox", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("port_number"))
        .stderr(predicate::str::contains(format!("netstack.toml:{line}")));
}

#[test]
fn lint_deliver_records_then_delivers_keeping_stdout_for_lint() {
    let (_t, kb) = bundled_copy();
    let out = kb.join("out");
    let assert = netstack(&kb)
        .args([
            "lint",
            "--format",
            "json",
            "--recommend",
            "--deliver",
            "--outbox",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("5 not configured"));
    // stdout stays the lint JSON.
    let _: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert!(out.join("ledger.json").is_file());
}
#[test]
fn dry_run_prints_what_would_go_where_and_changes_nothing() {
    let (_t, kb, out) = recorded();
    std::fs::write(
        kb.join("netstack.toml"),
        std::fs::read_to_string(kb.join("netstack.toml")).unwrap()
            + "outbox = \"out\"\n\n[deliver]\nmax_per_run = 3\n\n[deliver.smtp]\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\n",
    )
    .unwrap();
    let before = snapshot(&out);
    let assert = netstack(&kb)
        .args(["deliver", "--dry-run"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "would send 3, 0 failed (retried later), 0 given up, 2 held back by caps",
        ))
        .stderr(predicate::str::contains("dry run: nothing changed"));
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(stdout.matches("would send email ").count(), 3, "{stdout}");
    assert!(
        stdout.contains("would send email it-admin@cedarfalls.example.org cc facilities@cedarfalls.example.org: "),
        "{stdout}"
    );
    assert!(stdout.contains("max_per_run = 3"), "{stdout}");
    assert!(stdout.contains(".eml)"), "{stdout}");
    assert_eq!(snapshot(&out), before, "a dry run changes nothing");
}
