//! `netstack new contract`: write the skeleton a workflow step asks for into the chosen KB.
//! What is written and what is refused is docengine's (`scaffold`); this picks the KB, writes
//! the file without ever replacing one, and says what to do next.

use std::io::Write as _;

use anyhow::{Context, Result, bail};
use docengine::scaffold::{self, ContractOptions, Skeleton};

use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Write a site's .wip-contract.md: who receives action recommendations, and how.
    Contract(ContractArgs),
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
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
    let config = kb_select::config(Some(&dir))?;
    match &args.what {
        What::Contract(a) => {
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
