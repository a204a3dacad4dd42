//! `netstack build`: write the knowledge base as a static site (see `crate::web::build`): the
//! pages `serve` shows, from the same page code, as files any static server can serve.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use docengine::{KnowledgeBase, publish};

use crate::output::clean;
use crate::{Cli, exit, kb_select, web};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to write the site into: empty, new, or a previous build's output (its stale files
    /// are removed). Default: `.netstack/site` in the KB folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let started = Instant::now();
    let config = publish::public_config(kb_select::config(cli.kb.as_deref())?);
    let kb_dir = config.root.clone();
    let kb = KnowledgeBase::load(config)
        .with_context(|| format!("loading the knowledge base in {}", kb_dir.display()))?;
    let out = match &args.out {
        Some(o) => std::env::current_dir()
            .context("reading the current folder")?
            .join(o),
        None => kb_dir.join(publish::DEFAULT_OUT_DIR),
    };
    let summary = web::build::build(kb, kb_dir, &out)?;
    for (file, link) in &summary.dead {
        eprintln!(
            "warning: {}: link to {} leads to no file of the build",
            clean(file),
            clean(link)
        );
    }
    eprintln!(
        "built {} pages, {} aliases, {} linked files, {} assets ({} bytes) into {} in {:.1} s",
        summary.pages,
        summary.aliases,
        summary.files,
        summary.assets,
        summary.bytes,
        clean(&out.display().to_string()),
        started.elapsed().as_secs_f64()
    );
    Ok(exit::OK)
}
