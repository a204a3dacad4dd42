//! `netstack build`: write the knowledge base as a static site (see `crate::web::build`): the
//! pages `serve` shows, from the same page code, as files any static server can serve.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use docengine::KnowledgeBase;
use docengine::publish::manifest::{MANIFEST_FILE, Manifest, RepoState};
use docengine::publish::{self, Audience};

use crate::output::clean;
use crate::{Cli, exit, kb_select, web};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to write the site into: empty, new, or a previous build's output (its stale files
    /// are removed). Default: `.netstack/site` in the KB folder.
    #[arg(long, value_name = "DIR", conflicts_with = "release_dir")]
    pub out: Option<PathBuf>,

    /// Write a release: `DIR/releases/<id>/` (the id names the build's content), then point
    /// `DIR/current` at it in one atomic step, so a server of `DIR/current` never sees a
    /// half-written site. Older releases beyond `--keep` are removed.
    #[arg(long, value_name = "DIR")]
    pub release_dir: Option<PathBuf>,

    /// Releases kept in `--release-dir` for rollback (the current one included).
    #[arg(long, value_name = "N", default_value_t = 5, requires = "release_dir",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub keep: usize,

    /// A build for the world: the pattern repo alone (whatever `[publish]` allows), with
    /// `sitemap.xml`. Without it, the build shows the sites `[publish] sites` names and every
    /// page asks search engines not to index it.
    #[arg(long)]
    pub public: bool,

    /// The URL the output is published at, for `sitemap.xml` (default: the pattern repo's
    /// published base URL).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let started = Instant::now();
    let audience = if args.public {
        Audience::Public
    } else {
        Audience::Internal
    };
    let config = publish::published_config(kb_select::config(cli.kb.as_deref())?, audience);
    let base_url = match &args.base_url {
        Some(u) => {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                bail!("--base-url {u}: give the full URL the site is published at, e.g. https://netstack.org/");
            }
            Some(u.clone())
        }
        None => config
            .patterns
            .publication
            .base_urls()
            .next()
            .map(str::to_string),
    }
    .map(|u| if u.ends_with('/') { u } else { format!("{u}/") });
    let kb_dir = config.root.clone();
    let config_text = config.file.as_ref().and_then(|f| std::fs::read(f).ok());
    let kb = KnowledgeBase::load(config)
        .with_context(|| format!("loading the knowledge base in {}", kb_dir.display()))?;
    let sites: Vec<String> = kb.sites().map(str::to_string).collect();
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let release_dir = args.release_dir.as_ref().map(|d| cwd.join(d));
    let out = match (&args.out, &release_dir) {
        (_, Some(rd)) => {
            let releases = rd.join("releases");
            std::fs::create_dir_all(&releases)
                .with_context(|| format!("creating {}", releases.display()))?;
            let staging = releases.join(format!(".staging-{}", std::process::id()));
            if staging.exists() {
                std::fs::remove_dir_all(&staging)
                    .with_context(|| format!("removing {}", staging.display()))?;
            }
            staging
        }
        (Some(o), None) => cwd.join(o),
        (None, None) => kb_dir.join(publish::DEFAULT_OUT_DIR),
    };
    let manifest = Manifest {
        netstack: env!("CARGO_PKG_VERSION").to_string(),
        audience: match audience {
            Audience::Internal => "internal",
            Audience::Public => "public",
        },
        config: Manifest::config_fingerprint(config_text.as_deref()),
        repos: kb
            .repos
            .iter()
            .map(|r| {
                let (commit, dirty) = git_state(&r.root);
                RepoState {
                    name: r.name.clone(),
                    commit,
                    dirty,
                }
            })
            .collect(),
        files: Default::default(),
    };
    let opts = web::build::Options {
        audience,
        base_url,
        manifest,
    };
    let summary = web::build::build(kb, kb_dir, &out, &opts)?;
    let out = match &release_dir {
        Some(rd) => release(rd, &out, &summary.release, args.keep)?,
        None => out,
    };
    for (file, link) in &summary.dead {
        eprintln!(
            "warning: {}: link to {} leads to no file of the build",
            clean(file),
            clean(link)
        );
    }
    if audience == Audience::Public && !summary.sitemap {
        eprintln!("note: no sitemap.xml: the pattern repo names no published URL; pass --base-url");
    }
    let shown = if sites.is_empty() {
        "the pattern repo alone".to_string()
    } else {
        format!("the pattern repo and site(s) {}", sites.join(", "))
    };
    eprintln!(
        "built {} pages, {} aliases, {} linked files, {} assets ({} bytes) of {} into {}: \
         {} files written ({} bytes), {} unchanged, {} removed, in {:.1} s{}",
        summary.pages,
        summary.aliases,
        summary.files,
        summary.assets,
        summary.bytes,
        clean(&shown),
        clean(&out.display().to_string()),
        summary.written,
        summary.written_bytes,
        summary.unchanged,
        summary.removed,
        started.elapsed().as_secs_f64(),
        if audience == Audience::Internal {
            " (internal: noindex)"
        } else {
            ""
        }
    );
    Ok(exit::OK)
}

/// Make the build in `staging` the release `id` of `dir` and point `dir/current` at it
/// atomically (a new symlink renamed over the old one); keep the newest `keep` releases.
/// Returns the release folder.
fn release(dir: &Path, staging: &Path, id: &str, keep: usize) -> Result<PathBuf> {
    let releases = dir.join("releases");
    let target = releases.join(id);
    if target.exists() {
        // The same content was released before: point at it again.
        std::fs::remove_dir_all(staging)
            .with_context(|| format!("removing {}", staging.display()))?;
    } else {
        std::fs::rename(staging, &target)
            .with_context(|| format!("moving the build to {}", target.display()))?;
    }
    let link = dir.join(format!(".current-{}", std::process::id()));
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(Path::new("releases").join(id), &link)
        .with_context(|| format!("creating the link {}", link.display()))?;
    std::fs::rename(&link, dir.join("current"))
        .with_context(|| format!("pointing {} at {id}", dir.join("current").display()))?;
    // Older releases (folders a build wrote, by the time of their manifest), newest first.
    let mut old: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&releases)
        .with_context(|| format!("reading {}", releases.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p != &target && p.join(publish::MARKER_FILE).is_file())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .filter_map(|p| {
            let t = std::fs::metadata(p.join(MANIFEST_FILE)).and_then(|m| m.modified());
            Some((t.ok()?, p))
        })
        .collect();
    old.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    for (_, p) in old.into_iter().skip(keep.saturating_sub(1)) {
        std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
    }
    Ok(target)
}

/// The commit checked out where `root` is, and whether anything under `root` differs from it
/// (`git`, when it is installed and `root` is in a checkout; `None` otherwise).
fn git_state(root: &Path) -> (Option<String>, Option<bool>) {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--verify", "HEAD"]).filter(|c| !c.is_empty());
    let dirty = commit
        .as_ref()
        .and_then(|_| git(&["status", "--porcelain", "--", "."]))
        .map(|s| !s.is_empty());
    (commit, dirty)
}
