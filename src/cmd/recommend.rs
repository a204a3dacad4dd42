//! `netstack recommend`: render an action recommendation for a (site, pattern) pair, routed
//! to the contact(s) the site's contract names, in their format (or `--format`); with
//! `--outbox DIR`, record it in the outbox ledger instead of printing it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use docengine::recommend::{self, Clock, Envelope, Format, ManualRequest, Outbox, SystemClock};
use docengine::{KnowledgeBase, Severity};

use crate::output::Style;
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site the recommendation is for (a `[[sites]]` name of netstack.toml).
    #[arg(long, value_name = "SITE")]
    pub site: String,
    /// The pattern to follow: its id (`backup-cron-pattern`), published URL or repo path.
    #[arg(long, value_name = "ID")]
    pub pattern: String,
    /// A site value as KEY=VALUE (repeatable); wins over the values in the site's docs.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// A note to the site, shown first under "What was detected".
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// How urgent it is; structured contracts route by it.
    #[arg(long, value_enum, default_value_t = SeverityArg::Warning)]
    pub severity: SeverityArg,
    /// Output format. Default: the method of each contact the contract routes to (one message
    /// per contact).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// The site doc this is about (path in the site repo, e.g. docs/backup.md). Default: the
    /// site docs that follow the pattern, whose values are used.
    #[arg(long, value_name = "PATH")]
    pub doc: Option<String>,
    /// The date by which the site should have done it (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub due: Option<String>,
    /// Only the message for this contact of the contract (by name, e.g. `ops`).
    #[arg(long, value_name = "NAME")]
    pub contact: Option<String>,
    /// Record the recommendation in this outbox folder (one file per message plus
    /// ledger.json) instead of printing it; re-running updates the same entry.
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeverityArg {
    Error,
    Warning,
    Info,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Error => Severity::Error,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Info => Severity::Info,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Issue,
    Email,
    Matrix,
    Slack,
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Issue => Format::Issue,
            FormatArg::Email => Format::Email,
            FormatArg::Matrix => Format::Matrix,
            FormatArg::Slack => Format::Slack,
            FormatArg::Json => Format::Json,
        }
    }
}

fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!(
            "`{s}`: write a value as KEY=VALUE, e.g. --set backup_target=nas01"
        )),
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let kb = kb_select::load(cli.kb.as_deref())?;
    let clock = SystemClock;
    let rec = recommend::manual(
        &kb,
        &ManualRequest {
            site: args.site.clone(),
            pattern: args.pattern.clone(),
            doc: args.doc.clone(),
            set: args.set.clone(),
            note: args.note.clone(),
            severity: args.severity.into(),
            due: args.due.clone(),
            contact: args.contact.clone(),
        },
    )?;
    let env = Envelope::new(&kb.config.recommend, &clock);
    notes(cli, &kb, &rec, args);

    if let Some(dir) = &args.outbox {
        let mut outbox = Outbox::open(dir)?;
        outbox.record(std::slice::from_ref(&rec), &env, clock.now())?;
        let ledger_entry = outbox
            .ledger()
            .recommendations
            .iter()
            .find(|e| e.key == rec.key)
            .cloned();
        let report = outbox
            .commit()
            .with_context(|| format!("writing the outbox {}", dir.display()))?;
        if let Some(e) = ledger_entry {
            for d in &e.recipients {
                println!("{}", dir.join(&d.file).display());
            }
            if !cli.quiet {
                let what = if !report.new.is_empty() {
                    "new: send the files above".to_string()
                } else if !report.reopened.is_empty() {
                    format!(
                        "re-opened (first made {}, seen {} times): send the files above again if it was closed by mistake",
                        e.first_seen, e.times_seen
                    )
                } else if !report.written.is_empty() {
                    format!(
                        "already in the ledger since {} (seen {} times), but its text changed: {} rewritten",
                        e.first_seen,
                        e.times_seen,
                        report.written.join(", ")
                    )
                } else {
                    format!(
                        "already in the ledger since {} (seen {} times); nothing new to send",
                        e.first_seen, e.times_seen
                    )
                };
                eprintln!("{} {}: {what}", rec.key, Style::stderr().dim("recorded"));
            }
        }
        return Ok(exit::OK);
    }

    let msgs = recommend::messages(&rec, args.format.map(Format::from), &env)?;
    let many = msgs.len() > 1;
    for (i, m) in msgs.iter().enumerate() {
        if many {
            if i > 0 {
                println!();
            }
            let to = m
                .recipient
                .as_ref()
                .map(|r| format!("{} ({} {})", r.contact, r.method, r.address))
                .unwrap_or_default();
            println!("==> {} {} <==", m.format, to);
        }
        print!("{}", m.text);
    }
    Ok(exit::OK)
}

/// Routing and missing values, on stderr so stdout stays the message.
fn notes(cli: &Cli, kb: &KnowledgeBase, rec: &recommend::Recommendation, args: &Args) {
    if cli.quiet {
        return;
    }
    let st = Style::stderr();
    let to: Vec<String> = rec
        .recipients
        .iter()
        .map(|r| format!("{} ({} {})", r.contact, r.method, r.address))
        .collect();
    eprintln!(
        "{} {} per {}, {}",
        st.dim("routed to"),
        to.join(", "),
        rec.contract,
        rec.route
    );
    let missing: Vec<&recommend::ValueRow> = rec.missing_values().collect();
    if let Some(first) = missing.first() {
        let names: Vec<&str> = missing.iter().map(|v| v.name.as_str()).collect();
        eprintln!(
            "{}: {} not recorded at {}: shown as \"to be filled\"; supply with --set {}=…",
            st.yellow("note"),
            names.join(", "),
            rec.site.name,
            first.key
        );
    }
    let emails = args.format.is_none_or(|f| f == FormatArg::Email)
        && rec
            .recipients_by(docengine::contract::Method::Email)
            .next()
            .is_some();
    if emails && kb.config.recommend.from.is_none() {
        eprintln!(
            "{}: netstack.toml has no `[recommend] from`, so e-mails come from {}; add `from = \"netstack <netstack@your-domain>\"` under [recommend]",
            st.yellow("note"),
            recommend::message::DEFAULT_FROM
        );
    }
}

/// `netstack lint --recommend --outbox DIR`: the lint report's findings into the outbox, and a
/// summary on stderr (stdout stays the lint output).
pub fn lint_into_outbox(
    cli: &Cli,
    kb: &KnowledgeBase,
    report: &docengine::lint::Report,
    dir: &Path,
) -> Result<()> {
    let outcome = recommend::sync_lint_report(kb, report, dir, &SystemClock)
        .with_context(|| format!("recording recommendations in {}", dir.display()))?;
    if cli.quiet {
        return Ok(());
    }
    let st = Style::stderr();
    let r = &outcome.report;
    eprintln!(
        "{} {} new, {} still open, {} re-opened, {} resolved in {} (ledger.json)",
        st.bold("recommendations:"),
        r.new.len(),
        r.seen_again.len(),
        r.reopened.len(),
        r.resolved.len(),
        dir.display()
    );
    let ledger = Outbox::open(dir)?;
    let to_send: Vec<String> = ledger
        .ledger()
        .recommendations
        .iter()
        .filter(|e| r.new.contains(&e.key) || r.reopened.contains(&e.key))
        .flat_map(|e| {
            e.recipients
                .iter()
                .map(|d| dir.join(&d.file).display().to_string())
        })
        .collect();
    drop(ledger);
    const SHOWN: usize = 20;
    for f in to_send.iter().take(SHOWN) {
        eprintln!("  {} {f}", st.green("send"));
    }
    if to_send.len() > SHOWN {
        eprintln!(
            "  … and {} more (entries with times_seen 1 in ledger.json)",
            to_send.len() - SHOWN
        );
    }
    for (site, u) in &outcome.unroutable {
        eprintln!(
            "{}: {} finding{} of {site} not routed: {}",
            st.yellow("warning"),
            u.findings,
            if u.findings == 1 { "" } else { "s" },
            u.reason
        );
    }
    Ok(())
}
