//! The sample federation in `content/`, embedded in the binary so `netstack` works with no
//! KB named, even after `cargo install` moved the binary away from the checkout.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "content/"]
#[exclude = ".netstack/*"]
#[exclude = "*/.netstack/*"]
struct Content;

/// The folder of the bundled KB: the checkout's `content/` when it is still there (so
/// edits to the sample show up live), else a copy unpacked into the user's cache folder.
pub fn kb_dir() -> Result<PathBuf> {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    if checkout.join("netstack.toml").is_file() {
        return Ok(checkout);
    }
    unpack(&cache_root())
}

fn cache_root() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("netstack")
}

fn unpack(cache: &Path) -> Result<PathBuf> {
    let mut hasher: u64 = 0xcbf29ce484222325;
    for name in Content::iter() {
        if let Some(f) = Content::get(&name) {
            for b in name
                .as_bytes()
                .iter()
                .chain(f.metadata.sha256_hash().iter())
            {
                hasher = (hasher ^ u64::from(*b)).wrapping_mul(0x100000001b3);
            }
        }
    }
    let dir = cache.join(format!(
        "content-{}-{hasher:016x}",
        env!("CARGO_PKG_VERSION")
    ));
    if dir.join("netstack.toml").is_file() {
        return Ok(dir);
    }
    let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
    for name in Content::iter() {
        let file = Content::get(&name).expect("listed file");
        let path = tmp.join(name.as_ref());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, file.data.as_ref())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    match std::fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        // Another process unpacked it first.
        Err(_) if dir.join("netstack.toml").is_file() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => Err(e)
            .with_context(|| format!("unpacking the bundled sample KB into {}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpacked_sample_is_a_complete_kb() {
        let cache = tempfile::tempdir().unwrap();
        let dir = unpack(cache.path()).unwrap();
        // Unpacking again reuses the same folder.
        assert_eq!(unpack(cache.path()).unwrap(), dir);
        let kb = docengine::KnowledgeBase::load(docengine::Config::load(&dir).unwrap()).unwrap();
        assert!(kb.pattern_count() >= 30);
        assert_eq!(kb.sites().count(), 3);
        assert!(kb.problems().is_empty(), "{:?}", kb.problems());
        assert!(!dir.join(".netstack").exists());
    }
}
