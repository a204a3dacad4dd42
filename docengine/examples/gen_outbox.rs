//! Make an outbox of N e-mail recommendations for the delivery benchmark (BENCHMARKS.md):
//! N distinct `broken-link` findings of one site of a KB (the bundled sample's `cf` routes
//! to e-mail with a cc), recorded with `sync_findings` as `lint --recommend` would.
//!
//! ```sh
//! cargo run --release -p docengine --example gen_outbox -- KB_DIR OUTBOX_DIR N [SITE]
//! ```

use docengine::recommend::{self, FindingInput, FixedClock};
use docengine::{Config, KnowledgeBase, Severity};

fn main() {
    let usage = "usage: gen_outbox KB_DIR OUTBOX_DIR N [SITE]";
    let mut args = std::env::args().skip(1);
    let kb_dir = args.next().expect(usage);
    let out = args.next().expect(usage);
    let n: usize = args.next().expect(usage).parse().expect(usage);
    let site = args.next().unwrap_or_else(|| "cf".into());
    let kb = KnowledgeBase::load(Config::load(kb_dir.as_ref()).unwrap()).unwrap();
    let findings: Vec<FindingInput> = (0..n)
        .map(|i| FindingInput {
            rule: "broken-link".into(),
            severity: Severity::Error,
            site: site.clone(),
            path: format!("docs/page-{i:05}.md"),
            line: 3,
            end_line: 3,
            message: format!("`./missing-{i}.md` links a file that does not exist"),
            pattern: None,
            similarity: None,
            fingerprint: format!("bench-{i}"),
            fix: None,
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    let r = recommend::sync_findings(
        &kb,
        &findings,
        &[],
        out.as_ref(),
        &FixedClock::at(1_760_434_200),
    )
    .unwrap();
    println!(
        "{} recommendations, {} files in {out}",
        r.recorded,
        r.report.written.len()
    );
}
