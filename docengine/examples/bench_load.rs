//! Load benchmark: loads a KB several times and prints the median load time per phase.
//!
//! ```sh
//! cargo run --release -p docengine --example bench_load -- /tmp/kb20k [RUNS]
//! ```

use docengine::{Config, KnowledgeBase};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(kb) = args.next() else {
        eprintln!("usage: bench_load KB_DIR [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let config = Config::load(std::path::Path::new(&kb)).unwrap_or_else(|e| {
        eprintln!("bench_load: {e}");
        std::process::exit(2)
    });
    let mut totals = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let started = std::time::Instant::now();
        let kb = KnowledgeBase::load(config.clone()).expect("load");
        totals.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(kb.timings());
        println!(
            "docs={} patterns={} refs={} problems={}",
            kb.docs.len(),
            kb.pattern_count(),
            kb.references().len(),
            kb.problems().len()
        );
    }
    // Refresh with nothing changed: every file is reused.
    let kb = KnowledgeBase::load(config).expect("load");
    let started = std::time::Instant::now();
    let again = kb.refresh().expect("refresh");
    let refresh_ms = started.elapsed().as_secs_f64() * 1000.0;
    totals.sort_by(f64::total_cmp);
    let t = last.unwrap_or_default();
    println!(
        "load median {:.0} ms (min {:.0}, max {:.0}) over {runs} runs; last run: walk {:.0} ms, read+parse {:.0} ms, index {:.0} ms, refs {:.0} ms; refresh with no change {:.0} ms ({} files reused)",
        totals[totals.len() / 2],
        totals[0],
        totals[totals.len() - 1],
        t.walk_ms,
        t.read_parse_ms,
        t.index_ms,
        t.refs_ms,
        refresh_ms,
        again.timings().files_reused
    );
}
