//! `netstack search`: ranked full-text search over the whole KB from the terminal (human
//! output with highlighted snippets, or `--json`). Uses the persistent index without loading
//! the KB: only files changed since the last run are read.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use docengine::index::remote::{self, Request, Response};
use docengine::index::{IndexReport, OpenOptions, SearchIndex};
use docengine::{Config, DocKind, Hit, SearchQuery, SearchResults, limits};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::{Style, clean, clean_json};
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to search for: words, "exact phrases" (quote them for the shell too:
    /// '"status page"'), -excluded, +required. The last word also matches words starting
    /// with it; a misspelt word is corrected.
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,

    /// Only docs of this kind: pattern, guide, site-doc (or site), contract. Repeatable.
    #[arg(long, value_name = "KIND", value_parser = kind)]
    pub kind: Vec<DocKind>,

    /// Only docs of this site (or of the pattern repo, by its name). Repeatable.
    #[arg(long, value_name = "SITE")]
    pub site: Vec<String>,

    /// Only docs in this category or below it (`ops` matches `ops/backup`). Repeatable.
    #[arg(long, value_name = "CATEGORY")]
    pub category: Vec<String>,

    /// Only docs with this tag (repeat: docs with all of them).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,

    /// Number of results (at most 1000; more is a usage error).
    #[arg(short = 'n', long, value_name = "N", default_value_t = docengine::index::DEFAULT_LIMIT, value_parser = limit)]
    pub limit: usize,

    /// Skip this many results, for paging (at most 10000; more is a usage error).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = offset)]
    pub offset: usize,

    /// Print the results as a JSON array (schema in the README).
    #[arg(long)]
    pub json: bool,

    /// Rebuild the index from scratch first.
    #[arg(long)]
    pub reindex: bool,
}

fn kind(s: &str) -> Result<DocKind, String> {
    docengine::index::parse_kind(s).map_err(|e| e.message)
}

/// `--limit`: out of range is a usage error (exit 2), as the library would refuse it.
fn limit(s: &str) -> Result<usize, String> {
    docengine::index::parse_count("limit", s, limits::MAX_SEARCH_LIMIT).map_err(|e| e.message)
}

/// `--offset`: out of range is a usage error (exit 2).
fn offset(s: &str) -> Result<usize, String> {
    docengine::index::parse_count("offset", s, limits::MAX_SEARCH_OFFSET).map_err(|e| e.message)
}

/// A progress bar on stderr that appears only when indexing takes more than a moment and
/// stderr is a terminal.
struct Progress {
    started: Instant,
    enabled: bool,
    bar: Mutex<Option<ProgressBar>>,
}

/// How long indexing may run before a progress bar appears.
const PROGRESS_AFTER: Duration = Duration::from_millis(400);

impl Progress {
    fn new(quiet: bool) -> Self {
        Progress {
            started: Instant::now(),
            enabled: !quiet && std::io::stderr().is_terminal(),
            bar: Mutex::new(None),
        }
    }

    fn update(&self, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let mut slot = self.bar.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() && self.started.elapsed() < PROGRESS_AFTER && total != 0 {
            return;
        }
        let bar = slot.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        if total == 0 {
            bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
            bar.set_message("waiting for another netstack process to finish the search index…");
            return;
        }
        if bar.length() != Some(total as u64) {
            bar.set_style(
                ProgressStyle::with_template("indexing {bar:30} {pos}/{len} docs ({eta} left)")
                    .expect("template"),
            );
            bar.set_length(total as u64);
        }
        bar.set_position(done as u64);
    }

    fn finish(&self) {
        if let Some(b) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            b.finish_and_clear();
        }
    }
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let q = SearchQuery {
        text: args.query.join(" "),
        kinds: args.kind.clone(),
        sites: args.site.clone(),
        categories: args.category.clone(),
        tags: args.tag.clone(),
        limit: args.limit,
        offset: args.offset,
    };
    let err = Style::stderr();
    if q.text.trim().is_empty() && !q.has_filters() {
        eprintln!(
            "{}: give words to search for, e.g. `netstack search backup schedule`, or a filter such as `--kind pattern` to list docs",
            err.red("error")
        );
        return Ok(exit::USAGE);
    }
    // Bounds and searchable words first: a query that cannot be answered never opens (or
    // builds) the index.
    if let Err(e) = q.check() {
        eprintln!("{}: {e}", err.red("error"));
        return Ok(exit::USAGE);
    }
    let config = kb_select::config(cli.kb.as_deref())?;
    let asked = if args.reindex {
        None
    } else {
        ask_server(&config, &q)
    };
    let results = match asked {
        Some(Response::Results(r)) => r,
        Some(Response::Refused(m)) => {
            eprintln!("{}: {m}", err.red("error"));
            return Ok(exit::USAGE);
        }
        Some(Response::Declined(_)) | None => match search_here(&config, &q, args, cli)? {
            Ok(r) => r,
            Err(code) => return Ok(code),
        },
    };
    print_results(&config, &q, args, cli, &results)
}

/// How long a search waits for the running server before searching by itself.
const SERVER_WAIT: Duration = Duration::from_millis(100);

/// The running `netstack serve` of this KB, if one answers at once: it keeps the index fresh
/// with its watcher, so no walk is needed. `NETSTACK_NO_SERVER=1` never asks.
fn ask_server(config: &Config, q: &SearchQuery) -> Option<Response> {
    use std::io::{BufRead, Write};
    if std::env::var_os("NETSTACK_NO_SERVER").is_some() {
        return None;
    }
    let path = remote::socket_path(config);
    let stream = std::os::unix::net::UnixStream::connect(&path).ok()?;
    stream.set_write_timeout(Some(SERVER_WAIT)).ok()?;
    stream.set_read_timeout(Some(SERVER_WAIT)).ok()?;
    let request = Request {
        identity: remote::identity(config),
        query: q.clone(),
    };
    let mut line = serde_json::to_vec(&request).ok()?;
    line.push(b'\n');
    (&stream).write_all(&line).ok()?;
    let mut answer = String::new();
    std::io::BufReader::new(&stream)
        .read_line(&mut answer)
        .ok()?;
    let response: Response = serde_json::from_str(&answer).ok()?;
    match &response {
        Response::Declined(why) => tracing::debug!("the running server declined: {why}"),
        _ => tracing::info!(socket = %path.display(), "answered by the running netstack serve"),
    }
    Some(response)
}

/// Search with the index on disk (brought up to date first). `Err(code)`: the query was
/// refused (said on stderr), exit with `code`.
fn search_here(
    config: &Config,
    q: &SearchQuery,
    args: &Args,
    cli: &Cli,
) -> Result<std::result::Result<SearchResults, u8>> {
    let err = Style::stderr();
    let (index, _) = open(config, args.reindex, cli.quiet)?;
    Ok(Ok(match index.query(q) {
        Ok(r) => r,
        Err(docengine::Error::Invalid(m)) => {
            eprintln!("{}: {m}", err.red("error"));
            return Ok(Err(exit::USAGE));
        }
        Err(docengine::Error::Query(e)) => {
            eprintln!("{}: {e}", err.red("error"));
            return Ok(Err(exit::USAGE));
        }
        // Damaged in a way opening did not notice: rebuild once, then search again.
        Err(e @ docengine::Error::Index { .. }) => {
            eprintln!("{}: {e}: rebuilding it", err.yellow("note"));
            drop(index);
            let (index, _) = open(config, true, cli.quiet)?;
            index.query(q).context("searching")?
        }
        Err(e) => return Err(e).context("searching"),
    }))
}

/// The results on stdout (human or `--json`), notes on stderr or above them; the exit code.
fn print_results(
    config: &Config,
    q: &SearchQuery,
    args: &Args,
    cli: &Cli,
    results: &SearchResults,
) -> Result<u8> {
    let err = Style::stderr();
    if let Some(strict) = &results.no_exact_match {
        let st = if args.json { err } else { Style::stdout() };
        let line = format!(
            "no exact match for {}; showing matches for the words",
            st.bold(&clean(strict))
        );
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}\n");
        }
    }
    if !results.corrections.is_empty() {
        let fixes: Vec<String> = results
            .corrections
            .iter()
            .map(|c| format!("{} → {}", clean(&c.from), clean(&c.to)))
            .collect();
        let st = if args.json { err } else { Style::stdout() };
        let line = format!(
            "showing results for {} ({})",
            st.bold(&clean(
                results.corrected_query.as_deref().unwrap_or_default()
            )),
            fixes.join(", ")
        );
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}\n");
        }
    }
    if args.json {
        println!(
            "{}",
            clean_json(serde_json::to_string_pretty(&results.hits)?)
        );
    } else {
        print!("{}", human(config, q, results, Style::stdout()));
    }
    if results.hits.is_empty() {
        if !args.json && !cli.quiet {
            eprintln!(
                "no results for `{}`{}",
                clean(&q.text),
                if q.has_filters() {
                    " with these filters"
                } else {
                    ""
                }
            );
        }
        return Ok(exit::FINDINGS);
    }
    // Nothing matched the query as typed (grep style), even though its words found these.
    if results.no_exact_match.is_some() {
        return Ok(exit::FINDINGS);
    }
    Ok(exit::OK)
}

/// Open (build, update, repair) the index, with a progress bar and one-line notices.
fn open(config: &Config, rebuild: bool, quiet: bool) -> Result<(SearchIndex, IndexReport)> {
    let err = Style::stderr();
    let progress = Progress::new(quiet);
    let opened = SearchIndex::open_disk(
        config,
        OpenOptions {
            rebuild,
            // One query: an index that cannot be brought up to date is searched as it is.
            prefer_stale: true,
            ..OpenOptions::default()
        },
        &|done, total| progress.update(done, total),
    );
    progress.finish();
    let (index, report) = opened.context("opening the search index")?;
    if let Some(why) = report.rebuilt.as_deref().filter(|_| !quiet) {
        eprintln!(
            "{}: search index rebuilt ({} docs in {:.1}s): {why}",
            err.yellow("note"),
            report.docs,
            report.elapsed.as_secs_f64()
        );
    }
    if let Some(n) = &report.notice {
        eprintln!("{}: {n}", err.yellow("note"));
    }
    if let Some(n) = &report.degraded {
        eprintln!("{}: {}", err.yellow("note"), clean(n));
    }
    tracing::info!(
        index = %index.dir().display(),
        docs = report.docs,
        created = report.created,
        added = report.added,
        updated = report.updated,
        removed = report.removed,
        ms = report.elapsed.as_millis() as u64,
        "search index ready"
    );
    Ok((index, report))
}

/// `s` with its highlighted byte ranges marked; the rest styled with `rest`. Each piece is
/// [`clean`]ed on its own, so the ranges (of the raw text) stay right.
fn marked(
    s: &str,
    ranges: &[(usize, usize)],
    st: Style,
    rest: fn(Style, &str) -> String,
) -> String {
    if !st.on {
        return clean(s).into_owned();
    }
    let mut out = String::with_capacity(s.len() + 16 * ranges.len());
    let mut last = 0;
    for &(a, b) in ranges {
        if a < last || b > s.len() || !s.is_char_boundary(a) || !s.is_char_boundary(b) {
            continue;
        }
        if a > last {
            out.push_str(&rest(st, &clean(&s[last..a])));
        }
        out.push_str(&rest(st, &st.mark(&clean(&s[a..b]))));
        last = b;
    }
    if last < s.len() {
        out.push_str(&rest(st, &clean(&s[last..])));
    }
    out
}

fn plain(_: Style, s: &str) -> String {
    s.to_string()
}

fn label(h: &Hit) -> String {
    let place = match (&h.site, &h.category) {
        (Some(site), _) => site.clone(),
        (None, Some(cat)) => cat.clone(),
        (None, None) => h.repo.clone(),
    };
    format!("{} · {}", h.kind, clean(&place))
}

fn human(config: &Config, q: &SearchQuery, r: &SearchResults, st: Style) -> String {
    let roots: HashMap<&str, PathBuf> =
        std::iter::once((config.patterns.name.as_str(), config.patterns.path.clone()))
            .chain(
                config
                    .sites
                    .iter()
                    .map(|s| (s.name.as_str(), s.path.clone())),
            )
            .collect();
    let mut o = String::new();
    if r.relaxed {
        let _ = writeln!(
            o,
            "{}",
            st.dim("no doc matches every word; these match most of them")
        );
    }
    let width = r.hits.last().map(|h| h.rank.to_string().len()).unwrap_or(1);
    for h in &r.hits {
        let _ = writeln!(
            o,
            "{:>width$}. {}  {}",
            h.rank,
            marked(&h.title, &h.title_highlights, st, Style::bold),
            st.dim(&label(h))
        );
        let indent = " ".repeat(width + 2);
        let path = roots
            .get(h.repo.as_str())
            .map(|root| config.display_path(&root.join(&h.path)))
            .unwrap_or_else(|| format!("{}/{}", h.repo, h.path));
        let line = h.section.as_ref().map(|s| format!(":{}", s.line));
        let _ = writeln!(
            o,
            "{indent}{}",
            st.cyan(&format!("{}{}", clean(&path), line.unwrap_or_default()))
        );
        if let Some(url) = &h.url {
            let anchor = h
                .section
                .as_ref()
                .map(|s| format!("#{}", s.anchor))
                .unwrap_or_default();
            let _ = writeln!(o, "{indent}{}", st.dim(&clean(&format!("{url}{anchor}"))));
        }
        if let Some(s) = h.section.as_ref().filter(|s| s.heading != h.title) {
            let _ = writeln!(o, "{indent}§ {}", clean(&s.heading));
        }
        if !h.snippet.is_empty() {
            let _ = writeln!(
                o,
                "{indent}{}",
                marked(&h.snippet, &h.highlights, st, plain)
            );
        }
        let _ = writeln!(o);
    }
    if !r.hits.is_empty() {
        let last = r.hits.last().map(|h| h.rank).unwrap_or(0);
        let more = if r.total > last && last <= limits::MAX_SEARCH_OFFSET {
            format!(
                " · --limit {} or --offset {last} for more",
                (q.limit * 2).min(limits::MAX_SEARCH_LIMIT)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "{}",
            st.dim(&format!(
                "{}–{} of {} result{}{more}",
                q.offset + 1,
                last,
                r.total,
                if r.total == 1 { "" } else { "s" }
            ))
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_highlights_and_keeps_the_rest_styled() {
        let on = Style { on: true };
        assert_eq!(
            marked("WireGuard link", &[(0, 9)], on, Style::bold),
            "\u{1b}[1m\u{1b}[1;4;33mWireGuard\u{1b}[0m\u{1b}[0m\u{1b}[1m link\u{1b}[0m"
        );
        // Off: unchanged; bad ranges are ignored, never a panic.
        assert_eq!(
            marked("héllo", &[(1, 2)], Style { on: false }, Style::bold),
            "héllo"
        );
        assert_eq!(marked("héllo", &[(1, 2), (9, 12)], on, plain), "héllo");
    }

    #[test]
    fn repo_text_never_reaches_the_terminal_raw() {
        let on = Style { on: true };
        let title = "\u{1b}]0;PWNED\u{7}Backup";
        for st in [on, Style { on: false }] {
            let m = marked(title, &[(10, 16)], st, Style::bold);
            assert!(!m.contains('\u{7}') && !m.contains("\u{1b}]"), "{m:?}");
            assert!(m.contains("\\u{1b}]0;PWNED\\u{7}"), "{m:?}");
        }
        // The highlight still covers the word it was computed for.
        assert!(marked(title, &[(10, 16)], on, plain).contains("\u{1b}[1;4;33mBackup"));
    }
}
