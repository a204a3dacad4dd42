//! Helpers every end-to-end test module shares: the real binary as a hermetic command, temp
//! knowledge bases (a copy of the bundled sample or files written one by one), `netstack
//! serve` on a loopback port, and finding a local Chromium. One copy each, so a change to how
//! the binary is started is made once.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// The repository root (fixtures, `docs/`, `content/` are found from here).
pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The bundled sample knowledge base, `content/` (read-only: copy it before changing it).
pub fn bundled() -> PathBuf {
    manifest_dir().join("content")
}

/// The real `netstack` binary, isolated from the environment of whoever runs the tests: no
/// `NETSTACK_KB`, no GitHub step summary, no fail point, no `RUST_LOG`, and `NO_COLOR=1` so
/// human output is plain (a test about colour removes `NO_COLOR` again).
pub fn netstack() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("netstack").unwrap();
    c.env_remove("NETSTACK_KB")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("NETSTACK_FAILPOINT")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1");
    c
}

/// Copy a folder tree, leaving out `.netstack/` (a search index a developer's `serve` may have
/// left in `content/`).
pub fn copy_dir(from: &Path, to: &Path) {
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

/// Write `bytes` to `root/rel`, creating folders on the way (building a KB file by file).
pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A private copy of the bundled KB in `<temp>/kb`; keep the `TempDir` alive while using it.
pub fn bundled_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let kb = dir.path().join("kb");
    copy_dir(&bundled(), &kb);
    (dir, kb)
}

/// `netstack serve` on a free loopback port, killed when dropped (pass or fail).
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:<port>` without a trailing slash.
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `netstack serve --addr 127.0.0.1:0 --kb <kb>` and read its URL from the first line
/// it prints.
pub fn serve(kb: &Path) -> Server {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_netstack"))
        .args(["serve", "--addr", "127.0.0.1:0", "--kb"])
        .arg(kb)
        .env_remove("NETSTACK_KB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("netstack runs");
    let stdout = child.stdout.take().unwrap();
    let mut server = Server {
        child,
        base: String::new(),
    };
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    server.base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_string();
    server
}

/// The first of `names` found on `PATH`.
pub fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Whether this is a CI run (`CI=true`), where a missing tool is a failure, not a skip.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Report that the running test did not run its checks: one `SKIPPED <test>: <why>` line
/// written straight to stderr, past libtest's output capture, so `cargo test` shows it
/// even for a passing test (an `eprintln!` would be swallowed).
pub fn skip(why: &str) {
    use std::io::Write as _;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Chromium (`$CHROME` or on `PATH`).
pub fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROME")
        .map(PathBuf::from)
        .or_else(|| which(&["chromium", "chromium-browser", "google-chrome", "chrome"]))
}

/// chromedriver (`$CHROMEDRIVER` or on `PATH`).
pub fn chromedriver() -> Option<PathBuf> {
    std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| which(&["chromedriver"]))
}

/// An older federation written into `root`, as issue 12 found it: the pattern repo holds
/// guides and folders (one pattern), and the three site repos predate the `-pattern` naming:
/// they link guides, index pages and folder URLs (`docs/lan/storage/` has no index page),
/// never a pattern (except `lab`). `hq/docs/notes.md` links nothing in the pattern repo.
pub fn older_federation(root: &Path) {
    let files: &[(&str, &str)] = &[
        (
            "netstack.toml",
            "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\nforge_urls = [\"https://github.com/fed/netstack\"]\n\n[[sites]]\nname = \"hq\"\npath = \"hq\"\n\n[[sites]]\nname = \"lab\"\npath = \"lab\"\n\n[[sites]]\nname = \"farm\"\npath = \"farm\"\n",
        ),
        (
            "netstack/docs/README.md",
            "# Netstack\n\nStart with the [VPN guide](guides/vpn-setup.md).\n",
        ),
        (
            "netstack/docs/lan/README.md",
            "# LAN\n\nThe local networks.\n",
        ),
        ("netstack/docs/lan/storage/nas-shares.md", "# NAS shares\n"),
        (
            "netstack/docs/guides/vpn-setup.md",
            "# VPN setup guide\n\n## Steps\n",
        ),
        (
            "netstack/docs/ops/backup/backup-cron-pattern.md",
            "# Backup cron pattern\n",
        ),
        (
            "hq/README.md",
            "# HQ\n\n- [Shares](https://netstack.org/docs/lan/storage/)\n- [VPN](https://netstack.org/docs/guides/vpn-setup)\n- [LAN](https://github.com/fed/netstack/tree/main/docs/lan)\n",
        ),
        (
            "hq/docs/vpn.md",
            "# VPN\n\nSee the [guide](https://netstack.org/docs/guides/vpn-setup/#steps).\n",
        ),
        ("hq/docs/notes.md", "# Notes\n\nNothing here.\n"),
        (
            "lab/docs/backup.md",
            "# Backup\n\nPer netstack backup-cron-pattern; the tunnel per [vpn](../../netstack/docs/guides/vpn-setup.md).\n",
        ),
        (
            "farm/docs/storage.md",
            "# Storage\n\nShares: <https://netstack.org/docs/lan/storage/>\n",
        ),
    ];
    for (rel, text) in files {
        write(root, rel, text);
    }
}
