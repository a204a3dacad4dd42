//! `netstack`: the command line. Thin: parses arguments, picks the knowledge base, calls
//! `docengine`, formats results and maps outcomes to exit codes (0 ok, 1 findings / no
//! results, 2 usage or configuration error).

mod bundled;
mod cmd;
mod kb_select;
mod output;
mod transport;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Pattern-and-site documentation knowledge base: search, lint, browse, recommend.
#[derive(Debug, Parser)]
#[command(name = "netstack", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Knowledge base folder (holding netstack.toml). Default: netstack.toml in the current
    /// folder or above it, else the bundled sample federation.
    #[arg(long, global = true, env = "NETSTACK_KB", value_name = "PATH")]
    pub kb: Option<PathBuf>,

    /// More log output on stderr (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the knowledge base and summarize it: patterns, sites, contracts, references,
    /// load problems.
    Check(cmd::check::Args),
    /// Write a commented netstack.toml for existing checkouts into the current folder.
    Init(cmd::init::Args),
    /// Browse the knowledge base in a web browser, with live reload.
    Serve(cmd::serve::Args),
    /// Search every doc of the KB: ranked results with the matching section and a snippet.
    Search(cmd::search::Args),
    /// Render an action recommendation for a site per its contract: the pattern to follow (a
    /// link) with the site's values, as an issue, e-mail, Matrix or Slack message, or JSON.
    Recommend(cmd::recommend::Args),
    /// Lint site repos (and the pattern repo): copied pattern content, unknown patterns,
    /// broken links, contracts, values. The CI gate.
    Lint(cmd::lint::Args),
    /// Write the knowledge base as a static site: every page `serve` shows (the pattern repo
    /// alone: site repos are private), relative links, linked repo files copied.
    Build(cmd::build::Args),
    /// Write the skeleton a workflow step asks for: a new pattern, a site's contract.
    New(cmd::new::Args),
    /// Send the outbox's due messages to their contacts (e-mail over SMTP, …), recording each
    /// outcome in its ledger: exit 0 all due delivered, 1 some failed, 2 configuration error.
    Deliver(cmd::deliver::Args),
    /// List an outbox's messages by delivery state: pending, sending, failed (with the next
    /// retry), sent (with where it went), resolved.
    Outbox(cmd::outbox::Args),
}

/// Exit codes shared by all commands.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Findings at the failing level (lint) or no results (search).
    pub const FINDINGS: u8 = 1;
    /// Usage or configuration error.
    pub const USAGE: u8 = 2;
}

/// Set up logging on stderr. `background` writes from a separate thread (the server logs a
/// line per request; request threads must not wait on stderr); keep the returned guard alive
/// until exit so buffered lines are flushed.
fn init_logging(
    cli: &Cli,
    default: &str,
    background: bool,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    let level = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => default,
            1 => "info",
            _ => "debug",
        }
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{level},tantivy=warn")));
    let (writer, guard) = if background {
        let (w, g) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .finish(std::io::stderr());
        (BoxMakeWriter::new(w), Some(g))
    } else {
        (BoxMakeWriter::new(std::io::stderr), None)
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .compact()
        .try_init();
    guard
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve(_));
    let _log_guard = init_logging(&cli, if serving { "info" } else { "warn" }, serving);
    let result = match &cli.command {
        Command::Check(args) => cmd::check::run(&cli, args),
        Command::Init(args) => cmd::init::run(&cli, args),
        Command::Serve(args) => cmd::serve::run(&cli, args),
        Command::Search(args) => cmd::search::run(&cli, args),
        Command::Recommend(args) => cmd::recommend::run(&cli, args),
        Command::Lint(args) => cmd::lint::run(&cli, args),
        Command::Build(args) => cmd::build::run(&cli, args),
        Command::New(args) => cmd::new::run(&cli, args),
        Command::Deliver(args) => cmd::deliver::run(&cli, args),
        Command::Outbox(args) => cmd::outbox::run(&cli, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            output::error(&e);
            ExitCode::from(exit::USAGE)
        }
    }
}
