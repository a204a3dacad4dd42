//! Router tests, in process (`tower::ServiceExt::oneshot`): pages, links, headers, caching,
//! raw files, path traversal, hostile markdown and reload errors.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use docengine::{Config, KnowledgeBase};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::{AppState, router};

fn bundled() -> KnowledgeBase {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    KnowledgeBase::load(Config::load(&dir).unwrap()).unwrap()
}

fn app_for(kb: KnowledgeBase) -> (AppState, Router) {
    let state = AppState::new(kb, "kb".into(), false);
    (state.clone(), router(state))
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &Router, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (f, text) in files {
        let p = root.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const TOML: &str = "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n";

#[tokio::test]
async fn home_lists_categories_sites_and_problems() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    for want in [
        "ops/backup",
        "href=\"/sites/wf/\"",
        "Recent problems",
        "uptime-probe-pattern",
        "action=\"/search\"",
    ] {
        assert!(r.body.contains(want), "home lacks {want}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_, app) = app_for(bundled());
    for uri in [
        "/",
        "/docs/ops/backup/backup-cron-pattern/",
        "/nope",
        "/healthz",
        "/static/app.css",
        "/sites/cf/scripts/backup-wrapper.sh",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(
            r.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{uri}"
        );
        let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'"), "{uri}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") || uri.contains("scripts"),
            "{uri}"
        );
    }
}

#[tokio::test]
async fn pattern_pages_live_at_their_published_paths() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/docs/ops/backup/backup-cron-pattern/").await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("id=\"followed-by\""), "no followed-by panel");
    for site in ["/sites/cf/", "/sites/sl/", "/sites/wf/"] {
        assert!(
            b.contains(&format!("href=\"{site}\"")),
            "follower {site} missing"
        );
    }
    assert!(b.contains("retention_days"), "declared values missing");
    assert!(b.contains("href=\"#how-it-works\""), "toc missing");
    assert!(
        b.contains("<h2 id=\"how-it-works\">"),
        "heading anchors missing"
    );
    assert!(
        b.contains("https://netstack.org/docs/ops/backup/backup-cron-pattern/"),
        "published URL missing"
    );
    // Relative links were rewritten to published paths.
    assert!(b.contains("href=\"/docs/ops/backup/database-dump-pattern/\""));

    let r = get(&app, "/docs/ops/backup/backup-cron-pattern").await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        r.headers[header::LOCATION],
        "/docs/ops/backup/backup-cron-pattern/"
    );
    let r = get(&app, "/docs/lan/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("In this folder"));
    let r = get(&app, "/patterns/backup-cron-pattern").await;
    assert_eq!(
        r.headers[header::LOCATION],
        "/docs/ops/backup/backup-cron-pattern/"
    );
}

#[tokio::test]
async fn site_pages_show_contract_docs_and_patterns() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/sites/cf/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("it-admin@cedarfalls.example.org"),
        "contact missing"
    );
    assert!(r.body.contains("href=\"/sites/cf/docs/backup.md\""));
    assert!(
        r.body
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/\"")
    );
    let r = get(&app, "/sites/wf/").await;
    assert!(r.body.contains("contract-missing"), "wf has no contract");
    assert!(
        r.body
            .contains("<code>netstack new contract --site wf --email ADDR</code>"),
        "the site page prints the command that writes one"
    );

    let r = get(&app, "/sites/wf/docs/backup.md").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Follows"));
    assert!(
        r.body
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/\"")
    );
    let r = get(&app, "/sites/wf/docs/backup/").await;
    assert_eq!(r.headers[header::LOCATION], "/sites/wf/docs/backup.md");
    let r = get(&app, "/sites/wf/docs/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("href=\"/sites/wf/docs/backup.md\""));
}

#[tokio::test]
async fn broken_links_are_marked_and_the_404_helps() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/sites/sl/docs/monitoring.md").await;
    assert!(
        r.body.contains("class=\"ns-missing\""),
        "broken link not marked"
    );
    assert!(r.body.contains("id=\"broken-links\""));

    let r = get(&app, "/docs/ops/backup/backup-corn-pattern/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Maybe you meant"));
    assert!(
        r.body
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/\"")
    );
    assert!(r.body.contains("value=\"backup corn pattern\""));
}

#[tokio::test]
async fn coverage_problems_and_health() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/coverage").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Patterns no site follows"));
    assert!(r.body.contains("class=\"cell yes\""));
    let r = get(&app, "/coverage?category=ops/backup").await;
    assert!(r.body.contains("Database dump pattern"));
    assert!(!r.body.contains(">VLAN segmentation pattern<"));
    let r = get(&app, "/problems?site=sl").await;
    assert!(r.body.contains("sl/docs/monitoring.md"));
    assert!(!r.body.contains("netstack/docs/guides/writing-patterns.md"));
    assert!(
        r.body
            .contains("href=\"/sites/sl/docs/monitoring.md?source#L6\""),
        "a problem links its line"
    );
    let r = get(&app, "/healthz").await;
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["sites"], 3);
    let r = send(
        &app,
        Request::post("/docs/lan/").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn lint_findings_are_shown_where_they_are() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/lint").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("href=\"/lint/rules/broken-link\""));
    assert!(r.body.contains("cf/docs/network.md"));
    let r = get(&app, "/lint?rule=broken-link&site=cf").await;
    assert!(r.body.contains("cf/docs/network.md"));
    assert!(!r.body.contains("netstack/docs/guides/writing-patterns.md"));
    assert!(
        !r.body
            .contains("class=\"rule\" href=\"/lint/rules/missing-values\""),
        "other rules filtered out"
    );
    let r = get(&app, "/lint/rules/duplicate-content").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<h2 id=\"fix\">") || r.body.contains("Fix"));
    assert_eq!(
        get(&app, "/lint/rules/nope").await.status,
        StatusCode::NOT_FOUND
    );
    let r = get(&app, "/sites/cf/").await;
    assert!(r.body.contains("Lint findings"));
    let r = get(&app, "/sites/cf/docs/network.md").await;
    assert!(
        r.body.contains("id=\"lint\""),
        "doc page lacks its findings"
    );
    assert!(r.body.contains("switch-config.md"));

    // "line 35" leads to line 35 of the source, marked as flagged.
    let r = get(&app, "/lint?site=cf").await;
    assert!(
        r.body
            .contains("href=\"/sites/cf/docs/network.md?source#L35\""),
        "lint page lacks the link to the line"
    );
    let r = get(&app, "/sites/cf/docs/network.md?source").await;
    assert_eq!(r.status, StatusCode::OK);
    let line = |n: u32| {
        let at = r.body.find(&format!("<tr id=\"L{n}\"")).expect("line row");
        r.body[at..at + r.body[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(
        line(35).contains("class=\"flagged sev-error\""),
        "{}",
        line(35)
    );
    assert!(line(35).contains("title=\"broken-link\""), "{}", line(35));
    assert!(line(35).contains("[switch config](./switch-config.md)"));
    assert!(!line(34).contains("flagged"));
    assert!(
        r.body.contains("href=\"/sites/cf/docs/network.md\""),
        "back to the page"
    );
    let r = get(&app, "/sites/cf/docs/network.md").await;
    assert!(r.body.contains("href=\"/sites/cf/docs/network.md?source\""));
}

#[tokio::test]
async fn pages_do_not_wait_for_lint_and_catch_up_when_it_is_done() {
    let (state, app) = app_for(bundled());
    let uri = "/sites/cf/docs/network.md";
    let r = get(&app, uri).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-lint-pending=\"1\""));
    assert!(!r.body.contains("id=\"lint\""));
    let mut linted = state.linted();
    state.prepare();
    linted.changed().await.unwrap();
    assert_eq!(*linted.borrow(), state.snapshot().generation);
    let r = get(&app, uri).await;
    assert!(!r.body.contains("data-lint-pending"));
    assert!(r.body.contains("id=\"lint\""));
}

#[tokio::test]
async fn recommendations_preview_from_a_pattern_or_a_finding() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/recommend").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("<option value=\"cf\">"));
    let r = get(
        &app,
        "/recommend?site=cf&pattern=backup-cron-pattern&severity=error",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("it-admin@cedarfalls.example.org"),
        "recipient"
    );
    assert!(
        r.body.contains("Subject: [netstack cf]"),
        "e-mail rendering"
    );
    assert!(
        r.body.contains(
            "(<a href=\"https://netstack.org/docs/ops/backup/backup-cron-pattern/#verification\">"
        ),
        "the verification section is a link"
    );
    assert!(
        r.body
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/\"")
    );
    assert!(r.body.contains("retention_days"));
    let r = get(&app, "/recommend?site=wf&pattern=backup-cron-pattern").await;
    assert!(r.body.contains("has no contract"), "wf has no contract");
    let r = get(&app, "/recommend?site=cf&pattern=no-such-pattern").await;
    assert!(r.body.contains("callout-err"));

    let lint = get(&app, "/lint?site=cf").await;
    let fp = regex::Regex::new(r"/recommend/finding\?fp=([0-9a-f]+)")
        .unwrap()
        .captures(&lint.body)
        .expect("a recommend link next to a site finding")[1]
        .to_string();
    let r = get(&app, &format!("/recommend/finding?fp={fp}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("From this lint finding"));
    assert!(r.body.contains("What would be sent"));
    let r = get(&app, "/recommend/finding?fp=0000").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(&app, "/docs/ops/backup/backup-cron-pattern/").await;
    assert!(r.body.contains("/recommend?pattern=backup-cron-pattern"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_name() == ".netstack" {
            continue;
        }
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// The bundled KB copied to a temp folder (its own search index), with the index open.
async fn app_with_search() -> (tempfile::TempDir, AppState, Router) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        dir.path(),
    );
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    let (state, app) = app_for(kb);
    state.open_search();
    for _ in 0..600 {
        if state.search_index().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        state.search_index().is_some(),
        "the search index did not open"
    );
    (dir, state, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_api_and_404_use_the_index() {
    let (_dir, _state, app) = app_with_search().await;
    let r = get(&app, "/api/search?q=restic&limit=3").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/json");
    let hits: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    assert_eq!(hits[0]["path"], "docs/ops/backup/backup-cron-pattern.md");
    for field in [
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
        "category",
        "repo",
    ] {
        assert!(hits[0].get(field).is_some(), "hit lacks {field}");
    }
    let r = get(&app, "/api/search?q=backup&kind=site-doc&site=cf").await;
    let hits: Vec<serde_json::Value> = serde_json::from_str(&r.body).unwrap();
    assert!(!hits.is_empty());
    assert!(
        hits.iter()
            .all(|h| h["site"] == "cf" && h["kind"] == "site-doc"),
        "{hits:?}"
    );
    assert_eq!(
        get(&app, "/api/search").await.status,
        StatusCode::BAD_REQUEST
    );

    let r = get(&app, "/search?q=restic+retention").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/#"),
        "section link"
    );
    assert!(r.body.contains("<mark>"), "highlights");
    let r = get(&app, "/search?q=backup&kind=pattern").await;
    assert!(r.body.contains("kind: pattern ×"), "active filter shown");
    assert!(
        !r.body.contains("kind-badge kind-site-doc"),
        "only patterns"
    );
    let r = get(&app, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(!r.body.contains("<script>alert"), "query escaped");

    let r = get(&app, "/docs/ops/monitor/uptime-probe-pattern/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body.contains("Search results for"),
        "404 offers search results"
    );
}

#[tokio::test]
async fn pages_are_cached_compressed_and_validated() {
    let (_, app) = app_for(bundled());
    let uri = "/docs/ops/backup/backup-cron-pattern/";
    let plain = get(&app, uri).await;
    let etag = plain.headers[header::ETAG].clone();
    let r = send(
        &app,
        Request::get(uri)
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = app
        .clone()
        .oneshot(
            Request::get(uri)
                .header(header::ACCEPT_ENCODING, "gzip, br")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.headers()[header::CONTENT_ENCODING], "gzip");
    let gz = r.into_body().collect().await.unwrap().to_bytes();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    assert_eq!(text, plain.body);

    let css = get(&app, &super::assets::url("app.css")).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let stale = get(&app, "/static/app.css").await;
    assert_eq!(stale.headers[header::CACHE_CONTROL], "no-cache");
    assert!(stale.headers.contains_key(header::ETAG));
}

#[tokio::test]
async fn raw_files_are_served_safely() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/sites/cf/scripts/backup-wrapper.sh").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(
        r.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let r = get(&app, "/docs/architecture/federation.svg").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/svg+xml");
    let r = get(&app, "/docs/ops/tools/nsh.sh").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = get(&app, "/docs/ops/backup/backup-cron-pattern/?raw").await;
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert!(r.body.starts_with("---\ntitle:"), "{}", r.body);
}

#[tokio::test]
async fn no_request_reads_outside_the_kb() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    let kb_dir = dir.path().join("kb");
    write(&outside, &[("secret.txt", "TOP-SECRET")]);
    write(
        &kb_dir,
        &[
            ("netstack.toml", TOML),
            ("netstack/docs/a-pattern.md", "# A\n"),
            ("wf/docs/x.md", "# X\n"),
            ("wf/ok.txt", "fine"),
        ],
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.txt"), kb_dir.join("wf/link.txt")).unwrap();
        std::os::unix::fs::symlink(&outside, kb_dir.join("wf/linkdir")).unwrap();
    }
    let kb = KnowledgeBase::load(Config::load(&kb_dir).unwrap()).unwrap();
    let (_, app) = app_for(kb);
    assert_eq!(get(&app, "/sites/wf/ok.txt").await.body, "fine");
    for uri in [
        "/sites/wf/../../outside/secret.txt",
        "/sites/wf/%2e%2e/%2e%2e/outside/secret.txt",
        "/sites/wf/%2E%2E%2F%2E%2E%2Foutside%2Fsecret.txt",
        "/sites/wf/..%5c..%5coutside%5csecret.txt",
        "/repo/../outside/secret.txt",
        "/..%2f..%2foutside/secret.txt",
        "/sites/wf/link.txt",
        "/sites/wf/linkdir/secret.txt",
        "/sites/wf/linkdir/",
        "/repo//etc/passwd",
        "/sites/wf//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/sites/wf/%00ok.txt",
        "/netstack.toml",
        "/repo/../netstack.toml",
    ] {
        let r = get(&app, uri).await;
        assert!(
            r.status == StatusCode::NOT_FOUND || r.status.is_redirection(),
            "{uri}: {}",
            r.status
        );
        assert!(!r.body.contains("TOP-SECRET"), "{uri} leaked the secret");
        assert!(!r.body.contains("[[sites]]"), "{uri} leaked the config");
    }
}

#[tokio::test]
async fn hostile_markdown_cannot_run_script() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "---\ntitle: \"<script>alert('title')</script>\"\ntags: [\"<img src=x onerror=alert(1)>\"]\nsummary: \"\\\" onmouseover=\\\"alert(2)\"\n---\n\
        # Evil <script>alert(3)</script>\n\n\
        <script>alert(4)</script>\n\n<img src=\"x\" onerror=\"alert(5)\">\n\n\
        [click](javascript:alert(6)) <a href=\"javascript:alert(7)\">x</a> <a href=\"JaVaScRiPt:alert(8)\">y</a>\n\n\
        <iframe src=\"https://evil.example\"></iframe><object data=\"x\"></object><embed src=\"x\">\n\n\
        <div onclick=\"alert(9)\" style=\"background:url(javascript:alert(10))\">d</div>\n\n\
        <svg><script>alert(11)</script></svg><math><mi xlink:href=\"javascript:alert(12)\">m</mi></math>\n\n\
        <a href=\"data:text/html,<script>alert(13)</script>\">data</a> <form action=\"https://evil.example\"><button>go</button></form>\n\n\
        <meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"><base href=\"https://evil.example/\"><link rel=\"stylesheet\" href=\"https://evil.example/x.css\">\n\n\
        ## Values\n\n| key | value |\n|---|---|\n| backup_target | <img src=x onerror=alert(14)> |\n";
    write(
        dir.path(),
        &[
            ("netstack.toml", TOML),
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "---\nvalues: [backup_target]\n---\n# Backup cron pattern\n",
            ),
            ("wf/docs/evil.md", hostile),
            (
                "wf/docs/backup.md",
                "---\nfollows: [backup-cron-pattern]\n---\n# B\n\n## Values\n\n- backup_target: <script>alert(15)</script>\n",
            ),
        ],
    );
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    let (_, app) = app_for(kb);
    let tags = regex::Regex::new(r"<[a-z][^>]*>").unwrap();
    let handler = regex::Regex::new(r"\son[a-z]+\s*=").unwrap();
    for uri in [
        "/sites/wf/docs/evil.md",
        "/docs/ops/backup/backup-cron-pattern/",
        "/sites/wf/",
        "/",
        "/coverage",
        "/problems",
        "/sites/wf/docs/evil.md?source",
    ] {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let lower = r.body.to_ascii_lowercase();
        // Our own script tag is the only one.
        assert_eq!(lower.matches("<script").count(), 1, "{uri}: {}", r.body);
        // Hostile text may appear escaped; it must never become markup.
        for tag in tags.find_iter(&lower).map(|m| m.as_str()) {
            assert!(!handler.is_match(tag), "{uri}: event handler in {tag}");
            for bad in ["javascript:", "data:text", "style=", "evil.example"] {
                assert!(!tag.contains(bad), "{uri}: `{bad}` in {tag}");
            }
            for el in [
                "<iframe",
                "<object",
                "<embed",
                "<meta http-equiv",
                "<base",
                "<svg",
                "<math",
            ] {
                assert!(!tag.starts_with(el), "{uri}: {tag}");
            }
            if tag.starts_with("<form") {
                assert!(tag.contains("action=\"/search\""), "{uri}: {tag}");
            }
        }
    }
}

#[tokio::test]
async fn a_failed_reload_keeps_the_old_kb_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("netstack.toml", TOML),
            ("netstack/docs/a-pattern.md", "# Alpha\n"),
        ],
    );
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    let (state, app) = app_for(kb);
    assert!(get(&app, "/docs/a-pattern/").await.body.contains("Alpha"));

    std::fs::write(dir.path().join("netstack.toml"), "[patterns]\npaht = 1\n").unwrap();
    write(
        dir.path(),
        &[("netstack/docs/a-pattern.md", "# Alpha two\n")],
    );
    let current = state.snapshot().kb.clone();
    let (kb, err) = super::live::reload(&current, dir.path(), true, &[]);
    let err = err.expect("config error reported");
    assert!(err.contains("netstack.toml"), "{err}");
    let _ = state.publish_with(Arc::new(kb.expect("docs still refreshed")), Some(err));
    let r = get(&app, "/docs/a-pattern/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Reload failed"), "no banner");
    assert!(r.body.contains("Alpha two"), "docs not refreshed");

    std::fs::write(dir.path().join("netstack.toml"), TOML).unwrap();
    let current = state.snapshot().kb.clone();
    let (kb, err) = super::live::reload(&current, dir.path(), true, &[]);
    assert!(err.is_none());
    let _ = state.publish_with(Arc::new(kb.unwrap()), None);
    assert!(!get(&app, "/").await.body.contains("Reload failed"));
}

#[tokio::test]
async fn event_stream_says_hello_with_the_generation() {
    let (state, app) = app_for(bundled());
    let res = app
        .clone()
        .oneshot(Request::get("/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    let mut body = res.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("event: hello"), "{text}");
    let (g, _) = state.publish_with(state.snapshot().kb.clone(), None);
    state.notify(g);
    let next = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let text = String::from_utf8_lossy(&next);
    assert!(
        text.contains("event: reload") && text.contains(&g.to_string()),
        "{text}"
    );
    state.begin_shutdown();
    assert!(body.frame().await.is_none(), "stream ends on shutdown");
}

#[tokio::test]
async fn front_matter_title_is_the_title_breadcrumb_and_h1() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("netstack.toml", TOML),
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "---\ntitle: Nightly backups\n---\n# Backup cron pattern\n\n## How\n\nText.\n",
            ),
            (
                "netstack/docs/ops/backup/restore-drill.md",
                "# Restore `drill`\n\nText.\n",
            ),
        ],
    );
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    let (_, app) = app_for(kb);
    let b = get(&app, "/docs/ops/backup/backup-cron-pattern/")
        .await
        .body;
    assert!(b.contains("<title>Nightly backups ·"), "{b}");
    assert!(
        b.contains("<span class=\"here\">Nightly backups</span>"),
        "{b}"
    );
    let h1 = regex::Regex::new(r#"<h1 class="doc-title"[^>]*>([^<]*)</h1>"#).unwrap();
    assert_eq!(&h1.captures(&b).expect("an h1")[1], "Nightly backups");
    // The heading the author wrote stays on the page, under it.
    assert!(
        b.contains("<p class=\"doc-alt-title\">Backup cron pattern</p>"),
        "{b}"
    );
    // Without front matter the heading is the title, and keeps its markup.
    let b = get(&app, "/docs/ops/backup/restore-drill/").await.body;
    assert!(
        b.contains(">Restore <code>drill</code></h1>"),
        "{}",
        &b[b.find("<h1").unwrap_or(0)..]
    );
}

#[tokio::test]
async fn the_icon_is_fetched_once_per_page() {
    let (_, app) = app_for(bundled());
    let page = get(&app, "/").await.body;
    assert_eq!(page.matches("icon.svg").count(), 1, "only the tab icon");
    let css = regex::Regex::new(r#"href="(/static/app\.css[^"]*)""#).unwrap();
    let css = get(&app, &css.captures(&page).unwrap()[1]).await.body;
    let fetch = regex::Regex::new(r#"url\(\s*["']?/static/"#).unwrap();
    assert!(
        !fetch.is_match(&css),
        "the stylesheet fetches an icon again"
    );
}

#[tokio::test]
async fn code_blocks_and_tables_are_named_keyboard_regions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("netstack.toml", TOML),
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "# Backup cron pattern\n\n```sh\nrestic backup /\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
                 <div role=\"button\" tabindex=\"5\" aria-label=\"x\">d</div>\n",
            ),
        ],
    );
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    let (_, app) = app_for(kb);
    let b = get(&app, "/docs/ops/backup/backup-cron-pattern/")
        .await
        .body;
    let pre = regex::Regex::new(r"<pre[^>]*>").unwrap();
    let pre = pre.find(&b).expect("a code block").as_str();
    for want in ["tabindex=\"0\"", "role=\"region\"", "aria-label=\"Code\""] {
        assert!(pre.contains(want), "{want} missing from {pre}");
    }
    assert!(
        b.contains(
            "<div class=\"ns-table\" tabindex=\"0\" role=\"region\" aria-label=\"Table\"><table>"
        ),
        "{b}"
    );
    // A doc's own div may not pose as a control or jump the tab order.
    assert!(!b.contains("role=\"button\""), "{b}");
    assert!(!b.contains("tabindex=\"5\""), "{b}");
}

/// Issue 12 item 3: a search no pattern answers and a missing pattern page print the command
/// that writes the pattern; a search a pattern answers does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_without_a_good_result_and_the_404_print_the_new_pattern_command() {
    let (_dir, _state, app) = app_with_search().await;
    let r = get(&app, "/search?q=printer+queues").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("<code>netstack new pattern CATEGORY printer-queues</code>"),
        "{}",
        r.body
    );
    let r = get(&app, "/search?q=printer+queues&category=ops/tools").await;
    assert!(
        r.body
            .contains("<code>netstack new pattern ops/tools printer-queues</code>"),
        "the category filter is the category"
    );
    let r = get(&app, "/search?q=restic+backup").await;
    assert!(r.body.contains("result-title"), "{}", r.body);
    assert!(
        !r.body.contains("netstack new pattern"),
        "a pattern answers it"
    );

    let r = get(&app, "/docs/ops/backup/backup-rotation-pattern/").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body
            .contains("<code>netstack new pattern ops/backup backup-rotation</code>"),
        "{}",
        r.body
    );
}

/// Issue 12 item 5: cf's contract is a long real one (owner and communication tables, "may /
/// may not" lists, `---` separators, a bare address on the action line); the site page shows
/// its action contact and, as context, the other lines of its contact section.
#[tokio::test]
async fn a_long_contract_shows_its_contact_and_the_other_contact_lines() {
    let (_, app) = app_for(bundled());
    let r = get(&app, "/sites/cf/").await;
    assert!(r.body.contains("contract-ok"), "{}", r.body);
    assert!(r.body.contains("it-admin@cedarfalls.example.org"));
    for label in ["Admin actions", "Field coordination", "Issues"] {
        assert!(r.body.contains(&format!("<dt>{label}</dt>")), "{label}");
    }
    assert!(
        r.body
            .contains("call the office (+1 319 555 0100) before a visit")
    );
    assert!(
        !r.body.contains("are written for every change"),
        "the scope list's mention is not the action line"
    );
}
