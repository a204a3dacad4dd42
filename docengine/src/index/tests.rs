//! Tests of the search index on real files in temp folders: incremental updates, repairs,
//! locking, filters, ranking rules, sections, snippets, typos, phrases and prefixes.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::Config;

struct Kb {
    dir: tempfile::TempDir,
}

const NETSTACK_TOML: &str = r#"
[patterns]
path = "netstack"
base_urls = ["https://netstack.org/"]

[[sites]]
name = "cf"
path = "cf"
title = "Cedar Falls office"

[[sites]]
name = "wf"
path = "wf"
title = "Westford workshop"
"#;

impl Kb {
    fn new() -> Kb {
        let kb = Kb {
            dir: tempfile::tempdir().unwrap(),
        };
        kb.write("netstack.toml", NETSTACK_TOML);
        kb.write(
            "netstack/docs/ops/backup/backup-cron-pattern.md",
            "---\ntags: [backup, restic]\n---\n# Backup cron pattern\n\nNightly restic backups of every host to the site backup target.\n\n## Retention\n\nKeep thirty daily snapshots and prune weekly.\n\n## Pitfalls\n\nA slow run overlapping the next one corrupts the repository lock.\n",
        );
        kb.write(
            "netstack/docs/ops/backup/README.md",
            "# Backup\n\nBackup patterns: backup cron, database dump, restore drill.\n",
        );
        kb.write(
            "netstack/docs/ops/monitor/status-page-pattern.md",
            "# Status page pattern\n\nA status page tells users what is down during an outage.\n\n## Setup\n\nRun Uptime Kuma on another site.\n",
        );
        kb.write(
            "netstack/docs/guides/backup-guide.md",
            "# Backup guide\n\nNightly restic backups of every host to the site backup target.\n",
        );
        kb.write(
            "netstack/docs/wan/wireguard-site-link-pattern.md",
            "# WireGuard site link pattern\n\nA routed WireGuard tunnel between two sites.\n",
        );
        kb.write(
            "netstack/docs/lan/page-status.md",
            "# Page layout\n\nThe page shows the status of each port; a page per switch.\n",
        );
        kb.write(
            "cf/docs/backup.md",
            "# Backup (Cedar Falls)\n\nFollows netstack backup-cron-pattern. Target nas01, 02:00.\n",
        );
        kb.write(
            "wf/docs/backup.md",
            "# Backup\n\nPer netstack backup-cron-pattern. Target nas01.wf.lan at 23:15.\n",
        );
        kb.write(
            "wf/.wip-contract.md",
            "# Westford contract\n\n## Contact Method\n\n- **Action recommendations:** Email to ops@wf.example.org\n",
        );
        kb
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn config(&self) -> Config {
        Config::load(self.root()).unwrap()
    }

    fn index_dir(&self) -> PathBuf {
        self.root().join(".netstack/index")
    }

    fn open_disk(&self) -> (SearchIndex, IndexReport) {
        SearchIndex::open_disk(&self.config(), OpenOptions::default(), &|_, _| {}).unwrap()
    }

    fn kb(&self) -> KnowledgeBase {
        KnowledgeBase::load(self.config()).unwrap()
    }
}

#[test]
fn the_index_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<SearchIndex>();
    shareable::<SearchResults>();
}

fn paths(r: &SearchResults) -> Vec<String> {
    r.hits
        .iter()
        .map(|h| format!("{}/{}", h.repo, h.path))
        .collect()
}

fn q(text: &str) -> SearchQuery {
    SearchQuery::new(text)
}

/// Advance a file's modification time so size+mtime checks see it.
fn bump_mtime(path: &Path) {
    let f = fs::File::options().write(true).open(path).unwrap();
    let t = std::time::SystemTime::now() + Duration::from_secs(5);
    f.set_modified(t).unwrap();
}

#[test]
fn builds_on_first_use_then_updates_only_what_changed() {
    let kb = Kb::new();
    let (idx, r) = kb.open_disk();
    assert!(r.created);
    assert_eq!(r.rebuilt, None);
    assert_eq!(r.added, 9);
    assert_eq!(idx.len(), 9);
    assert!(kb.index_dir().join("meta.json").is_file());

    // Nothing changed: nothing touched.
    let (_, r) = kb.open_disk();
    assert!(!r.changed(), "{r:?}");

    // Add, change, remove.
    kb.write(
        "netstack/docs/ops/users/offboarding.md",
        "# Pattern: User offboarding\n\nWhen someone leaves, disable the account.\n",
    );
    kb.write(
        "netstack/docs/ops/monitor/status-page-pattern.md",
        "# Status page pattern\n\nUse Cachet instead of the old tool.\n",
    );
    bump_mtime(
        &kb.root()
            .join("netstack/docs/ops/monitor/status-page-pattern.md"),
    );
    fs::remove_file(kb.root().join("netstack/docs/lan/page-status.md")).unwrap();
    let (idx, r) = kb.open_disk();
    assert_eq!((r.added, r.updated, r.removed), (1, 1, 1), "{r:?}");
    assert_eq!(idx.len(), 9);
    assert_eq!(
        paths(&idx.query(&q("cachet")).unwrap()),
        ["netstack/docs/ops/monitor/status-page-pattern.md"]
    );
    assert!(idx.query(&q("uptime kuma")).unwrap().hits.is_empty());
    assert_eq!(
        paths(&idx.query(&q("offboarding")).unwrap()),
        ["netstack/docs/ops/users/offboarding.md"]
    );

    // Touched but identical: re-read once, not re-indexed, and not re-read again.
    bump_mtime(&kb.root().join("cf/docs/backup.md"));
    let (_, r) = kb.open_disk();
    assert!(!r.changed(), "{r:?}");
    let manifest = fs::read_dir(kb.index_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("manifest-"))
        .unwrap();
    let before = fs::read_to_string(manifest.path()).unwrap();
    let (_, r) = kb.open_disk();
    assert!(!r.changed());
    assert_eq!(fs::read_to_string(manifest.path()).unwrap(), before);
}

#[test]
fn kb_path_and_disk_path_agree_and_sync_follows_refreshes() {
    let kb = Kb::new();
    let loaded = kb.kb();
    let (idx, r) = SearchIndex::open(&loaded, &|_, _| {}).unwrap();
    assert_eq!(r.added, 9);
    // The disk path sees the same index as up to date.
    let (_, r) = kb.open_disk();
    assert!(!r.changed(), "{r:?}");

    kb.write(
        "wf/docs/printer.md",
        "# Label printer\n\nZebra printer at dispatch.\n",
    );
    let refreshed = loaded.refresh().unwrap();
    let r = idx.sync(&refreshed).unwrap();
    assert_eq!((r.added, r.updated, r.removed), (1, 0, 0));
    let hits = idx.search(&refreshed, &q("zebra")).unwrap();
    assert_eq!(paths(&hits), ["wf/docs/printer.md"]);
    // A sync with nothing new is a no-op.
    let r = idx.sync(&refreshed).unwrap();
    assert!(!r.changed());
    // Another process (the disk path) changes the index; sync notices and stays correct.
    fs::remove_file(kb.root().join("wf/docs/printer.md")).unwrap();
    let (_, r) = kb.open_disk();
    assert_eq!(r.removed, 1);
    let refreshed = refreshed.refresh().unwrap();
    let r = idx.sync(&refreshed).unwrap();
    assert!(!r.changed(), "{r:?}");
    assert!(idx.search(&refreshed, &q("zebra")).unwrap().hits.is_empty());
}

#[test]
fn search_drops_hits_the_kb_no_longer_has() {
    let kb = Kb::new();
    let loaded = kb.kb();
    let (idx, _) = SearchIndex::open(&loaded, &|_, _| {}).unwrap();
    fs::remove_file(kb.root().join("wf/docs/backup.md")).unwrap();
    let newer = loaded.refresh().unwrap();
    // Not synced yet: the index still has it, the KB does not.
    assert!(paths(&idx.query(&q("23:15")).unwrap()).contains(&"wf/docs/backup.md".to_string()));
    let r = idx.search(&newer, &q("23:15")).unwrap();
    assert!(r.hits.is_empty(), "{:?}", paths(&r));
}

fn set_payload_field(kb: &Kb, from: &str, to: &str) {
    let meta = kb.index_dir().join("meta.json");
    let text = fs::read_to_string(&meta).unwrap();
    assert!(text.contains(from), "{text}");
    fs::write(&meta, text.replace(from, to)).unwrap();
}

#[test]
fn schema_version_change_rebuilds_with_a_notice() {
    let kb = Kb::new();
    kb.open_disk();
    set_payload_field(
        &kb,
        &format!("\\\"schema_version\\\":{}", schema::SCHEMA_VERSION),
        "\\\"schema_version\\\":0",
    );
    let (idx, r) = kb.open_disk();
    let why = r.rebuilt.expect("rebuilt");
    assert!(why.contains("schema version"), "{why}");
    assert_eq!(idx.len(), 9);
    assert!(!idx.query(&q("restic")).unwrap().hits.is_empty());
    let (_, r) = kb.open_disk();
    assert!(!r.changed());
}

#[test]
fn config_change_rebuilds() {
    let kb = Kb::new();
    kb.open_disk();
    kb.write(
        "netstack.toml",
        &NETSTACK_TOML.replace("https://netstack.org/", "https://docs.example.org/"),
    );
    let (idx, r) = kb.open_disk();
    assert!(r.rebuilt.unwrap().contains("configuration"));
    let hit = &idx.query(&q("wireguard")).unwrap().hits[0];
    assert_eq!(
        hit.url.as_deref(),
        Some("https://docs.example.org/docs/wan/wireguard-site-link-pattern/")
    );
}

#[test]
fn corrupt_or_half_written_indexes_are_rebuilt_never_a_panic() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 6] = [
        ("garbage meta.json", |d| {
            fs::write(d.join("meta.json"), "{ not json").unwrap()
        }),
        ("truncated meta.json", |d| {
            fs::write(d.join("meta.json"), "").unwrap()
        }),
        ("missing meta.json", |d| {
            fs::remove_file(d.join("meta.json")).unwrap()
        }),
        ("missing manifest", |d| {
            for e in fs::read_dir(d).unwrap().filter_map(|e| e.ok()) {
                if e.file_name().to_string_lossy().starts_with("manifest-") {
                    fs::remove_file(e.path()).unwrap();
                }
            }
        }),
        ("missing segment file", |d| {
            let seg = fs::read_dir(d)
                .unwrap()
                .filter_map(|e| e.ok())
                .find(|e| e.file_name().to_string_lossy().ends_with(".idx"))
                .unwrap();
            fs::remove_file(seg.path()).unwrap();
        }),
        ("garbage segment file", |d| {
            for e in fs::read_dir(d).unwrap().filter_map(|e| e.ok()) {
                let n = e.file_name().to_string_lossy().into_owned();
                if n.ends_with(".term") || n.ends_with(".store") {
                    fs::write(e.path(), b"garbage").unwrap();
                }
            }
        }),
    ];
    for (what, damage) in damages {
        let kb = Kb::new();
        kb.open_disk();
        damage(&kb.index_dir());
        let (idx, r) = SearchIndex::open_disk(&kb.config(), OpenOptions::default(), &|_, _| {})
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(r.rebuilt.is_some(), "{what}: {r:?}");
        assert_eq!(idx.len(), 9, "{what}");
        assert_eq!(
            paths(&idx.query(&q("wireguard")).unwrap()),
            ["netstack/docs/wan/wireguard-site-link-pattern.md"],
            "{what}"
        );
    }
}

#[test]
fn a_busy_lock_leaves_a_usable_index_usable_with_a_notice() {
    let kb = Kb::new();
    kb.open_disk();
    let store = Store::new(kb.index_dir());
    let lock = store.try_lock().unwrap().expect("free");
    kb.write("wf/docs/new.md", "# New\n\nSomething new.\n");
    let opts = OpenOptions {
        lock_wait: Some(Duration::from_millis(50)),
        ..OpenOptions::default()
    };
    let (idx, r) = SearchIndex::open_disk(&kb.config(), opts, &|_, _| {}).unwrap();
    let notice = r.notice.expect("notice");
    assert!(notice.contains("another netstack process"), "{notice}");
    assert!(
        notice.contains(&format!("pid {}", std::process::id())),
        "{notice}"
    );
    assert_eq!(r.added, 0);
    assert!(!idx.query(&q("restic")).unwrap().hits.is_empty());
    // Nothing to build and the lock is busy: an error that says so, not a hang.
    let other = Kb::new();
    let store = Store::new(other.index_dir());
    let _l2 = store.try_lock().unwrap().unwrap();
    let e = SearchIndex::open_disk(&other.config(), opts, &|_, _| {}).unwrap_err();
    assert!(e.to_string().contains("another netstack process"), "{e}");
    drop(lock);
    let (_, r) = kb.open_disk();
    assert_eq!(r.added, 1);
}

#[test]
fn refuses_to_wipe_a_folder_that_is_not_an_index() {
    let kb = Kb::new();
    kb.write(
        "netstack.toml",
        &format!("{NETSTACK_TOML}\n[index]\npath = \"notes\"\n"),
    );
    kb.write("notes/todo.txt", "my notes");
    let e = SearchIndex::open_disk(&kb.config(), OpenOptions::default(), &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a netstack search index folder"), "{e}");
    assert!(e.contains("todo.txt"), "{e}");
    assert_eq!(
        fs::read_to_string(kb.root().join("notes/todo.txt")).unwrap(),
        "my notes"
    );
}

#[test]
fn patterns_rank_above_guides_and_site_docs_at_equal_relevance() {
    let kb = Kb::new();
    // The guide's text is the pattern's opening paragraph, word for word.
    let (idx, _) = kb.open_disk();
    let r = idx.query(&q("nightly restic backups")).unwrap();
    let p = paths(&r);
    assert_eq!(
        p[0], "netstack/docs/ops/backup/backup-cron-pattern.md",
        "{p:?}"
    );
    assert!(
        p.iter()
            .position(|x| x == "netstack/docs/guides/backup-guide.md")
            > p.iter().position(|x| x.ends_with("backup-cron-pattern.md"))
    );
}

#[test]
fn title_and_heading_matches_weigh_more_than_body_matches() {
    let kb = Kb::new();
    kb.write(
        "netstack/docs/lan/a.md",
        "# Switch notes\n\nThe uplink to the core switch uses LACP; see the stack notes for LACP timers.\n",
    );
    kb.write(
        "netstack/docs/lan/b.md",
        "# LACP\n\nBonding two links into one.\n",
    );
    let (idx, _) = kb.open_disk();
    let p = paths(&idx.query(&q("lacp")).unwrap());
    assert_eq!(p[0], "netstack/docs/lan/b.md", "{p:?}");
}

#[test]
fn filters_by_kind_site_category_and_tag() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let base = q("backup");
    let all = paths(&idx.query(&base).unwrap());
    assert!(all.len() >= 5, "{all:?}");

    let r = idx
        .query(&SearchQuery {
            kinds: vec![DocKind::SiteDoc],
            ..base.clone()
        })
        .unwrap();
    assert!(r.hits.iter().all(|h| h.kind == DocKind::SiteDoc));
    assert_eq!(r.hits.len(), 2);

    let r = idx
        .query(&SearchQuery {
            sites: vec!["wf".into()],
            ..base.clone()
        })
        .unwrap();
    assert_eq!(paths(&r), ["wf/docs/backup.md"]);
    assert_eq!(r.hits[0].site.as_deref(), Some("wf"));
    assert_eq!(r.hits[0].url, None);

    let r = idx
        .query(&SearchQuery {
            sites: vec!["netstack".into()],
            ..base.clone()
        })
        .unwrap();
    assert!(
        r.hits
            .iter()
            .all(|h| h.site.is_none() && h.repo == "netstack")
    );

    for cat in ["ops", "ops/backup", "OPS/Backup/"] {
        let r = idx
            .query(&SearchQuery {
                categories: vec![cat.into()],
                ..base.clone()
            })
            .unwrap();
        let p = paths(&r);
        assert!(
            p.contains(&"netstack/docs/ops/backup/backup-cron-pattern.md".to_string()),
            "{cat}: {p:?}"
        );
        assert!(p.iter().all(|x| x.contains("/docs/ops/")), "{cat}: {p:?}");
    }
    let r = idx
        .query(&SearchQuery {
            categories: vec!["op".into()],
            ..base.clone()
        })
        .unwrap();
    assert!(r.hits.is_empty(), "a category prefix is whole folders");

    let r = idx
        .query(&SearchQuery {
            tags: vec!["Restic".into()],
            ..base.clone()
        })
        .unwrap();
    assert_eq!(
        paths(&r),
        ["netstack/docs/ops/backup/backup-cron-pattern.md"]
    );
    assert_eq!(r.hits[0].tags, ["backup", "restic"]);

    let e = idx
        .query(&SearchQuery {
            sites: vec!["nope".into()],
            ..base.clone()
        })
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    assert!(e.to_string().contains("cf, wf"), "{e}");

    // Filters alone list docs (patterns first).
    let r = idx
        .query(&SearchQuery {
            kinds: vec![DocKind::Pattern],
            ..q("")
        })
        .unwrap();
    assert_eq!(r.total, 3);
    assert!(r.hits.iter().all(|h| h.kind == DocKind::Pattern));
}

#[test]
fn phrases_prefixes_and_typos() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    // Phrase: "status page" is in the pattern; page-status.md has both words apart.
    let r = idx.query(&q("\"status page\"")).unwrap();
    assert_eq!(
        paths(&r),
        ["netstack/docs/ops/monitor/status-page-pattern.md"]
    );
    let r = idx.query(&q("status page")).unwrap();
    assert!(paths(&r).contains(&"netstack/docs/lan/page-status.md".to_string()));

    // Prefix of the last word.
    let r = idx.query(&q("wiregu")).unwrap();
    assert_eq!(
        paths(&r)[0],
        "netstack/docs/wan/wireguard-site-link-pattern.md"
    );
    assert!(r.corrections.is_empty());
    // Not for a word followed by a space (it is complete).
    assert!(idx.query(&q("wiregu ")).unwrap().corrections.len() <= 1);

    // Typo: corrected, and the correction is reported.
    let r = idx.query(&q("wireguad tunnel")).unwrap();
    assert_eq!(
        paths(&r)[0],
        "netstack/docs/wan/wireguard-site-link-pattern.md"
    );
    assert_eq!(
        r.corrections,
        [Correction {
            from: "wireguad".into(),
            to: "wireguard".into()
        }]
    );
    assert_eq!(r.corrected_query.as_deref(), Some("wireguard tunnel"));
    // A word the index knows is never "corrected", plural or not.
    assert!(idx.query(&q("snapshots")).unwrap().corrections.is_empty());
    assert!(idx.query(&q("backups")).unwrap().corrections.is_empty());
    // Exclusion.
    let r = idx.query(&q("backup -restic")).unwrap();
    assert!(
        !paths(&r)
            .iter()
            .any(|p| p.ends_with("backup-cron-pattern.md"))
    );
}

#[test]
fn a_pasted_error_message_finds_the_doc_that_quotes_it() {
    let kb = Kb::new();
    kb.write(
        "netstack/docs/ops/backup/remote-copy-pattern.md",
        "# Remote copy pattern\n\n## Troubleshooting\n\nWhen the remote command fails with `unknown option: -x` \
         and says see tool --help, the remote side runs an older tool: upgrade it.\n",
    );
    kb.write(
        "netstack/docs/ops/tools/tool-options.md",
        "# Tool options\n\nEvery tool has options; an unknown one is an error. The remote side \
         fails when it says so. See the help of each command.\n",
    );
    let (idx, _) = kb.open_disk();
    let text = r#"remote command fails with "unknown option: -x" and says see tool --help"#;
    let r = idx.query(&q(text)).unwrap();
    assert_eq!(
        paths(&r)[0],
        "netstack/docs/ops/backup/remote-copy-pattern.md",
        "{r:?}"
    );
    assert_eq!(r.no_exact_match, None, "read as text from the start");
    // Typed operators still work where they are plainly meant.
    let r = idx.query(&q("options -remote")).unwrap();
    assert!(
        !paths(&r)
            .iter()
            .any(|p| p.ends_with("remote-copy-pattern.md"))
    );
    assert!(!paths(&r).iter().any(|p| p.ends_with("tool-options.md")));
}

#[test]
fn a_strict_reading_that_finds_nothing_falls_back_to_the_words_and_says_so() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    // No doc has these words next to each other: the phrase finds nothing, the words do.
    let r = idx.query(&q("\"restic prune status\"")).unwrap();
    assert_eq!(r.no_exact_match.as_deref(), Some("\"restic prune status\""));
    assert!(!r.hits.is_empty());
    let r = idx.query(&q("+wireguard +restic")).unwrap();
    assert_eq!(r.no_exact_match.as_deref(), Some("+wireguard +restic"));
    assert!(!r.hits.is_empty());
    // A phrase that matches is not loosened.
    let r = idx.query(&q("\"status page\"")).unwrap();
    assert_eq!(r.no_exact_match, None);
    // Nothing to loosen: no flag, nothing found stays nothing found.
    let r = idx.query(&q("zebra")).unwrap();
    assert_eq!((r.total, r.no_exact_match), (0, None));
}

#[test]
fn section_hits_snippets_and_highlights() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let r = idx.query(&q("overlapping lock")).unwrap();
    let h = &r.hits[0];
    assert_eq!(h.path, "docs/ops/backup/backup-cron-pattern.md");
    let s = h.section.as_ref().expect("section");
    assert_eq!(s.heading, "Pitfalls");
    assert_eq!(s.anchor, "pitfalls");
    assert_eq!(s.line, 12);
    assert!(h.snippet.contains("overlapping"), "{}", h.snippet);
    let marked: Vec<&str> = h
        .highlights
        .iter()
        .map(|&(a, b)| &h.snippet[a..b])
        .collect();
    assert_eq!(marked, ["overlapping", "lock"]);
    assert_eq!(
        h.url.as_deref(),
        Some("https://netstack.org/docs/ops/backup/backup-cron-pattern/")
    );
    assert_eq!(h.category.as_deref(), Some("ops/backup"));
    assert_eq!(h.pattern_id.as_deref(), Some("backup-cron-pattern"));
    assert_eq!(h.rank, 1);

    // Stems are highlighted: "snapshot" matches "snapshots".
    let r = idx.query(&q("snapshot")).unwrap();
    let h = &r.hits[0];
    assert_eq!(h.section.as_ref().unwrap().heading, "Retention");
    let marked: Vec<&str> = h
        .highlights
        .iter()
        .map(|&(a, b)| &h.snippet[a..b])
        .collect();
    assert_eq!(marked, ["snapshots"]);

    // A title-only match has no section and shows the opening text.
    let r = idx.query(&q("cedar")).unwrap();
    assert!(r.hits.iter().all(|h| h.site.as_deref() == Some("cf")));
    let t: Vec<&str> = r.hits[0]
        .title_highlights
        .iter()
        .map(|&(a, b)| &r.hits[0].title[a..b])
        .collect();
    assert_eq!(t, ["Cedar"]);
}

#[test]
fn naming_a_site_finds_its_docs() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let r = idx.query(&q("westford backup")).unwrap();
    assert_eq!(paths(&r)[0], "wf/docs/backup.md");
}

#[test]
fn paging_and_totals() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let all = idx.query(&q("backup")).unwrap();
    assert!(all.total >= 5);
    let page = idx
        .query(&SearchQuery {
            limit: 2,
            offset: 2,
            ..q("backup")
        })
        .unwrap();
    assert_eq!(page.total, all.total);
    assert_eq!(paths(&page), paths(&all)[2..4].to_vec());
    assert_eq!(page.hits[0].rank, 3);
    let none = idx
        .query(&SearchQuery {
            limit: 0,
            ..q("backup")
        })
        .unwrap();
    assert!(none.hits.is_empty());
    assert_eq!(none.total, all.total);
}

#[test]
fn words_matching_only_partly_come_after_full_matches() {
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let r = idx.query(&q("restic snapshots uptime kuma")).unwrap();
    assert!(r.relaxed);
    assert!(r.hits.iter().all(|h| h.partial));
    assert!(!r.hits.is_empty());
    let r = idx.query(&q("restic snapshots prune")).unwrap();
    assert!(!r.hits[0].partial);
}

#[test]
fn bad_input_is_not_a_crash() {
    let kb = Kb::new();
    kb.write("netstack/docs/bin.md", "\u{0}\u{1}binary");
    fs::write(
        kb.root().join("netstack/docs/latin1.md"),
        b"# Caf\xe9 r\xe9seau\n\nNotes \xff\xfe.\n",
    )
    .unwrap();
    kb.write("netstack/docs/empty.md", "");
    kb.write("netstack/docs/huge.md", &"word ".repeat(200_000));
    let (idx, r) = kb.open_disk();
    assert_eq!(r.added, 12, "the binary file is not a doc: {r:?}");
    for text in [
        "",
        "\"",
        "\"\"",
        "-",
        "+",
        "- - -",
        "a",
        "é",
        "réseau",
        "🚦",
        "((",
        "*",
        "x:y",
        "\"unclosed phrase",
        &"long".repeat(100),
        "AND OR NOT",
    ] {
        // An answer, or a refusal of text without a searchable word: never a panic, never
        // a damaged index.
        match idx.query(&q(text)) {
            Ok(_) => {}
            Err(Error::Query(e)) if e.param == "q" => {}
            Err(e) => panic!("{text:?}: {e}"),
        }
    }
    assert!(!idx.query(&q("notes")).unwrap().hits.is_empty());
    // The binary file is remembered and not re-read; still not indexed.
    let (_, r) = kb.open_disk();
    assert!(!r.changed(), "{r:?}");
}

#[test]
fn concurrent_writers_and_readers_never_see_a_broken_index() {
    let kb = Kb::new();
    kb.open_disk();
    let root = kb.root().to_path_buf();
    std::thread::scope(|s| {
        // A "server": one long-lived index synced after each edit.
        s.spawn(|| {
            let mut loaded = kb.kb();
            let (idx, _) = SearchIndex::open(&loaded, &|_, _| {}).unwrap();
            for i in 0..15 {
                fs::write(
                    root.join("wf/docs/churn.md"),
                    format!("# Churn\n\nRevision {i} of the churn doc.\n"),
                )
                .unwrap();
                loaded = loaded.refresh().unwrap();
                let r = idx.sync(&loaded).unwrap();
                assert_eq!(r.rebuilt, None, "{r:?}");
                assert!(!idx.search(&loaded, &q("churn")).unwrap().hits.is_empty());
            }
        });
        // "CLI runs": open from disk and search, over and over.
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..15 {
                    let (idx, r) =
                        SearchIndex::open_disk(&kb.config(), OpenOptions::default(), &|_, _| {})
                            .unwrap();
                    assert_eq!(r.rebuilt, None, "{r:?}");
                    assert!(!idx.query(&q("restic")).unwrap().hits.is_empty());
                }
            });
        }
    });
    let (idx, r) = kb.open_disk();
    assert!(!r.changed(), "{r:?}");
    assert_eq!(
        paths(&idx.query(&q("revision 14")).unwrap())[0],
        "wf/docs/churn.md"
    );
}

#[test]
fn offsets_and_limits_out_of_bounds_are_refused_before_tantivy() {
    use crate::limits::{MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET};
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    // These aborted the process (a collector sized by the offset) or panicked with a
    // capacity overflow that was then taken for a damaged index.
    for (limit, offset, param, max) in [
        (10, 10_000_000_000, "offset", MAX_SEARCH_OFFSET),
        (10, 4_294_967_296, "offset", MAX_SEARCH_OFFSET),
        (usize::MAX, 0, "limit", MAX_SEARCH_LIMIT),
        (MAX_SEARCH_LIMIT + 1, 0, "limit", MAX_SEARCH_LIMIT),
        (10, MAX_SEARCH_OFFSET + 1, "offset", MAX_SEARCH_OFFSET),
    ] {
        let query = SearchQuery {
            limit,
            offset,
            ..q("backup")
        };
        match idx.query(&query) {
            Err(Error::Query(e)) => {
                assert_eq!((e.param, e.max), (param, Some(max)), "{e}");
                assert!(e.message.contains(&max.to_string()), "{e}");
            }
            other => panic!("{limit} {offset}: {other:?}"),
        }
        let kbl = kb.kb();
        assert!(matches!(idx.search(&kbl, &query), Err(Error::Query(_))));
    }
    // The bounds themselves are fine.
    let r = idx
        .query(&SearchQuery {
            limit: MAX_SEARCH_LIMIT,
            offset: MAX_SEARCH_OFFSET,
            ..q("backup")
        })
        .unwrap();
    assert!(r.hits.is_empty() && r.total > 0);
    // Nothing was taken for damage: the index is as it was.
    let (_, report) = kb.open_disk();
    assert!(!report.changed(), "{report:?}");
}

#[test]
fn queries_without_a_searchable_word_are_refused_not_a_list_of_everything() {
    use crate::limits::{MAX_QUERY_BYTES, MAX_QUERY_WORDS};
    let kb = Kb::new();
    let (idx, _) = kb.open_disk();
    let a40 = "a".repeat(40);
    for text in ["\"", "*", "🙂", "- + -", a40.as_str(), "\u{1b}*\u{7}"] {
        match idx.query(&q(text)) {
            Err(Error::Query(e)) => {
                assert_eq!(e.param, "q");
                assert!(e.message.contains("no searchable words"), "{e}");
                assert!(!e.message.contains('\u{1b}'), "control bytes escaped: {e}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    // Too long, in bytes or in words: refused with the bound.
    let long = "a".repeat(10_000);
    let many = "backup ".repeat(MAX_QUERY_WORDS + 1);
    for (text, max) in [
        (long.as_str(), MAX_QUERY_BYTES),
        (many.as_str(), MAX_QUERY_WORDS),
    ] {
        match idx.query(&q(text)) {
            Err(Error::Query(e)) => assert_eq!((e.param, e.max), ("q", Some(max)), "{e}"),
            other => panic!("{other:?}"),
        }
    }
    // Still fine: stop words only, a lone exclusion, filters without text.
    assert!(idx.query(&q("how to")).is_ok());
    assert!(idx.query(&q("-grafana")).is_ok());
    assert!(!idx.query(&q("")).unwrap().hits.is_empty());
    assert_eq!(
        idx.query(&q(&"backup ".repeat(MAX_QUERY_WORDS)))
            .unwrap()
            .hits[0]
            .title,
        "Backup cron pattern"
    );
}

#[test]
fn counts_and_kinds_parse_alike_everywhere() {
    assert_eq!(parse_count("offset", "20", 100), Ok(20));
    assert_eq!(parse_count("offset", " 0 ", 100), Ok(0));
    for bad in [
        "101",
        "18446744073709551615",
        "99999999999999999999999",
        "-1",
        "1e3",
        "",
    ] {
        let e = parse_count("offset", bad, 100).unwrap_err();
        assert_eq!((e.param, e.max), ("offset", Some(100)), "{bad}");
    }
    assert!(
        parse_count("limit", "18446744073709551616", 100)
            .unwrap_err()
            .message
            .contains("too large")
    );
    assert_eq!(parse_kind("Site"), Ok(DocKind::SiteDoc));
    let e = parse_kind("bogus").unwrap_err();
    assert_eq!(e.param, "kind");
    assert!(e.message.contains("unknown kind `bogus`"), "{e}");
}

#[test]
fn an_unwritable_folder_is_searched_in_memory_or_stale_never_an_error() {
    // Root ignores permissions, so the folder is made unwritable for everyone: the writer
    // lock file becomes a folder (cannot be opened for writing), or the index path sits
    // under a regular file (cannot be created).
    let kb = Kb::new();
    kb.open_disk();
    let lock = kb.index_dir().join(LOCK_FILE);
    let _ = fs::remove_file(&lock);
    fs::create_dir(&lock).unwrap();
    kb.write("wf/docs/zebra.md", "# Zebra\n\nzebrafinch drill\n");

    // The CLI's way: the stale index as it is, with the reason.
    let stale = OpenOptions {
        prefer_stale: true,
        ..OpenOptions::default()
    };
    let (idx, r) = SearchIndex::open_disk(&kb.config(), stale, &|_, _| {}).unwrap();
    let why = r.degraded.clone().expect("degraded");
    assert!(
        why.contains("cannot be written") && why.contains("last updated"),
        "{why}"
    );
    assert_eq!(idx.degraded(), Some(why));
    assert!(idx.query(&q("zebrafinch")).unwrap().hits.is_empty());
    assert!(!idx.query(&q("restic")).unwrap().hits.is_empty());

    // The server's way: an index in memory, following syncs.
    let (idx, r) = SearchIndex::open(&kb.kb(), &|_, _| {}).unwrap();
    assert!(
        r.degraded
            .as_deref()
            .is_some_and(|w| w.contains("in memory")),
        "{r:?}"
    );
    assert_eq!(
        paths(&idx.query(&q("zebrafinch")).unwrap()),
        ["wf/docs/zebra.md"]
    );
    kb.write("cf/docs/gnu.md", "# Gnu\n\ngnuwildebeest count\n");
    fs::remove_file(kb.root().join("wf/docs/zebra.md")).unwrap();
    let r = idx.sync(&kb.kb()).unwrap();
    assert_eq!((r.added, r.removed), (1, 1), "{r:?}");
    assert!(r.degraded.is_some());
    assert_eq!(
        paths(&idx.query(&q("gnuwildebeest")).unwrap()),
        ["cf/docs/gnu.md"]
    );
    assert!(idx.query(&q("zebrafinch")).unwrap().hits.is_empty());
    // Nothing was written to the folder.
    assert!(lock.is_dir());

    // A path that can never be created.
    let kb = Kb::new();
    kb.write("blocker", "a file");
    kb.write(
        "netstack.toml",
        &format!("{NETSTACK_TOML}\n[index]\npath = \"blocker/index\"\n"),
    );
    for opts in [OpenOptions::default(), stale] {
        let (idx, r) = SearchIndex::open_disk(&kb.config(), opts, &|_, _| {}).unwrap();
        assert!(
            r.degraded
                .as_deref()
                .is_some_and(|w| w.contains("in memory")),
            "{r:?}"
        );
        assert!(!idx.query(&q("restic")).unwrap().hits.is_empty());
    }
}
