//! The stable fuzz harness `cargo test` runs on every CI run: each target of `fuzz_targets`
//! on its checked-in seed corpus (`fuzz/corpus/<target>/`) and on a fixed number of
//! mutations from a seeded PRNG, asserting per input: no panic, and time, peak allocation
//! and work (size of what the target built) within a linear function of the input size.
//! Deterministic (same inputs every run); failing inputs are written to
//! `target/fuzz-harness-failures/` to replay with `cargo fuzz run <target> <file>`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fuzz_targets::Target;

// ---- budgets per input of n bytes (debug build, 2 shared cores: generous on purpose) -----

/// Time: a fixed part (a KB refresh for `render`, a search) plus a part per byte. A debug
/// build renders about 5 KB of markdown per second (sanitizing dominates), so the debug
/// constant is large; a quadratic input still exceeds it well before `MAX_INPUT`.
const TIME_BASE: Duration = Duration::from_secs(1);
const TIME_PER_BYTE: Duration = if cfg!(debug_assertions) {
    Duration::from_micros(500)
} else {
    Duration::from_micros(25)
};
/// Peak allocation above what was live before the input.
const MEM_BASE: usize = 64 << 20;
const MEM_PER_BYTE: usize = 1024;
/// Work: bytes of model, HTML, hits or messages the target produced.
const WORK_BASE: usize = 256 << 10;
const WORK_PER_BYTE: usize = 256;

// ---- how much fuzzing per target ---------------------------------------------------------

/// Mutated inputs per target at most, and a wall-clock cap per target (seeds included:
/// hostile seeds run first, then the other seeds, then mutants) so the whole harness stays
/// well under a minute in a debug build on two cores.
const MUTATIONS: usize = 400;
const TIME_CAP: Duration = Duration::from_secs(6);
/// Mutants are made from seeds up to this size (small inputs: more executions).
const MAX_BASE: usize = 16 << 10;
/// Mutants grow up to this size.
const MAX_INPUT: usize = 64 << 10;

// ---- allocation counting -----------------------------------------------------------------

/// Counts live and peak heap bytes of the whole process. The targets run one at a time
/// (a single test), so the peak during an input is that input's.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

// ---- a small deterministic PRNG (SplitMix64) ---------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Tokens that mean something to one of the parsers.
const DICTIONARY: &[&str] = &[
    "\n",
    "\r\n",
    "\t",
    "    ",
    "---\n",
    "+++\n",
    "...\n",
    "# ",
    "## ",
    "- ",
    "* ",
    "+ ",
    "> ",
    "1. ",
    "```\n",
    "~~~",
    "|",
    "|---|",
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "<",
    ">",
    "&",
    "*",
    "&a ",
    "*a",
    ": ",
    " = ",
    "\"",
    "'",
    "`",
    "\\",
    "{",
    "}",
    "[[",
    "]]",
    "<<: ",
    "!!",
    "\u{1b}",
    "\u{7}",
    "\0",
    "\u{7f}",
    "🙂",
    "\u{feff}",
    "\u{202e}",
    "http://",
    "https://netstack.org/ops/",
    "https://github.com/example-fed/netstack/blob/main/docs/",
    "../",
    "./",
    "/",
    "#",
    "%2e%2e",
    "<script>",
    "<img src=x>",
    "javascript:",
    "[[sites]]\nname = \"x\"\npath = \"cf\"\n",
    "[patterns]\npath = ",
    "offset=",
    "limit=",
    "kind=",
    "site=",
    "follows: ",
    "contacts:\n  - ",
    "method: email\n",
    "address: ",
    "routes:\n",
    "severity: ",
    "per the backup-cron pattern",
    "backup",
    "-",
    "+",
    "\"\"",
    "9999999999",
    "-1",
    "0",
];

/// Apply 1 to 4 random edits to `seed`: byte changes, dictionary tokens, deletions,
/// repetitions (which grow inputs, to exercise linearity) and splices of other seeds.
fn mutate(rng: &mut Rng, seed: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 => {
                let t = DICTIONARY[rng.below(DICTIONARY.len())];
                v.splice(at..at, t.bytes());
            }
            2 => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 if !v.is_empty() => {
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(32)).min(v.len());
                let chunk = v[start..end].to_vec();
                let most = if rng.below(4) == 0 { 2000 } else { 16 };
                let times = 1 + rng.below(most);
                let rep: Vec<u8> = chunk
                    .iter()
                    .copied()
                    .cycle()
                    .take(chunk.len() * times)
                    .collect();
                v.splice(end..end, rep);
            }
            4 => {
                let other = &seeds[rng.below(seeds.len())];
                if !other.is_empty() {
                    let start = rng.below(other.len());
                    let end = (start + 1 + rng.below(512)).min(other.len());
                    v.splice(at..at, other[start..end].iter().copied());
                }
            }
            5 => v.truncate(at),
            _ => v.insert(at, rng.next() as u8),
        }
        v.truncate(MAX_INPUT);
    }
    v
}

// ---- running one input -------------------------------------------------------------------

struct Measured {
    elapsed: Duration,
    peak: usize,
    work: usize,
}

/// Run one input; `Ok(None)` when it is a known open failure (skipped).
fn measure(target: Target, data: &[u8]) -> Result<Option<Measured>, String> {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| fuzz_targets::run(target, data)));
    let elapsed = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(live);
    match outcome {
        Ok(None) => Ok(None),
        Ok(Some(work)) => Ok(Some(Measured {
            elapsed,
            peak,
            work,
        })),
        Err(panic) => Err(format!(
            "panicked: {}",
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
        )),
    }
}

/// What exceeds the budgets for an input of `n` bytes, if anything.
fn over_budget(n: usize, m: &Measured) -> Option<String> {
    let time = TIME_BASE + TIME_PER_BYTE * n as u32;
    let mem = MEM_BASE + MEM_PER_BYTE * n;
    let work = WORK_BASE + WORK_PER_BYTE * n;
    let mut over = Vec::new();
    if m.elapsed > time {
        over.push(format!("took {:?} (budget {time:?})", m.elapsed));
    }
    if m.peak > mem {
        over.push(format!("allocated {} B at peak (budget {mem} B)", m.peak));
    }
    if m.work > work {
        over.push(format!("produced {} B of output (budget {work} B)", m.work));
    }
    (!over.is_empty()).then(|| over.join(", "))
}

struct Failure {
    target: Target,
    what: String,
    input: Vec<u8>,
}

#[derive(Default)]
struct Stats {
    seeds: usize,
    mutants: usize,
    skipped: usize,
    bytes: usize,
}

fn check(target: Target, data: &[u8], stats: &mut Stats, failures: &mut Vec<Failure>) {
    stats.bytes += data.len();
    let result = measure(target, data).and_then(|m| {
        let Some(m) = m else { return Ok(None) };
        match over_budget(data.len(), &m) {
            // Time depends on the machine's load: measure once more and keep the faster run.
            Some(_) if m.elapsed > TIME_BASE => {
                let again = measure(target, data)?.expect("same input, same verdict");
                Ok(Some(if again.elapsed < m.elapsed { again } else { m }))
            }
            _ => Ok(Some(m)),
        }
    });
    let what = match result {
        Ok(None) => {
            stats.skipped += 1;
            return;
        }
        Ok(Some(m)) => match over_budget(data.len(), &m) {
            None => return,
            Some(over) => format!("over budget: {over}"),
        },
        Err(panic) => panic,
    };
    failures.push(Failure {
        target,
        what,
        input: data.to_vec(),
    });
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn corpus(target: Target) -> Vec<(String, Vec<u8>)> {
    let dir = repo_root().join("fuzz/corpus").join(target.name());
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    seeds.sort();
    seeds
}

/// Every target's seeds, then its mutants, within the budgets.
#[test]
fn every_target_survives_its_corpus_and_mutants_within_linear_budgets() {
    fuzz_targets::warm_up();
    let mut failures = Vec::new();
    let mut report = String::new();
    for target in Target::ALL {
        let started = Instant::now();
        let mut stats = Stats::default();
        let mut seeds = corpus(target);
        let seed_count = seeds.len();
        assert!(!seeds.is_empty(), "no seeds for {}", target.name());
        seeds.sort_by_key(|(name, _)| !name.starts_with("hostile-"));
        for (_, data) in &seeds {
            if started.elapsed() >= TIME_CAP {
                break;
            }
            stats.seeds += 1;
            check(target, data, &mut stats, &mut failures);
        }
        let bases: Vec<Vec<u8>> = seeds
            .into_iter()
            .map(|(_, d)| d)
            .filter(|d| d.len() <= MAX_BASE)
            .collect();
        // A fixed seed per target (FNV-1a of its name): the same mutants on every run.
        let mut rng = Rng(target.name().bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }));
        while stats.mutants < MUTATIONS && started.elapsed() < TIME_CAP {
            let base = &bases[rng.below(bases.len())];
            let input = mutate(&mut rng, base, &bases);
            stats.mutants += 1;
            check(target, &input, &mut stats, &mut failures);
        }
        report.push_str(&format!(
            "{:>12}: {} of {} seeds + {} mutants ({} known open, skipped), {} KB in {:.1?}\n",
            target.name(),
            stats.seeds,
            seed_count,
            stats.mutants,
            stats.skipped,
            stats.bytes / 1024,
            started.elapsed()
        ));
    }
    fuzz_targets::cleanup();
    eprintln!("{report}");

    if failures.is_empty() {
        return;
    }
    let out = repo_root().join("target/fuzz-harness-failures");
    std::fs::create_dir_all(&out).unwrap();
    let mut msg = format!(
        "{} failing inputs (written to {}):\n",
        failures.len(),
        out.display()
    );
    for (i, f) in failures.iter().enumerate() {
        let file = out.join(format!("{}-{i}", f.target.name()));
        std::fs::write(&file, &f.input).unwrap();
        let shown: String = String::from_utf8_lossy(&f.input)
            .chars()
            .take(120)
            .collect();
        msg.push_str(&format!(
            "- {} ({} B, {}): {}\n    input starts {shown:?}\n",
            f.target.name(),
            f.input.len(),
            file.display(),
            f.what
        ));
    }
    panic!("{msg}");
}
