//! Path helpers every layer needs (a leaf: it depends on nothing in the crate): lexical
//! normalisation, absolute paths without touching the file system, canonical folder
//! identity, and paths as shown to users.

use std::path::{Path, PathBuf};

/// `path` relative to `root` when inside it (with `/` separators), else as given.
pub fn display_relative(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().replace('\\', "/"),
        Ok(_) => ".".into(),
        Err(_) => path.display().to_string(),
    }
}

/// The path with symlinks resolved when it exists, else made absolute and normalized: two
/// spellings of one folder compare equal.
pub fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| normalize(&absolute(p)))
}

/// Make a path absolute against the current directory without touching the file system.
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        normalize(&cwd.join(p))
    }
}

/// Lexically remove `.` and `..` components.
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
