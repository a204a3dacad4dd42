//! `netstack init`: write a commented `netstack.toml` for existing checkouts.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use docengine::scaffold::{InitOptions, init};

use crate::{Cli, exit};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The pattern repo checkout.
    #[arg(long, value_name = "PATH")]
    pub patterns: PathBuf,
    /// A site repo checkout as NAME=PATH (repeatable).
    #[arg(long = "site", value_name = "NAME=PATH", value_parser = parse_site)]
    pub sites: Vec<(String, PathBuf)>,
    /// Published base URL of the pattern repo, when the repo does not say (CNAME, mkdocs.yml).
    #[arg(long = "base-url", value_name = "URL")]
    pub base_urls: Vec<String>,
    /// Forge URL of the pattern repo, when its git origin does not say.
    #[arg(long = "forge-url", value_name = "URL")]
    pub forge_urls: Vec<String>,
    /// Folder to write netstack.toml into.
    #[arg(long, value_name = "PATH", default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing netstack.toml.
    #[arg(long)]
    pub force: bool,
}

fn parse_site(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, path)) if !name.trim().is_empty() && !path.trim().is_empty() => {
            Ok((name.trim().to_string(), PathBuf::from(path.trim())))
        }
        _ => Err(format!("`{s}`: write a site as NAME=PATH, e.g. cf=../cf")),
    }
}

pub fn run(_cli: &Cli, args: &Args) -> Result<u8> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let kb_dir = cwd.join(&args.dir);
    // Paths on the command line are relative to where the user is, not to --dir.
    let from_kb = |p: &PathBuf| docengine::paths::absolute(&cwd.join(p));
    let out = init(&InitOptions {
        kb_dir: kb_dir.clone(),
        patterns: from_kb(&args.patterns),
        sites: args
            .sites
            .iter()
            .map(|(n, p)| (n.clone(), from_kb(p)))
            .collect(),
        base_urls: args.base_urls.clone(),
        forge_urls: args.forge_urls.clone(),
    })?;
    if out.path.exists() && !args.force {
        bail!(
            "{} already exists: pass --force to overwrite it",
            out.path.display()
        );
    }
    std::fs::create_dir_all(&kb_dir).with_context(|| format!("creating {}", kb_dir.display()))?;
    std::fs::write(&out.path, &out.text)
        .with_context(|| format!("writing {}", out.path.display()))?;
    eprintln!("wrote {}", out.path.display());
    for n in &out.notes {
        eprintln!("  {n}");
    }
    eprintln!("next: `netstack check` to load it, `netstack serve` to browse it");
    Ok(exit::OK)
}
