//! The index manifest: for every file the index has seen, its size, modification time and
//! content hash, so an update touches only added, changed and removed docs. It lives beside
//! the index as `manifest-<opstamp>.tsv`, named by the commit that wrote it; the commit's
//! payload names the current one, so index and manifest can never disagree.

use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

const HEADER: &str = "netstack-index-manifest 1";

/// What the manifest knows about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub size: u64,
    /// Modification time in nanoseconds since the epoch (0: unknown, always re-check).
    pub mtime: u64,
    /// xxh3 of the file bytes.
    pub hash: u64,
    /// False for files that are not docs (binary, unreadable): remembered so they are not
    /// re-read on every run.
    pub indexed: bool,
}

/// `(repo, path)` → entry (Fx-hashed: 20 000 short keys are hashed on every search).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub entries: FxHashMap<(String, String), Entry>,
}

/// The commit payload: what an index was built with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub schema_version: u32,
    /// Fingerprint of the configuration parts that shape indexed docs.
    pub config: String,
    /// File name of the manifest of this commit.
    pub manifest: String,
    /// Number of docs indexed.
    pub docs: usize,
}

impl Manifest {
    pub fn indexed(&self) -> usize {
        self.entries.values().filter(|e| e.indexed).count()
    }

    /// Parse a manifest file's text.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut lines = text.lines();
        match lines.next() {
            Some(HEADER) => {}
            other => return Err(format!("unexpected header {other:?}")),
        }
        let mut entries = FxHashMap::default();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = || format!("line {}: malformed entry", i + 2);
            let mut cols = line.split('\t');
            let repo = unescape(cols.next().ok_or_else(bad)?);
            let path = unescape(cols.next().ok_or_else(bad)?);
            let size = cols.next().and_then(|c| c.parse().ok()).ok_or_else(bad)?;
            let mtime = cols.next().and_then(|c| c.parse().ok()).ok_or_else(bad)?;
            let hash = cols
                .next()
                .and_then(|c| u64::from_str_radix(c, 16).ok())
                .ok_or_else(bad)?;
            let indexed = match cols.next() {
                Some("1") => true,
                Some("0") => false,
                _ => return Err(bad()),
            };
            entries.insert(
                (repo, path),
                Entry {
                    size,
                    mtime,
                    hash,
                    indexed,
                },
            );
        }
        Ok(Manifest { entries })
    }

    /// The manifest as text (sorted, so equal manifests give equal files).
    pub fn to_text(&self) -> String {
        let mut keys: Vec<&(String, String)> = self.entries.keys().collect();
        keys.sort();
        let mut out = String::with_capacity(64 * keys.len() + 32);
        out.push_str(HEADER);
        out.push('\n');
        for k in keys {
            let e = &self.entries[k];
            out.push_str(&escape(&k.0));
            out.push('\t');
            out.push_str(&escape(&k.1));
            let _ = writeln!(
                out,
                "\t{}\t{}\t{:016x}\t{}",
                e.size,
                e.mtime,
                e.hash,
                u8::from(e.indexed)
            );
        }
        out
    }

    /// Read a manifest file.
    pub fn read(path: &Path) -> Result<Manifest, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        Manifest::parse(&text)
    }

    /// Write a manifest file atomically (temp file + rename). Not synced: the index is a
    /// cache (see `directory`).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        {
            let mut f = std::io::BufWriter::new(fs::File::create(&tmp)?);
            f.write_all(self.to_text().as_bytes())?;
            f.flush()?;
        }
        fs::rename(&tmp, path)
    }
}

/// A modification time as nanoseconds since the epoch (0 when unknown).
pub fn mtime_ns(t: Option<SystemTime>) -> u64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos().min(u64::MAX as u128) as u64)
        .unwrap_or(0)
}

fn escape(s: &str) -> String {
    if !s.contains(['\\', '\t', '\n', '\r']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_odd_paths() {
        let mut m = Manifest::default();
        for (i, p) in ["docs/a.md", "docs/tab\there.md", "back\\slash\nnl.md"]
            .iter()
            .enumerate()
        {
            m.entries.insert(
                ("netstack".into(), p.to_string()),
                Entry {
                    size: i as u64,
                    mtime: 1_700_000_000_000_000_000 + i as u64,
                    hash: u64::MAX - i as u64,
                    indexed: i != 1,
                },
            );
        }
        let text = m.to_text();
        assert_eq!(Manifest::parse(&text).unwrap(), m);
        assert_eq!(m.indexed(), 2);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("manifest-1.tsv");
        m.write(&f).unwrap();
        assert_eq!(Manifest::read(&f).unwrap(), m);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Manifest::parse("").is_err());
        assert!(Manifest::parse("something else\n").is_err());
        assert!(Manifest::parse(&format!("{HEADER}\nrepo\tpath\tx\t1\t0\t1\n")).is_err());
        assert!(Manifest::parse(&format!("{HEADER}\nrepo\tpath\t1\t1\tff\t2\n")).is_err());
        assert!(Manifest::parse(&format!("{HEADER}\nrepo\tpath\t1\t1\tff\t1\n")).is_ok());
    }
}
