//! `build.json`: what a build is made of, so a published site can be traced back to its
//! sources and checked: the netstack version, each repo's git commit (and whether its worktree
//! was dirty), the config fingerprint, and every output file with its size and hash. Holds no
//! time and no path of the build machine, so the same inputs give the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

/// The name of the manifest in the output root.
pub const MANIFEST_FILE: &str = "build.json";

/// One repo the build read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepoState {
    pub name: String,
    /// `HEAD` of the git checkout holding the repo; `None` outside git.
    pub commit: Option<String>,
    /// Uncommitted changes under the repo folder; `None` outside git.
    pub dirty: Option<bool>,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    pub size: u64,
    /// xxh3-128 of the bytes, 32 hex digits.
    pub xxh3: String,
}

impl FileEntry {
    pub fn of(bytes: &[u8]) -> FileEntry {
        FileEntry {
            size: bytes.len() as u64,
            xxh3: format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes)),
        }
    }
}

/// The manifest of one build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The netstack version that built it.
    pub netstack: String,
    /// `internal` or `public`.
    pub audience: &'static str,
    /// xxh3-64 of `netstack.toml`'s bytes (`none` for a KB without one).
    pub config: String,
    pub repos: Vec<RepoState>,
    /// Every output file but the manifest itself, by path.
    pub files: BTreeMap<String, FileEntry>,
}

impl Manifest {
    /// The fingerprint of a config file's bytes.
    pub fn config_fingerprint(text: Option<&[u8]>) -> String {
        match text {
            Some(t) => format!("{:016x}", xxhash_rust::xxh3::xxh3_64(t)),
            None => "none".into(),
        }
    }

    /// The manifest as written: pretty JSON, keys in a fixed order, a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a manifest serializes");
        s.push('\n');
        s
    }

    /// A name for this build's content (16 hex digits of its manifest's hash): the same
    /// inputs give the same name.
    pub fn release_id(&self) -> String {
        format!(
            "{:016x}",
            xxhash_rust::xxh3::xxh3_64(self.to_json().as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_build_gives_the_same_manifest_and_release() {
        let make = |page: &[u8]| Manifest {
            netstack: "1.0.0".into(),
            audience: "public",
            config: Manifest::config_fingerprint(Some(b"[patterns]\n")),
            repos: vec![RepoState {
                name: "netstack".into(),
                commit: Some("abc".into()),
                dirty: Some(false),
            }],
            files: BTreeMap::from([
                ("index.html".to_string(), FileEntry::of(page)),
                ("static/app.css".to_string(), FileEntry::of(b"body{}")),
            ]),
        };
        let a = make(b"<p>home</p>");
        assert_eq!(a.to_json(), make(b"<p>home</p>").to_json());
        assert_eq!(a.release_id(), make(b"<p>home</p>").release_id());
        assert_ne!(a.release_id(), make(b"<p>home!</p>").release_id());
        let json: serde_json::Value = serde_json::from_str(&a.to_json()).unwrap();
        assert_eq!(json["files"]["index.html"]["size"], 11);
        assert_eq!(json["repos"][0]["commit"], "abc");
        assert_eq!(
            json["files"]["index.html"]["xxh3"].as_str().unwrap().len(),
            32
        );
    }
}
