//! The address space of the browsable KB: the in-app URL path of every doc, file and folder,
//! and the reverse (which doc, file or folder a URL path names). Pattern repo docs live at
//! the paths the pattern repo is published at, so a published link works by changing only
//! the host; site repos live under `/sites/<site>/`.
//!
//! | what | path |
//! |---|---|
//! | pattern repo doc with a published page | `/docs/ops/backup/backup-cron-pattern/`, `/docs/lan/` |
//! | pattern repo file or folder under the published root | `/docs/architecture/federation.svg`, `/docs/ops/tools/` |
//! | anything else of the pattern repo | `/repo/<path>` (`/repo/README.md`) |
//! | site overview | `/sites/<site>/` |
//! | site doc, file, folder | `/sites/<site>/<path>` (`/sites/wf/docs/backup.md`, `/sites/wf/docs/`) |
//!
//! Lookups only ever answer with paths the KB walked (never with whatever the file system
//! holds at a joined path), so `..`, encoded dots, absolute paths and symlinks that leave a
//! repo cannot name anything outside the KB.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::kb::{DocId, KnowledgeBase, LinkTarget};

/// Prefix of pattern repo paths that have no published page.
pub const REPO_PREFIX: &str = "/repo/";
/// Prefix of site repos.
pub const SITES_PREFIX: &str = "/sites/";

/// What a URL path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A doc.
    Doc(DocId),
    /// A file of a repo that is not a doc (image, script): repo index and repo-relative path.
    File { repo: usize, path: String },
    /// A folder of a repo (repo-relative, empty for the root).
    Dir { repo: usize, path: String },
    /// The overview page of a site.
    Site(String),
}

/// Characters escaped in a path segment (everything but unreserved characters and `/`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'\'');

/// Characters escaped in a query value.
const QUERY: &AsciiSet = &PATH.add(b'&').add(b'=').add(b'+').add(b'/').add(b';');

/// Percent-encode a path (keeps `/`).
pub fn encode_path(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

/// Percent-encode a query value.
pub fn encode_query(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// The URL path of a doc.
pub fn doc_url(kb: &KnowledgeBase, id: DocId) -> String {
    let doc = kb.doc(id);
    match &doc.site {
        Some(site) => format!(
            "{SITES_PREFIX}{}/{}",
            encode_path(site),
            encode_path(&doc.path)
        ),
        None => match kb.config.patterns.publication.page_path(&doc.path) {
            Some(page) if !page.is_empty() => format!("/{}", encode_path(&page)),
            _ => format!("{REPO_PREFIX}{}", encode_path(&doc.path)),
        },
    }
}

/// The URL path of a repo file (served as is).
pub fn file_url(kb: &KnowledgeBase, repo: usize, path: &str) -> String {
    if repo == 0 {
        if let Some(rel) = published_rel(kb, path) {
            return format!("/{}", encode_path(rel));
        }
        return format!("{REPO_PREFIX}{}", encode_path(path));
    }
    format!(
        "{SITES_PREFIX}{}/{}",
        encode_path(&kb.repos[repo].name),
        encode_path(path)
    )
}

/// The URL path of a repo folder (a listing); ends with `/`.
pub fn dir_url(kb: &KnowledgeBase, repo: usize, path: &str) -> String {
    let path = path.trim_matches('/');
    let slash = if path.is_empty() { "" } else { "/" };
    if repo == 0 {
        return match published_rel(kb, path) {
            Some(rel) if !rel.is_empty() => format!("/{}/", encode_path(rel)),
            _ => format!("{REPO_PREFIX}{}{slash}", encode_path(path)),
        };
    }
    format!(
        "{SITES_PREFIX}{}/{}{slash}",
        encode_path(&kb.repos[repo].name),
        encode_path(path)
    )
}

/// The URL path of a site overview.
pub fn site_url(site: &str) -> String {
    format!("{SITES_PREFIX}{}/", encode_path(site))
}

/// The URL path of a route.
pub fn url(kb: &KnowledgeBase, route: &Route) -> String {
    match route {
        Route::Doc(id) => doc_url(kb, *id),
        Route::File { repo, path } => file_url(kb, *repo, path),
        Route::Dir { repo, path } => dir_url(kb, *repo, path),
        Route::Site(site) => site_url(site),
    }
}

/// The in-app URL of a resolved link target (`None` for external and missing targets).
pub fn link_url(kb: &KnowledgeBase, target: &LinkTarget) -> Option<String> {
    match target {
        LinkTarget::Doc { id, anchor, .. } => {
            let mut u = doc_url(kb, *id);
            if let Some(a) = anchor {
                u.push('#');
                u.push_str(&encode_path(a));
            }
            Some(u)
        }
        LinkTarget::File { repo, path } => Some(file_url(kb, *repo, path)),
        LinkTarget::Dir { repo, path } => Some(dir_url(kb, *repo, path)),
        LinkTarget::SameDoc { anchor, .. } => Some(format!("#{}", encode_path(anchor))),
        LinkTarget::External | LinkTarget::Missing { .. } => None,
    }
}

/// The path of a pattern repo file relative to the published root, when it is below it.
fn published_rel<'a>(kb: &KnowledgeBase, path: &'a str) -> Option<&'a str> {
    let root = kb.config.patterns.publication.url_root();
    if root.is_empty() {
        return Some(path);
    }
    if path == root {
        return Some("");
    }
    path.strip_prefix(root)?.strip_prefix('/')
}

/// Split a URL path into decoded segments; `None` when any segment could leave its folder
/// (`.`, `..`, empty names in the middle, backslashes, NUL) or is not UTF-8.
pub(crate) fn segments(path: &str) -> Option<(Vec<String>, bool)> {
    let trailing = path.ends_with('/');
    let mut out = Vec::new();
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let seg = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?
            .into_owned();
        if seg == "." || seg == ".." || seg.is_empty() || seg.contains(['/', '\\', '\0']) {
            return None;
        }
        out.push(seg);
    }
    Some((out, trailing))
}

/// What a URL path (as sent, percent-encoded, starting with `/`) names, if anything.
pub fn locate(kb: &KnowledgeBase, url_path: &str) -> Option<Route> {
    let (segs, trailing) = segments(url_path)?;
    if segs.first().map(String::as_str) == Some("sites") {
        let site = segs.get(1)?;
        let repo = kb
            .repos
            .iter()
            .position(|r| &r.name == site && r.site.is_some())?;
        if segs.len() == 2 {
            return Some(Route::Site(kb.repos[repo].name.clone()));
        }
        return locate_in(kb, repo, &segs[2..].join("/"), trailing, true);
    }
    if segs.first().map(String::as_str) == Some("repo") {
        return locate_in(kb, 0, &segs[1..].join("/"), trailing, false);
    }
    let rel = segs.join("/");
    let publication = &kb.config.patterns.publication;
    // A published page.
    let pattern_repo = kb.pattern_repo();
    for cand in publication.candidates_for_page(&rel) {
        if let Some(id) = pattern_repo.doc(&cand) {
            return Some(Route::Doc(id));
        }
    }
    // A file or folder below the published root.
    let root = publication.url_root();
    let full = match (root.is_empty(), rel.is_empty()) {
        (true, _) => rel,
        (false, true) => root.to_string(),
        (false, false) => format!("{root}/{rel}"),
    };
    if full.is_empty() {
        return None;
    }
    locate_in(kb, 0, &full, trailing, false)
}

/// A repo-relative path in one repo: a doc, a file, a folder, or (for site repos) a
/// MkDocs-style page path (`docs/backup/` for `docs/backup.md`).
fn locate_in(
    kb: &KnowledgeBase,
    repo: usize,
    rel: &str,
    trailing: bool,
    pages: bool,
) -> Option<Route> {
    let r = &kb.repos[repo];
    if !trailing && let Some(id) = r.doc(rel) {
        return Some(Route::Doc(id));
    }
    if !trailing && r.files.contains(rel) {
        return Some(Route::File {
            repo,
            path: rel.to_string(),
        });
    }
    if rel.is_empty() || r.dirs.contains(rel) {
        return Some(Route::Dir {
            repo,
            path: rel.to_string(),
        });
    }
    if pages {
        let page = rel.trim_end_matches('/');
        for cand in [format!("{page}.md"), format!("{page}/README.md")] {
            if let Some(id) = r.doc(&cand) {
                return Some(Route::Doc(id));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn kb() -> (tempfile::TempDir, KnowledgeBase) {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let files = [
            "netstack/README.md",
            "netstack/docs/README.md",
            "netstack/docs/lan/README.md",
            "netstack/docs/ops/backup/backup-cron-pattern.md",
            "netstack/docs/ops/tools/nsh.sh",
            "netstack/docs/arch/fed eration.svg",
            "netstack/scripts/x.sh",
            "wf/README.md",
            "wf/docs/backup.md",
            "wf/scripts/nas-sync.ps1",
        ];
        for f in files {
            let p = r.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "# T\n").unwrap();
        }
        std::fs::write(
            r.join("netstack.toml"),
            "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
        )
        .unwrap();
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        (dir, kb)
    }

    #[test]
    fn doc_urls_follow_the_publication() {
        let (_d, kb) = kb();
        let url = |repo: &str, path: &str| doc_url(&kb, kb.find(repo, path).unwrap());
        assert_eq!(
            url("netstack", "docs/ops/backup/backup-cron-pattern.md"),
            "/docs/ops/backup/backup-cron-pattern/"
        );
        assert_eq!(url("netstack", "docs/lan/README.md"), "/docs/lan/");
        assert_eq!(url("netstack", "README.md"), "/repo/README.md");
        assert_eq!(url("wf", "docs/backup.md"), "/sites/wf/docs/backup.md");
        assert_eq!(
            file_url(&kb, 0, "docs/arch/fed eration.svg"),
            "/docs/arch/fed%20eration.svg"
        );
        assert_eq!(dir_url(&kb, 0, "docs/ops"), "/docs/ops/");
        assert_eq!(dir_url(&kb, 1, ""), "/sites/wf/");
        assert_eq!(dir_url(&kb, 1, "docs"), "/sites/wf/docs/");
    }

    #[test]
    fn every_url_leads_back_to_what_made_it() {
        let (_d, kb) = kb();
        for id in 0..kb.docs.len() {
            assert_eq!(locate(&kb, &doc_url(&kb, id)), Some(Route::Doc(id)), "{id}");
        }
        for (i, repo) in kb.repos.iter().enumerate() {
            for f in repo.files.iter().filter(|f| repo.doc(f).is_none()) {
                let route = Route::File {
                    repo: i,
                    path: f.clone(),
                };
                assert_eq!(locate(&kb, &url(&kb, &route)), Some(route));
            }
        }
    }

    #[test]
    fn published_paths_resolve_with_or_without_slash() {
        let (_d, kb) = kb();
        let id = kb
            .find("netstack", "docs/ops/backup/backup-cron-pattern.md")
            .unwrap();
        assert_eq!(
            locate(&kb, "/docs/ops/backup/backup-cron-pattern"),
            Some(Route::Doc(id))
        );
        assert_eq!(
            locate(&kb, "/docs/ops/"),
            Some(Route::Dir {
                repo: 0,
                path: "docs/ops".into()
            })
        );
        let site_page = kb.find("wf", "docs/backup.md").unwrap();
        assert_eq!(
            locate(&kb, "/sites/wf/docs/backup/"),
            Some(Route::Doc(site_page))
        );
        assert_eq!(locate(&kb, "/sites/wf/"), Some(Route::Site("wf".into())));
        assert_eq!(locate(&kb, "/sites/nope/"), None);
    }

    #[test]
    fn nothing_outside_the_kb_can_be_named() {
        let (_d, kb) = kb();
        for bad in [
            "/sites/wf/../../netstack.toml",
            "/sites/wf/%2e%2e/netstack.toml",
            "/sites/wf/%2E%2E/%2e%2e/etc/passwd",
            "/repo/..%2f..%2fnetstack.toml",
            "/docs/..%5c..%5cetc/passwd",
            "/repo//etc/passwd",
            "/etc/passwd",
            "/sites/wf/docs/%00backup.md",
            "/repo/C:/Windows/win.ini",
        ] {
            assert_eq!(locate(&kb, bad), None, "{bad}");
        }
    }
}
