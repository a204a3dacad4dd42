//! `netstack new pattern|contract`: write the skeleton a workflow step asks for into the
//! chosen KB.
//! What is written and what is refused is docengine's (`scaffold`); this picks the KB, writes
//! the file without ever replacing one, and says what to do next.

use std::io::Write as _;

use anyhow::{Context, Result, bail};
use docengine::scaffold::{self, ContractOptions, PatternOptions, Skeleton};

use crate::output::clean;
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Write a new pattern (the "no pattern exists: document it first" step): lists the
    /// closest existing patterns first and stops there unless --force.
    Pattern(PatternArgs),
    /// Write a site's .wip-contract.md: who receives action recommendations, and how.
    Contract(ContractArgs),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(Debug, clap::Args)]
pub struct PatternArgs {
    /// Category: a folder below the pattern repo's docs folder (ops/backup).
    pub category: String,
    /// Name, with or without -pattern (backup-rotation).
    pub name: String,
    /// Title (default: from the name).
    #[arg(long)]
    pub title: Option<String>,
    /// Write it even though existing patterns look close.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct ContractArgs {
    /// The site, as named in netstack.toml.
    #[arg(long, value_name = "NAME")]
    pub site: String,
    /// Who receives action recommendations.
    #[arg(long, value_name = "ADDR")]
    pub email: String,
    /// Who is copied (repeatable).
    #[arg(long, value_name = "ADDR")]
    pub cc: Vec<String>,
    /// Structured form: contacts in YAML front matter instead of a `## Contact Method` section.
    #[arg(long)]
    pub structured: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let (dir, origin) = kb_select::select(cli.kb.as_deref())?;
    if origin == kb_select::Origin::Bundled {
        bail!(
            "no netstack.toml in the current folder or above: pass --kb with your KB folder (or create one with `netstack init`); netstack does not write into the bundled sample"
        );
    }
    match &args.what {
        What::Pattern(a) => return new_pattern(&dir, a),
        What::Contract(a) => {
            let config = kb_select::config(Some(&dir))?;
            let s = scaffold::new_contract(
                &config,
                &ContractOptions {
                    site: a.site.clone(),
                    email: a.email.clone(),
                    cc: a.cc.clone(),
                    structured: a.structured,
                },
            )?;
            write_new(&s)?;
            eprintln!("wrote {}", s.path.display());
            eprintln!(
                "next: fill in its scope and owner, commit it in the site repo, and `netstack recommend --site {} --pattern PATTERN` to see a recommendation reach {}",
                a.site, a.email
            );
        }
    }
    Ok(exit::OK)
}

fn new_pattern(dir: &std::path::Path, a: &PatternArgs) -> Result<u8> {
    let kb = kb_select::load(Some(dir))?;
    let p = scaffold::new_pattern(
        &kb,
        &PatternOptions {
            category: a.category.clone(),
            name: a.name.clone(),
            title: a.title.clone(),
        },
    )?;
    if !p.similar.is_empty() {
        println!(
            "Check the pattern repo first: {} existing pattern{} close to {}:",
            p.similar.len(),
            if p.similar.len() == 1 { " is" } else { "s are" },
            p.id
        );
        for &d in &p.similar {
            let doc = kb.doc(d);
            println!(
                "  {}  {}  {}",
                clean(doc.pattern_id.as_deref().unwrap_or_default()),
                clean(&doc.title),
                clean(
                    &kb.published_url(doc)
                        .unwrap_or_else(|| kb.display_path(doc))
                )
            );
        }
        if !a.force {
            println!(
                "Follow one of them if it fits; to write {} anyway, run the command again with --force.",
                p.id
            );
            return Ok(exit::FINDINGS);
        }
    }
    write_new(&p.skeleton)?;
    println!("wrote {}", p.skeleton.path.display());
    match &p.url {
        Some(u) => println!("it will be published at {u}"),
        None => println!(
            "it will be published at {} below the pattern repo's base URL (none is configured: set [patterns] base_urls)",
            p.path
        ),
    }
    eprintln!(
        "next: fill in its sections, commit it in the pattern repo, then link it from the site doc that follows it"
    );
    Ok(exit::OK)
}

/// Write a new file; an existing one (even one created since the check) is never replaced.
fn write_new(s: &Skeleton) -> Result<()> {
    if let Some(parent) = s.path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&s.path)
        .with_context(|| {
            format!(
                "writing {} (netstack never overwrites a file)",
                s.path.display()
            )
        })?;
    f.write_all(s.text.as_bytes())
        .with_context(|| format!("writing {}", s.path.display()))?;
    Ok(())
}
