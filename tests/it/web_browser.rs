//! End-to-end tests of `netstack serve` in a real headless Chromium (driven over WebDriver
//! by chromedriver): browse from the home page to a pattern and its "followed by" panel,
//! search, and live reload of an edited file. Screenshots land in
//! `target/tmp/web-screenshots/`.
//!
//! Without a local Chromium these tests skip with a message; with `CI=true` they fail
//! instead (`.ci/run` installs `chromium` and `chromium-driver`).

use std::io::{BufRead, BufReader};
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

/// `netstack serve` on a copy of the bundled KB; returns the guard, the base URL and the
/// KB folder.
fn start_server(dir: &Path) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netstack"))
        .args(["serve", "--addr", "127.0.0.1:0", "--kb"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("netstack runs");
    let stdout = child.stdout.take().unwrap();
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    (guard, url)
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
    // Tests start drivers side by side: a port another one took first makes this one exit
    // (while the port answers for the other), so check it still runs, else take a new port.
    for _ in 0..5 {
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs");
        let mut guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(300));
        if guard.0.try_wait().unwrap().is_none() {
            return (guard, format!("http://127.0.0.1:{port}"));
        }
    }
    panic!("chromedriver exited right after starting, five times");
}

/// A browser window: its size in CSS pixels and colour scheme. Widths under 500 px (the
/// smallest headless window) are a phone, emulated by chromedriver.
#[derive(Clone, Copy, Debug)]
struct View {
    size: (u32, u32),
    dark: bool,
}

async fn connect(chrome: &Path, driver_url: &str, profile: &Path, view: View) -> Client {
    let View { size, dark } = view;
    let mut args = vec![
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
        format!("--window-size={},{}", size.0.max(500), size.1),
    ];
    // prefers-color-scheme: 0 is dark, 1 is light.
    args.push(format!(
        "--blink-settings=preferredColorScheme={}",
        if dark { 0 } else { 1 }
    ));
    let mut options = serde_json::json!({ "binary": chrome, "args": args });
    if size.0 < 500 {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": { "width": size.0, "height": size.1, "pixelRatio": 1 }
        });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
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

/// `netstack serve` on a copy of the bundled KB and a chromedriver, for one or more
/// browser windows.
struct Stack {
    _server: Guard,
    _driver: Guard,
    tmp: tempfile::TempDir,
    kb: PathBuf,
    base: String,
    chrome: PathBuf,
    driver_url: String,
    windows: u32,
}

impl Stack {
    async fn start() -> Option<Stack> {
        let (chrome, driver) = browser()?;
        let tmp = tempfile::tempdir().unwrap();
        let kb = tmp.path().join("kb");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content"), &kb);
        let (server, base) = start_server(&kb);
        wait_for_search_index(&base);
        let (driver_guard, driver_url) = start_driver(&driver);
        Some(Stack {
            _server: server,
            _driver: driver_guard,
            tmp,
            kb,
            base,
            chrome,
            driver_url,
            windows: 0,
        })
    }

    /// A new browser window (its own profile).
    async fn window(&mut self, view: View) -> Client {
        self.windows += 1;
        let profile = self.tmp.path().join(format!("profile-{}", self.windows));
        connect(&self.chrome, &self.driver_url, &profile, view).await
    }
}

struct Session {
    _stack: Stack,
    kb: PathBuf,
    base: String,
    client: Client,
}

async fn session(size: (u32, u32)) -> Option<Session> {
    let mut stack = Stack::start().await?;
    let client = stack.window(View { size, dark: false }).await;
    Some(Session {
        kb: stack.kb.clone(),
        base: stack.base.clone(),
        _stack: stack,
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

/// The nine page types of the accessibility audit: (name, path, a selector that is there
/// once the page has what it is audited with).
const PAGE_TYPES: &[(&str, &str, &str)] = &[
    ("home", "/", ".hero"),
    (
        "pattern",
        "/docs/ops/backup/backup-cron-pattern/",
        "#followed-by",
    ),
    ("site", "/sites/wf/", ".docs-table"),
    ("coverage", "/coverage", ".matrix"),
    ("lint", "/lint", "main h1"),
    ("search", "/search?q=backup", ".results .result-title"),
    ("problems", "/problems", ".problems"),
    (
        "recommend preview",
        "/recommend?site=cf&pattern=backup-cron-pattern",
        ".recommendation",
    ),
    ("404", "/no/such/page", ".not-found"),
];

async fn open_page(c: &Client, base: &str, path: &str, ready: &str) {
    c.goto(&format!("{base}{path}")).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(ready))
        .await
        .unwrap_or_else(|e| panic!("{path}: no {ready}: {e}"));
}

/// Lint findings are computed in the background: wait (bounded) until pages show them, so
/// the audit sees the pages as they finally are.
fn wait_for_lint(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = ureq::get(&format!("{base}/lint"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .unwrap_or_default();
        if page.contains("<html") && !page.contains("data-lint-pending") {
            return;
        }
        assert!(Instant::now() < deadline, "lint never finished");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// axe-core (`axe.min.js`): `AXE_CORE`, else `tests/browser/node_modules/axe-core/` (what
/// `npm ci --prefix tests/browser` installs). `None` to skip (never on CI).
fn axe_source() -> Option<String> {
    let path = std::env::var_os("AXE_CORE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/browser/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(js) => Some(js),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "CI=true but axe-core is missing at {} ({e}): run `npm ci --prefix tests/browser` \
             (see .ci/run)",
            path.display()
        ),
        Err(_) => {
            eprintln!(
                "SKIPPED: no axe-core at {} (npm ci --prefix tests/browser); the accessibility \
                 audit did not run",
                path.display()
            );
            None
        }
    }
}

/// The WCAG 2.0/2.1 A and AA violations axe-core finds in the open page, one line per
/// element: rule, impact, element and what to fix.
async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![]).await.expect("axe-core loads");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
                resultTypes: ["violations"],
            }).then(r => done(r.violations.flatMap(v => v.nodes.map(n =>
                `${v.id} (${v.impact}): ${n.target.join(" ")}: ${(n.failureSummary || v.help).replace(/\s+/g, " ")}`
            )))).catch(e => done([`axe failed: ${e}`]));"#,
            vec![],
        )
        .await
        .expect("axe.run answers");
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

async fn number(c: &Client, script: &str) -> f64 {
    c.execute(script, vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {script}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_wcag_violations_on_any_page_type() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(mut stack) = Stack::start().await else {
        return;
    };
    wait_for_lint(&stack.base);
    let mut failures = Vec::new();
    for (width, dark) in [(1280, false), (1280, true), (390, false), (390, true)] {
        let scheme = if dark { "dark" } else { "light" };
        let c = stack
            .window(View {
                size: (width, 900),
                dark,
            })
            .await;
        for (name, path, ready) in PAGE_TYPES {
            open_page(&c, &stack.base, path, ready).await;
            for v in axe_violations(&c, &axe).await {
                failures.push(format!("{width}px {scheme} {name} ({path}): {v}"));
            }
            let wide = number(&c, "return document.documentElement.scrollWidth").await;
            if wide > f64::from(width) {
                failures.push(format!(
                    "{width}px {scheme} {name} ({path}): the page is {wide}px wide"
                ));
            }
            if width < 500 && ["home", "pattern", "search"].contains(name) {
                save_screenshot(&c, &format!("a11y-{width}-{scheme}-{name}.png")).await;
            }
        }
        c.close().await.unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} accessibility violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Keyboard only, the WAI-ARIA combobox pattern: type, arrows move the active option (focus
/// stays in the box), Escape closes the list and keeps the query, Tab leaves for the next
/// control, Enter opens the active option.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_box_is_a_keyboard_combobox() {
    const DOWN: &str = "\u{E015}";
    const UP: &str = "\u{E013}";
    const ESCAPE: &str = "\u{E00C}";
    const TAB: &str = "\u{E004}";
    const ENTER: &str = "\u{E007}";
    let Some(s) = session((1280, 900)).await else {
        return;
    };
    let c = &s.client;
    c.goto(&format!("{}/coverage", s.base)).await.unwrap();
    let js = |script: &'static str| async move { c.execute(script, vec![]).await.unwrap() };
    let state = r#"const q = document.getElementById("ns-q");
        const box = document.getElementById("ns-suggest");
        const opts = [...box.querySelectorAll("[role=option]")];
        const active = q.getAttribute("aria-activedescendant");
        return {
            role: q.getAttribute("role"), expanded: q.getAttribute("aria-expanded"),
            controls: q.getAttribute("aria-controls"), listbox: box.getAttribute("role"),
            name: box.getAttribute("aria-label"), hidden: box.hidden, value: q.value,
            options: opts.length, children: box.children.length,
            tabbable: opts.filter(o => o.tabIndex >= 0).length,
            active, activeIndex: opts.findIndex(o => o.id === active),
            selected: opts.filter(o => o.getAttribute("aria-selected") === "true").map(o => o.id),
            last: opts.length ? opts[opts.length - 1].textContent : "",
            focus: document.activeElement.id || document.activeElement.tagName,
        };"#;
    let q = c.find(Locator::Css("#ns-q")).await.unwrap();
    let closed = js(state).await;
    assert_eq!(closed["role"], "combobox", "{closed}");
    assert_eq!(closed["expanded"], "false", "{closed}");
    assert_eq!(closed["controls"], "ns-suggest", "{closed}");
    assert_eq!(closed["listbox"], "listbox", "{closed}");
    assert!(closed["name"].as_str().is_some_and(|n| !n.is_empty()));

    q.send_keys("restic").await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(
            "#ns-suggest:not([hidden]) [role=option] .s-title",
        ))
        .await
        .expect("suggestions");
    let open = js(state).await;
    assert_eq!(open["expanded"], "true", "{open}");
    assert_eq!(
        open["options"], open["children"],
        "every entry is an option: {open}"
    );
    assert_eq!(
        open["tabbable"], 0,
        "options stay out of the tab order: {open}"
    );
    assert!(
        open["last"].as_str().unwrap().contains("All results"),
        "{open}"
    );
    assert_eq!(open["active"], serde_json::Value::Null, "{open}");
    // The open list passes the audit too.
    if let Some(axe) = axe_source() {
        let found = axe_violations(c, &axe).await;
        assert!(
            found.is_empty(),
            "with suggestions open:\n{}",
            found.join("\n")
        );
    }

    q.send_keys(DOWN).await.unwrap();
    let st = js(state).await;
    assert_eq!(st["activeIndex"], 0, "{st}");
    assert_eq!(st["selected"], serde_json::json!([st["active"]]), "{st}");
    assert_eq!(st["focus"], "ns-q", "focus stays in the box: {st}");
    q.send_keys(UP).await.unwrap();
    let st = js(state).await;
    let last = st["options"].as_i64().unwrap() - 1;
    assert_eq!(
        st["activeIndex"], last,
        "up from the first wraps to All results: {st}"
    );
    q.send_keys(DOWN).await.unwrap();
    assert_eq!(js(state).await["activeIndex"], 0);

    // Escape closes the list and keeps what was typed (a search field would clear).
    q.send_keys(ESCAPE).await.unwrap();
    let st = js(state).await;
    assert_eq!(st["hidden"], true, "{st}");
    assert_eq!(st["expanded"], "false", "{st}");
    assert_eq!(st["value"], "restic", "Escape kept the query: {st}");
    assert_eq!(st["active"], serde_json::Value::Null, "{st}");
    assert_eq!(st["focus"], "ns-q", "{st}");

    // Down opens it again; Tab leaves for the next control and the focus stays there.
    q.send_keys(DOWN).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#ns-suggest:not([hidden]) [role=option]"))
        .await
        .expect("suggestions again");
    q.send_keys(TAB).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let st = js(state).await;
    assert_eq!(st["hidden"], true, "{st}");
    let focused = js("return document.activeElement.closest('nav') ? document.activeElement.textContent : document.activeElement.tagName").await;
    assert_eq!(focused, "Patterns", "Tab moved on to the section links");

    // Back in the box: the list comes back; Enter opens the active option.
    let q = c.find(Locator::Css("#ns-q")).await.unwrap();
    q.click().await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("#ns-suggest:not([hidden]) [role=option]"))
        .await
        .expect("suggestions on focus");
    q.send_keys(DOWN).await.unwrap();
    let href = js("return document.getElementById(document.getElementById('ns-q').getAttribute('aria-activedescendant')).getAttribute('href')").await;
    let href = href.as_str().unwrap().to_string();
    q.send_keys(ENTER).await.unwrap();
    // The option's link (which may redirect to the doc's published path), not the form.
    let deadline = Instant::now() + Duration::from_secs(10);
    let url = loop {
        let url = c.current_url().await.unwrap();
        if url.path() != "/coverage" {
            break url;
        }
        assert!(Instant::now() < deadline, "Enter did not open {href}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_ne!(
        url.path(),
        "/search",
        "Enter submitted the form instead of {href}"
    );
    assert_eq!(
        url.fragment(),
        href.split_once('#').map(|(_, f)| f),
        "{url} is not {href}"
    );
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
    // Every page type fits the phone: wide tables and long URLs scroll in their own box or
    // wrap.
    assert_eq!(number(c, "return window.innerWidth").await, 390.0);
    for (name, path, ready) in PAGE_TYPES {
        open_page(c, &s.base, path, ready).await;
        let wide = number(c, "return document.documentElement.scrollWidth").await;
        assert!(
            wide <= 390.0,
            "{name} ({path}) is {wide}px wide on a 390px phone"
        );
    }

    // A pattern's contents come first, folded; the header is one row of brand and search
    // plus the section links, leaves while reading down and comes back on the way up.
    open_page(c, &s.base, "/docs/ops/backup/backup-cron-pattern/", "#toc").await;
    let toc = c
        .execute(
            "const t = document.getElementById('toc');
             return [t.tagName, t.open, !!(t.compareDocumentPosition(document.querySelector('article.doc')) & Node.DOCUMENT_POSITION_FOLLOWING)]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(toc, serde_json::json!(["DETAILS", false, true]));
    let links = number(
        c,
        "const n = document.querySelector('.nav'); const l = n.lastElementChild;
         return l.getBoundingClientRect().right <= n.getBoundingClientRect().right + 1 || n.scrollWidth > n.clientWidth ? 1 : 0",
    )
    .await;
    assert_eq!(links, 1.0, "the section links fit or scroll");
    let bar_bottom = "return document.querySelector('.topbar').getBoundingClientRect().bottom";
    let head = number(c, bar_bottom).await;
    assert!(head <= 110.0, "the header is {head}px tall");
    c.execute("window.scrollTo(0, 1500)", vec![]).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while number(c, bar_bottom).await > 0.0 {
        assert!(
            Instant::now() < deadline,
            "the header stays while reading down"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.execute("window.scrollTo(0, 1200)", vec![]).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while number(c, bar_bottom).await < head - 1.0 {
        assert!(Instant::now() < deadline, "the header does not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What gets the focus is not under the header.
    let hidden = number(
        c,
        "const links = [...document.querySelectorAll('article.doc a')];
         const a = links.find(l => l.getBoundingClientRect().top > 1300) || links[links.length - 1];
         window.scrollTo(0, window.scrollY + a.getBoundingClientRect().top - 20);
         document.querySelector('.topbar').classList.remove('away');
         a.focus();
         return document.querySelector('.topbar').getBoundingClientRect().bottom - a.getBoundingClientRect().top",
    )
    .await;
    assert!(
        hidden <= 0.0,
        "the focused link is {hidden}px under the header"
    );
    s.client.clone().close().await.unwrap();
}

/// The static site (`netstack build`) served by a plain static server, not netstack: from the
/// home page to a pattern page and its Followed-by panel, on to a follower's page, and no
/// WCAG violation on the built home and pattern pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_built_site_on_a_plain_static_server_browses_to_a_pattern_and_its_followers() {
    let Some((chrome, driver)) = browser() else {
        return;
    };
    let Some(python) = crate::util::which(&["python3"]) else {
        assert!(
            !crate::util::on_ci(),
            "CI=true but no python3 for the static server"
        );
        crate::util::skip("no python3 for `python3 -m http.server`");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let kb = tmp.path().join("kb");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content"), &kb);
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    std::fs::write(
        kb.join("netstack.toml"),
        format!("{toml}\n[publish]\nsites = [\"cf\", \"sl\", \"wf\"]\n"),
    )
    .unwrap();
    let site = tmp.path().join("site");
    let built = crate::util::netstack()
        .arg("--kb")
        .arg(&kb)
        .arg("build")
        .arg("--out")
        .arg(&site)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let port = free_port();
    let _static_server = Guard(
        Command::new(python)
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(&site)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the static server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (_driver, driver_url) = start_driver(&driver);
    let c = connect(
        &chrome,
        &driver_url,
        &tmp.path().join("profile"),
        View {
            size: (1366, 1000),
            dark: false,
        },
    )
    .await;

    c.goto(&format!("{base}/")).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".hero"))
        .await
        .unwrap();
    // No search box without a server.
    assert!(c.find(Locator::Css("#ns-q")).await.is_err());
    save_screenshot(&c, "static-home.png").await;
    let axe = axe_source();
    let mut failures = Vec::new();
    if let Some(axe) = &axe {
        failures.extend(
            axe_violations(&c, axe)
                .await
                .into_iter()
                .map(|v| format!("home: {v}")),
        );
    }
    // From a category card of the home page to the pattern.
    c.find(Locator::LinkText("Scheduled backups with restic"))
        .await
        .expect("the pattern on the home page")
        .click()
        .await
        .unwrap();
    let panel = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#followed-by"))
        .await
        .expect("followed-by panel");
    assert_eq!(
        c.current_url().await.unwrap().path(),
        "/docs/ops/backup/backup-cron-pattern/"
    );
    let text = panel.text().await.unwrap();
    for s in ["cf", "sl", "wf"] {
        assert!(text.contains(s), "{s} missing from followed-by: {text}");
    }
    save_screenshot(&c, "static-pattern.png").await;
    if let Some(axe) = &axe {
        failures.extend(
            axe_violations(&c, axe)
                .await
                .into_iter()
                .map(|v| format!("pattern: {v}")),
        );
    }
    // On to a follower's page: a site doc, also a static file.
    let follower = c
        .find(Locator::Css("#followed-by .follower-head a:not(.pill)"))
        .await
        .expect("a follower link");
    let title = follower.text().await.unwrap();
    follower.click().await.unwrap();
    assert!(
        wait_for_text(&c, &title, Duration::from_secs(10)).await,
        "the follower's page ({title}) did not open"
    );
    assert!(c.current_url().await.unwrap().path().starts_with("/sites/"));
    c.close().await.unwrap();
    assert!(
        failures.is_empty(),
        "{} accessibility violations:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
