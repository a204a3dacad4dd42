//! `netstack deliver`: send every message of the outbox that is due, by its contact's
//! method, and record each outcome in the ledger (the engine decides what is due; this
//! module picks the outbox, builds the transports and prints the report). Also the last step
//! of `lint --recommend --outbox DIR --deliver`.

use std::path::{Path, PathBuf};

use std::io::Write;

use anyhow::{Context, Result, bail};
use docengine::Config;
use docengine::recommend::{self, Clock, Outbox, RunReport, SystemClock, dispatch};

use crate::output::{Style, clean, clean_json};
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The outbox folder (default: `[recommend] outbox` of netstack.toml).
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,
    /// Print exactly what would be sent where, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also try again the messages given up (permanent errors, too many attempts), after
    /// the cause was fixed.
    #[arg(long, conflicts_with = "dry_run")]
    pub retry_failed: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let config = kb_select::config(cli.kb.as_deref())?;
    let dir = outbox_dir(args.outbox.as_deref(), &config)?;
    let opts = Options {
        dry_run: args.dry_run,
        retry_failed: args.retry_failed,
        json: args.json,
        on_stderr: false,
    };
    deliver(cli, &config, &dir, &opts)
}

/// How one delivery is run and shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub dry_run: bool,
    pub retry_failed: bool,
    pub json: bool,
    /// The report on stderr (stdout is another command's output: `lint --deliver`).
    pub on_stderr: bool,
}

/// The outbox a command works on: the one given, else `[recommend] outbox`. It must exist
/// (a typo must not look like an empty outbox).
pub fn outbox_dir(given: Option<&Path>, config: &Config) -> Result<PathBuf> {
    let dir = match (given, &config.recommend.outbox) {
        (Some(d), _) => d.to_path_buf(),
        (None, Some(d)) => d.clone(),
        (None, None) => bail!(
            "no outbox: pass --outbox DIR, or set `outbox = \"DIR\"` under [recommend] in {}",
            config
                .file
                .as_deref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "netstack.toml".into())
        ),
    };
    existing_outbox(&dir)
}

/// `dir` if it is an outbox (holds a ledger).
pub fn existing_outbox(dir: &Path) -> Result<PathBuf> {
    if !dir.join(recommend::outbox::LEDGER_FILE).is_file() {
        bail!(
            "{}: no outbox here (no ledger.json): record recommendations with `netstack lint --recommend --outbox {}` first, or pass the right folder",
            dir.display(),
            dir.display()
        );
    }
    Ok(dir.to_path_buf())
}

/// Deliver (or, dry, show) what the outbox `dir` holds; the exit code per the report.
pub fn deliver(cli: &Cli, config: &Config, dir: &Path, opts: &Options) -> Result<u8> {
    let limits = config.deliver.limits();
    let clock = SystemClock;
    let report = if opts.dry_run {
        let ledger = recommend::read_ledger(dir)?;
        let configured = |m| crate::transport::configured(config, m);
        dispatch::dry_run(&ledger, &configured, &limits, clock.now())
    } else {
        let mut transports = crate::transport::build(config)?;
        let mut outbox = Outbox::open(dir)?;
        if opts.retry_failed {
            let n = dispatch::retry_failed(&mut outbox);
            if n > 0 && !cli.quiet {
                eprintln!("trying again {n} message{} given up before", plural(n));
            }
        }
        recommend::deliver(&mut outbox, &mut transports, &limits, &clock)
            .with_context(|| format!("delivering the outbox {}", dir.display()))?
    };
    let mut out: Box<dyn Write> = if opts.on_stderr {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    };
    if opts.json {
        let text = serde_json::to_string_pretty(&report).expect("report serializes");
        writeln!(out, "{}", clean_json(text))?;
    } else {
        let st = if opts.on_stderr {
            Style::stderr()
        } else {
            Style::stdout()
        };
        print_report(&mut out, st, dir, &report, opts.dry_run)?;
    }
    drop(out);
    if !cli.quiet && !opts.json {
        summary(&report, opts.dry_run);
    }
    Ok(match report.exit_code() {
        0 => exit::OK,
        1 => exit::FINDINGS,
        _ => exit::USAGE,
    })
}

fn print_report(
    out: &mut dyn Write,
    st: Style,
    dir: &Path,
    r: &RunReport,
    dry: bool,
) -> std::io::Result<()> {
    let mut show = |label: String, l: &dispatch::Line| {
        let cc = if l.cc.is_empty() {
            String::new()
        } else {
            format!(" cc {}", l.cc.join(", "))
        };
        let note = l
            .followup
            .map(|k| format!("{} note, re: ", k.as_str()))
            .unwrap_or_default();
        writeln!(
            out,
            "{label} {} {}{cc}: {note}{} ({})\n    {}",
            l.method,
            clean(&l.address),
            clean(&l.title),
            dir.join(&l.file).display(),
            clean(&l.detail)
        )
    };
    for l in &r.reconciled {
        show(st.yellow("reconciled"), l)?;
    }
    for l in &r.sent {
        show(
            if dry {
                st.green("would send")
            } else {
                st.green("sent")
            },
            l,
        )?;
    }
    for l in &r.failed {
        show(st.red("failed"), l)?;
    }
    for l in &r.gave_up {
        show(st.red("gave up"), l)?;
    }
    for l in &r.held {
        show(st.yellow("held"), l)?;
    }
    for l in &r.unconfigured {
        show(st.red("not configured"), l)?;
    }
    Ok(())
}

/// The one-line summary, on stderr.
fn summary(r: &RunReport, dry: bool) {
    let est = Style::stderr();
    let verb = if dry { "would send" } else { "sent" };
    eprintln!(
        "{} {verb} {}, {} failed (retried later), {} given up, {} held back by caps, {} not configured, {} waiting to retry{}",
        est.bold("delivery:"),
        r.sent.len(),
        r.failed.len(),
        r.gave_up.len(),
        r.held.len(),
        r.unconfigured.len(),
        r.waiting,
        if dry {
            " (dry run: nothing changed)"
        } else {
            ""
        }
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
