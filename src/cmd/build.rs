//! `netstack build`: write the knowledge base as a static site (see `crate::web::build`): the
//! pages `serve` shows, from the same page code, as files any static server can serve.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use docengine::KnowledgeBase;
use docengine::publish::{self, Audience};

use crate::output::clean;
use crate::{Cli, exit, kb_select, web};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to write the site into: empty, new, or a previous build's output (its stale files
    /// are removed). Default: `.netstack/site` in the KB folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

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
    let kb = KnowledgeBase::load(config)
        .with_context(|| format!("loading the knowledge base in {}", kb_dir.display()))?;
    let sites: Vec<String> = kb.sites().map(str::to_string).collect();
    let out = match &args.out {
        Some(o) => std::env::current_dir()
            .context("reading the current folder")?
            .join(o),
        None => kb_dir.join(publish::DEFAULT_OUT_DIR),
    };
    let opts = web::build::Options { audience, base_url };
    let summary = web::build::build(kb, kb_dir, &out, &opts)?;
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
