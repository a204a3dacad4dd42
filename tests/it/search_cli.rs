//! End-to-end tests of `netstack search`: the real binary on real files in temp folders —
//! output, JSON schema, exit codes, the index on disk, repairs, and several processes on
//! one KB at once.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use docengine::index::{LOCK_FILE, OpenOptions, SearchIndex};
use docengine::{Config, KnowledgeBase, SearchQuery};
use predicates::prelude::*;
use serde_json::Value;

struct Kb {
    dir: tempfile::TempDir,
}

impl Kb {
    fn new() -> Kb {
        let kb = Kb {
            dir: tempfile::tempdir().unwrap(),
        };
        kb.write(
            "netstack.toml",
            r#"
[patterns]
path = "netstack"
base_urls = ["https://netstack.org/"]

[[sites]]
name = "wf"
path = "wf"
title = "Westford workshop"
"#,
        );
        kb.write(
            "netstack/docs/wan/wireguard-site-link-pattern.md",
            "---\ntags: [vpn, wireguard]\n---\n# WireGuard site link pattern\n\nA routed tunnel between two sites.\n\n## Keepalive\n\nBehind NAT set PersistentKeepalive so the WireGuard mapping stays open.\n",
        );
        kb.write(
            "netstack/docs/ops/backup/backup-cron-pattern.md",
            "# Backup cron pattern\n\nNightly restic backups of every host.\n",
        );
        kb.write(
            "wf/docs/wan.md",
            "# WAN\n\nTunnel to Stonelake per netstack wireguard-site-link-pattern.\n",
        );
        kb.write(
            "wf/.wip-contract.md",
            "# Contract\n\n## Contact Method\n\n- **Action recommendations:** Email to ops@wf.example.org\n",
        );
        kb
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        crate::util::write(self.root(), rel, text);
    }

    fn index_dir(&self) -> PathBuf {
        self.root().join(".netstack/index")
    }

    fn search(&self) -> Command {
        // Colour is decided by the binary (off when piped): not forced off here.
        let mut c = crate::util::netstack();
        c.env_remove("NO_COLOR")
            .arg("--kb")
            .arg(self.root())
            .arg("search");
        c
    }
}

fn json(out: &[u8]) -> Vec<Value> {
    serde_json::from_slice::<Value>(out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
        .as_array()
        .expect("an array")
        .clone()
}

#[test]
fn human_output_names_path_url_section_and_snippet_without_colour_when_piped() {
    let kb = Kb::new();
    let out = kb.search().arg("keepalive").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour when piped:\n{stdout}"
    );
    assert!(
        stdout.contains("1. WireGuard site link pattern"),
        "{stdout}"
    );
    assert!(stdout.contains("pattern · wan"), "{stdout}");
    assert!(
        stdout.contains("netstack/docs/wan/wireguard-site-link-pattern.md:8"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://netstack.org/docs/wan/wireguard-site-link-pattern/#keepalive"),
        "{stdout}"
    );
    assert!(stdout.contains("§ Keepalive"), "{stdout}");
    assert!(stdout.contains("set PersistentKeepalive so"), "{stdout}");
    assert!(stdout.contains("1–1 of 1 result"), "{stdout}");
    // The index lives under the KB and was built on first use.
    assert!(kb.index_dir().join("meta.json").is_file());
}

#[test]
fn json_output_follows_the_documented_schema() {
    let kb = Kb::new();
    let out = kb.search().args(["--json", "wireguard"]).assert().success();
    let hits = json(&out.get_output().stdout);
    assert_eq!(hits.len(), 2);
    let p = &hits[0];
    for key in [
        "rank",
        "score",
        "title",
        "kind",
        "site",
        "path",
        "url",
        "section",
        "snippet",
        "highlights",
        "title_highlights",
        "category",
        "repo",
        "pattern_id",
        "tags",
        "partial",
    ] {
        assert!(p.get(key).is_some(), "missing {key}: {p}");
    }
    assert_eq!(p["rank"], 1);
    assert!(p["score"].as_f64().unwrap() > 0.0);
    assert_eq!(p["kind"], "pattern");
    assert_eq!(p["site"], Value::Null);
    assert_eq!(p["repo"], "netstack");
    assert_eq!(p["path"], "docs/wan/wireguard-site-link-pattern.md");
    assert_eq!(
        p["url"],
        "https://netstack.org/docs/wan/wireguard-site-link-pattern/"
    );
    assert_eq!(p["category"], "wan");
    assert_eq!(p["pattern_id"], "wireguard-site-link-pattern");
    // Highlights are byte ranges into the snippet.
    let snippet = p["snippet"].as_str().unwrap();
    for r in p["highlights"].as_array().unwrap() {
        let (a, b) = (
            r[0].as_u64().unwrap() as usize,
            r[1].as_u64().unwrap() as usize,
        );
        assert_eq!(snippet[a..b].to_lowercase(), "wireguard");
    }
    let s = &hits[1];
    assert_eq!(s["kind"], "site-doc");
    assert_eq!(s["site"], "wf");
    assert_eq!(s["path"], "docs/wan.md");
    assert_eq!(s["url"], Value::Null);
    assert_eq!(s["rank"], 2);
}

#[test]
fn exit_codes_follow_grep() {
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().code(0);
    kb.search()
        .arg("zzzqqq")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no results for `zzzqqq`"));
    kb.search()
        .args(["--json", "zzzqqq"])
        .assert()
        .code(1)
        .stdout("[]\n");
    // Usage errors.
    kb.search()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give words to search for"));
    kb.search()
        .args(["--kind", "bogus", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown kind `bogus`"));
    kb.search()
        .args(["--site", "nope", "wireguard"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no site `nope`").and(predicate::str::contains("wf")));
    // A KB that does not exist is a configuration error.
    Command::cargo_bin("netstack")
        .unwrap()
        .args(["--kb", "/nonexistent/kb", "search", "x"])
        .assert()
        .code(2);
}

#[test]
fn filters_and_limit() {
    let kb = Kb::new();
    let out = kb
        .search()
        .args(["--json", "--kind", "site", "wireguard"])
        .assert()
        .success();
    let hits = json(&out.get_output().stdout);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["site"], "wf");
    let out = kb
        .search()
        .args(["--json", "--category", "ops", "backups"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout).len(), 1);
    let out = kb
        .search()
        .args(["--json", "--tag", "vpn", "--limit", "5", "wireguard"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout).len(), 1);
    let out = kb
        .search()
        .args(["--json", "-n", "1", "wireguard"])
        .assert()
        .success();
    assert_eq!(json(&out.get_output().stdout).len(), 1);
    // Filters alone list docs.
    let out = kb
        .search()
        .args(["--json", "--kind", "contract"])
        .assert()
        .success();
    let hits = json(&out.get_output().stdout);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["path"], ".wip-contract.md");
}

#[test]
fn typo_correction_is_reported_on_stdout_or_on_stderr_with_json() {
    let kb = Kb::new();
    kb.search()
        .arg("wireguad")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "showing results for wireguard (wireguad → wireguard)",
        ));
    let out = kb
        .search()
        .args(["--json", "wireguad"])
        .assert()
        .success()
        .stderr(predicate::str::contains("showing results for wireguard"));
    assert_eq!(json(&out.get_output().stdout).len(), 2);
}

#[test]
fn phrases_from_the_shell() {
    let kb = Kb::new();
    let out = kb
        .search()
        .args(["--json", "\"routed tunnel\""])
        .assert()
        .success();
    let hits = json(&out.get_output().stdout);
    assert_eq!(hits.len(), 1);
    kb.search().args(["\"tunnel routed\""]).assert().code(1);
}

#[test]
fn changes_are_picked_up_on_the_next_search() {
    let kb = Kb::new();
    kb.search().arg("stonelake").assert().success();
    kb.search().arg("zebra").assert().code(1);
    kb.write(
        "wf/docs/printer.md",
        "# Label printer\n\nZebra ZT411 at dispatch.\n",
    );
    kb.search()
        .args(["--json", "zebra"])
        .assert()
        .success()
        .stdout(predicate::str::contains("docs/printer.md"));
    fs::remove_file(kb.root().join("wf/docs/printer.md")).unwrap();
    kb.search().arg("zebra").assert().code(1);
}

#[test]
fn a_damaged_index_is_rebuilt_with_a_one_line_notice() {
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().success();
    fs::write(kb.index_dir().join("meta.json"), "{ damaged").unwrap();
    let out = kb.search().arg("wireguard").assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("note: search index rebuilt"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // And only once.
    kb.search().arg("wireguard").assert().success().stderr("");
    kb.search()
        .args(["--reindex", "wireguard"])
        .assert()
        .success()
        .stderr(predicate::str::contains("a rebuild was requested"));
}

#[test]
fn concurrent_processes_on_a_fresh_kb_all_succeed() {
    let kb = Kb::new();
    let bin = assert_cmd::cargo::cargo_bin("netstack");
    let children: Vec<_> = (0..4)
        .map(|_| {
            StdCommand::new(&bin)
                .arg("--kb")
                .arg(kb.root())
                .args(["search", "--json", "wireguard"])
                .env_remove("NETSTACK_KB")
                .output_spawn()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let hits = json(&o.stdout);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0]["path"], "docs/wan/wireguard-site-link-pattern.md");
    }
}

trait SpawnPiped {
    fn output_spawn(&mut self) -> std::process::Child;
}

impl SpawnPiped for StdCommand {
    fn output_spawn(&mut self) -> std::process::Child {
        self.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }
}

#[test]
fn a_long_running_reader_and_the_cli_share_one_index() {
    // What `netstack serve` does: hold the index open and sync it on reload.
    let kb = Kb::new();
    let config = Config::load(kb.root()).unwrap();
    let loaded = KnowledgeBase::load(config).unwrap();
    let (server, _) = SearchIndex::open(&loaded, &|_, _| {}).unwrap();
    assert_eq!(
        server
            .search(&loaded, &SearchQuery::new("wireguard"))
            .unwrap()
            .hits
            .len(),
        2
    );

    // The CLI updates the index while the server holds it open.
    kb.write(
        "wf/docs/printer.md",
        "# Label printer\n\nZebra ZT411 at dispatch.\n",
    );
    kb.search().arg("zebra").assert().success();

    // The server's next live reload syncs: already up to date, and it sees the new doc.
    let refreshed = loaded.refresh().unwrap();
    let r = server.sync(&refreshed).unwrap();
    assert!(!r.changed(), "{r:?}");
    let hits = server
        .search(&refreshed, &SearchQuery::new("zebra"))
        .unwrap()
        .hits;
    assert_eq!(hits.len(), 1);

    // The server changes it; the CLI sees that too.
    kb.write(
        "wf/docs/printer.md",
        "# Label printer\n\nHoneywell PM45 at dispatch.\n",
    );
    let refreshed = refreshed.refresh().unwrap();
    assert_eq!(server.sync(&refreshed).unwrap().updated, 1);
    kb.search().arg("honeywell").assert().success();
    kb.search().arg("zebra").assert().code(1);
}

#[test]
fn a_writer_busy_elsewhere_does_not_block_searching() {
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().success();
    // Another process holds the writer lock (a serve in the middle of an update).
    let holder = fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(kb.index_dir().join(LOCK_FILE))
        .unwrap();
    fs4::FileExt::try_lock(&holder).expect("the lock is free");
    kb.write("wf/docs/printer.md", "# Label printer\n\nZebra ZT411.\n");
    let started = std::time::Instant::now();
    kb.search()
        .arg("wireguard")
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "another netstack process is updating the search index",
        ));
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(holder);
    kb.search().arg("zebra").assert().success();
}

#[test]
fn the_bundled_sample_is_searched_when_no_kb_is_named() {
    let cwd = tempfile::tempdir().unwrap();
    Command::cargo_bin("netstack")
        .unwrap()
        .current_dir(cwd.path())
        .env_remove("NETSTACK_KB")
        .args(["search", "--json", "wireguard"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "docs/wan/wireguard-site-link-pattern.md",
        ));
}

#[test]
fn index_opens_with_options_from_the_library_too() {
    // The index the CLI built is the one the library opens (same place, same manifest).
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().success();
    let config = Config::load(kb.root()).unwrap();
    let (idx, r) = SearchIndex::open_disk(&config, OpenOptions::default(), &|_, _| {}).unwrap();
    assert!(!r.changed(), "{r:?}");
    assert_eq!(idx.dir(), kb.index_dir());
}

/// The index's commit (meta.json): unchanged means nothing was rebuilt or rewritten.
fn index_commit(kb: &Kb) -> String {
    fs::read_to_string(kb.index_dir().join("meta.json")).unwrap()
}

#[test]
fn offsets_and_limits_out_of_range_are_usage_errors_not_an_abort_or_a_rebuild() {
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().success();
    let before = index_commit(&kb);
    // `--offset 4294967296` aborted (exit 134: a collector sized by the offset);
    // `--limit 18446744073709551615` panicked and was taken for a damaged index (rebuild).
    for (flag, value, bound) in [
        ("--offset", "4294967296", "at most 10000"),
        ("--offset", "10000000000", "at most 10000"),
        ("--offset", "10001", "at most 10000"),
        ("--limit", "18446744073709551615", "at most 1000"),
        ("--limit", "99999999999999999999999", "at most 1000"),
        ("--limit", "1001", "at most 1000"),
    ] {
        let out = kb
            .search()
            .args([flag, value, "wireguard"])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(bound), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag), "names the flag: {stderr}");
        assert!(
            !stderr.contains("rebuilt") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
    assert_eq!(index_commit(&kb), before, "the index was not rebuilt");
    // The bounds themselves work.
    kb.search()
        .args(["--offset", "10000", "--limit", "1000", "wireguard"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("rebuilt").not());
    kb.search()
        .args(["--offset", "1", "--limit", "1000", "wireguard"])
        .assert()
        .success();
    assert_eq!(index_commit(&kb), before);
}

#[test]
fn a_query_without_a_searchable_word_is_a_usage_error_not_a_list_of_everything() {
    let kb = Kb::new();
    let long = "a".repeat(10_000);
    let a100 = "a".repeat(100);
    for query in ["\"", "*", "🙂", a100.as_str()] {
        let out = kb.search().arg(query).assert().code(2).stdout("");
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.contains("has no searchable words") && stderr.contains("filter"),
            "{query}: {stderr}"
        );
        kb.search()
            .args(["--json", query])
            .assert()
            .code(2)
            .stdout("");
    }
    kb.search()
        .arg(&long)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("too long").and(predicate::str::contains("1024")));
    let many: Vec<&str> = std::iter::repeat_n("wireguard", 33).collect();
    kb.search()
        .args(&many)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too many words").and(predicate::str::contains("32")));
    // Words and filters still work, and so does a filter without words.
    kb.search().arg("wireguard").assert().success();
    kb.search().args(["--kind", "pattern"]).assert().success();
}

/// Bytes a terminal acts on: C0 controls but tab and newline, DEL, C1 controls.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| c.is_control() && *c != '\n' && *c != '\t')
        .collect()
}

#[test]
fn titles_headings_snippets_and_file_names_never_print_raw_control_bytes() {
    let kb = Kb::new();
    // OSC 0 retitles the terminal, OSC 8 fakes a link, CSI 2J clears the screen, C1 CSI.
    kb.write(
        "netstack/docs/ops/evil-pattern.md",
        "---\ntitle: \"\\e]0;PWNED\\a zebra\"\n---\n# Zebra \u{1b}[2J heading\n\nzebra \u{1b}]8;;https://evil.example\u{7}link\u{1b}]8;;\u{7} and \u{9b}31m here\n\n## Bell \u{7} section\n\nnothing \u{1b}[31m here\n",
    );
    kb.write(
        "wf/docs/esc\u{1b}[31mname.md",
        "# Striped\n\nzebra in a file whose name holds ESC\n",
    );
    let out = kb.search().arg("zebra").assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(raw_controls(&stdout), [] as [char; 0], "{stdout:?}");
    // Shown, escaped: the reader sees that something is there.
    assert!(stdout.contains("\\u{1b}]0;PWNED\\u{7} zebra"), "{stdout}");
    assert!(stdout.contains("wf/docs/esc\\u{1b}[31mname.md"), "{stdout}");
    assert!(
        stdout.contains("\\u{1b}]8;;https://evil.example\\u{7}"),
        "{stdout}"
    );
    assert!(stdout.contains("§ Zebra \\u{1b}[2J heading"), "{stdout}");
    assert!(stdout.contains("and \\u{9b}31m here"), "{stdout}");

    // JSON: escaped, not lost.
    let out = kb.search().args(["--json", "zebra"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(raw_controls(&text), [] as [char; 0], "{text:?}");
    let hits = json(text.as_bytes());
    let evil = hits
        .iter()
        .find(|h| h["path"] == "docs/ops/evil-pattern.md")
        .unwrap();
    assert_eq!(evil["title"], "\u{1b}]0;PWNED\u{7} zebra");
    assert!(evil["snippet"].as_str().unwrap().contains('\u{9b}'));
    assert!(
        hits.iter()
            .any(|h| h["path"] == "wf/docs/esc\u{1b}[31mname.md"
                || h["path"] == "docs/esc\u{1b}[31mname.md")
    );
}

/// Make the index folder unwritable in a way that holds for root too (tests run as root in
/// CI, and root ignores `chmod`): the writer lock file is replaced by a folder, so opening
/// it for writing fails (EISDIR) while the index beside it stays readable.
fn block_the_writer_lock(kb: &Kb) {
    let lock = kb.index_dir().join(LOCK_FILE);
    let _ = fs::remove_file(&lock);
    fs::create_dir(&lock).unwrap();
}

#[test]
fn an_unwritable_stale_index_is_searched_as_it_is_with_a_notice() {
    let kb = Kb::new();
    kb.search().arg("wireguard").assert().success();
    let before = index_commit(&kb);
    block_the_writer_lock(&kb);
    kb.write("wf/docs/zebra.md", "# Zebra\n\nzebrafinch drill\n");
    // Was: exit 2, "cannot take the writer lock".
    let out = kb.search().arg("wireguard").assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("cannot be written") && stderr.contains("as it was last updated"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("WireGuard site link"));
    // Stale: the new doc is not in it, and the index was left alone.
    kb.search().arg("zebrafinch").assert().code(1);
    assert_eq!(index_commit(&kb), before);
}

#[test]
fn an_index_path_that_cannot_be_created_is_searched_in_memory_with_a_notice() {
    let kb = Kb::new();
    // A regular file where the index folder's parent should be: no one, root included,
    // can create a folder under it.
    kb.write("blocker", "not a folder");
    let toml = fs::read_to_string(kb.root().join("netstack.toml")).unwrap();
    kb.write(
        "netstack.toml",
        &format!("{toml}\n[index]\npath = \"blocker/index\"\n"),
    );
    let out = kb.search().arg("keepalive").assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("cannot be written") && stderr.contains("in memory"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("§ Keepalive"));
    kb.search()
        .args(["--json", "--kind", "site-doc"])
        .assert()
        .success();
}

/// Found by fuzzing the query parser: this query made tantivy's phrase scorer trip a debug
/// assertion, which the index guard took for a damaged index (a full rebuild, then an error).
/// It is an ordinary query: it answers, and the index is left alone.
#[test]
fn a_query_that_tripped_a_tantivy_assertion_answers_without_a_rebuild() {
    let kb = Kb::new();
    kb.search().arg("backup").assert().success();
    let query = format!(
        "copy{}is not a{}ent backup",
        "\u{fffd}".repeat(40),
        "\u{fffd}".repeat(8)
    );
    let out = kb.search().arg(&query).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("damaged") && !stderr.contains("rebuil"),
        "{stderr}"
    );
}

#[test]
fn pasted_text_is_searched_as_text_and_a_strict_query_that_finds_nothing_says_so() {
    let kb = Kb::new();
    kb.write(
        "netstack/docs/ops/backup/remote-copy-pattern.md",
        "# Remote copy pattern\n\n## Troubleshooting\n\nWhen the remote command fails with \
         `unknown option: -x` and says see tool --help, the remote side runs an older tool.\n",
    );
    // Quotes, `-x` and `--help` in a pasted message are words, not a phrase and exclusions.
    let pasted = r#"remote command fails with "unknown option: -x" and says see tool --help"#;
    let out = kb.search().args(["--json", pasted]).assert().success();
    let hits = json(&out.get_output().stdout);
    assert_eq!(
        hits[0]["path"], "docs/ops/backup/remote-copy-pattern.md",
        "{hits:?}"
    );
    assert_eq!(hits[0]["loosened"], false);

    // A phrase nobody wrote: the words instead, said on stderr (JSON) and stdout (human);
    // exit 1 as for no match (grep style): nothing matched the query as typed.
    let out = kb
        .search()
        .args(["--json", r#""tunnel restic keepalive""#])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            r#"no exact match for "tunnel restic keepalive"; showing matches for the words"#
        ),
        "{stderr}"
    );
    let hits = json(&out.get_output().stdout);
    assert!(
        !hits.is_empty() && hits.iter().all(|h| h["loosened"] == true),
        "{hits:?}"
    );
    let out = kb
        .search()
        .arg(r#""tunnel restic keepalive""#)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.starts_with("no exact match for "), "{stdout}");
}
