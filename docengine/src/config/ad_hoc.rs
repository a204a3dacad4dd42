//! Configs for checkouts without a `netstack.toml` (the common CI case): the pattern repo
//! describes its own publication, each site is named after its folder, and `lint PATH`
//! arguments are mapped to the KB's sites or added as new ones.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{
    Config, DeliverConfig, IndexConfig, LintConfig, LoadConfig, PatternRepoConfig, PublishConfig,
    RecommendConfig, SiteConfig, check_site_path, check_url, too_wide,
};
use crate::error::{Error, Result};
use crate::paths::{absolute, canonical, normalize};
use crate::publication::Publication;

/// Options for a KB without `netstack.toml` (the common CI case).
#[derive(Debug, Clone, Default)]
pub struct AdHocOptions {
    /// The pattern repo checkout.
    pub patterns: PathBuf,
    /// Site repo checkouts; the name is the folder name unless given.
    pub sites: Vec<(Option<String>, PathBuf)>,
    /// Published base URLs to add to what the repo itself says.
    pub base_urls: Vec<String>,
    /// The folder problems are shown relative to (usually the current directory).
    pub root: PathBuf,
}

impl Config {
    /// A KB made from checkouts without any `netstack.toml`: the pattern repo describes its
    /// own publication (CNAME, `mkdocs.yml`, git origin).
    pub fn ad_hoc(opts: &AdHocOptions) -> Result<Config> {
        let root = absolute(&opts.root);
        let path = normalize(&root.join(&opts.patterns));
        if path.exists() && !path.is_dir() {
            return Err(Error::Invalid(format!(
                "the pattern repo {} is a file, not a folder: pass --patterns with the folder of the pattern repo checkout",
                opts.patterns.display()
            )));
        }
        if !path.is_dir() {
            return Err(Error::Invalid(format!(
                "the pattern repo checkout {} does not exist: clone the pattern repo there or pass --patterns with its path",
                opts.patterns.display()
            )));
        }
        if let Some(what) = too_wide(&canonical(&path)) {
            return Err(Error::Invalid(format!(
                "the pattern repo {} is {what}: netstack reads every file below a repo path; pass --patterns with the pattern repo checkout",
                opts.patterns.display()
            )));
        }
        let inferred = crate::publication::infer(&path);
        let mut base_urls = Vec::new();
        let mut seen = HashSet::new();
        for u in opts.base_urls.iter().chain(inferred.base_urls.iter()) {
            let u = check_url(u, Path::new("--base-url"), None, "base URL")?;
            if seen.insert(u.clone()) {
                base_urls.push(u);
            }
        }
        let raw_folder = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "patterns".into());
        // A CI checkout in a dot folder (`.netstack-patterns`) is still called `netstack-patterns`.
        let folder_name = match raw_folder.trim_start_matches('.') {
            "" => "patterns".to_string(),
            n => n.to_string(),
        };
        let mut publication =
            Publication::new(base_urls, inferred.forge_urls.clone(), String::new());
        publication.add_name(&raw_folder);
        publication.add_name(&folder_name);
        for n in &inferred.names {
            publication.add_name(n);
        }
        let mut sites: Vec<SiteConfig> = Vec::new();
        for (name, site_path) in &opts.sites {
            let abs = normalize(&root.join(site_path));
            check_site_path(&path, &abs, &site_path.display().to_string())?;
            let name = name.clone().unwrap_or_else(|| {
                abs.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "site".into())
            });
            let unique = unique_site_name(&name, |n| {
                sites.iter().any(|s| s.name == n) || n == folder_name
            });
            sites.push(SiteConfig {
                name: unique,
                path: abs,
                configured_path: site_path.display().to_string(),
                title: None,
                line: None,
            });
        }
        Ok(Config {
            file: None,
            root: root.clone(),
            patterns: PatternRepoConfig {
                name: folder_name,
                configured_path: opts.patterns.display().to_string(),
                path,
                docs_dir: "docs".into(),
                publication,
            },
            sites,
            lint: LintConfig::default(),
            index: IndexConfig {
                path: root.join(".netstack/index"),
            },
            load: LoadConfig::default(),
            recommend: RecommendConfig::default(),
            publish: PublishConfig::default(),
            deliver: DeliverConfig::default(),
        })
    }

    /// Map `netstack lint PATH` arguments to site names: a KB site's folder or name, else a
    /// new ad-hoc site named after its folder (made unique, see [`unique_site_name`]).
    pub fn resolve_sites(&mut self, paths: &[PathBuf]) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for p in paths {
            if p.is_dir() {
                let c = p.canonicalize().ok();
                check_site_path(&self.patterns.path, p, &p.display().to_string())?;
                if let Some(site) = self
                    .sites
                    .iter()
                    .find(|s| c.is_some() && s.path.canonicalize().ok() == c)
                {
                    names.push(site.name.clone());
                    continue;
                }
                let abs = absolute(p);
                let base = abs
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "site".into());
                let name =
                    unique_site_name(&base, |n| self.site(n).is_some() || n == self.patterns.name);
                self.sites.push(SiteConfig {
                    name: name.clone(),
                    path: abs,
                    configured_path: p.display().to_string(),
                    title: None,
                    line: None,
                });
                names.push(name);
            } else if let Some(site) = self.site(&p.to_string_lossy()) {
                names.push(site.name.clone());
            } else {
                let known: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
                return Err(Error::Invalid(format!(
                    "`{}` is neither a folder nor a site of the KB ({})",
                    p.display(),
                    if known.is_empty() {
                        "it has no sites".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        names.dedup();
        Ok(names)
    }
}

/// `base`, or `base-2`, `base-3`, … : the first name `taken` says is free. Every ad-hoc site
/// (a checkout linted without a KB, or a folder added to one) is named by this.
pub fn unique_site_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}
