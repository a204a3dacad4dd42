//! End-to-end tests of `netstack new`: the skeletons the workflow asks for, written into a
//! copy of the bundled sample, read back by `check`, never overwriting, refusing with exit 2
//! and a message that names what to change.

use serde_json::Value;

use crate::util::{bundled_copy, netstack};

#[test]
fn new_contract_writes_a_contract_check_reads_and_never_overwrites() {
    let (_tmp, kb) = bundled_copy();
    // The finding of the site without one prints the command.
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["lint", "wf", "--format", "json"])
        .output()
        .unwrap();
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "missing-contract")
        .unwrap_or_else(|| panic!("{findings:#}"));
    assert!(
        missing["fix"]
            .as_str()
            .unwrap()
            .contains("netstack new contract --site wf --email ADDR"),
        "{missing:#}"
    );

    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args([
            "new",
            "contract",
            "--site",
            "wf",
            "--email",
            "ops@wf.example.org",
        ])
        .args(["--cc", "boss@wf.example.org"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = kb.join("wf/.wip-contract.md");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("## Contact Method"), "{text}");
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["check", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let wf = &v["sites"][2];
    assert_eq!(wf["contract_status"], "ok", "{wf:#}");
    assert_eq!(wf["contract"]["form"], "free-form", "{wf:#}");
    assert_eq!(
        wf["contract"]["contacts"][0]["address"],
        "ops@wf.example.org"
    );
    assert_eq!(
        wf["contract"]["contacts"][0]["cc"][0],
        "boss@wf.example.org"
    );

    // A second run refuses and leaves the contract as it was.
    std::fs::write(&path, "# edited by hand\n").unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args([
            "new",
            "contract",
            "--site",
            "wf",
            "--email",
            "x@wf.example.org",
            "--structured",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".wip-contract.md already exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "# edited by hand\n"
    );

    // The structured form, for a site named in the config whose contract is gone.
    std::fs::remove_file(kb.join("cf/.wip-contract.md")).unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args([
            "new",
            "contract",
            "--site",
            "cf",
            "--email",
            "it@cf.example.org",
            "--structured",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["check", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sites"][0]["contract"]["form"], "structured", "{v:#}");
    assert_eq!(
        v["sites"][0]["contract"]["contacts"][0]["address"],
        "it@cf.example.org"
    );
}

#[test]
fn new_contract_refuses_unknown_sites_bad_addresses_and_the_bundled_sample() {
    let (tmp, kb) = bundled_copy();
    for (args, says) in [
        (
            vec!["--site", "nope", "--email", "a@b.org"],
            "--site `nope` is not a site",
        ),
        (
            vec!["--site", "wf", "--email", "nobody"],
            "--email `nobody` is not an e-mail address",
        ),
    ] {
        let out = netstack()
            .arg("--kb")
            .arg(&kb)
            .args(["new", "contract"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert!(!kb.join("wf/.wip-contract.md").exists());
    // Without a KB here or above, nothing is written into the bundled sample.
    let out = netstack()
        .current_dir(tmp.path())
        .args(["new", "contract", "--site", "wf", "--email", "a@b.org"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --kb"));
}

#[test]
fn new_pattern_lists_the_closest_patterns_first_then_writes_one_the_kb_reads() {
    let (_tmp, kb) = bundled_copy();
    let new = |args: &[&str]| {
        netstack()
            .arg("--kb")
            .arg(&kb)
            .args(["new", "pattern"])
            .args(args)
            .output()
            .unwrap()
    };
    // Close patterns exist: listed, nothing written, exit 1.
    let out = new(&["ops/backup", "backup-rotation"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Check the pattern repo first"), "{text}");
    assert!(text.contains("backup-cron-pattern"), "{text}");
    assert!(text.contains("--force"), "{text}");
    let path = kb.join("netstack/docs/ops/backup/backup-rotation-pattern.md");
    assert!(!path.exists());
    // --force goes on, and says where it will be published.
    let out = new(&[
        "ops/backup",
        "backup-rotation",
        "--force",
        "--title",
        "Backup rotation",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("https://netstack.org/docs/ops/backup/backup-rotation-pattern/"),
        "{text}"
    );
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("# Backup rotation\n"), "{written}");
    assert!(
        written.contains("values:"),
        "the sample's patterns declare values: {written}"
    );
    assert!(written.contains("## Verification"), "{written}");
    // The KB now has it as a pattern.
    let out = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["check", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["patterns"], 37, "{}", v["patterns"]);

    // Nothing close: written without --force.
    let out = new(&["lan/printing", "print-queue"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        kb.join("netstack/docs/lan/printing/print-queue-pattern.md")
            .is_file()
    );

    // Refusals: an existing id (even with --force), a category outside the docs folder.
    for (args, says) in [
        (
            vec!["ops/backup", "backup-rotation", "--force"],
            "`backup-rotation-pattern` already exists",
        ),
        (
            vec!["wan", "dynamic-dns-pattern", "--force"],
            "already exists",
        ),
        (
            vec!["../../etc", "x", "--force"],
            "is not a folder below the docs folder",
        ),
    ] {
        let out = new(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
