//! Benchmark of `lint --recommend --outbox`: turn one finding per site doc that follows a
//! pattern (a stress load: real runs have far fewer) into recommendations routed per contract,
//! write the outbox, then run again with the same findings (the idempotent path).
//!
//! ```sh
//! cargo run --release -p docengine --example bench_outbox -- KB_DIR OUTBOX_DIR
//! ```

use std::time::Instant;

use docengine::recommend::{self, FindingInput, FindingPattern, FixedClock};
use docengine::{Config, KnowledgeBase, Severity};

fn main() {
    let mut args = std::env::args().skip(1);
    let kb_dir = args.next().expect("usage: bench_outbox KB_DIR OUTBOX_DIR");
    let out = args.next().expect("usage: bench_outbox KB_DIR OUTBOX_DIR");
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(&out);
    eprintln!(
        "cleared {} in {:.0} ms",
        out,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let kb = KnowledgeBase::load(Config::load(kb_dir.as_ref()).unwrap()).unwrap();
    eprintln!("loaded the KB in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut findings = Vec::new();
    for (id, doc) in kb.docs.iter().enumerate() {
        let Some(site) = &doc.site else { continue };
        if let Some(&p) = kb.followed_by_doc(id).first() {
            let pid = kb.doc(p).pattern_id.clone().unwrap_or_default();
            findings.push(FindingInput {
                rule: "duplicate-content".into(),
                severity: if id % 7 == 0 {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                site: site.clone(),
                path: doc.path.clone(),
                line: 5,
                end_line: 12,
                message: format!("copies {pid}"),
                pattern: Some(FindingPattern {
                    id: pid,
                    path: None,
                    url: None,
                }),
                similarity: Some(0.9),
                fingerprint: format!("{:x}", doc.hash),
                fix: None,
            });
        }
    }
    let sites: Vec<String> = kb.sites().map(str::to_string).collect();
    let t = Instant::now();
    let recs: usize = findings
        .iter()
        .filter(|f| recommend::from_finding(&kb, f).is_ok())
        .count();
    let build = t.elapsed();
    let t = Instant::now();
    let first = recommend::sync_findings(
        &kb,
        &findings,
        &sites,
        out.as_ref(),
        &FixedClock::at(1_760_434_200),
    )
    .unwrap();
    let run1 = t.elapsed();
    let t = Instant::now();
    let second = recommend::sync_findings(
        &kb,
        &findings,
        &sites,
        out.as_ref(),
        &FixedClock::at(1_760_520_600),
    )
    .unwrap();
    let run2 = t.elapsed();
    println!(
        "findings {} routable {recs} | build models {:.0} ms | first run {:.0} ms ({} new, {} files) | second run {:.0} ms ({} files rewritten) | unroutable sites {}",
        findings.len(),
        build.as_secs_f64() * 1e3,
        run1.as_secs_f64() * 1e3,
        first.report.new.len(),
        first.report.written.len(),
        run2.as_secs_f64() * 1e3,
        second.report.written.len(),
        first.unroutable.len(),
    );
}
