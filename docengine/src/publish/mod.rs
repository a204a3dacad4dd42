//! Publishing the KB as static files (`netstack build`): what a build may show, which file each
//! page URL is written to, the alias files that keep the published URL forms working on a plain
//! static server, and links between output files. Pure: the binary renders and writes.
//!
//! The output keeps the server's URL space. A URL ending in `/` (MkDocs-style pages, folders,
//! `/sites/`) is `<path>/index.html`, which every static server answers for `<path>/` and (with a
//! redirect to the slash) for the extension-less `<path>`; any other page URL (`/coverage`,
//! `/sites/cf/docs/backup.md`) is `<path>.html`. A page at `<path>/` also gets `<path>.html`, a
//! redirect to it (the GitHub Pages / Jekyll form). Links inside the output are relative, so the
//! output works under any path prefix.

use crate::config::Config;
use crate::routes;

/// The folder a build writes to when none is named, relative to the KB folder (beside the
/// search index, git-ignored with it).
pub const DEFAULT_OUT_DIR: &str = ".netstack/site";

/// The file that marks a folder as a build's output: a build only writes into (and deletes
/// stale files from) an empty folder or one holding this file.
pub const MARKER_FILE: &str = ".netstack-build";

pub mod manifest;
pub mod settings;

/// Who a build is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The pattern repo and the sites `[publish]` names; pages say `noindex`.
    Internal,
    /// The world (`--public`): the pattern repo alone; a sitemap for search engines.
    Public,
}

/// The config a build loads: only what may be published. Site repos hold internal addresses,
/// device names and people, so a build shows the pattern repo and, for an internal build, the
/// sites `[publish] sites` names; every other site is dropped before loading, so its docs,
/// values, names and findings are never in the KB a page is rendered from.
pub fn published_config(mut config: Config, audience: Audience) -> Config {
    let allowed: Vec<String> = match audience {
        Audience::Public => Vec::new(),
        Audience::Internal => config.publish.site_names().map(str::to_string).collect(),
    };
    config.sites.retain(|s| allowed.contains(&s.name));
    config
}

/// `robots.txt` of a build: an internal build asks every crawler to stay out; a public one
/// names its sitemap when it has one.
pub fn robots_txt(audience: Audience, sitemap: Option<&str>) -> String {
    match (audience, sitemap) {
        (Audience::Internal, _) => "User-agent: *\nDisallow: /\n".to_string(),
        (Audience::Public, Some(url)) => format!("User-agent: *\nAllow: /\n\nSitemap: {url}\n"),
        (Audience::Public, None) => "User-agent: *\nAllow: /\n".to_string(),
    }
}

/// `sitemap.xml` listing `pages` (output files) under `base_url` (ends with `/`), in order.
pub fn sitemap_xml<'a>(base_url: &str, pages: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in pages {
        let loc = format!("{base_url}{}", relative_link("index.html", page));
        let loc = loc.strip_suffix("./").unwrap_or(&loc);
        let loc = loc
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str(&format!("  <url><loc>{loc}</loc></url>\n"));
    }
    out.push_str("</urlset>\n");
    out
}

/// The decoded, checked segments of a URL path; `None` when a segment could leave its folder
/// or is not UTF-8 (the one decoding `routes` uses for every request path).
fn segments(url_path: &str) -> Option<Vec<String>> {
    crate::routes::segments(url_path).map(|(segments, _)| segments)
}

/// The output file (relative, `/`-separated, decoded) of a page at `url_path` (as the pages
/// link it: percent-encoded, starting with `/`).
pub fn page_file(url_path: &str) -> Option<String> {
    let segs = segments(url_path)?;
    if segs.is_empty() {
        return Some("index.html".into());
    }
    let path = segs.join("/");
    Some(if url_path.ends_with('/') {
        format!("{path}/index.html")
    } else {
        format!("{path}.html")
    })
}

/// The output file of a file served as is (an asset, a repo file a doc links) at `url_path`.
pub fn file_at(url_path: &str) -> Option<String> {
    let segs = segments(url_path)?;
    (!segs.is_empty() && !url_path.ends_with('/')).then(|| segs.join("/"))
}

/// The alias files of a page at `url_path`: `x.html` for a page at `x/` (a redirect to it).
pub fn alias_files(url_path: &str) -> Vec<String> {
    match segments(url_path) {
        Some(segs) if !segs.is_empty() && url_path.ends_with('/') => {
            vec![format!("{}.html", segs.join("/"))]
        }
        _ => Vec::new(),
    }
}

/// The link from output file `from` to output file `to` (both relative to the output root), in
/// the one canonical form: relative, a folder's `index.html` as its folder (`../x/`), the
/// output root as `./` from beside it, every segment percent-encoded.
pub fn relative_link(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        parts
    };
    let mut to_parts: Vec<&str> = to.split('/').collect();
    let is_dir = to_parts.last() == Some(&"index.html");
    if is_dir {
        to_parts.pop();
    }
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dir.len() - common);
    let rest: Vec<String> = to_parts[common..]
        .iter()
        .map(|s| routes::encode_path(s))
        .collect();
    out.push_str(&rest.join("/"));
    if is_dir && !rest.is_empty() {
        out.push('/');
    }
    if out.is_empty() {
        out.push_str("./");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_shows_only_the_sites_publish_names_and_a_public_one_none() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["netstack/docs", "cf", "sl"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let toml = "[patterns]\npath = \"netstack\"\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n\
                    [[sites]]\nname = \"sl\"\npath = \"sl\"\n[publish]\nsites = [\"cf\"]\n";
        std::fs::write(dir.path().join(crate::config::CONFIG_FILE), toml).unwrap();
        let config = Config::load(dir.path()).unwrap();
        let names = |c: &Config| c.sites.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&published_config(config.clone(), Audience::Internal)),
            ["cf"]
        );
        assert!(names(&published_config(config.clone(), Audience::Public)).is_empty());
        // Without `[publish]`, no site.
        std::fs::write(
            dir.path().join(crate::config::CONFIG_FILE),
            toml.split("[publish]").next().unwrap(),
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.sites.len(), 2);
        assert!(names(&published_config(config, Audience::Internal)).is_empty());
    }

    #[test]
    fn internal_builds_keep_crawlers_out_and_public_ones_list_their_pages() {
        assert!(robots_txt(Audience::Internal, None).contains("Disallow: /"));
        let public = robots_txt(Audience::Public, Some("https://x.org/sitemap.xml"));
        assert!(!public.contains("Disallow"));
        assert!(public.contains("Sitemap: https://x.org/sitemap.xml"));
        let xml = sitemap_xml(
            "https://x.org/kb/",
            ["index.html", "docs/a b/index.html", "coverage.html"],
        );
        assert!(xml.contains("<loc>https://x.org/kb/</loc>"), "{xml}");
        assert!(
            xml.contains("<loc>https://x.org/kb/docs/a%20b/</loc>"),
            "{xml}"
        );
        assert!(
            xml.contains("<loc>https://x.org/kb/coverage.html</loc>"),
            "{xml}"
        );
    }

    #[test]
    fn page_urls_map_to_files_every_static_server_answers() {
        assert_eq!(page_file("/").as_deref(), Some("index.html"));
        assert_eq!(
            page_file("/docs/ops/backup/backup-cron-pattern/").as_deref(),
            Some("docs/ops/backup/backup-cron-pattern/index.html")
        );
        assert_eq!(page_file("/coverage").as_deref(), Some("coverage.html"));
        assert_eq!(
            page_file("/sites/cf/docs/back%20up.md").as_deref(),
            Some("sites/cf/docs/back up.md.html")
        );
        assert_eq!(page_file("/docs/../etc/"), None);
        assert_eq!(page_file("/docs/%2e%2e/x"), None);
        assert_eq!(page_file("/a/%2Fb"), None);
    }

    #[test]
    fn files_keep_their_path() {
        assert_eq!(
            file_at("/docs/ops/tools/run%20me.sh").as_deref(),
            Some("docs/ops/tools/run me.sh")
        );
        assert_eq!(
            file_at("/static/app.css").as_deref(),
            Some("static/app.css")
        );
        assert_eq!(file_at("/docs/"), None);
        assert_eq!(file_at("/"), None);
    }

    #[test]
    fn folder_pages_get_an_html_alias() {
        assert_eq!(
            alias_files("/docs/lan/x-pattern/"),
            vec!["docs/lan/x-pattern.html"]
        );
        assert!(alias_files("/").is_empty());
        assert!(alias_files("/coverage").is_empty());
    }

    #[test]
    fn links_are_relative_and_canonical() {
        assert_eq!(
            relative_link("docs/lan/index.html", "docs/ops/x/index.html"),
            "../ops/x/"
        );
        assert_eq!(relative_link("index.html", "index.html"), "./");
        assert_eq!(relative_link("coverage.html", "index.html"), "./");
        assert_eq!(relative_link("docs/a/index.html", "index.html"), "../../");
        assert_eq!(
            relative_link("index.html", "coverage.html"),
            "coverage.html"
        );
        assert_eq!(
            relative_link("docs/a/index.html", "docs/a/index.html"),
            "./"
        );
        assert_eq!(
            relative_link("docs/a/index.html", "docs/a/run me.sh"),
            "run%20me.sh"
        );
        assert_eq!(
            relative_link("lint/rules/x.html", "static/app.css"),
            "../../static/app.css"
        );
        assert_eq!(relative_link("404.html", "docs/a/index.html"), "docs/a/");
    }
}
