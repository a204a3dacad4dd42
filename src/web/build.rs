//! `netstack build`: the pages `serve` answers, rendered by the same page code and templates in
//! static mode (`pages::Mode::Static`), with links made relative, written as files. Where each
//! URL goes and what a build may show is `docengine::publish`; this module renders and writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use docengine::publish::manifest::{FileEntry, MANIFEST_FILE, Manifest};
use docengine::publish::{self, Audience};
use docengine::routes::{self, Route};
use docengine::{KnowledgeBase, lint};
use rayon::prelude::*;

use crate::web::assets;
use crate::web::pages::{
    coverage, docs, fallback, home, lint as lint_pages, not_found, problems, sites,
};
use crate::web::state::{AppState, run_lint};

/// What a build wrote.
#[derive(Debug, Default)]
pub struct Summary {
    /// Pages rendered (the 404 page included).
    pub pages: usize,
    /// Redirect pages for other URL forms of a page (`x.html` for `x/`).
    pub aliases: usize,
    /// Repo files that pages link, copied as they are.
    pub files: usize,
    /// CSS, JS and icons.
    pub assets: usize,
    /// Whether `sitemap.xml` was written (a public build with a base URL).
    pub sitemap: bool,
    /// Bytes of the whole output.
    pub bytes: u64,
    /// Files written because they are new or their bytes changed.
    pub written: usize,
    /// Bytes of those files.
    pub written_bytes: u64,
    /// Files already there with the same bytes (not touched: an unchanged rebuild writes
    /// nothing).
    pub unchanged: usize,
    /// Files of the previous build this one no longer has, removed.
    pub removed: usize,
    /// The build's content id (`Manifest::release_id`).
    pub release: String,
    /// Internal links that lead to no output file: (page file, link as written).
    pub dead: Vec<(String, String)>,
}

/// One output file: a rendered page, a redirect, a copied repo file or an asset.
enum Output {
    Bytes(Vec<u8>),
    RepoFile { repo: usize, path: String },
}

/// How a build is made.
pub struct Options {
    /// Who the build is for (the KB is already restricted to it: `publish::published_config`).
    pub audience: Audience,
    /// The URL the output root is published at (ends with `/`), for `sitemap.xml`.
    pub base_url: Option<String>,
    /// `build.json` without its file list (version, repos, config fingerprint).
    pub manifest: Manifest,
}

/// Render every page of `kb` into `out`.
pub fn build(kb: KnowledgeBase, kb_dir: PathBuf, out: &Path, opts: &Options) -> Result<Summary> {
    let internal = opts.audience == Audience::Internal;
    let state = AppState::for_build(kb, kb_dir, internal);
    let snap = state.snapshot();
    let kb = Arc::clone(&snap.kb);
    let findings = run_lint(&kb);
    let lint = Some(&findings);

    // Every URL serve answers with a page: the fixed pages, then every doc, folder and site at
    // its canonical URL (what `fallback` renders there).
    let mut pages: Vec<(String, Box<dyn Fn() -> String + Sync + '_>)> = Vec::new();
    let (st, sn) = (&state, &*snap);
    pages.push(("/".into(), Box::new(move || home::page(st, sn, lint).1)));
    pages.push((
        "/patterns/".into(),
        Box::new(move || docs::patterns_page(st, sn, lint).1),
    ));
    pages.push((
        "/sites/".into(),
        Box::new(move || sites::list_page(st, sn, lint).1),
    ));
    pages.push((
        "/coverage".into(),
        Box::new(move || coverage::page(st, sn, Default::default()).1),
    ));
    pages.push((
        "/problems".into(),
        Box::new(move || problems::page(st, sn, Default::default()).1),
    ));
    pages.push((
        "/lint".into(),
        Box::new(move || lint_pages::page(st, sn, lint, Default::default()).1),
    ));
    for rule in lint::Rule::ALL {
        pages.push((
            format!("/lint/rules/{}", rule.id()),
            Box::new(move || lint_pages::rule_page(st, sn, lint, rule).1),
        ));
    }
    let mut seen: BTreeSet<String> = pages.iter().map(|(u, _)| u.clone()).collect();
    let mut candidates: Vec<String> = (0..kb.docs.len())
        .map(|id| routes::doc_url(&kb, id))
        .collect();
    for (i, r) in kb.repos.iter().enumerate() {
        candidates.push(routes::dir_url(&kb, i, ""));
        candidates.extend(r.dirs.iter().map(|d| routes::dir_url(&kb, i, d)));
    }
    candidates.extend(kb.sites().map(routes::site_url));
    for url in candidates {
        let Some(route) = routes::locate(&kb, &url) else {
            continue;
        };
        if matches!(route, Route::File { .. }) || routes::url(&kb, &route) != url {
            continue;
        }
        if seen.insert(url.clone()) {
            pages.push((
                url,
                Box::new(move || fallback::render_route(st, sn, &route, lint, false).1),
            ));
        }
    }

    // Output file of every page URL.
    let mut page_files: HashMap<String, String> = HashMap::new();
    for (url, _) in &pages {
        let file = publish::page_file(url)
            .with_context(|| format!("page URL {url} has no safe file name"))?;
        page_files.insert(url.clone(), file);
    }
    let asset_names: BTreeSet<String> = assets::names().collect();
    let page_set: BTreeSet<String> = page_files.values().cloned().collect();

    let rendered: Vec<(String, String)> = pages
        .par_iter()
        .map(|(url, render)| (page_files[url].clone(), render()))
        .chain(rayon::iter::once((
            "404.html".to_string(),
            not_found::page(st, sn, ""),
        )))
        .collect();

    let mut files: BTreeMap<String, Output> = BTreeMap::new();
    let mut summary = Summary::default();
    for (file, html) in rendered {
        let linked = Linker {
            kb: &kb,
            from: &file,
            pages: &page_files,
            assets: &asset_names,
            page_set: &page_set,
        }
        .rewrite(&html);
        for (target, repo, path) in linked.copies {
            files.insert(target, Output::RepoFile { repo, path });
        }
        summary
            .dead
            .extend(linked.dead.into_iter().map(|l| (file.clone(), l)));
        files.insert(file, Output::Bytes(linked.html.into_bytes()));
        summary.pages += 1;
    }
    summary.files = files
        .values()
        .filter(|o| matches!(o, Output::RepoFile { .. }))
        .count();
    for (url, _) in &pages {
        for alias in publish::alias_files(url) {
            if files.contains_key(&alias) {
                continue;
            }
            let html = redirect_page(&publish::relative_link(&alias, &page_files[url]), internal);
            files.insert(alias, Output::Bytes(html.into_bytes()));
            summary.aliases += 1;
        }
    }
    // Crawlers: an internal build asks them to stay out; a public one lists its pages.
    let sitemap = match (&opts.audience, &opts.base_url) {
        (Audience::Public, Some(base)) => {
            let mut listed: Vec<&str> = pages.iter().map(|(u, _)| page_files[u].as_str()).collect();
            listed.sort_unstable();
            files.insert(
                "sitemap.xml".into(),
                Output::Bytes(publish::sitemap_xml(base, listed).into_bytes()),
            );
            summary.sitemap = true;
            Some(format!("{base}sitemap.xml"))
        }
        _ => None,
    };
    files.insert(
        "robots.txt".into(),
        Output::Bytes(publish::robots_txt(opts.audience, sitemap.as_deref()).into_bytes()),
    );
    for name in &asset_names {
        if let Some(data) = assets::data(name) {
            files.insert(format!("static/{name}"), Output::Bytes(data.to_vec()));
            summary.assets += 1;
        }
    }
    let w = write_all(&kb, out, files, opts.manifest.clone())?;
    summary.release = w.release.clone();
    summary.bytes = w.bytes;
    summary.written = w.written;
    summary.written_bytes = w.written_bytes;
    summary.unchanged = w.unchanged;
    summary.removed = w.removed;
    summary.files -= w.not_copied.len();
    summary.dead.extend(w.not_copied);
    summary.dead.sort();
    Ok(summary)
}

/// Rewrites the internal links of one page (`href="/…"`, `src="/…"`) into relative links to
/// output files, and notes the repo files they lead to.
struct Linker<'a> {
    kb: &'a KnowledgeBase,
    /// The page's own output file.
    from: &'a str,
    pages: &'a HashMap<String, String>,
    assets: &'a BTreeSet<String>,
    /// Every page's output file (a repo file never overwrites one).
    page_set: &'a BTreeSet<String>,
}

/// A page with its links rewritten.
struct Linked {
    html: String,
    /// (output file, repo, repo-relative path) of repo files the page links.
    copies: Vec<(String, usize, String)>,
    /// Internal links that lead to no output file, as written.
    dead: Vec<String>,
}

impl Linker<'_> {
    fn rewrite(&self, html: &str) -> Linked {
        let mut out = String::with_capacity(html.len());
        let mut copies = Vec::new();
        let mut dead = Vec::new();
        let mut rest = html;
        loop {
            let next = ["href=\"/", "src=\"/"]
                .iter()
                .filter_map(|pat| rest.find(pat).map(|i| (i, pat.len() - 1)))
                .min();
            let Some((i, len)) = next else {
                break;
            };
            let start = i + len;
            let Some(end) = rest[start..].find('"').map(|e| start + e) else {
                break;
            };
            out.push_str(&rest[..start]);
            let link = &rest[start..end];
            match self.target(link, &mut copies) {
                Some(rel) => out.push_str(&rel),
                None => {
                    if !link.starts_with("//") {
                        dead.push(link.to_string());
                    }
                    out.push_str(link);
                }
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        Linked {
            html: out,
            copies,
            dead,
        }
    }

    /// The relative form of one internal link (HTML-escaped, as in the attribute), or `None`
    /// when it leads to no output file.
    fn target(&self, link: &str, copies: &mut Vec<(String, usize, String)>) -> Option<String> {
        if link.starts_with("//") {
            return None;
        }
        let (before_fragment, fragment) = match link.find('#') {
            Some(i) => (&link[..i], &link[i..]),
            None => (link, ""),
        };
        let (path, query) = match before_fragment.find('?') {
            Some(i) => (&before_fragment[..i], &before_fragment[i..]),
            None => (before_fragment, ""),
        };
        let rel = |to: &str| publish::relative_link(self.from, to);
        if let Some(name) = path.strip_prefix("/static/") {
            // Assets keep their version query (a cache key, ignored by static servers).
            return self
                .assets
                .contains(name)
                .then(|| format!("{}{query}{fragment}", rel(&format!("static/{name}"))));
        }
        // A page answers no query string in a static build.
        if !query.is_empty() {
            return None;
        }
        if let Some(file) = self.pages.get(path) {
            return Some(format!("{}{fragment}", rel(file)));
        }
        match routes::locate(self.kb, path)? {
            Route::File {
                repo,
                path: rel_path,
            } => {
                let url = routes::file_url(self.kb, repo, &rel_path);
                let file = publish::file_at(&url)?;
                if self.page_set.contains(&file) {
                    return None;
                }
                let link = format!("{}{fragment}", rel(&file));
                copies.push((file, repo, rel_path));
                Some(link)
            }
            route => {
                let canonical = routes::url(self.kb, &route);
                let file = self.pages.get(&canonical)?;
                Some(format!("{}{fragment}", rel(file)))
            }
        }
    }
}

/// A page that sends the reader to `to` (relative): for other URL forms of a page.
fn redirect_page(to: &str, noindex: bool) -> String {
    let to = to.replace('&', "&amp;").replace('"', "&quot;");
    let robots = if noindex {
        "<meta name=\"robots\" content=\"noindex\">\n"
    } else {
        ""
    };
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{robots}\
         <meta http-equiv=\"refresh\" content=\"0; url={to}\">\n\
         <link rel=\"canonical\" href=\"{to}\">\n<title>Moved</title>\n</head>\n\
         <body><p>This page is at <a href=\"{to}\">{to}</a>.</p></body>\n</html>\n"
    )
}

/// What writing the output did.
#[derive(Default)]
struct Written {
    bytes: u64,
    written: usize,
    written_bytes: u64,
    unchanged: usize,
    removed: usize,
    release: String,
    /// Linked repo files that could not be copied, each with why (the walk's rules hold, so a
    /// FIFO or a link out of the repo is not read).
    not_copied: Vec<(String, String)>,
}

/// Write the output: into an empty folder or a previous build's (marked by
/// `publish::MARKER_FILE`). A file whose bytes are already there is not touched; files of a
/// previous build that this one does not have are removed.
fn write_all(
    kb: &KnowledgeBase,
    out: &Path,
    mut files: BTreeMap<String, Output>,
    mut manifest: Manifest,
) -> Result<Written> {
    if out.exists() {
        let marker = out.join(publish::MARKER_FILE);
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("reading the output folder {}", out.display()))?
            .next()
            .is_none();
        if !empty && !marker.is_file() {
            bail!(
                "{} holds files netstack build did not write; name an empty or new folder with --out",
                out.display()
            );
        }
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating the output folder {}", out.display()))?;
    let marker = out.join(publish::MARKER_FILE);
    let marker_text = "written by netstack build: this folder is replaced by the next build\n";
    if std::fs::read(&marker).ok().as_deref() != Some(marker_text.as_bytes()) {
        std::fs::write(&marker, marker_text)
            .with_context(|| format!("writing {}", marker.display()))?;
    }
    let roots: Vec<Option<PathBuf>> = kb
        .repos
        .iter()
        .map(|r| docengine::source::canonical_root(&r.root))
        .collect();
    let mut w = Written::default();
    for (rel, output) in &files {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let data = match output {
            Output::Bytes(b) => b.clone(),
            Output::RepoFile { repo, path: p } => {
                let Some(root) = &roots[*repo] else {
                    w.not_copied
                        .push((rel.clone(), format!("{p}: repo folder not found")));
                    continue;
                };
                let mut opened = match docengine::source::open_in_repo(&root.join(p), root) {
                    Ok(o) => o,
                    Err(skipped) => {
                        w.not_copied
                            .push((rel.clone(), format!("{p}: {}", skipped.message)));
                        continue;
                    }
                };
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut opened.file, &mut data)
                    .with_context(|| format!("reading {p}"))?;
                data
            }
        };
        w.bytes += data.len() as u64;
        manifest.files.insert(rel.clone(), FileEntry::of(&data));
        if same_bytes(&path, &data) {
            w.unchanged += 1;
            continue;
        }
        std::fs::write(&path, &data).with_context(|| format!("writing {}", path.display()))?;
        w.written += 1;
        w.written_bytes += data.len() as u64;
    }
    for (rel, _) in &w.not_copied {
        files.remove(rel);
    }
    // The manifest last: it lists what is there.
    let json = manifest.to_json();
    let path = out.join(MANIFEST_FILE);
    w.bytes += json.len() as u64;
    if same_bytes(&path, json.as_bytes()) {
        w.unchanged += 1;
    } else {
        std::fs::write(&path, &json).with_context(|| format!("writing {}", path.display()))?;
        w.written += 1;
        w.written_bytes += json.len() as u64;
    }
    w.release = manifest.release_id();
    w.removed = remove_stale(out, out, &files)?;
    Ok(w)
}

/// Does the regular file at `path` hold exactly `data`?
fn same_bytes(path: &Path, data: &[u8]) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() && m.len() == data.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == data)
        }
        _ => false,
    }
}

/// Remove files under `dir` that this build did not write (and folders left empty); how many.
fn remove_stale(out: &Path, dir: &Path, files: &BTreeMap<String, Output>) -> Result<usize> {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let rel = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if entry.file_type()?.is_dir() {
            removed += remove_stale(out, &path, files)?;
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)
                    .with_context(|| format!("removing {}", path.display()))?;
            }
        } else if rel != publish::MARKER_FILE && rel != MANIFEST_FILE && !files.contains_key(&rel) {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
