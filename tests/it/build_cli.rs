//! `netstack build`: the static site on the bundled sample. Every link in the output leads to
//! a file of the output, the published URL forms work on a plain static server, site repos stay
//! out, and the output folder is only ever one netstack wrote.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::{bundled_copy, netstack, on_ci, skip, which, write};

/// Build `kb` into `out`; the command's stderr.
fn build(kb: &Path, out: &Path) -> String {
    let o = netstack()
        .arg("--kb")
        .arg(kb)
        .arg("build")
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

/// Every file under `dir`, relative, `/`-separated.
fn files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel);
            }
        }
    }
    out
}

/// The `href`/`src`/`action` values of a page, unescaped.
fn links(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"\s(?:href|src|action)="([^"]*)""#).unwrap();
    re.captures_iter(html)
        .map(|c| c[1].replace("&amp;", "&"))
        .collect()
}

/// The output file a relative link from `page` (an output file) leads to, if it is internal.
fn resolve(page: &str, link: &str) -> Option<String> {
    if link.is_empty() || link.starts_with('#') || link.contains(':') || link.starts_with("//") {
        return None;
    }
    let path = link.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(percent_decode(s)),
        }
    }
    if path.is_empty() || path.ends_with('/') {
        parts.push("index.html".into());
    }
    Some(parts.join("/"))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Check every link of every page of the output at `out`: relative, to a file of the output, no
/// query string but an asset's version, nothing that needs a server. Returns the links checked.
fn crawl(out: &Path) -> usize {
    let all = files(out);
    let mut checked = 0;
    for page in all.iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        // Nothing that needs a server: no live reload, no search form, no query-string page.
        assert!(!html.contains("data-live"), "{page}");
        assert!(!html.contains("action="), "{page}");
        for link in links(&html) {
            assert!(
                !link.starts_with('/') || link.starts_with("//"),
                "{page}: absolute link {link}"
            );
            let Some(target) = resolve(page, &link) else {
                continue;
            };
            assert!(
                !link.split('#').next().unwrap().contains('?') || target.starts_with("static/"),
                "{page}: a link with a query string: {link}"
            );
            assert!(
                all.contains(&target),
                "{page}: {link} -> {target}, not in the build"
            );
            checked += 1;
        }
    }
    checked
}

#[test]
fn every_link_of_the_built_sample_leads_to_a_file_of_the_build() {
    let (dir, kb) = bundled_copy();
    let out = dir.path().join("site");
    let stderr = build(&kb, &out);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert!(stderr.contains("built "), "{stderr}");
    let all = files(&out);
    // Every page serve shows for the pattern repo, at its published path.
    for page in [
        "index.html",
        "404.html",
        "patterns/index.html",
        "coverage.html",
        "lint.html",
        "problems.html",
        "lint/rules/broken-link.html",
        "docs/ops/backup/backup-cron-pattern/index.html",
        "docs/lan/index.html",
    ] {
        assert!(all.contains(page), "{page} missing from {all:?}");
    }
    assert!(crawl(&out) > 1000);
    // Broken links of the repos are marked, never links to missing files.
    let guide =
        std::fs::read_to_string(out.join("docs/guides/writing-patterns/index.html")).unwrap();
    assert!(guide.contains("<a class=\"ns-missing\""), "{guide}");
    // Linked repo files are copied as they are; unlinked ones are not.
    for linked in ["docs/ops/tools/nsh.sh", "docs/architecture/federation.svg"] {
        assert_eq!(
            std::fs::read(out.join(linked)).unwrap(),
            std::fs::read(kb.join("netstack").join(linked)).unwrap(),
            "{linked}"
        );
    }
    assert!(
        !all.iter().any(|f| f.ends_with(".md")),
        "raw markdown copied"
    );
    assert!(!all.contains(".gitignore"), "an unlinked repo file copied");
    // Without sites in the build, a pattern page never claims that no site follows it.
    let pattern =
        std::fs::read_to_string(out.join("docs/ops/backup/backup-cron-pattern/index.html"))
            .unwrap();
    assert!(
        !pattern.contains("No site follows this pattern"),
        "{pattern}"
    );
    assert!(
        pattern.contains("Sites are not part of this build"),
        "{pattern}"
    );

    // With every site published: their docs, folders and overviews link as well.
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    write(
        &kb,
        "netstack.toml",
        format!("{toml}\n[publish]\nsites = [\"cf\", \"sl\", \"wf\"]\n"),
    );
    let with_sites = dir.path().join("with-sites");
    let stderr = build(&kb, &with_sites);
    assert!(!stderr.contains("warning"), "{stderr}");
    for site in ["cf", "sl", "wf"] {
        assert!(
            with_sites
                .join(format!("sites/{site}/index.html"))
                .is_file()
        );
    }
    assert!(crawl(&with_sites) > crawl(&out));
}

/// Every output file holding `needle`.
fn holding(out: &Path, needle: &str) -> Vec<String> {
    files(out)
        .into_iter()
        .filter(|f| {
            let bytes = std::fs::read(out.join(f)).unwrap();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
        .collect()
}

#[test]
fn a_site_appears_only_when_publish_names_it_and_never_in_a_public_build() {
    let (dir, kb) = bundled_copy();
    // A private site's text in a doc that follows a pattern (Followed-by panels, coverage),
    // in its values, and in a doc of its own (pages, titles, lint findings).
    let private = "PLANTED-7f3a9c-private";
    let shared = "PLANTED-41be02-published";
    for (site, planted) in [("sl", private), ("cf", shared)] {
        let doc = format!("{site}/docs/backup.md");
        let text = std::fs::read_to_string(kb.join(&doc)).unwrap();
        write(
            &kb,
            &doc,
            format!("{text}\n\n| key | value |\n|---|---|\n| backup_target | {planted}-host |\n"),
        );
        write(
            &kb,
            &format!("{site}/docs/{planted}.md"),
            format!(
                "# {planted}\n\nper netstack backup-cron-pattern, see [gone](nope-{planted}.md)\n"
            ),
        );
    }
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    write(
        &kb,
        "netstack.toml",
        format!("{toml}\n[publish]\nsites = [\"cf\"]\n"),
    );

    let internal = dir.path().join("internal");
    let stderr = build(&kb, &internal);
    assert!(
        stderr.contains("site(s) cf") && stderr.contains("noindex"),
        "{stderr}"
    );
    assert_eq!(holding(&internal, private), Vec::<String>::new());
    // The published site is there (so the search above can find a planted string).
    assert!(!holding(&internal, shared).is_empty());
    assert!(internal.join("sites/cf/index.html").is_file());
    assert!(!internal.join("sites/sl").exists());
    // Internal builds keep search engines out, on every page.
    let robots = std::fs::read_to_string(internal.join("robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /"), "{robots}");
    assert!(!internal.join("sitemap.xml").exists());
    for f in files(&internal).iter().filter(|f| f.ends_with(".html")) {
        let html = std::fs::read_to_string(internal.join(f)).unwrap();
        assert!(
            html.contains("<meta name=\"robots\" content=\"noindex\">"),
            "{f}"
        );
    }

    let public = dir.path().join("public");
    let o = netstack()
        .arg("--kb")
        .arg(&kb)
        .args(["build", "--public", "--out"])
        .arg(&public)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(holding(&public, private), Vec::<String>::new());
    assert_eq!(holding(&public, shared), Vec::<String>::new());
    assert!(!public.join("sites/cf").exists());
    assert_eq!(holding(&public, "noindex"), Vec::<String>::new());
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(
        sitemap.contains("<loc>https://netstack.org/docs/ops/backup/backup-cron-pattern/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("404"), "{sitemap}");
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(
        robots.contains("Sitemap: https://netstack.org/sitemap.xml"),
        "{robots}"
    );
}

#[test]
fn published_url_forms_work_on_a_plain_static_server() {
    let Some(python) = which(&["python3"]) else {
        assert!(!on_ci(), "python3 is needed for the static-server test");
        skip("no python3 for `python3 -m http.server`");
        return;
    };
    let (dir, kb) = bundled_copy();
    let out = dir.path().join("site");
    build(&kb, &out);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = StaticServer(
        std::process::Command::new(python)
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .current_dir(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let get = |path: &str| -> Option<String> {
        for _ in 0..50 {
            match ureq::get(&format!("{base}{path}")).call() {
                Ok(mut r) => return Some(r.body_mut().read_to_string().unwrap()),
                Err(ureq::Error::StatusCode(_)) => return None,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
        None
    };
    let title = "<title>Scheduled backups with restic";
    // MkDocs style, extension-less (the server redirects to the folder), and `.html` (a page
    // that sends the reader on).
    for form in [
        "/docs/ops/backup/backup-cron-pattern/",
        "/docs/ops/backup/backup-cron-pattern",
    ] {
        let page = get(form).unwrap_or_else(|| panic!("{form} not served"));
        assert!(page.contains(title), "{form}: {page}");
    }
    let alias = get("/docs/ops/backup/backup-cron-pattern.html").unwrap();
    assert!(
        alias.contains("url=backup-cron-pattern/\""),
        "the .html form does not lead to the page: {alias}"
    );
    // A folder with a README.
    let lan = get("/docs/lan/").unwrap();
    assert!(lan.contains("<title>"), "{lan}");
    assert!(get("/docs/lan").is_some());
    assert!(get("/no/such/page/").is_none());
    server.0.kill().ok();
}

/// A child process killed when dropped (pass or fail).
struct StaticServer(std::process::Child);

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn build_only_writes_into_a_folder_of_its_own_and_removes_stale_pages() {
    let (dir, kb) = bundled_copy();
    let foreign = dir.path().join("mine");
    write(&foreign, "notes.txt", "my notes");
    let o = netstack()
        .arg("--kb")
        .arg(&kb)
        .arg("build")
        .arg("--out")
        .arg(&foreign)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("mine") && stderr.contains("--out"),
        "{stderr}"
    );
    assert_eq!(files(&foreign), BTreeSet::from(["notes.txt".to_string()]));

    let out: PathBuf = dir.path().join("site");
    build(&kb, &out);
    let page = "docs/ops/backup/backup-cron-pattern/index.html";
    assert!(out.join(page).is_file());
    std::fs::remove_file(kb.join("netstack/docs/ops/backup/backup-cron-pattern.md")).unwrap();
    build(&kb, &out);
    assert!(!out.join(page).exists(), "a page of a removed doc stayed");
    assert!(
        !out.join("docs/ops/backup/backup-cron-pattern.html")
            .exists()
    );
    assert!(out.join("index.html").is_file());
}

#[test]
fn a_rebuild_writes_only_changed_bytes_and_the_same_inputs_give_the_same_tree() {
    let (dir, kb) = bundled_copy();
    let out = dir.path().join("site");
    let first = build(&kb, &out);
    assert!(first.contains(" 0 unchanged"), "{first}");
    let page = out.join("docs/ops/backup/backup-cron-pattern/index.html");
    let home = out.join("index.html");
    let stamp = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let (page_time, home_time) = (stamp(&page), stamp(&home));
    std::thread::sleep(std::time::Duration::from_millis(20));

    // Nothing changed: nothing written.
    let again = build(&kb, &out);
    assert!(again.contains(": 0 files written (0 bytes)"), "{again}");
    assert_eq!(stamp(&page), page_time);

    // The same inputs into another folder: the same bytes, and no path of this machine.
    let twin = dir.path().join("twin");
    build(&kb, &twin);
    let all = files(&out);
    assert_eq!(all, files(&twin));
    for f in &all {
        assert!(
            std::fs::read(out.join(f)).unwrap() == std::fs::read(twin.join(f)).unwrap(),
            "{f} differs between two builds of the same KB"
        );
    }
    let machine = dir.path().to_string_lossy().into_owned();
    assert_eq!(holding(&out, &machine), Vec::<String>::new());

    // One doc edited: its page (and build.json, which lists its hash) is rewritten, the home
    // page is not.
    let doc = kb.join("netstack/docs/ops/backup/backup-cron-pattern.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    std::fs::write(&doc, format!("{text}\nOne more sentence.\n")).unwrap();
    let edited = build(&kb, &out);
    assert!(edited.contains(": 2 files written"), "{edited}");
    assert_ne!(stamp(&page), page_time);
    assert_eq!(stamp(&home), home_time);
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("One more sentence.")
    );
}

#[test]
fn build_json_lists_every_file_and_releases_swap_atomically() {
    let (dir, kb) = bundled_copy();
    let out = dir.path().join("site");
    build(&kb, &out);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("build.json")).unwrap()).unwrap();
    assert_eq!(manifest["netstack"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["audience"], "internal");
    assert_eq!(manifest["repos"][0]["name"], "netstack");
    // A copy outside git: no commit to name.
    assert!(manifest["repos"][0]["commit"].is_null());
    let listed = manifest["files"].as_object().unwrap();
    let on_disk: BTreeSet<String> = files(&out)
        .into_iter()
        .filter(|f| f != "build.json" && f != ".netstack-build")
        .collect();
    assert_eq!(listed.keys().cloned().collect::<BTreeSet<_>>(), on_disk);
    for (f, entry) in listed {
        let size = std::fs::metadata(out.join(f)).unwrap().len();
        assert_eq!(entry["size"].as_u64(), Some(size), "{f}");
    }

    // Releases: each build in its own folder, `current` swapped to the newest, `--keep` old ones.
    let rd = dir.path().join("www");
    let release = |kb: &Path| {
        let o = netstack()
            .arg("--kb")
            .arg(kb)
            .args(["build", "--keep", "2", "--release-dir"])
            .arg(&rd)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_link(rd.join("current")).unwrap()
    };
    let doc = kb.join("netstack/docs/ops/backup/backup-cron-pattern.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let mut seen = Vec::new();
    for n in 0..3 {
        std::fs::write(&doc, format!("{text}\nRevision {n}.\n")).unwrap();
        let current = release(&kb);
        assert!(current.starts_with("releases"), "{current:?}");
        let page = rd.join("current/docs/ops/backup/backup-cron-pattern/index.html");
        assert!(
            std::fs::read_to_string(page)
                .unwrap()
                .contains(&format!("Revision {n}.")),
            "current does not serve release {n}"
        );
        seen.push(current);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let kept: BTreeSet<String> = std::fs::read_dir(rd.join("releases"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let newest: BTreeSet<String> = seen[1..]
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(kept, newest, "--keep 2 keeps the two newest releases");
    // The same content again: the same release, pointed at again.
    assert_eq!(release(&kb), seen[2]);
}
