//! Recommendations on the bundled sample federation (`content/`): the model, routing per
//! both contract forms, every format (insta snapshots), the e-mail as RFC 5322 (parsed with
//! mail-parser), and the outbox ledger across runs, including an interrupted one.

use std::path::{Path, PathBuf};

use docengine::contract::Method;
use docengine::recommend::{
    self, Envelope, FindingInput, FindingPattern, FixedClock, Format, ManualRequest, Outbox,
    Recommendation, Status,
};
use docengine::{Config, Error, KnowledgeBase, Severity};

fn content() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../content")
}

fn kb() -> KnowledgeBase {
    KnowledgeBase::load(Config::load(&content()).unwrap()).unwrap()
}

/// 2025-10-14 09:30:00 UTC
const T0: i64 = 1_760_434_200;
const DAY: i64 = 86_400;

fn env(kb: &KnowledgeBase) -> Envelope {
    Envelope::new(&kb.config.recommend, &FixedClock::at(T0))
}

fn manual(kb: &KnowledgeBase, site: &str, pattern: &str) -> Recommendation {
    recommend::manual(kb, &ManualRequest::new(site, pattern)).unwrap()
}

fn finding(
    site: &str,
    rule: &str,
    sev: Severity,
    path: &str,
    line: u32,
    pattern: Option<&str>,
) -> FindingInput {
    FindingInput {
        rule: rule.into(),
        severity: sev,
        site: site.into(),
        path: path.into(),
        line,
        end_line: line + 4,
        message: format!("{rule} in {path}"),
        pattern: pattern.map(|id| FindingPattern {
            id: id.into(),
            path: None,
            url: None,
        }),
        similarity: (rule == "duplicate-content").then_some(0.87),
        fingerprint: format!("fp-{rule}-{path}"),
        fix: None,
    }
}

fn names(rec: &Recommendation) -> Vec<&str> {
    rec.recipients.iter().map(|r| r.contact.as_str()).collect()
}

// ---- the model ------------------------------------------------------------------------------

#[test]
fn manual_recommendation_links_the_pattern_with_the_site_values() {
    let kb = kb();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    assert!(
        rec.key.starts_with("cf.manual.backup-cron-pattern."),
        "{}",
        rec.key
    );
    let p = rec.pattern.as_ref().unwrap();
    assert_eq!(
        p.url,
        "https://netstack.org/docs/ops/backup/backup-cron-pattern/"
    );
    assert_eq!(
        p.verification_url.as_deref(),
        Some("https://netstack.org/docs/ops/backup/backup-cron-pattern/#verification")
    );
    let values: Vec<(&str, Option<&str>, Option<&str>)> = rec
        .values
        .iter()
        .map(|v| (v.key.as_str(), v.value.as_deref(), v.source.as_deref()))
        .collect();
    assert_eq!(
        values,
        vec![
            (
                "backup_target",
                Some("nas01.cf.lan"),
                Some("docs/backup.md:3")
            ),
            ("schedule", Some("02:00 daily"), Some("docs/backup.md:3")),
            ("retention_days", Some("30"), Some("docs/backup.md:3")),
        ]
    );
    // The pattern is linked, never re-explained: none of its steps appear anywhere.
    for f in Format::ALL {
        let text = recommend::render(&rec, None, f, &env(&kb)).unwrap();
        assert!(
            text.contains("https://netstack.org/docs/ops/backup/backup-cron-pattern/"),
            "{f}"
        );
        assert!(
            !text.contains("restic forget"),
            "{f} re-explains the pattern"
        );
        assert!(
            !text.contains("apt-get install"),
            "{f} re-explains the pattern"
        );
    }
    // Same request, same key; another doc, another key.
    assert_eq!(rec.key, manual(&kb, "cf", "backup-cron-pattern").key);
    let mut req = ManualRequest::new("cf", "backup-cron-pattern");
    req.doc = Some("docs/storage.md".into());
    assert_ne!(rec.key, recommend::manual(&kb, &req).unwrap().key);
}

#[test]
fn set_values_win_and_missing_ones_are_to_be_filled() {
    let kb = kb();
    let mut req = ManualRequest::new("cf", "backup-cron-pattern");
    req.set = vec![
        ("schedule".into(), "03:30 daily".into()),
        ("Heartbeat URL".into(), "https://hc.example.org/cf".into()),
    ];
    let rec = recommend::manual(&kb, &req).unwrap();
    let schedule = rec.values.iter().find(|v| v.key == "schedule").unwrap();
    assert_eq!(schedule.value.as_deref(), Some("03:30 daily"));
    assert_eq!(schedule.source.as_deref(), Some("--set"));
    assert!(
        rec.values
            .iter()
            .any(|v| v.key == "heartbeat_url" && v.name == "Heartbeat URL")
    );

    // A site that records one of the two values the pattern declares: the other shows, to
    // be filled, in every format.
    let dir = tempfile::tempdir().unwrap();
    let kb = free_form_kb(
        dir.path(),
        "**Action recommendations:** Email to ops@example.org",
        "netstack <netstack@example.org>",
    );
    std::fs::write(
        dir.path().join("zh/docs/backup.md"),
        "---\nfollows: backup-cron-pattern\nvalues: {backup_target: nas01.zh.lan}\n---\n# Backup\n",
    )
    .unwrap();
    let kb = kb.refresh().unwrap();
    let rec = recommend::manual(&kb, &ManualRequest::new("zh", "backup-cron-pattern")).unwrap();
    let missing: Vec<&str> = rec.missing_values().map(|v| v.key.as_str()).collect();
    assert_eq!(missing, vec!["schedule"]);
    assert!(
        rec.detected.contains("not recorded: schedule"),
        "{}",
        rec.detected
    );
    for f in Format::ALL {
        let text = recommend::render(&rec, None, f, &env(&kb)).unwrap();
        assert!(
            text.contains("to be filled") || f == Format::Json,
            "{f}:\n{text}"
        );
        assert!(text.contains("schedule"), "{f}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Json, &env(&kb)).unwrap())
            .unwrap();
    assert_eq!(json["values"][1]["key"], "schedule");
    assert!(json["values"][1]["value"].is_null());
}

#[test]
fn unknown_site_pattern_and_contractless_sites_say_what_to_do() {
    let kb = kb();
    let e = recommend::manual(&kb, &ManualRequest::new("cff", "backup-cron-pattern")).unwrap_err();
    assert!(matches!(e, Error::NotFound(_)));
    assert!(e.to_string().contains("did you mean cf"), "{e}");
    let e = recommend::manual(&kb, &ManualRequest::new("cf", "backup-corn-pattern")).unwrap_err();
    assert!(
        e.to_string().contains("did you mean backup-cron-pattern"),
        "{e}"
    );
    // A published URL works as the pattern.
    let rec = manual(
        &kb,
        "cf",
        "https://netstack.org/docs/ops/backup/backup-cron-pattern/",
    );
    assert_eq!(rec.pattern.unwrap().id, "backup-cron-pattern");
    // wf has no contract.
    let e = recommend::manual(&kb, &ManualRequest::new("wf", "backup-cron-pattern")).unwrap_err();
    match &e {
        Error::NoContact { site, path, .. } => {
            assert_eq!(site, "wf");
            assert_eq!(path, "wf/.wip-contract.md");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("**Action recommendations:**"), "{e}");
    // A doc that is not there.
    let mut req = ManualRequest::new("cf", "backup-cron-pattern");
    req.doc = Some("docs/bakup.md".into());
    let e = recommend::manual(&kb, &req).unwrap_err();
    assert!(e.to_string().contains("did you mean docs/backup.md"), "{e}");
}

// ---- routing --------------------------------------------------------------------------------

#[test]
fn free_form_contract_routes_everything_to_the_action_recommendations_contact() {
    let kb = kb();
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let mut req = ManualRequest::new("cf", "certificate-renewal-pattern");
        req.severity = sev;
        let rec = recommend::manual(&kb, &req).unwrap();
        assert_eq!(names(&rec), vec!["action-recommendations"]);
        let r = &rec.recipients[0];
        assert_eq!(r.method, Method::Email);
        assert_eq!(r.address, "it-admin@cedarfalls.example.org");
        assert_eq!(r.cc, vec!["facilities@cedarfalls.example.org"]);
    }
}

#[test]
fn structured_contract_routes_by_category_and_severity() {
    let kb = kb();
    let route = |pattern: &str, sev: Severity| {
        let mut req = ManualRequest::new("sl", pattern);
        req.severity = sev;
        recommend::manual(&kb, &req).unwrap()
    };
    let rec = route("certificate-renewal-pattern", Severity::Error);
    assert_eq!(names(&rec), vec!["noc", "ops"]);
    assert!(rec.route.contains("route 1"), "{}", rec.route);
    let rec = route("certificate-renewal-pattern", Severity::Warning);
    assert_eq!(names(&rec), vec!["ops"]);
    assert!(rec.route.contains("default"), "{}", rec.route);
    let rec = route("backup-cron-pattern", Severity::Info);
    assert_eq!(names(&rec), vec!["tracker"]);
    let rec = route("backup-cron-pattern", Severity::Error);
    assert_eq!(names(&rec), vec!["ops"]);
    // One message per contact, each in its method's format.
    let rec = route("certificate-renewal-pattern", Severity::Error);
    let msgs = recommend::messages(&rec, None, &env(&kb)).unwrap();
    let kinds: Vec<(Format, &str)> = msgs
        .iter()
        .map(|m| (m.format, m.file_name.as_str()))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert_eq!(kinds[0].0, Format::Matrix);
    assert!(kinds[0].1.ends_with(".noc.matrix.json"));
    assert_eq!(kinds[1].0, Format::Email);
    assert!(kinds[1].1.ends_with(".ops.eml"));
    // Forcing e-mail keeps the e-mail contact only; the JSON model is one message.
    let msgs = recommend::messages(&rec, Some(Format::Email), &env(&kb)).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].recipient.as_ref().unwrap().contact, "ops");
    assert_eq!(
        recommend::messages(&rec, Some(Format::Json), &env(&kb))
            .unwrap()
            .len(),
        1
    );
    // E-mail to a tracker-only route is refused with a reason.
    let rec = route("backup-cron-pattern", Severity::Info);
    let e = recommend::messages(&rec, Some(Format::Email), &env(&kb)).unwrap_err();
    assert!(e.to_string().contains("no e-mail address"), "{e}");
}

// ---- formats --------------------------------------------------------------------------------

#[test]
fn snapshots_cf_backup_every_format() {
    let kb = kb();
    let mut req = ManualRequest::new("cf", "backup-cron-pattern");
    req.note = Some("The Q4 restore drill showed the offsite copy is a week behind.".into());
    req.due = Some("2025-11-30".into());
    let rec = recommend::manual(&kb, &req).unwrap();
    for f in Format::ALL {
        let text = recommend::render(&rec, None, f, &env(&kb)).unwrap();
        let text = if f == Format::Email {
            text.replace("\r\n", "\n")
        } else {
            text
        };
        insta::assert_snapshot!(format!("cf_backup_{f}"), text);
    }
}

#[test]
fn snapshots_sl_routed_messages() {
    let kb = kb();
    let f = finding(
        "sl",
        "duplicate-content",
        Severity::Error,
        "docs/certificates.md",
        14,
        Some("certificate-renewal-pattern"),
    );
    let rec = recommend::from_finding(&kb, &f).unwrap();
    assert_eq!(names(&rec), vec!["noc", "ops"]);
    for m in recommend::messages(&rec, None, &env(&kb)).unwrap() {
        let text = m.text.replace("\r\n", "\n");
        insta::assert_snapshot!(format!("sl_certificates_{}", m.format), text);
    }
    let f = finding("sl", "broken-link", Severity::Info, "docs/dns.md", 30, None);
    let rec = recommend::from_finding(&kb, &f).unwrap();
    assert_eq!(names(&rec), vec!["tracker"]);
    let msgs = recommend::messages(&rec, None, &env(&kb)).unwrap();
    assert_eq!(msgs.len(), 1);
    insta::assert_snapshot!("sl_dns_broken_link_issue", msgs[0].text.clone());
}

#[test]
fn json_and_matrix_and_slack_are_valid_json_with_the_right_fields() {
    let kb = kb();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    let e = env(&kb);
    let json: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Json, &e).unwrap()).unwrap();
    assert_eq!(json["key"], rec.key.as_str());
    assert_eq!(
        json["recipients"][0]["address"],
        "it-admin@cedarfalls.example.org"
    );
    let matrix: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Matrix, &e).unwrap()).unwrap();
    assert_eq!(matrix["msgtype"], "m.text");
    assert_eq!(matrix["format"], "org.matrix.custom.html");
    assert!(
        matrix["body"]
            .as_str()
            .unwrap()
            .contains(&rec.pattern.as_ref().unwrap().url)
    );
    assert!(
        matrix["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://netstack.org/docs/ops/backup/backup-cron-pattern/\">")
    );
    let slack: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Slack, &e).unwrap()).unwrap();
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .contains("<https://netstack.org/docs/ops/backup/backup-cron-pattern/|")
    );
    assert!(slack["blocks"].as_array().unwrap().len() >= 5);
    assert_eq!(slack["blocks"][0]["type"], "header");
}

#[test]
fn hostile_text_is_escaped_per_format() {
    let kb = kb();
    let mut req = ManualRequest::new("cf", "backup-cron-pattern");
    req.note = Some(
        "<script>alert(1)</script> & <@channel> | pipe `<b>code</b>` javascript:alert(2) \
         see https://wiki.example.org/x?a=1&b=\"2\"."
            .into(),
    );
    req.set = vec![(
        "schedule".into(),
        "a | b <img src=x onerror=alert(1)>".into(),
    )];
    let rec = recommend::manual(&kb, &req).unwrap();
    let e = env(&kb);
    let matrix: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Matrix, &e).unwrap()).unwrap();
    let html = matrix["formatted_body"].as_str().unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("<img"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    // Code spans and http(s) URLs become markup; nothing else does.
    assert!(
        html.contains("<code>&lt;b&gt;code&lt;/b&gt;</code>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://wiki.example.org/x?a=1&amp;b=\">https://wiki.example.org/x?a=1&amp;b=</a>&quot;2&quot;."),
        "{html}"
    );
    assert!(!html.contains("href=\"javascript"), "{html}");
    let slack: serde_json::Value =
        serde_json::from_str(&recommend::render(&rec, None, Format::Slack, &e).unwrap()).unwrap();
    let text = slack["text"].as_str().unwrap();
    assert!(text.contains("&amp; &lt;@channel&gt;"), "{text}");
    let issue = recommend::render(&rec, None, Format::Issue, &e).unwrap();
    assert!(
        !issue.contains("<script>") && !issue.contains("<img"),
        "{issue}"
    );
    assert!(issue.contains("| a \\| b &lt;img"), "{issue}");
}

// ---- e-mail ---------------------------------------------------------------------------------

#[test]
fn email_parses_as_rfc5322() {
    let kb = kb();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    let raw = recommend::render(&rec, None, Format::Email, &env(&kb)).unwrap();
    assert!(
        raw.contains("\r\n") && !raw.replace("\r\n", "").contains('\n'),
        "CRLF line ends"
    );
    for line in raw.split("\r\n") {
        assert!(line.len() <= 998);
    }
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("netstack@example-fed.org"));
    assert_eq!(from.name(), Some("netstack"));
    let to: Vec<&str> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, vec!["it-admin@cedarfalls.example.org"]);
    let cc: Vec<&str> = msg
        .cc()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(cc, vec!["facilities@cedarfalls.example.org"]);
    assert_eq!(
        msg.subject(),
        Some("[netstack cf] Follow Scheduled backups with restic (backup-cron-pattern)")
    );
    assert_eq!(msg.date().unwrap().to_rfc3339(), "2025-10-14T09:30:00Z");
    assert!(
        msg.message_id()
            .unwrap()
            .starts_with("cf.manual.backup-cron-pattern.")
    );
    let body = msg.body_text(0).unwrap();
    assert!(
        body.contains("https://netstack.org/docs/ops/backup/backup-cron-pattern/"),
        "{body}"
    );
    assert!(
        body.contains("nas01.cf.lan") && body.contains("02:00 daily"),
        "{body}"
    );
}

#[test]
fn email_with_non_ascii_text_is_encoded_and_decodes_back() {
    let dir = tempfile::tempdir().unwrap();
    let kb = free_form_kb(
        dir.path(),
        "**Action recommendations:** Email to ops@example.org with netstack pattern link, cc: chef@example.org",
        "netstack Zürich <netstack@example.org>",
    );
    let mut req = ManualRequest::new("zh", "backup-cron-pattern");
    req.note = Some("Die Sicherung läuft seit Montag nicht — bitte prüfen ✓".into());
    req.set = vec![("backup_target".into(), "nas-zürich.example.org".into())];
    let rec = recommend::manual(&kb, &req).unwrap();
    let raw = recommend::render(&rec, None, Format::Email, &env(&kb)).unwrap();
    let head = raw.split("\r\n\r\n").next().unwrap();
    assert!(head.is_ascii(), "headers must be ASCII:\n{head}");
    assert!(head.contains("Content-Transfer-Encoding: 8bit"));
    // Foldable fields stay within 78 columns (a Message-ID is one token and cannot fold).
    let mut field = "";
    for line in head.split("\r\n") {
        if !line.starts_with(' ') {
            field = line.split(':').next().unwrap();
        }
        if ["From", "To", "Cc", "Subject"].contains(&field) {
            assert!(line.len() <= 78, "{line:?}");
        }
    }
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    assert_eq!(
        msg.from().unwrap().first().unwrap().name(),
        Some("netstack Zürich")
    );
    assert_eq!(
        msg.subject(),
        Some("[netstack zh] Follow Zürich backups (backup-cron-pattern)")
    );
    let body = msg.body_text(0).unwrap();
    assert!(
        body.contains("Die Sicherung läuft seit Montag nicht — bitte prüfen ✓"),
        "{body}"
    );
    assert!(body.contains("nas-zürich.example.org"), "{body}");
}

/// The bar: a free-form contract naming ops@example.org gets a valid e-mail to that address
/// with the pattern's published URL and the site values.
#[test]
fn bar_free_form_contract_gets_a_valid_email() {
    let dir = tempfile::tempdir().unwrap();
    let kb = free_form_kb(
        dir.path(),
        "**Action recommendations:** Email to ops@example.org with netstack pattern link",
        "netstack <netstack@example.org>",
    );
    let rec = recommend::manual(&kb, &ManualRequest::new("zh", "backup-cron-pattern")).unwrap();
    let msgs = recommend::messages(&rec, None, &env(&kb)).unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].format, Format::Email);
    let msg = mail_parser::MessageParser::default()
        .parse(msgs[0].text.as_bytes())
        .unwrap();
    let to: Vec<&str> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, vec!["ops@example.org"]);
    assert!(msg.cc().is_none());
    let body = msg.body_text(0).unwrap();
    assert!(
        body.contains("https://backup.example.org/docs/ops/backup/backup-cron-pattern/"),
        "{body}"
    );
    assert!(
        body.contains("nas01.zh.lan") && body.contains("01:15"),
        "{body}"
    );
}

/// A KB with one pattern repo (one pattern) and one site `zh` whose contract says `line`.
fn free_form_kb(root: &Path, line: &str, from: &str) -> KnowledgeBase {
    let w = |p: &str, s: &str| {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w(
        "netstack.toml",
        &format!(
            "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://backup.example.org/\"]\n\n[[sites]]\nname = \"zh\"\npath = \"zh\"\n\n[recommend]\nfrom = \"{from}\"\n"
        ),
    );
    w(
        "netstack/docs/ops/backup/backup-cron-pattern.md",
        "---\ntitle: Zürich backups\nvalues: [backup_target, schedule]\n---\n# Backups\n\n## Verification\n\nCheck it.\n",
    );
    w(
        "zh/.wip-contract.md",
        &format!("# Contract\n\n## Contact Method\n\n- {line}\n"),
    );
    w(
        "zh/docs/backup.md",
        "# Backup\n\nFollows netstack backup-cron-pattern.\n\n## Values\n\n| Key | Value |\n|---|---|\n| backup_target | nas01.zh.lan |\n| schedule | 01:15 |\n",
    );
    KnowledgeBase::load(Config::load(root).unwrap()).unwrap()
}

// ---- outbox ---------------------------------------------------------------------------------

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != ".netstack.lock")
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn sync(
    kb: &KnowledgeBase,
    dir: &Path,
    fs: &[FindingInput],
    sites: &[&str],
    t: i64,
) -> recommend::SyncOutcome {
    let sites: Vec<String> = sites.iter().map(|s| s.to_string()).collect();
    recommend::sync_findings(kb, fs, &sites, dir, &FixedClock::at(t)).unwrap()
}

#[test]
fn outbox_is_idempotent_and_resolves_vanished_findings() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path();
    let dup = finding(
        "cf",
        "duplicate-content",
        Severity::Warning,
        "docs/backup.md",
        12,
        Some("backup-cron-pattern"),
    );
    let sec = finding(
        "sl",
        "duplicate-content",
        Severity::Error,
        "docs/certificates.md",
        14,
        Some("certificate-renewal-pattern"),
    );
    let info = finding("sl", "broken-link", Severity::Info, "docs/dns.md", 30, None);
    let wf = finding(
        "wf",
        "unknown-pattern",
        Severity::Error,
        "docs/wan.md",
        3,
        None,
    );
    let all = vec![dup.clone(), sec.clone(), info.clone(), wf.clone()];

    let r1 = sync(&kb, dir, &all, &["cf", "sl", "wf"], T0);
    assert_eq!(r1.recorded, 3);
    assert_eq!(r1.report.new.len(), 3);
    // wf has no contract: reported, not written.
    assert_eq!(r1.unroutable["wf"].findings, 1);
    assert!(r1.unroutable["wf"].reason.contains("no contract"));
    let first = files(dir);
    // ledger + cf email + sl (matrix + email) + sl issue
    assert_eq!(
        first.len(),
        5,
        "{:?}",
        first.iter().map(|f| &f.0).collect::<Vec<_>>()
    );

    // Run 2: the same findings, lines shifted: the same files, byte for byte, except the ledger.
    let mut shifted = all.clone();
    for f in &mut shifted {
        f.line += 7;
        f.end_line += 7;
    }
    let r2 = sync(&kb, dir, &shifted, &["cf", "sl", "wf"], T0 + DAY);
    assert!(r2.report.new.is_empty(), "{:?}", r2.report);
    assert_eq!(r2.report.seen_again.len(), 3);
    let second = files(dir);
    assert_eq!(
        first.iter().map(|f| &f.0).collect::<Vec<_>>(),
        second.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    // Messages keep their first date; only line numbers in the text moved.
    let ledger = Outbox::open(dir).unwrap().ledger().clone();
    assert_eq!(ledger.recommendations.len(), 3);
    for e in &ledger.recommendations {
        assert_eq!(e.times_seen, 2);
        assert_eq!(e.first_seen, "2025-10-14T09:30:00Z");
        assert_eq!(e.last_seen, "2025-10-15T09:30:00Z");
        assert_eq!(e.status, Status::Open);
        for d in &e.recipients {
            assert!(dir.join(&d.file).is_file(), "{}", d.file);
        }
    }
    let email = second
        .iter()
        .find(|f| f.0.starts_with("cf.") && f.0.ends_with(".eml"))
        .unwrap();
    assert!(String::from_utf8_lossy(&email.1).contains("Date: Tue, 14 Oct 2025 09:30:00 +0000"));

    // Run 3 (same input again): nothing but the ledger's dates changes.
    let r3 = sync(&kb, dir, &shifted, &["cf", "sl", "wf"], T0 + 2 * DAY);
    assert!(r3.report.written.is_empty(), "{:?}", r3.report.written);
    let third = files(dir);
    for (a, b) in second.iter().zip(&third) {
        if a.0 != "ledger.json" {
            assert_eq!(a, b);
        }
    }

    // Run 4: the cf finding is fixed → resolved; sl untouched.
    let r4 = sync(
        &kb,
        dir,
        &[sec.clone(), info.clone()],
        &["cf", "sl"],
        T0 + 3 * DAY,
    );
    assert_eq!(r4.report.resolved.len(), 1);
    let ledger = Outbox::open(dir).unwrap().ledger().clone();
    let cf = ledger
        .recommendations
        .iter()
        .find(|e| e.site == "cf")
        .unwrap();
    assert_eq!(cf.status, Status::Resolved);
    assert_eq!(cf.resolved_at.as_deref(), Some("2025-10-17T09:30:00Z"));
    assert_eq!(cf.times_seen, 3);
    assert_eq!(files(dir).len(), 5, "files stay as the record");

    // Run 5 lints only sl: cf stays resolved; nothing of sl is resolved.
    let r5 = sync(
        &kb,
        dir,
        &[sec.clone(), info.clone()],
        &["sl"],
        T0 + 4 * DAY,
    );
    assert!(r5.report.resolved.is_empty());

    // Run 6: it comes back → re-opened, same key, same file.
    let r6 = sync(
        &kb,
        dir,
        &[dup.clone(), sec, info],
        &["cf", "sl"],
        T0 + 5 * DAY,
    );
    assert_eq!(r6.report.reopened, vec![cf.key.clone()]);
    let ledger = Outbox::open(dir).unwrap().ledger().clone();
    let cf2 = ledger
        .recommendations
        .iter()
        .find(|e| e.site == "cf")
        .unwrap();
    assert_eq!(cf2.status, Status::Open);
    assert_eq!(cf2.times_seen, 4);
    assert_eq!(cf2.recipients, cf.recipients);
}

#[test]
fn manual_recommendations_are_recorded_but_never_auto_resolved() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    for day in 0..2 {
        let mut o = Outbox::open(out.path()).unwrap();
        o.record(
            std::slice::from_ref(&rec),
            &env(&kb),
            FixedClock::at(T0 + day * DAY).0,
        )
        .unwrap();
        // Recording the same key twice in one run counts once.
        o.record(
            std::slice::from_ref(&rec),
            &env(&kb),
            FixedClock::at(T0 + day * DAY).0,
        )
        .unwrap();
        o.commit().unwrap();
    }
    sync(&kb, out.path(), &[], &["cf"], T0 + 3 * DAY);
    let ledger = Outbox::open(out.path()).unwrap().ledger().clone();
    assert_eq!(ledger.recommendations.len(), 1);
    assert_eq!(ledger.recommendations[0].times_seen, 2);
    assert_eq!(ledger.recommendations[0].status, Status::Open);
}

#[test]
fn an_interrupted_run_leaves_the_previous_ledger_readable() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path();
    let f = finding(
        "cf",
        "duplicate-content",
        Severity::Warning,
        "docs/backup.md",
        12,
        Some("backup-cron-pattern"),
    );
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0);
    let before = std::fs::read(dir.join("ledger.json")).unwrap();
    // A run killed between writing the new ledger to its temp file and the rename leaves a
    // (possibly half-written) temp file beside the intact ledger.
    std::fs::write(
        dir.join(".netstack-tmp-4242-ledger.json"),
        &before[..before.len() / 2],
    )
    .unwrap();
    let o = Outbox::open(dir).unwrap();
    assert_eq!(o.ledger().recommendations.len(), 1);
    assert!(
        !dir.join(".netstack-tmp-4242-ledger.json").exists(),
        "stale temp files are cleaned"
    );
    drop(o);
    let r = sync(&kb, dir, &[f], &["cf"], T0 + DAY);
    assert_eq!(r.report.seen_again.len(), 1);
}

#[test]
fn a_damaged_ledger_is_reported_and_never_overwritten() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(
        out.path().join("ledger.json"),
        b"{\"version\": 1, \"recommendations\": [",
    )
    .unwrap();
    let e = recommend::sync_findings(
        &kb,
        &[],
        &["cf".to_string()],
        out.path(),
        &FixedClock::at(T0),
    )
    .unwrap_err();
    assert!(e.to_string().contains("ledger.json"), "{e}");
    assert!(e.to_string().contains("move it aside"), "{e}");
    assert_eq!(
        std::fs::read(out.path().join("ledger.json")).unwrap(),
        b"{\"version\": 1, \"recommendations\": ["
    );
}

#[test]
fn findings_bring_their_fix_and_patterns_outside_the_kb() {
    let kb = kb();
    let mut f = finding(
        "cf",
        "missing-values",
        Severity::Warning,
        "docs/backup.md",
        1,
        Some("backup-cron-pattern"),
    );
    f.fix = Some("Add `heartbeat_url` to the front matter `values:`.".into());
    let rec = recommend::from_finding(&kb, &f).unwrap();
    assert_eq!(
        rec.action,
        "Add `heartbeat_url` to the front matter `values:`."
    );
    assert_eq!(rec.category.as_deref(), Some("ops/backup"));
    assert_eq!(
        rec.location.as_ref().unwrap().display(),
        "docs/backup.md:1-5"
    );
    // The values come from the finding's doc.
    assert_eq!(
        rec.values
            .iter()
            .find(|v| v.key == "backup_target")
            .unwrap()
            .source
            .as_deref(),
        Some("docs/backup.md:3")
    );
    // A pattern the KB does not have (lint against another checkout): its URL as given.
    f.pattern = Some(FindingPattern {
        id: "vpn-mesh-pattern".into(),
        path: Some("docs/wan/vpn-mesh-pattern.md".into()),
        url: Some("https://netstack.org/docs/wan/vpn-mesh-pattern/".into()),
    });
    let rec = recommend::from_finding(&kb, &f).unwrap();
    let p = rec.pattern.as_ref().unwrap();
    assert_eq!(p.url, "https://netstack.org/docs/wan/vpn-mesh-pattern/");
    assert_eq!(p.category.as_deref(), Some("wan"));
    // Pattern-repo findings have no site: not a recommendation.
    f.site = "netstack".into();
    assert!(matches!(
        recommend::from_finding(&kb, &f),
        Err(Error::NotFound(_))
    ));
}

#[test]
fn finding_key_is_the_recommendation_key() {
    let kb = kb();
    for f in [
        finding(
            "cf",
            "duplicate-content",
            Severity::Warning,
            "docs/backup.md",
            12,
            Some("Backup-Cron-Pattern"),
        ),
        finding("sl", "broken-link", Severity::Info, "docs/dns.md", 30, None),
    ] {
        assert_eq!(
            recommend::finding_key(&kb, &f),
            recommend::from_finding(&kb, &f).unwrap().key
        );
    }
}

/// The real lint on the bundled KB, through the outbox twice: the same files; wf (no
/// contract) reported as unroutable; pattern-repo findings skipped.
#[test]
fn lint_report_into_the_outbox() {
    use docengine::lint::{self, Settings, Target};
    let kb = kb();
    let settings = Settings::from_config(&kb.config.lint).unwrap();
    let report = lint::lint(&kb, &settings, &Target::Everything, None);
    let site_findings = report.findings.iter().filter(|f| f.site.is_some()).count();
    assert!(site_findings > 0);
    let out = tempfile::tempdir().unwrap();
    let first = recommend::sync_lint_report(&kb, &report, out.path(), &FixedClock::at(T0)).unwrap();
    let wf = report
        .findings
        .iter()
        .filter(|f| f.site.as_deref() == Some("wf"))
        .count();
    assert!(wf > 0);
    assert_eq!(first.unroutable["wf"].findings, wf);
    assert_eq!(first.recorded, site_findings - wf);
    let files1 = files(out.path());
    let second =
        recommend::sync_lint_report(&kb, &report, out.path(), &FixedClock::at(T0 + DAY)).unwrap();
    assert!(
        second.report.new.is_empty() && second.report.written.is_empty(),
        "{:?}",
        second.report
    );
    let files2 = files(out.path());
    assert_eq!(
        files1.iter().map(|f| &f.0).collect::<Vec<_>>(),
        files2.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let ledger = Outbox::open(out.path()).unwrap().ledger().clone();
    assert_eq!(ledger.recommendations.len(), site_findings - wf);
    assert!(
        ledger
            .recommendations
            .iter()
            .all(|e| e.times_seen == 2 && e.site != "wf")
    );
    // A baselined finding is neither recommended nor resolved.
    let mut partial = report.clone();
    let silenced = partial.findings.remove(
        partial
            .findings
            .iter()
            .position(|f| f.site.as_deref() == Some("cf"))
            .unwrap(),
    );
    partial.baselined.push(silenced);
    let third =
        recommend::sync_lint_report(&kb, &partial, out.path(), &FixedClock::at(T0 + 2 * DAY))
            .unwrap();
    assert!(
        third.report.resolved.is_empty(),
        "{:?}",
        third.report.resolved
    );
    // Gone for real: resolved.
    partial.baselined.clear();
    let fourth =
        recommend::sync_lint_report(&kb, &partial, out.path(), &FixedClock::at(T0 + 3 * DAY))
            .unwrap();
    assert_eq!(fourth.report.resolved.len(), 1);
}

#[test]
fn previews_hold_every_format_and_say_why_one_does_not_apply() {
    let kb = kb();
    let clock = FixedClock::at(T0);
    let p = recommend::preview(
        &kb,
        &ManualRequest::new("cf", "backup-cron-pattern"),
        &clock,
    )
    .unwrap();
    assert_eq!(p.messages.len(), 1);
    assert_eq!(p.formats.len(), 5);
    assert!(p.formats.iter().all(|r| r.text.is_ok()));
    assert_eq!(p.formats[1].mime_type, "message/rfc822");
    // sl's info route is a tracker: no e-mail, and the preview says why.
    let mut req = ManualRequest::new("sl", "backup-cron-pattern");
    req.severity = Severity::Info;
    let p = recommend::preview(&kb, &req, &clock).unwrap();
    let email = p
        .formats
        .iter()
        .find(|r| r.format == Format::Email)
        .unwrap();
    assert!(
        email
            .text
            .as_ref()
            .unwrap_err()
            .contains("e-mail recipient")
    );
    assert!(p.formats.iter().filter(|r| r.text.is_ok()).count() == 4);
    let f = finding("sl", "broken-link", Severity::Info, "docs/dns.md", 30, None);
    let p = recommend::preview_finding(&kb, &f, &clock).unwrap();
    assert_eq!(p.messages[0].format, Format::Issue);
}

#[test]
fn a_pattern_without_values_promises_no_values_table() {
    let kb = kb();
    let rec = manual(&kb, "sl", "firewall-baseline-pattern");
    assert!(!rec.action.contains("values"), "{}", rec.action);
    assert!(!rec.verification.contains("values"), "{}", rec.verification);
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    assert!(rec.action.contains("values below"), "{}", rec.action);
}

/// Record `rec` once in `dir` at `at`.
fn record_once(kb: &KnowledgeBase, dir: &Path, rec: &Recommendation, at: i64) {
    let mut o = Outbox::open(dir).unwrap();
    o.record(std::slice::from_ref(rec), &env(kb), FixedClock::at(at).0)
        .unwrap();
    o.commit().unwrap();
}

#[test]
fn times_seen_saturates_instead_of_wrapping_to_zero() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    record_once(&kb, out.path(), &rec, T0);
    let path = out.path().join("ledger.json");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"times_seen\": 1"), "{text}");
    std::fs::write(
        &path,
        text.replace(
            "\"times_seen\": 1",
            &format!("\"times_seen\": {}", u64::MAX),
        ),
    )
    .unwrap();
    record_once(&kb, out.path(), &rec, T0 + DAY);
    let ledger = Outbox::open(out.path()).unwrap().ledger().clone();
    assert_eq!(ledger.recommendations[0].times_seen, u64::MAX);
}

#[test]
fn a_ledger_time_that_is_not_rfc3339_is_refused_with_file_and_line() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let rec = manual(&kb, "cf", "backup-cron-pattern");
    record_once(&kb, out.path(), &rec, T0);
    let path = out.path().join("ledger.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"first_seen\""))
        .unwrap()
        + 1;
    let bad = text
        .lines()
        .map(|l| {
            if l.contains("\"first_seen\"") {
                "      \"first_seen\": \"yesterday\",".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, &bad).unwrap();
    let e = Outbox::open(out.path()).unwrap_err().to_string();
    assert!(e.contains(&format!("ledger.json:{line}")), "{e}");
    assert!(e.contains("first_seen") && e.contains("yesterday"), "{e}");
    assert!(e.contains("RFC 3339"), "{e}");
    // Never overwritten.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), bad);
}

#[test]
fn an_outbox_that_cannot_be_written_says_so_not_cannot_read() {
    // A folder where the lock file should be: fails for root too.
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join(".netstack.lock")).unwrap();
    let e = Outbox::open(out.path()).unwrap_err().to_string();
    assert!(e.contains(".netstack.lock"), "{e}");
    assert!(e.contains("cannot create or write the lock file"), "{e}");
    assert!(!e.contains("cannot read"), "{e}");
    assert!(e.contains("--outbox"), "{e}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if unsafe { libc::geteuid() } == 0 {
            eprintln!(
                "SKIPPED (running as root, who writes read-only folders): a read-only outbox folder"
            );
            return;
        }
        let ro = tempfile::tempdir().unwrap();
        std::fs::set_permissions(ro.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let e = Outbox::open(ro.path()).unwrap_err().to_string();
        std::fs::set_permissions(ro.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(e.contains("cannot create or write the lock file"), "{e}");
        assert!(e.contains("make the outbox folder writable"), "{e}");
    }
}

#[test]
fn re_recording_keeps_each_message_s_delivery_record_and_v1_ledgers_read_as_pending() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path();
    let f = finding(
        "cf",
        "duplicate-content",
        Severity::Warning,
        "docs/backup.md",
        12,
        Some("backup-cron-pattern"),
    );
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0);
    // Deliver it (as `netstack deliver` records it).
    let mut ledger = recommend::read_ledger(dir).unwrap();
    assert_eq!(ledger.version, 2);
    let d = &mut ledger.recommendations[0].recipients[0];
    assert_eq!(d.status.state, recommend::State::Pending);
    d.status.state = recommend::State::Sent;
    d.status.attempts = 1;
    d.status.remote_id = Some("<x@example.org>".into());
    d.status.delivered_at = Some("2025-10-14T10:00:00Z".into());
    let text = serde_json::to_string_pretty(&ledger).unwrap();
    std::fs::write(dir.join("ledger.json"), &text).unwrap();
    assert!(text.contains("\"state\": \"sent\""), "{text}");
    // Seen again, resolved, re-opened: the record stays.
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + DAY);
    sync(&kb, dir, &[], &["cf"], T0 + 2 * DAY);
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + 3 * DAY);
    let after = recommend::read_ledger(dir).unwrap();
    assert_eq!(after.recommendations[0].status, Status::Open);
    assert_eq!(
        after.recommendations[0].recipients[0].status,
        ledger.recommendations[0].recipients[0].status
    );
    // A version 1 ledger (no delivery records) reads, every message pending.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["version"] = 1.into();
    for r in v["recommendations"][0]["recipients"]
        .as_array_mut()
        .unwrap()
    {
        let r = r.as_object_mut().unwrap();
        for k in ["state", "attempts", "remote_id", "delivered_at"] {
            r.remove(k);
        }
    }
    let v1 = serde_json::to_string_pretty(&v).unwrap();
    assert!(!v1.contains("state"), "{v1}");
    std::fs::write(dir.join("ledger.json"), &v1).unwrap();
    let old = recommend::read_ledger(dir).unwrap();
    assert_eq!(old.version, 2);
    assert_eq!(
        old.recommendations[0].recipients[0].status,
        recommend::DeliveryStatus::default()
    );
    // A bad time in a delivery record names its line.
    std::fs::write(
        dir.join("ledger.json"),
        text.replace("2025-10-14T10:00:00Z", "yesterday"),
    )
    .unwrap();
    let e = recommend::read_ledger(dir).unwrap_err().to_string();
    assert!(
        e.contains("delivered_at") && e.contains("ledger.json:"),
        "{e}"
    );
}

/// Mark every message of the ledger whose file matches `pred` delivered (as `netstack
/// deliver` records it).
fn mark_sent(dir: &Path, pred: impl Fn(&str) -> bool) {
    let mut ledger = recommend::read_ledger(dir).unwrap();
    for e in &mut ledger.recommendations {
        for d in &mut e.recipients {
            if pred(&d.file) {
                d.status.state = recommend::State::Sent;
                d.status.delivered_at = Some("2025-10-14T10:00:00Z".into());
            }
        }
    }
    std::fs::write(
        dir.join("ledger.json"),
        serde_json::to_string_pretty(&ledger).unwrap(),
    )
    .unwrap();
}

#[test]
fn delivered_e_mails_get_threaded_follow_ups_when_resolved_and_when_back() {
    let kb = kb();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path();
    let f = finding(
        "cf",
        "duplicate-content",
        Severity::Warning,
        "docs/backup.md",
        12,
        Some("backup-cron-pattern"),
    );
    let recipients = |dir: &Path| {
        recommend::read_ledger(dir).unwrap().recommendations[0]
            .recipients
            .clone()
    };
    // Resolved before anyone got it: no note.
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0);
    sync(&kb, dir, &[], &["cf"], T0 + DAY);
    assert_eq!(recipients(dir).len(), 1);
    // Delivered, then resolved: one note per e-mail recipient, threaded with the original.
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + 2 * DAY);
    mark_sent(dir, |_| true);
    let original = std::fs::read_to_string(dir.join(&recipients(dir)[0].file)).unwrap();
    let original_id = mail_parser::MessageParser::default()
        .parse(original.as_bytes())
        .unwrap()
        .message_id()
        .unwrap()
        .to_string();
    let r = sync(&kb, dir, &[], &["cf"], T0 + 3 * DAY);
    assert_eq!(r.report.resolved.len(), 1);
    let ds = recipients(dir);
    assert_eq!(ds.len(), 2);
    assert_eq!(ds[1].followup, Some(recommend::followup::Kind::Resolved));
    assert_eq!(ds[1].status.state, recommend::State::Pending);
    assert!(ds[1].file.ends_with(".resolved-1.eml"), "{}", ds[1].file);
    let note = std::fs::read_to_string(dir.join(&ds[1].file)).unwrap();
    let msg = mail_parser::MessageParser::default()
        .parse(note.as_bytes())
        .unwrap();
    assert_eq!(msg.in_reply_to().as_text(), Some(original_id.as_str()));
    assert_eq!(msg.references().as_text(), Some(original_id.as_str()));
    assert!(msg.subject().unwrap().starts_with("Re: [netstack cf] "));
    assert_eq!(
        msg.to().unwrap().first().unwrap().address(),
        Some(ds[0].recipient.address.as_str())
    );
    // A run that still sees it resolved adds nothing; the note's file is kept.
    sync(&kb, dir, &[], &["cf"], T0 + 4 * DAY);
    assert_eq!(recipients(dir).len(), 2);
    // Back before the note went out: the note is withdrawn, no "reopened" either.
    let r = sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + 5 * DAY);
    assert_eq!(r.report.reopened.len(), 1);
    assert_eq!(recipients(dir).len(), 1);
    assert!(!dir.join(&ds[1].file).exists());
    // Resolved (note delivered), then back: a "reopened" note in the same thread.
    sync(&kb, dir, &[], &["cf"], T0 + 6 * DAY);
    mark_sent(dir, |_| true);
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + 7 * DAY);
    let ds = recipients(dir);
    assert_eq!(ds.len(), 3, "{ds:?}");
    assert_eq!(ds[2].followup, Some(recommend::followup::Kind::Reopened));
    let note = std::fs::read_to_string(dir.join(&ds[2].file)).unwrap();
    assert!(
        note.contains(&format!("In-Reply-To: <{original_id}>")),
        "{note}"
    );
    assert!(note.contains("detected again"), "{note}");
    // Re-recording keeps the follow-ups and their files.
    sync(&kb, dir, std::slice::from_ref(&f), &["cf"], T0 + 8 * DAY);
    assert_eq!(recipients(dir), {
        let mut d = ds.clone();
        d[2].status = recipients(dir)[2].status.clone();
        d
    });
    assert!(dir.join(&ds[1].file).exists() && dir.join(&ds[2].file).exists());
}
