//! End-to-end tests of `netstack serve` in a real headless Chromium (driven over WebDriver
//! by chromedriver): browse from the home page to a pattern and its "followed by" panel,
//! search, and live reload of an edited file. Screenshots land in
//! `target/tmp/web-screenshots/`.
//!
//! Without a local Chromium these tests pass after printing a `SKIPPED <test>: …` line to the
//! terminal (not captured, so `cargo test` shows it); with `CI=true` they fail instead
//! (`.ci/run` installs `chromium` and `chromium-driver`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::util::copy_dir;

// ---- environment ----------------------------------------------------------------------

/// Chromium and chromedriver, or `None` to skip (never on CI).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let Some(chrome) = crate::util::chromium() else {
        if crate::util::on_ci() {
            panic!(
                "CI=true but no chromium found: install `chromium chromium-driver` (see .ci/run)"
            );
        }
        crate::util::skip(
            "chromium not found on PATH or in $CHROME (apt-get install -y chromium \
             chromium-driver; set CI=true to make this a failure)",
        );
        return None;
    };
    let driver = crate::util::chromedriver().unwrap_or_else(|| {
        panic!(
            "chromium is at {} but chromedriver is missing: apt-get install -y chromium-driver",
            chrome.display()
        )
    });
    Some((chrome, driver))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when the test ends (pass or fail), with the processes it started
/// (chromedriver's browser would outlive it otherwise when a test fails mid-session).
struct Guard(Child);

/// Every descendant of a process (Linux: `/proc/<pid>/task/*/children`).
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        if let Ok(list) = std::fs::read_to_string(t.path().join("children")) {
            for child in list
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                out.extend(descendants(child));
                out.push(child);
            }
        }
    }
    out
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(unix)]
        for pid in descendants(self.0.id()) {
            // SAFETY: kill only sends a signal to a process this test started.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server builds its search index in the background: wait (bounded) until it answers.
fn wait_for_search_index(base: &str) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = agent
            .get(&format!("{base}/api/search?q=backup"))
            .call()
            .map(|r| r.status().as_u16())
            .unwrap_or(0);
        if status == 200 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "search never became ready ({status})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_driver(driver: &Path) -> (Guard, String) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs");
    let guard = Guard(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (guard, format!("http://127.0.0.1:{port}"))
}

async fn connect(chrome: &Path, driver_url: &str, profile: &Path, size: (u32, u32)) -> Client {
    let args = vec![
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        "--hide-scrollbars".into(),
        format!("--user-data-dir={}", profile.display()),
        format!("--window-size={},{}", size.0, size.1),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": chrome, "args": args }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("a WebDriver session")
}

fn screenshot_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn save_screenshot(c: &Client, name: &str) -> PathBuf {
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    let p = screenshot_dir().join(name);
    std::fs::write(&p, png).unwrap();
    p
}

/// Wait (bounded) until the page's text contains `needle`.
async fn wait_for_text(c: &Client, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let text = c
            .execute("return document.body.innerText", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if text.contains(needle) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Session {
    _server: crate::util::Server,
    _driver: Guard,
    _tmp: tempfile::TempDir,
    kb: PathBuf,
    base: String,
    client: Client,
}

async fn session(size: (u32, u32)) -> Option<Session> {
    let (chrome, driver) = browser()?;
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    copy_dir(&crate::util::bundled(), &kb);
    let server = crate::util::serve(&kb);
    let base = server.base.clone();
    wait_for_search_index(&base);
    let (driver_guard, driver_url) = start_driver(&driver);
    let client = connect(&chrome, &driver_url, &tmp.path().join("profile"), size).await;
    Some(Session {
        _server: server,
        _driver: driver_guard,
        _tmp: tmp,
        kb,
        base,
        client,
    })
}

// ---- tests ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browse_from_home_to_a_pattern_and_its_followers() {
    let Some(s) = session((1366, 1000)).await else {
        return;
    };
    let c = &s.client;
    c.goto(&format!("{}/", s.base)).await.unwrap();
    let title = c.title().await.unwrap();
    assert!(title.contains("netstack"), "{title}");
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".hero"))
        .await
        .unwrap();
    let home = save_screenshot(c, "home.png").await;

    // Search as you type: suggestions appear under the search box.
    let q = c.find(Locator::Css("#ns-q")).await.unwrap();
    q.send_keys("restic").await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#ns-suggest a .s-title"))
        .await
        .expect("search-as-you-type suggestions");
    save_screenshot(c, "suggest.png").await;
    // Enter submits the search: the results page (works without JavaScript too).
    q.send_keys("\u{E007}").await.unwrap();
    let first = c
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".results .result-title"))
        .await
        .expect("search results");
    assert!(c.current_url().await.unwrap().path().starts_with("/search"));
    let search_text = c
        .find(Locator::Css("#ns-results"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        search_text.contains("Scheduled backups with restic"),
        "{search_text}"
    );
    save_screenshot(c, "search.png").await;
    // Follow the first result to the pattern page.
    first.click().await.unwrap();
    let panel = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#followed-by"))
        .await
        .expect("followed-by panel");
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/docs/ops/backup/backup-cron-pattern/");
    let text = panel.text().await.unwrap();
    for site in ["cf", "sl", "wf"] {
        assert!(
            text.contains(site),
            "{site} missing from followed-by: {text}"
        );
    }
    assert!(text.contains("retention_days"), "values missing: {text}");
    let pattern = save_screenshot(c, "pattern.png").await;

    // A follower link leads to the site doc, which links back.
    let follower = c
        .find(Locator::Css(
            "#followed-by a[href='/sites/wf/docs/backup.md']",
        ))
        .await
        .unwrap();
    // The result link jumped to a section: bring the panel out from under the sticky bar.
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'})",
        vec![serde_json::to_value(&follower).unwrap()],
    )
    .await
    .unwrap();
    follower.click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            ".follows a[href='/docs/ops/backup/backup-cron-pattern/']",
        ))
        .await
        .expect("site doc links its pattern");

    // "/" focuses the search box.
    c.goto(&format!("{}/coverage", s.base)).await.unwrap();
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("/")
        .await
        .unwrap();
    let focused = c
        .execute(
            "return document.activeElement && document.activeElement.id",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, "ns-q");
    save_screenshot(c, "coverage.png").await;
    eprintln!("screenshots: {} {}", home.display(), pattern.display());
    s.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_file_shows_up_in_the_open_page() {
    let Some(s) = session((1200, 900)).await else {
        return;
    };
    let c = &s.client;
    c.goto(&format!("{}/docs/ops/backup/backup-cron-pattern/", s.base))
        .await
        .unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#followed-by"))
        .await
        .unwrap();
    let before = c
        .execute("return document.documentElement.dataset.generation", vec![])
        .await
        .unwrap();
    // Mark the page: a full reload would lose this, the live swap keeps it.
    c.execute("window.__kept = 42", vec![]).await.unwrap();

    // Give the event stream a moment to connect, then edit the pattern on disk.
    assert!(wait_for_text(c, "Backup cron pattern", Duration::from_secs(5)).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let file = s.kb.join("netstack/docs/ops/backup/backup-cron-pattern.md");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        "\n## Live edit marker 7f3a\n\nThis paragraph was saved while the page was open.\n",
    );
    std::fs::write(&file, text).unwrap();

    assert!(
        wait_for_text(c, "Live edit marker 7f3a", Duration::from_secs(15)).await,
        "the edit never reached the open page"
    );
    let after = c
        .execute("return document.documentElement.dataset.generation", vec![])
        .await
        .unwrap();
    assert_ne!(before, after, "generation did not change");
    let kept = c.execute("return window.__kept", vec![]).await.unwrap();
    assert_eq!(
        kept, 42,
        "the page was reloaded instead of updated in place"
    );

    // A site doc that starts following a pattern appears in its followed-by panel.
    let doc = s.kb.join("wf/docs/printer-setup.md");
    let mut text = std::fs::read_to_string(&doc).unwrap();
    text.push_str("\nLabels are backed up per netstack backup-cron-pattern.\n");
    std::fs::write(&doc, text).unwrap();
    assert!(
        wait_for_text(c, "Adding a Zebra label printer", Duration::from_secs(15)).await,
        "new follower not shown"
    );
    save_screenshot(c, "live-reload.png").await;
    s.client.clone().close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_a_phone() {
    let Some(s) = session((390, 844)).await else {
        return;
    };
    let c = &s.client;
    for (path, name) in [
        ("/", "phone-home.png"),
        ("/docs/ops/backup/backup-cron-pattern/", "phone-pattern.png"),
    ] {
        c.goto(&format!("{}{path}", s.base)).await.unwrap();
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("main"))
            .await
            .unwrap();
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap_or(0) <= 0,
            "{path} scrolls sideways on a phone by {overflow}px"
        );
        save_screenshot(c, name).await;
    }
    s.client.clone().close().await.unwrap();
}
