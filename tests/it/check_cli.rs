//! End-to-end tests of `netstack check` and `netstack init`: the real binary on the bundled
//! sample and on messy knowledge bases built in temp folders.

use std::path::Path;

use serde_json::Value;

use crate::util::{bundled, netstack, older_federation, write};

fn check_json(kb: &Path) -> Value {
    let out = netstack()
        .arg("--kb")
        .arg(kb)
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn bundled_sample_summary_has_the_documented_shape() {
    let v = check_json(&bundled());
    assert!(v["patterns"].as_u64().unwrap() >= 30, "{}", v["patterns"]);
    assert!(v["docs"].as_u64().unwrap() > 80);
    let sites = v["sites"].as_array().unwrap();
    let names: Vec<&str> = sites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["cf", "sl", "wf"]);
    for s in sites {
        assert!(s["docs"].as_u64().unwrap() >= 8, "{s}");
    }
    // cf: free form with cc; sl: structured with three contacts; wf: none.
    let cf = &sites[0]["contract"]["contacts"][0];
    assert_eq!(cf["method"], "email");
    assert_eq!(cf["address"], "it-admin@cedarfalls.example.org");
    assert_eq!(cf["cc"][0], "facilities@cedarfalls.example.org");
    assert_eq!(
        sites[1]["contract"]["contacts"].as_array().unwrap().len(),
        3
    );
    assert!(sites[2]["contract"].is_null());
    assert_eq!(sites[2]["contract_status"], "missing");

    // The deliberate broken references, with file and line.
    let unresolved = v["unresolved_references"].as_array().unwrap();
    let has = |site: &str, path: &str, target: &str| {
        unresolved.iter().any(|u| {
            u["site"] == site
                && u["path"] == path
                && u["target"].as_str().unwrap().contains(target)
                && u["line"].as_u64().unwrap() > 0
        })
    };
    assert!(
        has("sl", "docs/monitoring.md", "uptime-probe-pattern"),
        "{unresolved:#?}"
    );
    assert!(
        has("sl", "docs/services.md", "grafana-dashboard-pattern"),
        "{unresolved:#?}"
    );
    // Every reference form resolves somewhere in the sample.
    let forms = v["references"]["by_form"].as_object().unwrap();
    for f in [
        "published-url",
        "forge-url",
        "relative-path",
        "front-matter",
        "prose",
    ] {
        assert!(
            forms.get(f).and_then(Value::as_u64).unwrap_or(0) >= 2,
            "form {f}: {forms:?}"
        );
    }
    assert_eq!(
        v["problems"].as_array().unwrap().len(),
        0,
        "{}",
        v["problems"]
    );
}

#[test]
fn human_summary_lists_categories_sites_and_unresolved() {
    let out = netstack()
        .arg("--kb")
        .arg(bundled())
        .arg("check")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "ops/backup",
        "lan/network",
        "contract ok",
        "contract missing",
        "uptime-probe-pattern",
        "sl/docs/monitoring.md:",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
}

/// Issue 12 item 1: sites whose docs link guides, index pages and folder URLs of the pattern
/// repo (and no pattern) report what they link, next to the patterns they follow.
#[test]
fn sites_of_an_older_federation_report_the_pattern_repo_docs_they_link() {
    let dir = tempfile::tempdir().unwrap();
    older_federation(dir.path());
    let v = check_json(dir.path());
    let site = |name: &str| {
        v["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    for (name, followed, linked) in [("hq", 0, 3), ("lab", 1, 1), ("farm", 0, 1)] {
        let s = site(name);
        assert_eq!(s["patterns_followed"], followed, "{s:#}");
        assert_eq!(s["docs_linked"], linked, "{s:#}");
    }
    assert_eq!(
        v["references"]["unresolved"], 0,
        "a folder URL without an index page resolves to the folder: {v:#}"
    );

    let out = netstack()
        .arg("--kb")
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let hq = text
        .lines()
        .find(|l| l.trim_start().starts_with("hq "))
        .unwrap();
    assert!(
        hq.contains("follows  0 patterns  links  3 pattern-repo docs"),
        "{text}"
    );
}

#[test]
fn messy_kb_loads_everything_it_can_and_names_every_problem() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\n\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n\n[[sites]]\nname = \"gone\"\npath = \"does-not-exist\"\n",
    );
    write(
        r,
        "netstack/docs/ops/backup/backup-cron-pattern.md",
        "# Backup cron\n\nRun it nightly.\n",
    );
    write(r, "netstack/docs/ops/good-pattern.md", "# Good\n\nFine.\n");
    write(
        r,
        "netstack/docs/wan/backup-cron-pattern.md",
        "# Same id, other folder\n",
    );
    write(
        r,
        "netstack/docs/latin1.md",
        b"# Caf\xe9\n\nline two \xff\n".as_slice(),
    );
    write(
        r,
        "netstack/docs/bad-yaml-pattern.md",
        "---\ntitle: x\ntags: [a, b\n---\n# Bad yaml\n",
    );
    write(
        r,
        "netstack/docs/bad-toml.md",
        "+++\ntitle = \n+++\n# Bad toml\n",
    );
    write(
        r,
        "netstack/docs/unterminated.md",
        "---\ntitle: never closed\n# Heading\n\nBody text.\n",
    );
    write(r, "netstack/docs/empty.md", "");
    write(
        r,
        "netstack/docs/picture.md",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice(),
    );
    let big = "| a | b |\n|---|---|\n".to_string()
        + &"| 10.0.0.1 | log line with some words in it |\n".repeat(120_000);
    assert!(big.len() > 5_000_000);
    write(r, "netstack/docs/huge-log.md", format!("# Huge\n\n{big}"));
    write(
        r,
        "cf/docs/backup.md",
        "# cf backup\n\nRuns per netstack backup-cron-pattern.\n\n[missing](https://netstack.org/docs/ops/nope-pattern/)\n",
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink(r.join("cf/docs"), r.join("cf/docs/loop")).unwrap();

    let v = check_json(r);
    let problems = v["problems"].as_array().unwrap();
    let find = |path: &str, kind: &str| {
        problems
            .iter()
            .find(|p| p["path"].as_str().unwrap().ends_with(path) && p["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} problem for {path} in {problems:#?}"))
    };
    assert_eq!(find("netstack/docs/latin1.md", "encoding")["line"], 1);
    assert_eq!(
        find("netstack/docs/bad-yaml-pattern.md", "front-matter")["line"],
        4
    );
    assert_eq!(find("netstack/docs/bad-toml.md", "front-matter")["line"], 2);
    assert_eq!(
        find("netstack/docs/unterminated.md", "front-matter")["line"],
        1
    );
    find("netstack/docs/empty.md", "empty");
    assert!(
        find("netstack/docs/picture.md", "binary")["message"]
            .as_str()
            .unwrap()
            .contains("binary")
    );
    assert!(
        find("netstack/docs/huge-log.md", "too-large")["message"]
            .as_str()
            .unwrap()
            .contains("max_file_bytes")
    );
    assert!(
        find(
            "netstack/docs/wan/backup-cron-pattern.md",
            "duplicate-pattern"
        )["message"]
            .as_str()
            .unwrap()
            .contains("netstack/docs/ops/backup/backup-cron-pattern.md")
    );
    let missing = find("netstack.toml", "missing-repo");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("does-not-exist")
    );
    assert_eq!(missing["line"], 9);
    #[cfg(unix)]
    assert!(
        problems
            .iter()
            .any(|p| p["kind"] == "symlink" && p["path"].as_str().unwrap().contains("loop")),
        "{problems:#?}"
    );

    // Everything else still loaded: the good docs, the broken ones (minus the binary).
    assert_eq!(v["docs"], 10, "kinds {:#}", v["kinds"]);
    assert_eq!(v["patterns"], 3);
    let cf = &v["sites"][0];
    assert_eq!(cf["docs"], 1);
    assert_eq!(cf["patterns_followed"], 1);
    assert_eq!(v["sites"][1]["loaded"], false);
    let unresolved = v["unresolved_references"].as_array().unwrap();
    assert_eq!(unresolved.len(), 1, "{unresolved:#?}");
    assert_eq!(unresolved[0]["line"], 5);
}

#[test]
fn config_errors_exit_2_and_name_key_and_line() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "netstack/docs/a.md", "# a\n");
    write(
        d.path(),
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\nbase_url = \"https://x.org/\"\n",
    );
    let out = netstack()
        .arg("--kb")
        .arg(d.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("netstack.toml:3") && err.contains("base_url"),
        "{err}"
    );

    write(
        d.path(),
        "netstack.toml",
        "[patterns]\npath = \"elsewhere\"\n",
    );
    let out = netstack()
        .arg("--kb")
        .arg(d.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("elsewhere"));

    let empty = tempfile::tempdir().unwrap();
    let out = netstack()
        .arg("--kb")
        .arg(empty.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("netstack init")
    );
}

#[test]
fn kb_is_chosen_by_env_var_and_by_current_folder() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "netstack/docs/only-pattern.md", "# Only\n");
    write(
        d.path(),
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\n",
    );
    let v: Value = serde_json::from_slice(
        &netstack()
            .env("NETSTACK_KB", d.path())
            .args(["check", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["patterns"], 1);
    let sub = d.path().join("netstack/docs");
    let v: Value = serde_json::from_slice(
        &netstack()
            .current_dir(&sub)
            .args(["check", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["patterns"], 1);
    // Nowhere to be found: the bundled sample.
    let elsewhere = tempfile::tempdir().unwrap();
    let v: Value = serde_json::from_slice(
        &netstack()
            .current_dir(elsewhere.path())
            .args(["check", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(v["patterns"].as_u64().unwrap() >= 30);
}

#[test]
fn init_writes_a_config_that_loads_and_infers_urls() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "netstack/docs/ops/backup/backup-cron-pattern.md",
        "# Backup\n",
    );
    write(
        r,
        "netstack/mkdocs.yml",
        "site_name: n\nsite_url: https://docs.fed.example/\n",
    );
    write(
        r,
        "netstack/.git/config",
        "[remote \"origin\"]\n\turl = git@github.com:fed/netstack.git\n",
    );
    write(
        r,
        "cf/docs/backup.md",
        "# cf\n\nSee https://github.com/fed/netstack/blob/main/docs/ops/backup/backup-cron-pattern.md\n",
    );
    std::fs::create_dir_all(r.join("kb")).unwrap();
    let out = netstack()
        .current_dir(r.join("kb"))
        .args(["init", "--patterns", "../netstack", "--site", "cf=../cf"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(r.join("kb/netstack.toml")).unwrap();
    assert!(text.contains("https://docs.fed.example/"), "{text}");
    assert!(text.contains("https://github.com/fed/netstack"), "{text}");
    assert!(text.contains("path = \"../netstack\""), "{text}");
    // It loads, and the forge link from the site resolves.
    let v = check_json(&r.join("kb"));
    assert_eq!(v["sites"][0]["patterns_followed"], 1, "{v:#}");
    // A second init does not overwrite without --force.
    let again = netstack()
        .current_dir(r.join("kb"))
        .args(["init", "--patterns", "../netstack"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn lint_ci_style_checkout_without_config_is_understood_by_ad_hoc_config() {
    // The engine side of "a site repo's pipeline clones the pattern repo beside it".
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "netstack/CNAME", "netstack.org\n");
    write(
        r,
        "netstack/docs/wan/wireguard-site-link-pattern.md",
        "# WireGuard\n",
    );
    write(
        r,
        "site/docs/vpn.md",
        "# vpn\n\nFollows https://netstack.org/docs/wan/wireguard-site-link-pattern/\n",
    );
    let cfg = docengine::config::Config::ad_hoc(&docengine::config::AdHocOptions {
        patterns: r.join("netstack"),
        sites: vec![(None, r.join("site"))],
        base_urls: vec![],
        root: r.to_path_buf(),
    })
    .unwrap();
    let kb = docengine::KnowledgeBase::load(cfg).unwrap();
    assert_eq!(kb.followed_by_site("site").len(), 1);
}

#[test]
fn file_names_and_messages_with_control_bytes_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(
        r,
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
    );
    write(r, "netstack/docs/ops/a-pattern.md", "# A pattern\n\ntext\n");
    // A broken doc whose name holds OSC 0 (retitle the terminal): its problem names it.
    write(
        r,
        "wf/docs/broken\u{1b}]0;PWNED\u{7}.md",
        "---\ntitle: [unclosed\n---\n# x\n",
    );
    let out = netstack().arg("--kb").arg(r).arg("check").output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{s:?}"
    );
    assert!(
        s.contains("wf/docs/broken\\u{1b}]0;PWNED\\u{7}.md:3"),
        "{s}"
    );
    // JSON keeps the name, escaped.
    let v = check_json(r);
    assert!(
        v.to_string().contains("broken\\u001b]0;PWNED\\u0007.md"),
        "{v}"
    );
}

/// A FIFO named like a doc (and one named like the contract, which lint shows code frames
/// of): `check`, `lint` and `search` finish (the FIFO is a "not a regular file" problem),
/// instead of blocking forever on a pipe nobody writes. A hang fails after 60 s.
#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_doc_blocks_no_command() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n",
    );
    write(
        r,
        "netstack/docs/backup-pattern.md",
        "# Backup\n\nRestic nightly.\n",
    );
    write(r, "cf/docs/a.md", "# A\n\nper netstack backup-pattern\n");
    for fifo in ["cf/docs/p.md", "cf/.wip-contract.md", "netstack/docs/q.md"] {
        let status = std::process::Command::new("mkfifo")
            .arg(r.join(fifo))
            .status()
            .unwrap();
        assert!(status.success());
    }
    let within = std::time::Duration::from_secs(60);

    let out = netstack()
        .arg("--kb")
        .arg(r)
        .args(["check", "--json"])
        .timeout(within)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = v["problems"].as_array().unwrap();
    for fifo in ["cf/docs/p.md", "netstack/docs/q.md"] {
        let p = problems
            .iter()
            .find(|p| p["path"] == fifo)
            .unwrap_or_else(|| panic!("no problem for {fifo}: {problems:?}"));
        assert_eq!(p["kind"], "not-regular", "{p}");
        assert!(
            p["message"]
                .as_str()
                .unwrap()
                .contains("not a regular file"),
            "{p}"
        );
    }

    let out = netstack()
        .arg("--kb")
        .arg(r)
        .arg("lint")
        .timeout(within)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "lint: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    let out = netstack()
        .arg("--kb")
        .arg(r)
        .args(["search", "--json", "restic"])
        .timeout(within)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "search: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backup-pattern.md"));
}

/// Nine levels of nine aliases: a few hundred bytes that a YAML loader expands to 9^9 nodes.
fn yaml_alias_bomb() -> String {
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        yaml.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    yaml
}

#[test]
fn yaml_alias_bombs_are_problems_with_file_and_line_and_the_rest_loads() {
    // issue 15 row 3: a 304-byte doc took `check` to 1.1 GB. Now the front matter of a pattern,
    // a site doc and a structured contract is refused before expansion, and nothing else moves.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "netstack.toml",
        "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\n\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n",
    );
    let bomb = yaml_alias_bomb();
    write(
        r,
        "netstack/docs/ops/bomb-pattern.md",
        format!("---\ntitle: Bomb\n{bomb}---\n# Bomb\n"),
    );
    write(r, "netstack/docs/ops/good-pattern.md", "# Good\n\nFine.\n");
    write(
        r,
        "cf/docs/bomb.md",
        format!("---\n{bomb}---\n# Site bomb\n\nFollows netstack good-pattern.\n"),
    );
    write(
        r,
        "cf/docs/backup.md",
        "# cf backup\n\nRuns per netstack good-pattern.\n",
    );
    write(
        r,
        "cf/.wip-contract.md",
        format!(
            "---\nsite: cf\n{bomb}contacts:\n  - name: ops\n    method: email\n    address: ops@cf.example.org\n---\n# Contract\n"
        ),
    );
    let started = std::time::Instant::now();
    let v = check_json(r);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    let problems = v["problems"].as_array().unwrap();
    for path in [
        "netstack/docs/ops/bomb-pattern.md",
        "cf/docs/bomb.md",
        "cf/.wip-contract.md",
    ] {
        let p = problems
            .iter()
            .find(|p| p["path"].as_str().unwrap().ends_with(path) && p["kind"] == "front-matter")
            .unwrap_or_else(|| panic!("no front-matter problem for {path} in {problems:#?}"));
        assert!(p["message"].as_str().unwrap().contains("alias"), "{p}");
        let line = p["line"].as_u64().unwrap();
        assert!((2..=12).contains(&line), "{p}");
    }
    let reason = v["sites"][0]["contract_problem"].as_str().unwrap();
    assert!(
        reason.contains("front matter") && reason.contains("alias"),
        "{reason}"
    );
    // Every doc still loads (the bombs as plain markdown; the contract counts as a doc),
    // references still resolve.
    assert_eq!(v["patterns"], 2, "{v:#}");
    assert_eq!(v["sites"][0]["docs"], 3, "{v:#}");
    assert_eq!(v["sites"][0]["patterns_followed"], 1, "{v:#}");
}
