//! `netstack.toml`: where the pattern repo and the site repos live, how the pattern repo is
//! published, and the settings of loading, lint, the search index and recommendations.
//!
//! Unknown keys are errors that name the key and its line: a typo must never silently
//! switch a setting off.
//!
//! One concern (reading `netstack.toml`), hence its length; a third of it is its tests.

mod ad_hoc;

pub use ad_hoc::{AdHocOptions, unique_site_name};

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, toml_message};
use crate::front_matter::line_of;
pub use crate::lint::settings::{LintConfig, RuleLevel};
use crate::paths::{absolute, canonical, display_relative, normalize};
use crate::publication::Publication;
pub use crate::publish::settings::PublishConfig;
pub use crate::recommend::settings::DeliverConfig;

/// The file name of a KB's config.
pub const CONFIG_FILE: &str = "netstack.toml";

/// A loaded, validated configuration with every path made absolute.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `netstack.toml` this came from; `None` for an ad-hoc KB (lint in CI).
    pub file: Option<PathBuf>,
    /// The KB folder: paths in the config are relative to it, and `path` fields of problems
    /// are shown relative to it.
    pub root: PathBuf,
    pub patterns: PatternRepoConfig,
    pub sites: Vec<SiteConfig>,
    pub lint: LintConfig,
    pub index: IndexConfig,
    pub load: LoadConfig,
    pub recommend: RecommendConfig,
    /// `[publish]`: what `netstack build` may show besides the pattern repo.
    pub publish: PublishConfig,
    /// `[deliver]`: how `netstack deliver` sends the outbox.
    pub deliver: DeliverConfig,
}

/// The pattern repo: the WHY and HOW.
#[derive(Debug, Clone)]
pub struct PatternRepoConfig {
    /// Name used for the repo in output ("netstack").
    pub name: String,
    /// Absolute path of the checkout.
    pub path: PathBuf,
    /// The path as written in the config (for messages).
    pub configured_path: String,
    /// The docs folder inside the repo; categories are folders below it.
    pub docs_dir: String,
    /// How the repo is published (base URLs, forge URLs, names).
    pub publication: Publication,
}

/// One site repo: the WHAT of one physical site.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub name: String,
    pub path: PathBuf,
    pub configured_path: String,
    pub title: Option<String>,
    /// Line of the `[[sites]]` entry in `netstack.toml`, for messages.
    pub line: Option<usize>,
}

/// `[index]`: where the search index lives.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// Absolute path of the index folder (default `<kb>/.netstack/index`).
    pub path: PathBuf,
}

/// `[load]`: limits that keep one pathological file from hurting the rest.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Files larger than this are loaded only up to this many bytes, with a warning.
    pub max_file_bytes: u64,
}

/// Default for [`LoadConfig::max_file_bytes`] (2 MiB), kept with the other limits.
pub use crate::limits::DEFAULT_MAX_FILE_BYTES;

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
        }
    }
}

/// `[recommend]`: how action recommendations are sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendConfig {
    /// `From:` of recommendation e-mails, e.g. `netstack <netstack@example.org>`.
    pub from: Option<String>,
    /// The outbox folder `netstack deliver` and `netstack outbox` use when none is given
    /// (relative to the KB folder in the file; absolute once loaded).
    pub outbox: Option<PathBuf>,
}

// ---- the file format -------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    patterns: RawPatterns,
    #[serde(default)]
    sites: Vec<toml::Spanned<RawSite>>,
    #[serde(default)]
    lint: LintConfig,
    #[serde(default)]
    index: RawIndex,
    #[serde(default)]
    load: RawLoad,
    #[serde(default)]
    recommend: RecommendConfig,
    #[serde(default)]
    publish: PublishConfig,
    #[serde(default)]
    deliver: DeliverConfig,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatterns {
    path: toml::Spanned<String>,
    name: Option<String>,
    docs_dir: Option<String>,
    #[serde(default)]
    base_urls: Vec<toml::Spanned<String>>,
    #[serde(default)]
    forge_urls: Vec<toml::Spanned<String>>,
    url_root: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    name: toml::Spanned<String>,
    path: toml::Spanned<String>,
    title: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    path: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoad {
    max_file_bytes: Option<u64>,
}

impl Config {
    /// Load `netstack.toml` from a KB folder (or from the file itself).
    pub fn load(kb: &Path) -> Result<Config> {
        let file = if kb.is_file() {
            kb.to_path_buf()
        } else {
            kb.join(CONFIG_FILE)
        };
        if !file.exists() {
            if !kb.exists() {
                return Err(Error::Config {
                    path: kb.to_path_buf(),
                    line: None,
                    message: "this KB folder does not exist; pass --kb with a folder that holds a netstack.toml".into(),
                });
            }
            return Err(Error::NoConfig {
                dir: kb.to_path_buf(),
            });
        }
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
        let root = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Self::parse(&text, &file, &root)
    }

    /// Parse config text. `file` is used in messages; relative paths resolve against `root`.
    pub fn parse(text: &str, file: &Path, root: &Path) -> Result<Config> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            Error::config(file, line, toml_message(&e))
        })?;
        let root = absolute(root);
        let lines = LineIndex::new(text);
        let at = |span: std::ops::Range<usize>| Some(lines.line_of(span.start));

        let configured = raw.patterns.path.get_ref().clone();
        if configured.trim().is_empty() {
            return Err(Error::config(
                file,
                at(raw.patterns.path.span()),
                "`[patterns] path` is empty: set it to the pattern repo checkout",
            ));
        }
        let path = normalize(&root.join(&configured));
        if path.exists() && !path.is_dir() {
            return Err(Error::config(
                file,
                at(raw.patterns.path.span()),
                format!(
                    "`[patterns] path = \"{configured}\"` is a file, not a folder ({}): point it at the pattern repo checkout",
                    path.display()
                ),
            ));
        }
        if !path.is_dir() {
            return Err(Error::PatternRepoMissing {
                config: file.to_path_buf(),
                configured,
                resolved: path,
            });
        }
        let patterns_canonical = canonical(&path);
        if let Some(what) = too_wide(&patterns_canonical) {
            return Err(Error::config(
                file,
                at(raw.patterns.path.span()),
                format!(
                    "`[patterns] path = \"{configured}\"` is {what} ({}): netstack reads every file below a repo path; point it at the pattern repo checkout",
                    patterns_canonical.display()
                ),
            ));
        }

        let mut base_urls = Vec::new();
        for u in &raw.patterns.base_urls {
            base_urls.push(check_url(u.get_ref(), file, at(u.span()), "base_urls")?);
        }
        let mut forge_urls = Vec::new();
        for u in &raw.patterns.forge_urls {
            forge_urls.push(check_url(u.get_ref(), file, at(u.span()), "forge_urls")?);
        }
        let folder_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "patterns".into());
        let name = raw
            .patterns
            .name
            .clone()
            .unwrap_or_else(|| folder_name.clone());
        let mut publication = Publication::new(
            base_urls,
            forge_urls,
            raw.patterns.url_root.clone().unwrap_or_default(),
        );
        publication.add_name(&name);
        publication.add_name(&folder_name);
        if let Some(remote) = crate::publication::origin_remote(&path) {
            publication.add_forge_url(&remote);
        }

        let mut sites: Vec<SiteConfig> = Vec::with_capacity(raw.sites.len());
        // Each site path canonicalized once; names and paths looked up, never scanned.
        let mut names: HashSet<String> = HashSet::with_capacity(raw.sites.len());
        let mut folders: HashMap<PathBuf, usize> = HashMap::with_capacity(raw.sites.len());
        let docs_dir = raw.patterns.docs_dir.as_deref().unwrap_or("docs");
        for spanned in &raw.sites {
            let line = at(spanned.span());
            let site = spanned.get_ref();
            let site_name = site.name.get_ref().trim().to_string();
            if !valid_site_name(&site_name) {
                return Err(Error::config(
                    file,
                    at(site.name.span()),
                    format!(
                        "site name `{site_name}` is not usable: use letters, digits, `-` or `_` (it appears in URLs and output)"
                    ),
                ));
            }
            if site_name == name {
                return Err(Error::config(
                    file,
                    at(site.name.span()),
                    format!("site name `{site_name}` is the pattern repo's name: pick another"),
                ));
            }
            if names.contains(&site_name) {
                return Err(Error::config(
                    file,
                    at(site.name.span()),
                    format!("site `{site_name}` is listed twice: remove one `[[sites]]` entry"),
                ));
            }
            let site_path = normalize(&root.join(site.path.get_ref()));
            let site_canonical = canonical(&site_path);
            if site_canonical == patterns_canonical {
                return Err(Error::config(
                    file,
                    at(site.path.span()),
                    format!(
                        "site `{site_name}`: path `{}` is the pattern repo's folder: point it at the site repo checkout",
                        site.path.get_ref()
                    ),
                ));
            }
            if let Some(what) = too_wide(&site_canonical) {
                return Err(Error::config(
                    file,
                    at(site.path.span()),
                    format!(
                        "site `{site_name}`: path `{}` is {what} ({}): netstack reads every file below a repo path; point it at the site repo checkout",
                        site.path.get_ref(),
                        site_canonical.display()
                    ),
                ));
            }
            if site_canonical.starts_with(&patterns_canonical) {
                let inside_docs = site_canonical.starts_with(patterns_canonical.join(docs_dir));
                return Err(Error::config(
                    file,
                    at(site.path.span()),
                    format!(
                        "site `{site_name}`: path `{}` is inside the pattern repo ({}){}: its files would be read as site docs instead of patterns; point it at the site repo checkout",
                        site.path.get_ref(),
                        patterns_canonical.display(),
                        if inside_docs { ", in its docs" } else { "" }
                    ),
                ));
            }
            if let Some(&other) = folders.get(&site_canonical) {
                return Err(Error::config(
                    file,
                    at(site.path.span()),
                    format!(
                        "site `{site_name}`: path `{}` is already the folder of site `{}`: each site needs its own checkout",
                        site.path.get_ref(),
                        sites[other].name
                    ),
                ));
            }
            names.insert(site_name.clone());
            folders.insert(site_canonical, sites.len());
            sites.push(SiteConfig {
                name: site_name,
                path: site_path,
                configured_path: site.path.get_ref().clone(),
                title: site.title.clone(),
                line,
            });
        }

        let index = IndexConfig {
            path: normalize(&root.join(raw.index.path.as_deref().unwrap_or(".netstack/index"))),
        };
        let load = LoadConfig {
            max_file_bytes: raw.load.max_file_bytes.unwrap_or(DEFAULT_MAX_FILE_BYTES),
        };
        raw.lint.check(file, text)?;
        if let Some((name, offset)) = raw.publish.unknown_site(|n| names.contains(n)) {
            return Err(Error::config(
                file,
                Some(lines.line_of(offset)),
                format!(
                    "[publish] sites names `{name}`, which is no [[sites]] entry: use a site's `name`, or remove it"
                ),
            ));
        }
        raw.deliver.check(file, text)?;
        let mut recommend = raw.recommend;
        recommend.outbox = recommend.outbox.map(|p| normalize(&root.join(p)));

        Ok(Config {
            file: Some(file.to_path_buf()),
            root,
            patterns: PatternRepoConfig {
                name,
                path,
                configured_path: configured,
                docs_dir: raw.patterns.docs_dir.unwrap_or_else(|| "docs".into()),
                publication,
            },
            sites,
            lint: raw.lint,
            index,
            load,
            recommend,
            publish: raw.publish,
            deliver: raw.deliver,
        })
    }

    /// Look a site up by name.
    pub fn site(&self, name: &str) -> Option<&SiteConfig> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Show a path relative to the KB folder when it is inside it.
    pub fn display_path(&self, path: &Path) -> String {
        display_relative(&self.root, path)
    }
}

fn valid_site_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !name.starts_with('.')
}

fn check_url(raw: &str, file: &Path, line: Option<usize>, what: &str) -> Result<String> {
    match url::Url::parse(raw.trim()) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Ok(raw.trim().to_string()),
        _ => Err(Error::config(
            file,
            line,
            format!("`{raw}` in {what} is not an http(s) URL: write it like https://netstack.org/"),
        )),
    }
}

/// Refuse a site checkout that is the pattern repo, lies inside it, or is a KB folder holding
/// it: linting that as a site would report the pattern repo as copying itself. (A site checkout
/// with the pattern repo cloned into it, the CI case, is fine: the walk skips nested repos.)
/// `shown` is the path as the user typed it.
pub fn check_site_path(pattern_repo: &Path, site: &Path, shown: &str) -> Result<()> {
    let (patterns, site) = (canonical(pattern_repo), canonical(site));
    if let Some(what) = too_wide(&site) {
        return Err(Error::Invalid(format!(
            "{shown} is {what} ({}): netstack reads every file below a repo path; name the site repo checkout",
            site.display()
        )));
    }
    let what = if site == patterns {
        "is the pattern repo"
    } else if site.starts_with(&patterns) {
        "is inside the pattern repo"
    } else if patterns.starts_with(&site) && site.join(CONFIG_FILE).is_file() {
        "is a knowledge base folder (it has a netstack.toml) holding the pattern repo"
    } else {
        return Ok(());
    };
    Err(Error::Invalid(format!(
        "{shown} {what} ({}): name site repo checkouts to lint them; `netstack lint --patterns-only` lints the pattern repo, and `netstack lint` without paths in a KB folder lints every site of its netstack.toml",
        patterns.display()
    )))
}

/// Why a (canonical) folder can never be a repo: the file system root, or a home folder
/// (`$HOME`, `/root`, a folder right under `/home` or `/Users`) or a folder holding one.
/// Walking it would read a whole machine or a user's every file.
pub fn too_wide(folder: &Path) -> Option<&'static str> {
    if folder.parent().is_none() {
        return Some("the root of the file system");
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| canonical(Path::new(&h)));
    if home.as_deref() == Some(folder) || folder == Path::new("/root") {
        return Some("a home folder");
    }
    let parent = folder.parent().unwrap_or(folder);
    if parent == Path::new("/home") || parent == Path::new("/Users") {
        return Some("a home folder");
    }
    if folder == Path::new("/home") || folder == Path::new("/Users") {
        return Some("the folder of every home folder");
    }
    if home.as_deref().is_some_and(|h| h.starts_with(folder)) {
        return Some("a folder holding your home folder");
    }
    None
}

/// Byte offset → 1-based line in O(log n), for configs with thousands of entries.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkouts_get_unique_site_names() {
        assert_eq!(unique_site_name("cf", |_| false), "cf");
        assert_eq!(unique_site_name("cf", |n| n == "cf" || n == "cf-2"), "cf-3");
        // Two checkouts with the same folder name, and one named like the pattern repo.
        let dir = tempfile::tempdir().unwrap();
        for d in ["netstack/docs", "a/site", "b/site", "c/netstack"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let mut config = Config::ad_hoc(&AdHocOptions {
            patterns: "netstack".into(),
            sites: vec![(None, "a/site".into())],
            base_urls: Vec::new(),
            root: dir.path().to_path_buf(),
        })
        .unwrap();
        let names = config
            .resolve_sites(&[
                dir.path().join("a/site"),
                dir.path().join("b/site"),
                dir.path().join("c/netstack"),
            ])
            .unwrap();
        assert_eq!(names, vec!["site", "site-2", "netstack-2"]);
        let e = config.resolve_sites(&["nope".into()]).unwrap_err();
        assert!(e.to_string().contains("neither a folder nor a site"), "{e}");
    }

    fn kb_with(toml_text: &str) -> (tempfile::TempDir, Result<Config>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("netstack/docs")).unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), toml_text).unwrap();
        let cfg = Config::load(dir.path());
        (dir, cfg)
    }

    #[test]
    fn minimal_config_loads_with_defaults() {
        let (dir, cfg) = kb_with("[patterns]\npath = \"netstack\"\n");
        let cfg = cfg.unwrap();
        assert_eq!(cfg.patterns.name, "netstack");
        assert_eq!(cfg.patterns.docs_dir, "docs");
        assert!(cfg.sites.is_empty());
        assert_eq!(
            cfg.index.path,
            absolute(&dir.path().join(".netstack/index"))
        );
    }

    #[test]
    fn thousands_of_sites_and_base_urls_load_in_linear_time() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("netstack/docs")).unwrap();
        let n = 5000;
        let mut text = String::from("[patterns]\npath = \"netstack\"\nbase_urls = [\n");
        for i in 0..n {
            text.push_str(&format!("  \"https://mirror{i}.example.org/docs/\",\n"));
        }
        text.push_str("]\n");
        for i in 0..n {
            std::fs::create_dir_all(r.join(format!("sites/s{i}"))).unwrap();
            text.push_str(&format!(
                "[[sites]]\nname = \"s{i}\"\npath = \"sites/s{i}\"\ntitle = \"Site {i}\"\n"
            ));
        }
        let started = std::time::Instant::now();
        let cfg = Config::parse(&text, &r.join(CONFIG_FILE), r).unwrap();
        let took = started.elapsed();
        assert_eq!(cfg.sites.len(), n);
        assert_eq!(cfg.patterns.publication.base_urls().count(), n);
        assert_eq!(cfg.sites[n - 1].line, Some(n + 5 + 4 * (n - 1)));
        // Pairwise checks took minutes here; linear ones take well under a second.
        eprintln!("{n} sites and base URLs: {took:?}");
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
        // Duplicates are still found, with their line.
        text.push_str("[[sites]]\nname = \"again\"\npath = \"sites/s7\"\n");
        let err = Config::parse(&text, &r.join(CONFIG_FILE), r)
            .unwrap_err()
            .to_string();
        assert!(err.contains("already the folder of site `s7`"), "{err}");
        assert!(
            err.contains(&format!("netstack.toml:{}", n + 7 + 4 * n)),
            "{err}"
        );
    }

    #[test]
    fn the_file_system_root_and_home_folders_are_refused_as_repos() {
        let err = Config::parse(
            "[patterns]\npath = \"/\"\n",
            Path::new("/kb/netstack.toml"),
            Path::new("/kb"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("netstack.toml:2"), "{err}");
        assert!(err.contains("root of the file system"), "{err}");
        assert!(
            err.contains("point it at the pattern repo checkout"),
            "{err}"
        );
        for (site, what) in [
            ("/", "root of the file system"),
            ("/root", "a home folder"),
            ("/home/alice", "a home folder"),
            ("/home", "every home folder"),
            ("../../../../../../../../..", "root of the file system"),
        ] {
            let (_d, cfg) = kb_with(&format!(
                "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"x\"\npath = \"{site}\"\n"
            ));
            let err = cfg.unwrap_err().to_string();
            assert!(err.contains("netstack.toml:6"), "{site}: {err}");
            assert!(err.contains(what), "{site}: {err}");
        }
        if let Some(home) = std::env::var_os("HOME").filter(|h| Path::new(h).is_dir()) {
            let home = Path::new(&home).canonicalize().unwrap();
            assert!(too_wide(&home).is_some());
        }
        let err = Config::ad_hoc(&AdHocOptions {
            patterns: "/".into(),
            root: "/".into(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("root of the file system"), "{err}");
        assert!(check_site_path(Path::new("/x"), Path::new("/root"), "/root").is_err());
    }

    #[test]
    fn a_pattern_repo_that_is_a_file_is_called_a_file() {
        let (d, cfg) = kb_with("[patterns]\npath = \"netstack/docs/x.md\"\n");
        drop(cfg);
        std::fs::write(d.path().join("netstack/docs/x.md"), "# x").unwrap();
        let err = Config::load(d.path()).unwrap_err().to_string();
        assert!(err.contains("netstack.toml:2"), "{err}");
        assert!(err.contains("is a file, not a folder"), "{err}");
        let err = Config::ad_hoc(&AdHocOptions {
            patterns: d.path().join("netstack/docs/x.md"),
            root: d.path().to_path_buf(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("is a file, not a folder"), "{err}");
        assert!(!err.contains("does not exist"), "{err}");
    }

    #[test]
    fn a_published_site_must_be_a_configured_site() {
        let (_d, cfg) =
            kb_with("[patterns]\npath = \"netstack\"\n\n[publish]\nsites = [\n  \"cf\",\n]\n");
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("netstack.toml:6"), "{err}");
        assert!(err.contains("`cf`") && err.contains("[[sites]]"), "{err}");
        let (_d, cfg) = kb_with("[patterns]\npath = \"netstack\"\n[publish]\nsite = []\n");
        assert!(cfg.unwrap_err().to_string().contains("netstack.toml:4"));
    }

    #[test]
    fn a_site_inside_the_pattern_repo_is_an_error_with_its_line() {
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"ops\"\npath = \"netstack/docs/ops\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("netstack.toml:6"), "{err}");
        assert!(err.contains("inside the pattern repo"), "{err}");
        assert!(err.contains("in its docs"), "{err}");
    }

    #[test]
    fn unknown_key_is_an_error_naming_key_and_line() {
        let (_d, cfg) = kb_with("[patterns]\npath = \"netstack\"\nbase_url = \"https://x.org/\"\n");
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("base_url"), "{err}");
        assert!(err.contains("netstack.toml:3"), "{err}");
    }

    #[test]
    fn deliver_section_unknown_keys_and_bad_values_name_their_line() {
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[deliver]\nmax_per_run = 3\n[deliver.smtp]\nhost = \"127.0.0.1\"\ntls = \"none\"\npasword_env = \"X\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("pasword_env"), "{err}");
        assert!(err.contains("netstack.toml:8"), "{err}");
        let (_d, cfg) = kb_with("[patterns]\npath = \"netstack\"\n[deliver]\nmax_per_rnu = 3\n");
        let err = cfg.unwrap_err().to_string();
        assert!(
            err.contains("max_per_rnu") && err.contains("netstack.toml:4"),
            "{err}"
        );
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[deliver.smtp]\nhost = \"smtp.example.org\"\ntls = \"none\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(
            err.contains("netstack.toml:5") && err.contains("in the clear"),
            "{err}"
        );
        let (d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[recommend]\noutbox = \"out\"\n[deliver]\nmax_per_run = 3\n",
        );
        let cfg = cfg.unwrap();
        assert_eq!(cfg.deliver.limits().max_per_run, 3);
        assert_eq!(
            cfg.recommend.outbox.as_deref(),
            Some(absolute(d.path()).join("out").as_path())
        );
    }

    #[test]
    fn unknown_lint_key_is_an_error() {
        let (_d, cfg) = kb_with("[patterns]\npath = \"netstack\"\n[lint]\nthreshold = 3\n");
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("threshold"), "{err}");
    }

    #[test]
    fn unknown_lint_rule_is_an_error_naming_key_and_line() {
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[lint]\nfail_on = \"warning\"\n[lint.rules]\nbroken-link = \"off\"\nduplicate-contnet = \"warning\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("duplicate-contnet"), "{err}");
        assert!(err.contains("netstack.toml:7"), "{err}");
        assert!(err.contains("did you mean `duplicate-content`"), "{err}");
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[lint.rules]\nbroken-link = \"off\"\nsite-values-in-pattern = \"warning\"\n",
        );
        let cfg = cfg.unwrap();
        assert_eq!(cfg.lint.rules.len(), 2);
        let (_d, cfg) =
            kb_with("[patterns]\npath = \"netstack\"\n[lint.rules]\nbroken-link = \"loud\"\n");
        assert!(cfg.unwrap_err().to_string().contains("loud"));
    }

    #[test]
    fn missing_pattern_repo_is_a_config_error() {
        let (_d, cfg) = kb_with("[patterns]\npath = \"nowhere\"\n");
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("nowhere"), "{err}");
    }

    #[test]
    fn duplicate_site_names_are_rejected_with_line() {
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n[[sites]]\nname = \"cf\"\npath = \"cf2\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("listed twice"), "{err}");
        assert!(err.contains(":7"), "{err}");
    }

    #[test]
    fn a_site_path_must_be_its_own_checkout() {
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[[sites]]\nname = \"cf\"\npath = \"./netstack/\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("is the pattern repo's folder"), "{err}");
        assert!(err.contains("netstack.toml:5"), "{err}");
        let (_d, cfg) = kb_with(
            "[patterns]\npath = \"netstack\"\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n[[sites]]\nname = \"sl\"\npath = \"./cf\"\n",
        );
        let err = cfg.unwrap_err().to_string();
        assert!(err.contains("already the folder of site `cf`"), "{err}");
        assert!(err.contains("netstack.toml:8"), "{err}");
    }

    #[test]
    fn bad_base_url_is_rejected() {
        let (_d, cfg) =
            kb_with("[patterns]\npath = \"netstack\"\nbase_urls = [\"netstack.org\"]\n");
        assert!(cfg.unwrap_err().to_string().contains("not an http(s) URL"));
    }

    #[test]
    fn missing_config_says_how_to_fix() {
        let dir = tempfile::tempdir().unwrap();
        let err = Config::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("netstack init"), "{err}");
    }

    #[test]
    fn normalize_removes_dot_segments() {
        assert_eq!(
            normalize(Path::new("/a/b/../c/./d")),
            PathBuf::from("/a/c/d")
        );
    }
}
