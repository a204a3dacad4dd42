//! `netstack lint`: the CI gate for site repos. Picks what to lint (the KB's sites, named
//! checkouts, or ad-hoc checkouts beside a pattern repo clone), runs `docengine::lint`, and
//! renders the report (human code frames, JSON, SARIF, GitHub annotations).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use docengine::config::{AdHocOptions, LintConfig};
use docengine::lint::{self, Baseline, Finding, Report, Rule, Settings, Target};
use docengine::{Config, KnowledgeBase, Severity};

use crate::output::{Style, clean, clean_json};
use crate::{Cli, exit, kb_select};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style messages with a code frame, and a summary line.
    Human,
    /// A JSON array of findings (schema in docs/lint.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub workflow-command annotations, plus a markdown summary appended to
    /// $GITHUB_STEP_SUMMARY when it is set.
    Github,
}

/// Severity levels for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl From<Level> for Severity {
    fn from(l: Level) -> Severity {
        match l {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  netstack lint                                   every site and the pattern repo of the KB
  netstack lint ../wf                             one site checkout (a KB site, or ad hoc)
  netstack lint --patterns ../netstack .          CI: this site repo against a pattern repo clone
  netstack lint --patterns-only                   the pattern repo itself
  netstack lint --format sarif -o lint.sarif      for GitHub code scanning
  netstack lint --explain duplicate-content

Exit status: 0 nothing reaches --fail-on, 1 something does, 2 usage or configuration error.
Rules, configuration, suppression, baselines and CI recipes: docs/lint.md")]
pub struct Args {
    /// Site repo checkouts (or KB site names) to lint. Default: every site of the KB and the
    /// pattern repo. With --patterns, default: the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A pattern repo checkout to lint against, without any netstack.toml (the CI case).
    #[arg(long, value_name = "PATH")]
    pub patterns: Option<PathBuf>,

    /// Lint only the pattern repo (broken links, unknown patterns, site values in patterns).
    #[arg(long, conflicts_with = "paths")]
    pub patterns_only: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the rendering to this file instead of stdout (the human summary still goes to
    /// stderr).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Lowest severity that makes the run fail (exit 1). Default: `[lint] fail_on`, else error.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Level>,

    /// Explain a rule (what it catches, an example, the fix) and exit.
    #[arg(long, value_name = "RULE", exclusive = true)]
    pub explain: Option<String>,

    /// List the rules with their severities and exit.
    #[arg(long)]
    pub list_rules: bool,

    /// Ignore findings recorded in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in this file and exit 0, so CI fails only on new ones.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Read `[lint]` settings from this TOML file (a netstack.toml, or a file holding only
    /// lint keys). Useful with --patterns, where there is no netstack.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Published base URL of the pattern repo (with --patterns, when its CNAME or mkdocs.yml
    /// does not say).
    #[arg(long = "base-url", value_name = "URL", requires = "patterns")]
    pub base_urls: Vec<String>,

    /// Turn the findings of the linted sites into action recommendations, routed per each
    /// site's contract, in the outbox folder (--outbox): one file per message plus
    /// ledger.json. Re-runs never duplicate; fixed findings are marked resolved.
    #[arg(long, requires = "outbox", conflicts_with_all = ["patterns_only", "write_baseline"])]
    pub recommend: bool,

    /// The outbox folder for --recommend (created if needed).
    #[arg(long, value_name = "DIR", requires = "recommend")]
    pub outbox: Option<PathBuf>,

    /// After recording, send the outbox's due messages (`netstack deliver`); the exit code is
    /// the higher of lint's and delivery's.
    #[arg(long, requires = "recommend")]
    pub deliver: bool,

    /// `From:` of recommendation e-mails, e.g. "netstack <netstack@example.org>" (default:
    /// `[recommend] from` in netstack.toml).
    #[arg(long, value_name = "MAILBOX", requires = "recommend")]
    pub from: Option<String>,
}

/// Everything a lint run produced (also used by `lint --recommend`).
pub struct Outcome {
    pub kb: KnowledgeBase,
    pub settings: Settings,
    pub report: Report,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    if let Some(id) = &args.explain {
        let rule = Rule::from_id(id)
            .ok_or_else(|| anyhow::anyhow!(lint::rule::unknown_rule_message(id)))?;
        print!("{}", rule.explain());
        return Ok(exit::OK);
    }
    if args.list_rules {
        let settings = match kb_config(cli, args) {
            Ok(c) => Settings::from_config(&c.lint)?,
            Err(_) => Settings::default(),
        };
        print!("{}", list_rules(&settings));
        return Ok(exit::OK);
    }
    let Outcome {
        kb,
        settings,
        report,
    } = collect(cli, args)?;
    let fail_on: Severity = args.fail_on.map(Severity::from).unwrap_or(settings.fail_on);
    let cwd = std::env::current_dir().unwrap_or_default();
    let rel = |f: &Finding| shown_path(f, &cwd);

    let rendered = match args.format {
        Format::Human => human(
            &kb,
            &report,
            fail_on,
            Style::stdout().on && args.output.is_none(),
            &rel,
        ),
        Format::Json => clean_json(lint::render::json(&report.findings)),
        Format::Sarif => clean_json(lint::render::sarif(&report, &settings)),
        Format::Github => {
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                let md = lint::render::markdown_summary(&report, 200, rel);
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .with_context(|| {
                        format!(
                            "opening $GITHUB_STEP_SUMMARY ({})",
                            PathBuf::from(&path).display()
                        )
                    })?;
                writeln!(f, "{md}").context("writing $GITHUB_STEP_SUMMARY")?;
            }
            // Plain text for a CI log: nothing in it is styling, so all of it is cleaned.
            clean(&lint::render::github(&report.findings, rel)).into_owned()
        }
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &rendered)
                .with_context(|| format!("writing {}", path.display()))?;
            eprint!("{}", summary_line(&report, fail_on, Style::stderr()));
        }
        None => {
            print!("{rendered}");
            if args.format != Format::Human {
                // Keep stdout machine-readable; a one-line summary helps people in CI logs.
                eprint!("{}", summary_line(&report, fail_on, Style::stderr()));
            }
        }
    }

    let mut delivery = exit::OK;
    if let (true, Some(dir)) = (args.recommend, &args.outbox) {
        crate::cmd::recommend::lint_into_outbox(cli, &kb, &report, dir)?;
        if args.deliver {
            let opts = crate::cmd::deliver::Options {
                on_stderr: true,
                ..Default::default()
            };
            delivery = crate::cmd::deliver::deliver(cli, &kb.config, dir, &opts)?;
        }
    }

    if let Some(path) = &args.write_baseline {
        let b = Baseline::from_findings(report.findings.iter().chain(report.baselined.iter()));
        std::fs::write(path, b.to_json())
            .with_context(|| format!("writing the baseline {}", path.display()))?;
        eprintln!(
            "wrote {} finding{} to the baseline {}; commit it and pass --baseline {} in CI",
            b.findings.len(),
            if b.findings.len() == 1 { "" } else { "s" },
            path.display(),
            path.display()
        );
        return Ok(exit::OK);
    }
    Ok(if report.fails(fail_on) {
        exit::FINDINGS
    } else {
        exit::OK
    }
    .max(delivery))
}

/// The config of the KB this run uses (ad hoc with --patterns), with `--config` applied.
fn kb_config(cli: &Cli, args: &Args) -> Result<Config> {
    let mut config = match &args.patterns {
        Some(patterns) => {
            let cwd = std::env::current_dir().context("reading the current folder")?;
            let mut sites: Vec<(Option<String>, PathBuf)> = Vec::new();
            if !args.patterns_only {
                let paths = if args.paths.is_empty() {
                    vec![PathBuf::from(".")]
                } else {
                    args.paths.clone()
                };
                for p in paths {
                    if p.exists() && !p.is_dir() {
                        bail!(
                            "{}: is a file, not a folder; pass site repo checkouts (folders) to lint",
                            p.display()
                        );
                    }
                    if !p.is_dir() {
                        bail!(
                            "{}: no such folder; pass site repo checkouts (folders) to lint",
                            p.display()
                        );
                    }
                    // Name a `.` checkout after its folder.
                    let abs = docengine::paths::absolute(&p);
                    sites.push((None, abs));
                }
            }
            Config::ad_hoc(&AdHocOptions {
                patterns: patterns.clone(),
                sites,
                base_urls: args.base_urls.clone(),
                root: cwd,
            })?
        }
        None => {
            let (dir, origin) = kb_select::select(cli.kb.as_deref())?;
            if origin == kb_select::Origin::Bundled && !args.paths.is_empty() {
                bail!(
                    "no netstack.toml found here or above: pass --patterns PATH (a pattern repo checkout) to lint {} against it, or --kb with a knowledge base",
                    args.paths[0].display()
                );
            }
            if origin == kb_select::Origin::Bundled {
                tracing::info!("no netstack.toml here or above: linting the bundled sample KB");
            }
            Config::load(&dir)?
        }
    };
    if let Some(file) = &args.config {
        config.lint = LintConfig::load_file(file)?;
    }
    if let Some(from) = &args.from {
        config.recommend.from = Some(from.clone());
    }
    Ok(config)
}

/// Load what to lint and lint it.
pub fn collect(cli: &Cli, args: &Args) -> Result<Outcome> {
    let mut config = kb_config(cli, args)?;
    let settings = Settings::from_config(&config.lint).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}",
            config
                .file
                .as_deref()
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "--config".into())
        )
    })?;
    let target = if args.patterns_only {
        Target::PatternRepo
    } else if args.patterns.is_some() {
        Target::Sites(config.sites.iter().map(|s| s.name.clone()).collect())
    } else if args.paths.is_empty() {
        Target::Everything
    } else {
        Target::Sites(config.resolve_sites(&args.paths)?)
    };
    let baseline = match &args.baseline {
        Some(p) => Some(Baseline::load(p)?),
        None => None,
    };
    let root = config.root.clone();
    let started = std::time::Instant::now();
    let kb = KnowledgeBase::load(config)
        .with_context(|| format!("loading the knowledge base in {}", root.display()))?;
    tracing::info!(
        docs = kb.docs.len(),
        ms = started.elapsed().as_millis() as u64,
        "knowledge base loaded"
    );
    let started = std::time::Instant::now();
    let report = lint::lint(&kb, &settings, &target, baseline.as_ref());
    tracing::info!(
        findings = report.findings.len(),
        prints = report.indexed_prints,
        ms = started.elapsed().as_millis() as u64,
        "lint done"
    );
    Ok(Outcome {
        kb,
        settings,
        report,
    })
}

/// A finding's file as a person or GitHub should see it: relative to the current folder
/// when inside it, else `repo/path`.
fn shown_path(f: &Finding, cwd: &Path) -> String {
    match &f.abs_path {
        Some(abs) => match abs.strip_prefix(cwd) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => abs.display().to_string(),
        },
        None => format!("{}/{}", f.repo, f.path),
    }
}

fn list_rules(settings: &Settings) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{:<24} {:<9} {:<9} summary", "rule", "default", "active");
    for r in Rule::ALL {
        let i = r.info();
        let active = settings.severity(r).map(|s| s.as_str()).unwrap_or("off");
        let _ = writeln!(
            o,
            "{:<24} {:<9} {:<9} {}",
            i.id,
            i.default_severity.as_str(),
            active,
            i.summary
        );
    }
    let _ = writeln!(o, "\n`netstack lint --explain RULE` for details.");
    o
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn summary_line(report: &Report, fail_on: Severity, st: Style) -> String {
    let (e, w, i) = report.counts();
    let mut extra = Vec::new();
    if report.suppressed > 0 {
        extra.push(format!("{} suppressed inline", report.suppressed));
    }
    if !report.baselined.is_empty() {
        extra.push(format!("{} in the baseline", report.baselined.len()));
    }
    if report.stale_baseline > 0 {
        extra.push(format!(
            "{} baseline {} fixed (rewrite it with --write-baseline)",
            report.stale_baseline,
            if report.stale_baseline == 1 {
                "entry"
            } else {
                "entries"
            }
        ));
    }
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!("; {}", extra.join(", "))
    };
    let scope = format!(
        "{} in {} ({} docs)",
        "",
        plural(report.repos.len(), "repo"),
        report.docs
    );
    let scope = scope.trim_start();
    if report.findings.is_empty() {
        return format!("{} no findings {scope}{extra}\n", st.green("ok:"));
    }
    let counts = format!(
        "{}, {}, {} info",
        plural(e, "error"),
        plural(w, "warning"),
        i
    );
    let verdict = if report.fails(fail_on) {
        st.red("lint failed:")
    } else {
        st.yellow("lint passed with findings:")
    };
    format!("{verdict} {counts} {scope}{extra} (failing on {fail_on} and above)\n")
}

/// rustc-style output with code frames.
fn human(
    kb: &KnowledgeBase,
    report: &Report,
    fail_on: Severity,
    color: bool,
    path: &dyn Fn(&Finding) -> String,
) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level as L, Origin, Renderer, Snippet};

    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => L::ERROR,
            Severity::Warning => L::WARNING,
            Severity::Info => L::INFO,
        };
        // Everything from a repo (file name, message, fix, source lines) goes through
        // `clean`: the renderer adds its own styling around it.
        let shown = clean(&path(f)).into_owned();
        let message = clean(&f.message).into_owned();
        // Read the way the KB reads (regular files inside the repo only: a FIFO or a link
        // out of the repo never shows here, nor blocks).
        let source = f.abs_path.as_ref().and_then(|p| {
            let repo = kb.repo_containing(p)?;
            let root = docengine::source::canonical_root(&kb.repos[repo].root)?;
            docengine::source::read_text(p, &root, kb.config.load.max_file_bytes)
                .ok()
                .map(|t| t.text.replace("\r\n", "\n"))
        });
        let title = level.primary_title(message.as_str()).id(f.rule.id());
        let mut groups: Vec<Group<'_>> = Vec::new();
        match source.as_deref().and_then(|s| {
            let cols = f.columns.map(|c| clean_columns(s, f.line, c.bytes));
            span(&clean(s), f.line, f.end_line, cols).map(|sp| (s, sp))
        }) {
            Some((_, (lines, range))) => {
                let label = match f.rule {
                    Rule::DuplicateContent => "copied",
                    _ => "",
                };
                let mut ann = AnnotationKind::Primary.span(range);
                if !label.is_empty() {
                    ann = ann.label(label);
                }
                groups.push(
                    title.element(
                        Snippet::source(lines)
                            .line_start(src_line_start(f))
                            .path(shown.clone())
                            .fold(true)
                            .annotation(ann),
                    ),
                );
            }
            None => groups.push(title.element(Origin::path(shown.clone()).line(f.line as usize))),
        }
        let mut notes: Vec<String> = Vec::new();
        if let Some(p) = &f.pattern {
            let lines = match (p.line, p.end_line) {
                (Some(a), Some(b)) if b > a => format!(":{a}-{b}"),
                (Some(a), _) => format!(":{a}"),
                _ => String::new(),
            };
            let url = p
                .url
                .as_deref()
                .map(|u| format!(" <{u}>"))
                .unwrap_or_default();
            notes.push(clean(&format!("pattern: {}{lines}{url}", p.path)).into_owned());
        }
        if !f.suggestions.is_empty() {
            let s: Vec<String> = f
                .suggestions
                .iter()
                .map(|p| match &p.url {
                    Some(u) => format!("{} <{u}>", p.id),
                    None => p.id.clone(),
                })
                .collect();
            notes.push(clean(&format!("existing patterns: {}", s.join(", "))).into_owned());
        }
        let mut tail = Group::with_level(L::NOTE);
        let mut any = false;
        for n in &notes {
            tail = tail.element(L::NOTE.message(n.as_str()));
            any = true;
        }
        let fix = clean(&f.fix).into_owned();
        tail = tail.element(L::HELP.message(fix.as_str()));
        let _ = any;
        groups.push(tail);
        let _ = writeln!(out, "{}\n", renderer.render(&groups));
    }
    out.push_str(&summary_line(report, fail_on, Style { on: color }));
    out
}

/// Byte columns of a finding on line `line` of `src`, as they fall in the [`clean`]ed line.
fn clean_columns(src: &str, line: u32, (a, b): (usize, usize)) -> (usize, usize) {
    let Some(text) = src.lines().nth((line as usize).saturating_sub(1)) else {
        return (a, b);
    };
    let at = |n: usize| text.get(..n).map(|p| clean(p).len()).unwrap_or(n);
    (at(a), at(b))
}

/// Line numbers shown start at the finding's first context line.
fn src_line_start(f: &Finding) -> usize {
    f.line.saturating_sub(1).max(1) as usize
}

/// The source lines around a finding (one line of context before) and the byte range of
/// the finding's lines within them, narrowed to `columns` (byte offsets within the first
/// line) when the finding points at text on its line.
fn span(
    src: &str,
    line: u32,
    end: u32,
    columns: Option<(usize, usize)>,
) -> Option<(String, std::ops::Range<usize>)> {
    let first = line.saturating_sub(1).max(1);
    let lines: Vec<&str> = src.lines().collect();
    if line as usize > lines.len() || line == 0 {
        return None;
    }
    let end = end.min(lines.len() as u32).max(line);
    let mut text = String::new();
    let mut start = 0;
    let mut stop = 0;
    for n in first..=end {
        if n == line {
            start = text.len();
        }
        text.push_str(lines[(n - 1) as usize]);
        if n == end {
            stop = text.len();
        }
        text.push('\n');
    }
    if let Some((a, b)) = columns
        && a < b
        && start + b <= stop
        && text.is_char_boundary(start + a)
        && text.is_char_boundary(start + b)
    {
        return Some((text, start + a..start + b));
    }
    // Point at the first non-blank character of the first line.
    let lead = text[start..stop]
        .find(|c: char| !c.is_whitespace())
        .unwrap_or(0);
    let start = start + lead;
    let len = text.len();
    Some((text, start..stop.max(start + 1).min(len)))
}
