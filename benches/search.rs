//! Search benchmarks (a plain bench binary; numbers go to BENCHMARKS.md, section "Search").
//!
//! ```sh
//! cargo bench --bench search -- quality                 # query set on content/: success@k, MRR@10
//! cargo bench --bench search -- latency /tmp/kb20k      # build, incremental update, query p50/p99
//! ```
//!
//! `latency` builds its index in a temporary folder (the KB's own `.netstack/index` is not
//! touched), edits a few docs of the KB to time incremental updates and restores them.

#[path = "../tests/quality/mod.rs"]
mod quality;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docengine::index::{OpenOptions, SearchIndex};
use docengine::{Config, DocKind, KnowledgeBase, SearchQuery};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("quality") | None => quality_bench(),
        Some("latency") => {
            let kb = args
                .get(1)
                .map(PathBuf::from)
                .expect("usage: search latency KB_DIR [RUNS]");
            let runs = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(10);
            latency_bench(&kb, runs);
        }
        Some("queries") => {
            let kb = args
                .get(1)
                .map(PathBuf::from)
                .expect("usage: search queries KB_DIR [ROUNDS]");
            let rounds = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5);
            queries_bench(&kb, rounds);
        }
        Some(other) => {
            eprintln!("unknown mode {other}: use `quality` or `latency KB_DIR [RUNS]`");
            std::process::exit(2);
        }
    }
}

fn quality_bench() {
    let set = quality::load_set();
    let dir = tempfile::tempdir().unwrap();
    let kb = quality::bundled_kb(&dir.path().join("index"));
    let (index, _) = SearchIndex::open(&kb, &|_, _| {}).unwrap();
    let outcomes = quality::evaluate(&index, &kb, &set);
    print!("{}", quality::report(&outcomes));
    println!(
        "\n{} queries: success@1 {:.3}  success@3 {:.3}  success@10 {:.3}  MRR@10 {:.3}",
        outcomes.len(),
        quality::success_at(&outcomes, 1),
        quality::success_at(&outcomes, 3),
        quality::success_at(&outcomes, 10),
        quality::mrr_at_10(&outcomes)
    );
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// CPU time of the calling thread (independent of other load on the machine).
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Words of a text that make sense as query words (no numbers, no filler).
fn words(text: &str) -> Vec<String> {
    const FILLER: &[&str] = &["pattern", "the", "a", "each", "every", "and", "of", "to"];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && !w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect()
}

/// A mixed query set drawn from the KB itself: one and two title words, a natural-language
/// question, a quoted phrase, a prefix, a typo, and filtered queries.
fn mixed_queries(kb: &KnowledgeBase) -> Vec<(&'static str, SearchQuery)> {
    let mut out = Vec::new();
    let step = (kb.docs.len() / 40).max(1);
    for doc in kb.docs.iter().step_by(step).take(40) {
        let title = words(&doc.title);
        let body = words(doc.section_text(doc.sections.len().min(2).saturating_sub(1)));
        let Some(t0) = title.first().cloned() else {
            continue;
        };
        let t1 = title.get(1).cloned().unwrap_or_else(|| t0.clone());
        out.push(("one word", SearchQuery::new(t0.clone())));
        out.push(("two words", SearchQuery::new(format!("{t0} {t1}"))));
        if body.len() >= 4 {
            out.push((
                "question",
                SearchQuery::new(format!("how do I {} {} {}", body[0], body[1], body[3])),
            ));
            out.push((
                "phrase",
                SearchQuery::new(format!("\"{} {}\"", body[0], body[1])),
            ));
        }
        let prefix: String = t0.chars().take(3).collect();
        out.push(("prefix", SearchQuery::new(format!("{t1} {prefix}"))));
        if let Some(long) = title.iter().chain(body.iter()).find(|w| w.len() >= 6) {
            let typo: String = long
                .chars()
                .enumerate()
                .filter(|&(i, _)| i != 2)
                .map(|(_, c)| c)
                .collect();
            out.push(("typo", SearchQuery::new(typo)));
        }
        out.push((
            "filtered",
            SearchQuery {
                kinds: vec![DocKind::Pattern],
                categories: vec!["ops".into()],
                ..SearchQuery::new(t0.clone())
            },
        ));
    }
    out
}

fn latency_bench(kb_dir: &Path, runs: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = Config::load(kb_dir).expect("KB config");
    config.index.path = tmp.path().join("index");
    let no_progress = |_: usize, _: usize| {};

    // 1. Full builds.
    let t = Instant::now();
    let (_, r) = SearchIndex::open_disk(&config, OpenOptions::default(), &no_progress).unwrap();
    let build_disk = t.elapsed();
    println!(
        "full build from disk (walk + read + parse + index + commit): {} docs in {}",
        r.docs,
        ms(build_disk)
    );
    println!(
        "index size: {:.1} MB",
        dir_size(&config.index.path) as f64 / 1e6
    );
    let t = Instant::now();
    let kb = KnowledgeBase::load(config.clone()).unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let (index, r) = SearchIndex::open_with(
        &kb,
        OpenOptions {
            rebuild: true,
            ..OpenOptions::default()
        },
        &no_progress,
    )
    .unwrap();
    let build_kb = t.elapsed();
    println!(
        "full build from a loaded KB (index + commit only): {} docs in {} (KB load: {})",
        r.docs,
        ms(build_kb),
        ms(load)
    );

    // 2. Warm open with nothing changed (what every `netstack search` does first).
    let mut warm = Vec::new();
    for _ in 0..runs.max(3) {
        let t = Instant::now();
        let (_, r) = SearchIndex::open_disk(&config, OpenOptions::default(), &no_progress).unwrap();
        warm.push(t.elapsed());
        assert!(!r.changed());
    }
    println!(
        "warm open, nothing changed (walk + stat + open): median {}",
        ms(median(warm))
    );

    // 3. Incremental update of one changed doc.
    let step = kb.docs.len() / runs.max(1);
    let targets: Vec<PathBuf> = (0..runs)
        .map(|i| kb.docs[i * step].abs_path.clone())
        .collect();
    let originals: Vec<Vec<u8>> = targets.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let (mut disk, mut sync, mut refresh) = (Vec::new(), Vec::new(), Vec::new());
    let mut current = kb;
    for (i, path) in targets.iter().enumerate() {
        // Server path: refresh the KB (timed apart), then sync the index.
        let mut text = originals[i].clone();
        text.extend_from_slice(format!("\nEdited in benchmark run {i}: zanzibar.\n").as_bytes());
        std::fs::write(path, &text).unwrap();
        let t = Instant::now();
        let next = current.refresh().unwrap();
        refresh.push(t.elapsed());
        let t = Instant::now();
        let r = index.sync(&next).unwrap();
        sync.push(t.elapsed());
        assert_eq!(r.updated, 1, "{r:?}");
        current = next;
        // CLI path: edit again, then open from disk (walk + stat + read 1 + index + commit).
        text.extend_from_slice(b"Edited once more.\n");
        std::fs::write(path, &text).unwrap();
        let t = Instant::now();
        let (_, r) = SearchIndex::open_disk(&config, OpenOptions::default(), &no_progress).unwrap();
        disk.push(t.elapsed());
        assert_eq!(r.updated, 1, "{r:?}");
    }
    for (p, o) in targets.iter().zip(&originals) {
        std::fs::write(p, o).unwrap();
    }
    println!(
        "incremental update of one doc, in-process sync(kb): median {} (KB refresh before it: median {})",
        ms(median(sync)),
        ms(median(refresh))
    );
    println!(
        "incremental update of one doc, whole CLI open (walk + stat + update): median {}",
        ms(median(disk))
    );
    let current = current.refresh().unwrap();
    index.sync(&current).unwrap();

    query_latency(&index, &current, 5);
}

/// Query latency only, on the KB's own index (built or updated first, like the CLI does).
fn queries_bench(kb_dir: &Path, rounds: usize) {
    let config = Config::load(kb_dir).expect("KB config");
    let (index, _) = SearchIndex::open_disk(&config, OpenOptions::default(), &|_, _| {}).unwrap();
    let kb = KnowledgeBase::load(config).unwrap();
    query_latency(&index, &kb, rounds);
}

fn query_latency(index: &SearchIndex, kb: &KnowledgeBase, rounds: usize) {
    // Query latency, in process.
    let queries = mixed_queries(kb);
    for (_, q) in &queries {
        index.query(q).unwrap();
    }
    let mut all = Vec::new();
    let mut cpu = Vec::new();
    let mut by_kind: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut empty = 0;
    for _ in 0..rounds {
        for (kind, q) in &queries {
            let c = thread_cpu();
            let t = Instant::now();
            let r = index.query(q).unwrap();
            let d = t.elapsed();
            cpu.push(thread_cpu() - c);
            if r.hits.is_empty() {
                empty += 1;
            }
            all.push(d);
            by_kind.entry(kind).or_default().push(d);
        }
    }
    all.sort();
    println!(
        "query latency over {} mixed queries x {rounds} ({} samples, {} without hits): p50 {}  p90 {}  p99 {}  max {}",
        queries.len(),
        all.len(),
        empty,
        us(percentile(&all, 0.5)),
        us(percentile(&all, 0.9)),
        us(percentile(&all, 0.99)),
        us(*all.last().unwrap())
    );
    cpu.sort();
    println!(
        "  same, thread CPU time (what the query costs without other load): p50 {}  p90 {}  p99 {}",
        us(percentile(&cpu, 0.5)),
        us(percentile(&cpu, 0.9)),
        us(percentile(&cpu, 0.99))
    );
    for (kind, mut v) in by_kind {
        v.sort();
        println!(
            "  {kind:<10} p50 {:>7}  p99 {:>7}",
            us(percentile(&v, 0.5)),
            us(percentile(&v, 0.99))
        );
    }
}
