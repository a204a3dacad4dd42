//! The real KB the targets that need one run against: a copy of the bundled `content/`
//! federation in a temp folder, loaded once per process, with its search index.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use docengine::{Config, DocId, KnowledgeBase, SearchIndex};

/// The doc the render target rewrites (a site doc, so its links to patterns resolve).
const FUZZ_DOC: (&str, &str) = ("cf", "docs/fuzz.md");

pub(crate) struct Fixture {
    /// The KB folder (a copy of `content/`).
    pub root: PathBuf,
    pub kb: KnowledgeBase,
    /// `cf/docs/fuzz.md` in `kb`.
    pub fuzz_doc: DocId,
    /// Pattern ids of `kb`, for reference extraction.
    pub known_ids: HashSet<String>,
    index: OnceLock<SearchIndex>,
    /// Serializes rewrites of the fuzz doc; counts them to give each a distinct mtime.
    writes: Mutex<u64>,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();
/// The temp folder, taken by [`cleanup`].
static DIR: Mutex<Option<tempfile::TempDir>> = Mutex::new(None);

pub(crate) fn get() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("netstack-fuzz-")
            .tempdir()
            .expect("temp folder for the fuzz fixture");
        let root = dir.path().to_path_buf();
        let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
        copy_tree(&content, &root).expect("copy content/ into the fuzz fixture");
        std::fs::write(
            root.join(FUZZ_DOC.0).join(FUZZ_DOC.1),
            "# Fuzz\n\nPer the backup pattern.\n",
        )
        .expect("write the fuzz doc");
        *DIR.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir);
        let config = Config::load(&root).expect("content/netstack.toml loads");
        let kb = KnowledgeBase::load(config).expect("content/ loads");
        let fuzz_doc = kb
            .find(FUZZ_DOC.0, FUZZ_DOC.1)
            .expect("the fuzz doc is loaded");
        let known_ids = kb.patterns().map(|(id, _)| id.to_string()).collect();
        Fixture {
            root,
            kb,
            fuzz_doc,
            known_ids,
            index: OnceLock::new(),
            writes: Mutex::new(0),
        }
    })
}

/// Delete the fixture's temp folder (the fixture lives in a static, which is never
/// dropped). Call it once, after the last target ran.
pub fn cleanup() {
    drop(DIR.lock().unwrap_or_else(|e| e.into_inner()).take());
}

impl Fixture {
    /// The search index of `kb`, built on first use.
    pub(crate) fn index(&self) -> &SearchIndex {
        self.index.get_or_init(|| {
            SearchIndex::open(&self.kb, &|_, _| {})
                .expect("the fixture's search index builds")
                .0
        })
    }
}

/// Write `text` as the fuzz doc, reload the KB the way live reload does
/// (`refresh_changed`) and call `f` with the new KB and the doc (when it loaded as one).
pub(crate) fn with_doc(text: &str, f: impl FnOnce(&KnowledgeBase, DocId)) {
    let fx = get();
    let mut writes = fx.writes.lock().unwrap_or_else(|e| e.into_inner());
    *writes += 1;
    let path = fx.root.join(FUZZ_DOC.0).join(FUZZ_DOC.1);
    std::fs::write(&path, text).expect("write the fuzz doc");
    // A distinct mtime per write: two writes of the same size within the file system's
    // timestamp granularity would otherwise look unchanged to the refresh.
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + *writes);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_modified(mtime))
        .expect("set the fuzz doc's mtime");
    let kb = fx
        .kb
        .refresh_changed(std::slice::from_ref(&path))
        .expect("the fixture KB refreshes");
    if let Some(id) = kb.find(FUZZ_DOC.0, FUZZ_DOC.1) {
        let source = &kb.doc(id).source;
        assert!(
            text.starts_with(source.as_str()),
            "the refresh did not re-read the fuzz doc"
        );
        f(&kb, id);
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
