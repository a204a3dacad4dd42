//! Load benchmark: loads a KB several times and prints the median load time per phase, then
//! times a refresh after one edited doc (full `refresh` and the watcher's `refresh_changed`).
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
    let reused = again.timings().files_reused;
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
        reused
    );
    // One site doc edited in place, as the file watcher of `serve` reports it (medians).
    let edited = kb
        .docs
        .iter()
        .rev()
        .find(|d| d.site.is_some())
        .map(|d| d.abs_path.clone())
        .expect("a site doc");
    let original = std::fs::read_to_string(&edited).expect("read the edited doc");
    let (mut full, mut changed) = (Vec::new(), Vec::new());
    let mut current = again;
    for i in 0..runs.max(3) {
        std::fs::write(&edited, format!("{original}\nedit {i}\n")).expect("edit");
        let started = std::time::Instant::now();
        let next = current.refresh().expect("refresh");
        full.push(started.elapsed().as_secs_f64() * 1000.0);
        std::fs::write(&edited, format!("{original}\nedit {i} again\n")).expect("edit");
        let started = std::time::Instant::now();
        let fresh = next
            .refresh_changed(std::slice::from_ref(&edited))
            .expect("refresh_changed");
        changed.push(started.elapsed().as_secs_f64() * 1000.0);
        current = fresh; // (dropping the old snapshots is not part of the refresh)
    }
    std::fs::write(&edited, original).expect("restore the edited doc");
    full.sort_by(f64::total_cmp);
    changed.sort_by(f64::total_cmp);
    println!(
        "one doc edited: refresh {:.0} ms, refresh_changed {:.0} ms ({} file read; walk {:.0} ms, read+parse {:.0} ms, index {:.0} ms, refs {:.0} ms)",
        full[full.len() / 2],
        changed[changed.len() / 2],
        current.timings().files_read,
        current.timings().walk_ms,
        current.timings().read_parse_ms,
        current.timings().index_ms,
        current.timings().refs_ms,
    );
}
