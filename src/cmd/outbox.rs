//! `netstack outbox [DIR]`: every message of an outbox by delivery state (pending, sending,
//! failed with its next attempt, sent with where it went, resolved), read from the ledger
//! without taking its lock, so it answers while a delivery runs.

use std::path::PathBuf;

use anyhow::Result;
use docengine::recommend::listing::{self, Row, Shown};
use docengine::recommend::{self};

use crate::output::{Style, clean, clean_json};
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The outbox folder (default: `[recommend] outbox` of netstack.toml).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only messages in this state.
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,
    /// Print the messages as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StateArg {
    Pending,
    Sending,
    Failed,
    Sent,
    Resolved,
}

impl From<StateArg> for Shown {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Pending => Shown::Pending,
            StateArg::Sending => Shown::Sending,
            StateArg::Failed => Shown::Failed,
            StateArg::Sent => Shown::Sent,
            StateArg::Resolved => Shown::Resolved,
        }
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let dir = match &args.dir {
        Some(d) => crate::cmd::deliver::existing_outbox(d)?,
        None => {
            let config = kb_select::config(cli.kb.as_deref())?;
            crate::cmd::deliver::outbox_dir(None, &config)?
        }
    };
    let ledger = recommend::read_ledger(&dir)?;
    let mut rows = listing::rows(&ledger);
    if let Some(s) = args.state {
        let s = Shown::from(s);
        rows.retain(|r| r.shown == s);
    }
    if args.json {
        let text = serde_json::to_string_pretty(&rows).expect("rows serialize");
        println!("{}", clean_json(text));
        return Ok(exit::OK);
    }
    let st = Style::stdout();
    for state in Shown::ALL {
        let of: Vec<&Row> = rows.iter().filter(|r| r.shown == state).collect();
        if of.is_empty() {
            continue;
        }
        println!("{} ({})", st.bold(state.as_str()), of.len());
        for r in of {
            let cc = if r.cc.is_empty() {
                String::new()
            } else {
                format!(" cc {}", r.cc.join(", "))
            };
            let note = r
                .followup
                .map(|k| format!("{} note, re: ", k.as_str()))
                .unwrap_or_default();
            println!(
                "  {} {} {}{cc}: {note}{}",
                r.key,
                r.method,
                clean(&r.address),
                clean(&r.title)
            );
            println!("    {}", clean(&detail(r)));
        }
    }
    if rows.is_empty() && !cli.quiet {
        eprintln!("{}: no messages", dir.display());
    }
    Ok(exit::OK)
}

/// What happened to a message, in a line.
fn detail(r: &Row) -> String {
    let d = &r.delivery;
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = &d.delivered_at {
        let to = d
            .remote_url
            .as_deref()
            .or(d.remote_id.as_deref())
            .unwrap_or("delivered");
        parts.push(format!("sent {t}: {to}"));
    }
    match r.shown {
        Shown::Pending => parts.push(format!("waiting for `netstack deliver` ({})", r.file)),
        Shown::Sending => parts.push(
            "a delivery was interrupted while sending it: the next run checks whether it arrived"
                .into(),
        ),
        Shown::Failed => {
            let err = d.last_error.as_deref().unwrap_or("failed");
            match (&d.next_attempt, d.permanent) {
                (_, true) => parts.push(format!(
                    "{err}; not retried (after fixing the cause: netstack deliver --retry-failed)"
                )),
                (Some(t), false) => parts.push(format!(
                    "{err}; attempt {} failed, next after {t}",
                    d.attempts
                )),
                (None, false) => parts.push(err.to_string()),
            }
        }
        Shown::Resolved => parts.push(format!(
            "resolved {}",
            r.resolved_at.as_deref().unwrap_or("")
        )),
        Shown::Sent => {}
    }
    parts.join("; ")
}
