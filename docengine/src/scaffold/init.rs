//! `netstack init`: write a commented `netstack.toml` for existing checkouts, inferring how
//! the pattern repo is published from what the repo itself says.

use std::path::{Component, Path, PathBuf};

use crate::config::{CONFIG_FILE, Config};
use crate::error::{Error, Result};
use crate::paths::absolute;
use crate::publication;

/// What `netstack init` was told.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// The KB folder the config is written into.
    pub kb_dir: PathBuf,
    /// The pattern repo checkout.
    pub patterns: PathBuf,
    /// Site name and checkout path.
    pub sites: Vec<(String, PathBuf)>,
    /// Base URLs given on the command line (added before inferred ones).
    pub base_urls: Vec<String>,
    /// Forge URLs given on the command line.
    pub forge_urls: Vec<String>,
}

/// The generated config and notes on where inferred values came from.
#[derive(Debug, Clone)]
pub struct InitOutput {
    pub path: PathBuf,
    pub text: String,
    pub notes: Vec<String>,
}

/// Generate the config text (the caller writes it).
pub fn init(opts: &InitOptions) -> Result<InitOutput> {
    let kb = absolute(&opts.kb_dir);
    let patterns = absolute(&kb.join(&opts.patterns));
    if !patterns.is_dir() {
        return Err(Error::Invalid(format!(
            "--patterns {}: no such folder; point it at your pattern repo checkout",
            opts.patterns.display()
        )));
    }
    let inferred = publication::infer(&patterns);
    let mut notes = inferred.notes.clone();
    let mut base_urls: Vec<String> = Vec::new();
    for u in opts.base_urls.iter().chain(inferred.base_urls.iter()) {
        if url::Url::parse(u).is_err() {
            return Err(Error::Invalid(format!(
                "--base-url `{u}` is not a URL: write it like https://netstack.org/"
            )));
        }
        let u = if u.ends_with('/') {
            u.clone()
        } else {
            format!("{u}/")
        };
        if !base_urls.contains(&u) {
            base_urls.push(u);
        }
    }
    let mut forge_urls: Vec<String> = Vec::new();
    for u in opts.forge_urls.iter().chain(inferred.forge_urls.iter()) {
        if !forge_urls.contains(u) {
            forge_urls.push(u.clone());
        }
    }
    if base_urls.is_empty() {
        notes.push(
            "no published base URL found (no CNAME, no site_url in mkdocs.yml): pass --base-url or edit base_urls".into(),
        );
    }
    let docs_dir = if patterns.join("docs").is_dir() {
        "docs"
    } else {
        ""
    };

    let list = |v: &[String]| {
        v.iter()
            .map(|s| format!("\"{}\"", s.replace('"', "\\\"")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut t = String::new();
    t.push_str("# netstack knowledge base: the pattern repo and the site repos it indexes.\n");
    t.push_str(
        "# Paths are relative to this file. Reference: `netstack init --help` and the README.\n\n",
    );
    t.push_str("[patterns]\n");
    t.push_str("# The pattern repo checkout (WHY + HOW).\n");
    t.push_str(&format!("path = \"{}\"\n", rel_path(&kb, &patterns)));
    t.push_str("# Folder inside the repo whose subfolders are the pattern categories.\n");
    t.push_str(&format!("docs_dir = \"{docs_dir}\"\n"));
    t.push_str("# Where the repo is published (MkDocs-style: docs/x/y.md is <base>docs/x/y/).\n");
    t.push_str(&format!("base_urls = [{}]\n", list(&base_urls)));
    t.push_str("# Forge URLs of the repo; blob/tree links into it count as references.\n");
    t.push_str(&format!("forge_urls = [{}]\n", list(&forge_urls)));
    t.push_str("# Repo folder published at the base URL root (\"\" = the repo root).\n");
    t.push_str("# url_root = \"\"\n\n");
    if opts.sites.is_empty() {
        t.push_str("# One [[sites]] table per site repo (WHAT: the values of one site):\n");
        t.push_str("# [[sites]]\n# name = \"cf\"\n# path = \"../cf\"\n\n");
    }
    for (name, path) in &opts.sites {
        let abs = absolute(&kb.join(path));
        if !abs.is_dir() {
            notes.push(format!(
                "site `{name}`: {} does not exist yet; clone it before running netstack",
                path.display()
            ));
        }
        t.push_str("[[sites]]\n");
        t.push_str(&format!("name = \"{name}\"\n"));
        t.push_str(&format!("path = \"{}\"\n\n", rel_path(&kb, &abs)));
    }
    t.push_str("[lint]\n");
    t.push_str("# Lowest severity that fails `netstack lint` (error, warning, info).\n");
    t.push_str("# fail_on = \"error\"\n");
    t.push_str(
        "# How similar (0..1) a site block must be to a pattern block to count as a copy.\n",
    );
    t.push_str("# similarity_threshold = 0.5\n");
    t.push_str("# Blocks shorter than this many words are never reported as copies.\n");
    t.push_str("# min_block_words = 25\n");
    t.push_str("# Per-rule level: error, warning, info or off.\n");
    t.push_str("# [lint.rules]\n# unlinked-procedure = \"warning\"\n\n");
    t.push_str("[index]\n# Where the search index is kept (add it to .gitignore).\n# path = \".netstack/index\"\n\n");
    t.push_str("[recommend]\n# From: of recommendation e-mails.\n# from = \"netstack <netstack@example.org>\"\n");

    // The search index is a cache under the KB folder: it must not be committed.
    let ignored = crate::source::read_side_file(&kb.join(".gitignore"))
        .is_some_and(|g| g.lines().any(|l| l.trim().trim_matches('/') == ".netstack"));
    if !ignored {
        notes.push(
            "the search index is kept in .netstack/index below this folder: add `.netstack/` to its .gitignore".into(),
        );
    }

    // What is written must load: the same checks `netstack check` makes (site names, a site
    // that is the pattern repo or another site's folder…), reported against the options.
    if let Err(e) = Config::parse(&t, &kb.join(CONFIG_FILE), &kb) {
        let why = match e {
            Error::Config { message, .. } => message,
            other => other.to_string(),
        };
        return Err(Error::Invalid(format!(
            "the config these options describe would not load: {why}; fix the --patterns or --site options"
        )));
    }

    Ok(InitOutput {
        path: kb.join(CONFIG_FILE),
        text: t,
        notes,
    })
}

/// `to` relative to `from` (both absolute), with `/` separators.
pub fn rel_path(from: &Path, to: &Path) -> String {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..f.len() {
        parts.push("..".into());
    }
    for c in &t[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_paths() {
        assert_eq!(
            rel_path(Path::new("/a/kb"), Path::new("/a/netstack")),
            "../netstack"
        );
        assert_eq!(rel_path(Path::new("/a"), Path::new("/a/x/y")), "x/y");
        assert_eq!(rel_path(Path::new("/a"), Path::new("/a")), ".");
    }

    #[test]
    fn generated_config_loads_and_infers_base_url() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("netstack/docs")).unwrap();
        std::fs::write(root.join("netstack/CNAME"), "netstack.org\n").unwrap();
        std::fs::create_dir_all(root.join("cf")).unwrap();
        std::fs::create_dir_all(root.join("kb")).unwrap();
        let out = init(&InitOptions {
            kb_dir: root.join("kb"),
            patterns: "../netstack".into(),
            sites: vec![("cf".into(), "../cf".into())],
            ..Default::default()
        })
        .unwrap();
        assert!(
            out.text.contains("base_urls = [\"https://netstack.org/\"]"),
            "{}",
            out.text
        );
        std::fs::write(&out.path, &out.text).unwrap();
        let cfg = Config::load(&root.join("kb")).unwrap();
        assert_eq!(cfg.sites[0].name, "cf");
        assert_eq!(
            cfg.patterns.publication.published_url("docs/a.md").unwrap(),
            "https://netstack.org/docs/a/"
        );
    }

    #[test]
    fn options_that_would_not_load_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("netstack/docs")).unwrap();
        std::fs::create_dir_all(root.join("cf")).unwrap();
        let with_sites = |sites: &[(&str, &str)]| {
            init(&InitOptions {
                kb_dir: root.to_path_buf(),
                patterns: "netstack".into(),
                sites: sites
                    .iter()
                    .map(|(n, p)| (n.to_string(), PathBuf::from(p)))
                    .collect(),
                ..Default::default()
            })
            .map(|_| ())
            .unwrap_err()
            .to_string()
        };
        let e = with_sites(&[("x", "netstack")]);
        assert!(
            e.contains("pattern repo's folder") && e.contains("--site"),
            "{e}"
        );
        let e = with_sites(&[("cf", "cf"), ("sl", "./cf")]);
        assert!(e.contains("already the folder of site `cf`"), "{e}");
        let e = with_sites(&[("bad name", "cf")]);
        assert!(e.contains("not usable"), "{e}");
    }

    #[test]
    fn says_to_ignore_the_search_index_unless_it_is() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        std::fs::create_dir_all(root.join("netstack/docs")).unwrap();
        let opts = InitOptions {
            kb_dir: root.to_path_buf(),
            patterns: "netstack".into(),
            base_urls: vec!["https://netstack.org/".into()],
            ..Default::default()
        };
        let note = |o: &InitOutput| o.notes.iter().any(|n| n.contains("`.netstack/`"));
        assert!(note(&init(&opts).unwrap()));
        std::fs::write(root.join(".gitignore"), "target/\n.netstack/\n").unwrap();
        assert!(!note(&init(&opts).unwrap()));
    }
}
