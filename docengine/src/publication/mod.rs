//! How the pattern repo is published: its base URLs (MkDocs-style pages), its forge URLs and
//! the names it goes by. Maps repo paths to published URLs and classifies URLs found in
//! docs as pointing into the pattern repo (or not).

mod infer;

pub use infer::{Inferred, infer, origin_remote, remote_to_https};

use std::collections::HashSet;

use url::Url;

/// Where a URL points inside the pattern repo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlTarget {
    /// A published page, as a page path relative to the published root without a trailing
    /// slash (`docs/ops/backup/backup-cron-pattern`; empty for the home page).
    Page {
        page: String,
        anchor: Option<String>,
    },
    /// A forge URL (`blob`/`tree`/…): candidate repo paths, one per possible branch split,
    /// shortest branch name first (branch names of up to
    /// [`MAX_BRANCH_SEGMENTS`](crate::limits::MAX_BRANCH_SEGMENTS) segments).
    Forge {
        candidates: Vec<String>,
        anchor: Option<String>,
    },
}

impl UrlTarget {
    pub fn anchor(&self) -> Option<&str> {
        match self {
            UrlTarget::Page { anchor, .. } | UrlTarget::Forge { anchor, .. } => anchor.as_deref(),
        }
    }
}

#[derive(Debug, Clone)]
struct BaseUrl {
    original: String,
    host: String,
    prefix: String,
}

#[derive(Debug, Clone)]
struct ForgeUrl {
    original: String,
    host: String,
    owner: String,
    name: String,
}

/// The publication settings of the pattern repo.
#[derive(Clone, Default)]
pub struct Publication {
    base: Vec<BaseUrl>,
    forges: Vec<ForgeUrl>,
    names: Vec<String>,
    url_root: String,
    /// What is already known, so adding n URLs or names is linear, not quadratic.
    seen: HashSet<String>,
}

/// Without the lookup set (hash order varies between runs; the search index fingerprints this).
impl std::fmt::Debug for Publication {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publication")
            .field("base", &self.base)
            .field("forges", &self.forges)
            .field("names", &self.names)
            .field("url_root", &self.url_root)
            .finish()
    }
}

impl Publication {
    /// `base_urls` and `forge_urls` must already be valid http(s) URLs; `url_root` is the
    /// repo folder published at the base URL root ("" = the repo root).
    pub fn new(base_urls: Vec<String>, forge_urls: Vec<String>, url_root: String) -> Self {
        let mut p = Publication {
            url_root: url_root.trim_matches('/').to_string(),
            ..Default::default()
        };
        for b in base_urls {
            p.add_base_url(&b);
        }
        for f in forge_urls {
            p.add_forge_url(&f);
        }
        p
    }

    /// Add a published base URL (ignored when not a URL or already known).
    pub fn add_base_url(&mut self, raw: &str) {
        let Ok(u) = Url::parse(raw.trim()) else {
            return;
        };
        let Some(host) = u.host_str() else { return };
        let mut prefix = u.path().to_string();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        let host = bare_host(host);
        if !self.seen.insert(format!("base {host}{prefix}")) {
            return;
        }
        let mut original = raw.trim().to_string();
        if !original.ends_with('/') {
            original.push('/');
        }
        self.base.push(BaseUrl {
            original,
            host,
            prefix,
        });
    }

    /// Add a forge URL of the pattern repo (`https://github.com/ORG/netstack`); its
    /// repository name also becomes one of the repo's names.
    pub fn add_forge_url(&mut self, raw: &str) {
        let Ok(u) = Url::parse(raw.trim()) else {
            return;
        };
        let Some(host) = u.host_str() else { return };
        let segs: Vec<&str> = u.path().split('/').filter(|s| !s.is_empty()).collect();
        if segs.len() < 2 {
            return;
        }
        let owner = segs[segs.len() - 2].to_ascii_lowercase();
        let name = segs[segs.len() - 1]
            .trim_end_matches(".git")
            .to_ascii_lowercase();
        let host = bare_host(host);
        if !self.seen.insert(format!("forge {host}/{owner}/{name}")) {
            return;
        }
        self.add_name(&name);
        self.forges.push(ForgeUrl {
            original: raw
                .trim()
                .trim_end_matches('/')
                .trim_end_matches(".git")
                .to_string(),
            host,
            owner,
            name,
        });
    }

    /// Add a name the pattern repo goes by (its folder, its remote's repository name).
    pub fn add_name(&mut self, name: &str) {
        let n = name.trim().to_ascii_lowercase();
        if !n.is_empty() && self.seen.insert(format!("name {n}")) {
            self.names.push(n);
        }
    }

    /// Names the repo goes by, lowercase (used for forge URLs and prose like
    /// "per netstack x-pattern").
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The repo folder published at the base URL root (`""` = the repo root).
    pub fn url_root(&self) -> &str {
        &self.url_root
    }

    /// The configured base URLs (with trailing slash), first is canonical.
    pub fn base_urls(&self) -> impl Iterator<Item = &str> {
        self.base.iter().map(|b| b.original.as_str())
    }

    /// The configured forge URLs, first is canonical.
    pub fn forge_urls(&self) -> impl Iterator<Item = &str> {
        self.forges.iter().map(|f| f.original.as_str())
    }

    /// The page path (relative to the published root, ending in `/` unless empty) of a repo
    /// file, MkDocs style: `docs/lan/README.md` → `docs/lan/`, `docs/x.md` → `docs/x/`.
    /// `None` for files outside the published root or that are not markdown.
    pub fn page_path(&self, rel_path: &str) -> Option<String> {
        let rel = if self.url_root.is_empty() {
            rel_path
        } else {
            rel_path
                .strip_prefix(&self.url_root)
                .and_then(|r| r.strip_prefix('/'))?
        };
        let stem = rel
            .strip_suffix(".md")
            .or_else(|| rel.strip_suffix(".markdown"))?;
        let (dir, file) = match stem.rsplit_once('/') {
            Some((d, f)) => (d, f),
            None => ("", stem),
        };
        let is_index = file.eq_ignore_ascii_case("readme") || file.eq_ignore_ascii_case("index");
        Some(match (is_index, dir.is_empty()) {
            (true, true) => String::new(),
            (true, false) => format!("{dir}/"),
            (false, true) => format!("{file}/"),
            (false, false) => format!("{dir}/{file}/"),
        })
    }

    /// The published URL of a repo file under the first base URL.
    pub fn published_url(&self, rel_path: &str) -> Option<String> {
        let base = self.base.first()?;
        Some(format!("{}{}", base.original, self.page_path(rel_path)?))
    }

    /// The forge URL showing a repo file (`…/blob/HEAD/path`).
    pub fn forge_file_url(&self, rel_path: &str) -> Option<String> {
        let f = self.forges.first()?;
        Some(format!("{}/blob/HEAD/{}", f.original, rel_path))
    }

    /// Repo paths a page path may come from, most likely first.
    pub fn candidates_for_page(&self, page: &str) -> Vec<String> {
        let page = page.trim_matches('/');
        let join = |p: &str| {
            if self.url_root.is_empty() {
                p.to_string()
            } else if p.is_empty() {
                self.url_root.clone()
            } else {
                format!("{}/{}", self.url_root, p)
            }
        };
        let base = join(page);
        let prefix = if base.is_empty() {
            String::new()
        } else {
            format!("{base}/")
        };
        let mut out = Vec::with_capacity(4);
        let last = page.rsplit('/').next().unwrap_or(page);
        if page.ends_with(".md") {
            out.push(base.clone());
        } else if !base.is_empty() {
            if last.contains('.') {
                // A file published as is (MkDocs copies non-markdown files): `tools/nsh.sh`.
                out.push(base.clone());
            }
            out.push(format!("{base}.md"));
        }
        out.push(format!("{prefix}README.md"));
        out.push(format!("{prefix}index.md"));
        out.push(format!("{prefix}readme.md"));
        if !base.is_empty() && !page.ends_with(".md") && !last.contains('.') {
            // A folder without an index page: the folder itself.
            out.push(base);
        }
        out
    }

    /// Does this URL point into the pattern repo, and where? `None` for anything else
    /// (other sites, other repos, non-http links).
    pub fn classify(&self, raw: &str) -> Option<UrlTarget> {
        let u = Url::parse(raw.trim()).ok()?;
        if u.scheme() != "http" && u.scheme() != "https" {
            return None;
        }
        let host = bare_host(u.host_str()?);
        let anchor = u.fragment().filter(|f| !f.is_empty()).map(decode);
        let path = u.path();

        for b in &self.base {
            if b.host != host {
                continue;
            }
            let with_slash = if path.ends_with('/') {
                path.to_string()
            } else {
                format!("{path}/")
            };
            if !with_slash.starts_with(&b.prefix) {
                continue;
            }
            let mut page = decode(&path[b.prefix.len().min(path.len())..]);
            for suffix in ["index.html", ".html", "/"] {
                if let Some(p) = page.strip_suffix(suffix) {
                    page = p.to_string();
                }
            }
            let page = page.trim_matches('/').to_string();
            return Some(UrlTarget::Page { page, anchor });
        }

        let segs: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(decode)
            .collect();
        if segs.len() < 2 {
            return None;
        }
        let owner = segs[0].to_ascii_lowercase();
        let name = segs[1].trim_end_matches(".git").to_ascii_lowercase();
        let configured = self
            .forges
            .iter()
            .any(|f| f.host == host && f.owner == owner && f.name == name);
        if !configured && !self.names.contains(&name) {
            return None;
        }
        let rest = &segs[2..];
        let after = match rest {
            [] => {
                return Some(UrlTarget::Forge {
                    candidates: vec!["README.md".into()],
                    anchor,
                });
            }
            [dash, kind, tail @ ..] if dash == "-" && is_view(kind) => tail,
            [src, kind, tail @ ..]
                if src == "src" && matches!(kind.as_str(), "branch" | "commit" | "tag") =>
            {
                tail
            }
            [kind, tail @ ..] if is_view(kind) => tail,
            // Something else on the repo page (issues, pulls, wiki): not a doc reference.
            _ => return None,
        };
        if !configured && after.is_empty() {
            return None;
        }
        // One candidate per possible branch name length, bounded: each candidate is as long
        // as the URL, so without a bound a long URL costs quadratic time and memory.
        let mut candidates = Vec::new();
        for k in 1..=after.len().min(crate::limits::MAX_BRANCH_SEGMENTS) {
            let p = after[k..].join("/");
            candidates.push(p);
        }
        if candidates.is_empty() {
            candidates.push(String::new());
        }
        Some(UrlTarget::Forge { candidates, anchor })
    }
}

fn is_view(kind: &str) -> bool {
    matches!(kind, "blob" | "tree" | "raw" | "edit" | "blame")
}

fn bare_host(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
}

fn decode(s: &str) -> String {
    percent_decode(s)
}

/// Decode `%XX` escapes (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            // Bytes, not a `str` slice: a `%` may be followed by a multi-byte character
            // (found by fuzzing: slicing there panicked).
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publ() -> Publication {
        let mut p = Publication::new(
            vec!["https://netstack.org/".into()],
            vec!["https://github.com/example-fed/netstack".into()],
            String::new(),
        );
        p.add_name("netstack");
        p
    }

    fn page(p: &str) -> Option<UrlTarget> {
        Some(UrlTarget::Page {
            page: p.into(),
            anchor: None,
        })
    }

    #[test]
    fn page_paths_follow_mkdocs() {
        let p = publ();
        assert_eq!(
            p.page_path("docs/ops/backup/backup-cron-pattern.md")
                .unwrap(),
            "docs/ops/backup/backup-cron-pattern/"
        );
        assert_eq!(p.page_path("docs/lan/README.md").unwrap(), "docs/lan/");
        assert_eq!(p.page_path("README.md").unwrap(), "");
        assert_eq!(p.page_path("docs/x.sh"), None);
        assert_eq!(
            p.published_url("docs/lan/README.md").unwrap(),
            "https://netstack.org/docs/lan/"
        );
        assert_eq!(
            p.candidates_for_page("docs/ops/tools/nsh.sh")[0],
            "docs/ops/tools/nsh.sh"
        );
        assert_eq!(
            p.candidates_for_page("docs/lan")[0],
            "docs/lan.md",
            "folders without a dot are pages"
        );
        assert_eq!(
            p.candidates_for_page("docs/lan").last().unwrap(),
            "docs/lan",
            "and, last, the folder itself"
        );
        assert!(
            !p.candidates_for_page("docs/ops/tools/nsh.sh")
                .contains(&"docs/ops/tools".to_string())
        );
    }

    #[test]
    fn published_urls_with_and_without_slash() {
        let p = publ();
        assert_eq!(
            p.classify("https://netstack.org/docs/ops/monitor/x-pattern/"),
            page("docs/ops/monitor/x-pattern")
        );
        assert_eq!(
            p.classify("https://netstack.org/docs/ops/monitor/x-pattern"),
            page("docs/ops/monitor/x-pattern")
        );
        assert_eq!(
            p.classify("http://www.netstack.org/docs/lan/"),
            page("docs/lan")
        );
        assert_eq!(
            p.classify("https://netstack.org/docs/lan/index.html"),
            page("docs/lan")
        );
        assert_eq!(p.classify("https://netstack.org/"), page(""));
        assert_eq!(
            p.classify("https://netstack.org/docs/x/#steps"),
            Some(UrlTarget::Page {
                page: "docs/x".into(),
                anchor: Some("steps".into())
            })
        );
        assert_eq!(p.classify("https://example.org/docs/x/"), None);
        assert_eq!(p.classify("mailto:a@b.org"), None);
    }

    #[test]
    fn forge_urls_any_branch() {
        let p = publ();
        let Some(UrlTarget::Forge { candidates, .. }) =
            p.classify("https://github.com/example-fed/netstack/blob/master/docs/wan/w-pattern.md")
        else {
            panic!()
        };
        assert_eq!(candidates[0], "docs/wan/w-pattern.md");
        let Some(UrlTarget::Forge { candidates, .. }) =
            p.classify("https://github.com/example-fed/netstack/tree/feature/x/docs/wan")
        else {
            panic!()
        };
        assert!(candidates.contains(&"docs/wan".to_string()));
        // GitLab and Forgejo layouts.
        assert!(matches!(
            p.classify("https://gitlab.com/fed/netstack/-/blob/main/docs/a.md"),
            Some(UrlTarget::Forge { .. })
        ));
        assert!(matches!(
            p.classify("https://git.fed.org/fed/netstack/src/branch/main/docs/a.md"),
            Some(UrlTarget::Forge { .. })
        ));
        // Another repo, or a non-doc page of the repo: not a reference.
        assert_eq!(
            p.classify("https://github.com/example-fed/cf/blob/main/docs/a.md"),
            None
        );
        assert_eq!(
            p.classify("https://github.com/other/netstack/issues/3"),
            None
        );
    }

    #[test]
    fn percent_before_a_multibyte_character() {
        assert_eq!(percent_decode("a%é"), "a%é");
        assert_eq!(percent_decode("%🙂%41"), "%🙂A");
    }

    /// Found by fuzzing: a forge URL with thousands of path segments gave one candidate path
    /// (as long as the URL) per segment, so resolving one 26 KB link took 27 s and 600 MB.
    #[test]
    fn forge_url_candidates_are_bounded() {
        let p = publ();
        let url = format!(
            "https://github.com/example-fed/netstack/edit/master/{}docs/a.md",
            "x/edit/master/".repeat(2000)
        );
        let Some(UrlTarget::Forge { candidates, .. }) = p.classify(&url) else {
            panic!()
        };
        assert_eq!(candidates.len(), crate::limits::MAX_BRANCH_SEGMENTS);
        assert!(candidates[0].ends_with("/docs/a.md"));
        // A branch name of several segments still resolves.
        let Some(UrlTarget::Forge { candidates, .. }) = p.classify(
            "https://github.com/example-fed/netstack/blob/team/a/b/c/docs/wan/w-pattern.md",
        ) else {
            panic!()
        };
        assert!(candidates.contains(&"docs/wan/w-pattern.md".to_string()));
    }

    #[test]
    fn remotes_become_https() {
        assert_eq!(
            remote_to_https("git@github.com:org/netstack.git").unwrap(),
            "https://github.com/org/netstack"
        );
        assert_eq!(
            remote_to_https("ssh://git@git.x.org:2222/org/netstack.git").unwrap(),
            "https://git.x.org/org/netstack"
        );
        assert_eq!(
            remote_to_https("https://tok@github.com/org/netstack").unwrap(),
            "https://github.com/org/netstack"
        );
        assert_eq!(remote_to_https("/local/path"), None);
    }

    #[test]
    fn infer_reads_cname_mkdocs_and_origin() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("CNAME"), "netstack.org\n").unwrap();
        std::fs::write(d.path().join("mkdocs.yml"), "site_name: x\nsite_url: https://docs.fed.org\nrepo_url: https://github.com/fed/netstack\n").unwrap();
        std::fs::create_dir(d.path().join(".git")).unwrap();
        std::fs::write(d.path().join(".git/config"), "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@github.com:fed/netstack.git\n").unwrap();
        let inf = infer(d.path());
        assert_eq!(
            inf.base_urls,
            vec!["https://netstack.org/", "https://docs.fed.org/"]
        );
        assert_eq!(inf.forge_urls, vec!["https://github.com/fed/netstack"]);
        assert_eq!(inf.names, vec!["netstack"]);
    }

    #[test]
    fn a_cname_holding_a_url_is_not_given_a_second_scheme() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("CNAME"), "https://docs.fed.org\n").unwrap();
        std::fs::create_dir(d.path().join("docs")).unwrap();
        std::fs::write(d.path().join("docs/CNAME"), "HTTP://old.fed.org/\n").unwrap();
        assert_eq!(
            infer(d.path()).base_urls,
            vec!["https://docs.fed.org/", "http://old.fed.org/"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn side_files_that_are_fifos_are_ignored_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().to_path_buf();
        crate::source::tests::mkfifo(&p.join("CNAME"));
        crate::source::tests::mkfifo(&p.join("mkdocs.yml"));
        let inf = crate::source::tests::within(10, "infer with FIFOs", move || infer(&p));
        assert!(inf.base_urls.is_empty());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%2e%2e/x"), "../x");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
