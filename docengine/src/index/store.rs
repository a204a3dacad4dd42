//! The index folder on disk: opening and validating it (schema, commit payload, manifest,
//! doc count), repairing it by wiping and recreating it, and the writer lock that lets one
//! netstack process at a time write while any number of others read.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexReader, ReloadPolicy, Term};

use super::directory::CacheDirectory;
use super::manifest::{Manifest, Payload};
use super::schema::{self, Fields, SCHEMA_VERSION};

/// The lock netstack processes take before writing (an OS advisory lock: it dies with its
/// process, so a crash never leaves a stale lock behind). It holds the holder's pid.
pub const LOCK_FILE: &str = "netstack-writer.lock";

/// An open, validated index.
pub(crate) struct Live {
    pub index: Index,
    pub reader: IndexReader,
    pub payload: Payload,
    pub manifest: Arc<Manifest>,
    /// Section entries in the index (for BM25 statistics of section queries).
    pub sections: u64,
    /// Why this is not the index folder brought up to date (it cannot be written): an
    /// index kept in memory, or the folder's index as it was last updated.
    pub degraded: Option<String>,
    /// Kept in memory (updated there, never written to the folder).
    pub memory: bool,
}

impl Live {
    /// The same index and reader, marked as searched while degraded (see [`Live::degraded`]).
    pub fn degraded_copy(&self, why: String) -> Live {
        Live {
            index: self.index.clone(),
            reader: self.reader.clone(),
            payload: self.payload.clone(),
            manifest: Arc::clone(&self.manifest),
            sections: self.sections,
            degraded: Some(why),
            memory: self.memory,
        }
    }
}

/// What is in the index folder.
pub(crate) enum State {
    /// No index yet.
    Missing,
    /// An index that cannot be used as it is, and why.
    Broken(String),
    Ready(Box<Live>),
}

/// A commit happened while opening.
struct Moved;

enum Opened {
    Moved,
    State(State),
}

/// Held while writing; released on drop (or when the process dies).
pub(crate) struct WriteLock {
    file: File,
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Forget the pid before the lock goes (closing the file releases it).
        let _ = self.file.set_len(0);
    }
}

/// The index folder.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub dir: PathBuf,
}

/// Is this a file netstack or tantivy put in an index folder?
fn ours(name: &str) -> bool {
    if name == "meta.json"
        || name == ".managed.json"
        || name == LOCK_FILE
        || name.starts_with(".tantivy")
        || name.starts_with(".tmp")
        || (name.starts_with("manifest-") && (name.ends_with(".tsv") || name.ends_with(".tmp")))
    {
        return true;
    }
    // Segment files: 32 hex digits, a dot, an extension (`.idx`, `.store`, `.3.del`, …).
    let (stem, _) = name.split_once('.').unwrap_or((name, ""));
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    /// Files in the folder that netstack did not put there.
    fn foreign(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        match fs::read_dir(&self.dir) {
            Ok(rd) => {
                for e in rd {
                    let name = e?.file_name().to_string_lossy().into_owned();
                    if !ours(&name) {
                        out.push(name);
                    }
                }
            }
            // Missing, or under a file (never creatable): nothing there that could be lost.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => return Err(e),
        }
        out.sort();
        Ok(out)
    }

    /// Refuse folders that hold anything else: wiping them would destroy user files.
    pub fn check_dedicated(&self) -> Result<(), String> {
        let foreign = self.foreign().map_err(|e| format!("cannot list it: {e}"))?;
        if foreign.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = foreign.iter().take(3).map(String::as_str).collect();
        Err(format!(
            "it is not a netstack search index folder (it holds {}{}): point `[index] path` in netstack.toml at a folder of its own, e.g. `.netstack/index`",
            shown.join(", "),
            if foreign.len() > 3 { ", …" } else { "" }
        ))
    }

    /// Take the writer lock if nobody holds it.
    pub fn try_lock(&self) -> io::Result<Option<WriteLock>> {
        fs::create_dir_all(&self.dir)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.lock_path())?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => return Ok(None),
            Err(fs4::TryLockError::Error(e)) => return Err(e),
        }
        file.set_len(0)?;
        file.rewind()?;
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Some(WriteLock { file }))
    }

    /// Take the writer lock, waiting up to `wait` for another process to release it.
    pub fn lock(&self, wait: Duration) -> io::Result<Option<WriteLock>> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(10);
        loop {
            if let Some(l) = self.try_lock()? {
                return Ok(Some(l));
            }
            if started.elapsed() >= wait {
                return Ok(None);
            }
            std::thread::sleep(pause.min(wait.saturating_sub(started.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// The pid of the process holding the writer lock (as it wrote it).
    pub fn holder(&self) -> Option<u32> {
        let mut s = String::new();
        File::open(self.lock_path())
            .ok()?
            .read_to_string(&mut s)
            .ok()?;
        s.trim().parse().ok()
    }

    /// Open and validate the index.
    pub fn open(&self, fields: &Fields, config: &str) -> State {
        // Another process may commit while this one opens; then look again.
        for _ in 0..5 {
            match self.open_once(fields, config) {
                Opened::Moved => continue,
                Opened::State(s) => return s,
            }
        }
        State::Broken("it kept changing while being opened".into())
    }

    fn open_once(&self, fields: &Fields, config: &str) -> Opened {
        Opened::State(match self.open_checked(fields, config) {
            Ok(s) => s,
            Err(Moved) => return Opened::Moved,
        })
    }

    fn open_checked(&self, fields: &Fields, config: &str) -> Result<State, Moved> {
        let broken = |why: String| Ok(State::Broken(why));
        if !self.dir.join("meta.json").is_file() {
            let leftovers = fs::read_dir(&self.dir).is_ok_and(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .any(|n| ours(&n) && n != LOCK_FILE && !n.starts_with(".tantivy"))
            });
            return if leftovers {
                broken("its meta.json is missing (an earlier build did not finish)".into())
            } else {
                Ok(State::Missing)
            };
        }
        let index = match CacheDirectory::open(&self.dir).and_then(Index::open) {
            Ok(i) => i,
            Err(e) => return broken(format!("it cannot be opened ({e})")),
        };
        schema::register(&index);
        if index.schema() != fields.schema {
            return broken("its schema differs from this netstack version's".into());
        }
        let metas = match index.load_metas() {
            Ok(m) => m,
            Err(e) => return broken(format!("its meta.json cannot be read ({e})")),
        };
        let opstamp = metas.opstamp;
        // Did another process commit since `metas` was read?
        let moved = |index: &Index| index.load_metas().ok().map(|m| m.opstamp) != Some(opstamp);
        let Some(raw) = metas.payload else {
            return broken("an earlier build did not finish".into());
        };
        let payload: Payload = match serde_json::from_str(&raw) {
            Ok(p) => p,
            Err(e) => return broken(format!("its commit payload is unreadable ({e})")),
        };
        if payload.schema_version != SCHEMA_VERSION {
            return broken(format!(
                "its schema version changed ({} → {SCHEMA_VERSION})",
                payload.schema_version
            ));
        }
        if payload.config != config {
            return broken("the knowledge base configuration changed".into());
        }
        let manifest = match Manifest::read(&self.dir.join(&payload.manifest)) {
            Ok(m) => m,
            Err(_) if moved(&index) => return Err(Moved),
            Err(e) => {
                return broken(format!(
                    "its manifest {} is unusable ({e})",
                    payload.manifest
                ));
            }
        };
        if payload.docs != manifest.indexed() {
            return broken(format!(
                "its commit lists {} docs but its manifest {}",
                payload.docs,
                manifest.indexed()
            ));
        }
        let checked = index.clone();
        let live = match self.live(fields, index, payload, manifest) {
            Ok(l) => l,
            Err(_) if moved(&checked) => return Err(Moved),
            Err(e) => return broken(format!("it cannot be read ({e})")),
        };
        // The reader must show the commit whose payload and manifest were checked.
        if moved(&live.index) {
            return Err(Moved);
        }
        Ok(State::Ready(Box::new(live)))
    }

    /// An open index with a fresh reader; checks that the index holds the docs the payload
    /// says.
    pub fn live(
        &self,
        fields: &Fields,
        index: Index,
        payload: Payload,
        manifest: Manifest,
    ) -> tantivy::Result<Live> {
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let level = |l: &str| {
            searcher.search(
                &TermQuery::new(
                    Term::from_field_text(fields.level, l),
                    IndexRecordOption::Basic,
                ),
                &Count,
            )
        };
        let docs = level(schema::LEVEL_DOC)?;
        if docs != payload.docs {
            return Err(tantivy::TantivyError::InternalError(format!(
                "it holds {docs} docs but its commit lists {}",
                payload.docs
            )));
        }
        let sections = level(schema::LEVEL_SECTION)? as u64;
        Ok(Live {
            index,
            reader,
            payload,
            manifest: Arc::new(manifest),
            sections,
            degraded: None,
            memory: false,
        })
    }

    /// Delete the index files (never anything netstack did not write, never the lock).
    pub fn wipe(&self) -> io::Result<()> {
        let rd = match fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for e in rd {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name == LOCK_FILE || !ours(&name) {
                continue;
            }
            let path = e.path();
            let r = if e.file_type()?.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match r {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Create an empty index.
    pub fn create(&self, fields: &Fields) -> tantivy::Result<Index> {
        fs::create_dir_all(&self.dir)?;
        let settings = tantivy::IndexSettings {
            docstore_compression: tantivy::store::Compressor::Lz4,
            docstore_blocksize: 4096,
            ..Default::default()
        };
        let index = Index::create(
            CacheDirectory::open(&self.dir)?,
            fields.schema.clone(),
            settings,
        )?;
        schema::register(&index);
        Ok(index)
    }

    /// Delete manifests other than `keep` and the one before it (a reader that loaded the
    /// previous commit may still want it).
    pub fn prune_manifests(&self, keep: &str) {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return;
        };
        let num = |n: &str| -> Option<u64> {
            n.strip_prefix("manifest-")?
                .strip_suffix(".tsv")?
                .parse()
                .ok()
        };
        let Some(current) = num(keep) else { return };
        let mut older: Vec<(u64, PathBuf)> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let n = num(&e.file_name().to_string_lossy())?;
                (n < current).then(|| (n, e.path()))
            })
            .collect();
        older.sort();
        older.pop(); // the previous one stays
        for (_, p) in older {
            let _ = fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_its_own_files() {
        for n in [
            "meta.json",
            ".managed.json",
            ".tantivy-writer.lock",
            ".tantivy-meta.lock",
            "manifest-12.tsv",
            "0123456789abcdef0123456789abcdef.idx",
            "0123456789abcdef0123456789abcdef.7.del",
            LOCK_FILE,
        ] {
            assert!(ours(n), "{n}");
        }
        for n in ["README.md", "notes", "manifest.txt", "0123.idx"] {
            assert!(!ours(n), "{n}");
        }
    }

    #[test]
    fn lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::new(dir.path().join("index"));
        let l = s.try_lock().unwrap().expect("free");
        assert_eq!(s.holder(), Some(std::process::id()));
        assert!(s.try_lock().unwrap().is_none());
        assert!(s.lock(Duration::from_millis(30)).unwrap().is_none());
        drop(l);
        assert!(s.try_lock().unwrap().is_some());
    }

    #[test]
    fn wipe_keeps_foreign_files_and_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::new(dir.path().to_path_buf());
        fs::write(dir.path().join("meta.json"), "{}").unwrap();
        fs::write(dir.path().join("manifest-3.tsv"), "x").unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let _l = s.try_lock().unwrap().unwrap();
        assert!(s.check_dedicated().unwrap_err().contains("notes.txt"));
        s.wipe().unwrap();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [LOCK_FILE, "notes.txt"]);
    }
}
