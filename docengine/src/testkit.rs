//! Test helpers shared by the engine's unit tests: a knowledge base built from a list of
//! files in a temp folder.

use crate::{Config, KnowledgeBase};

/// Write `files` (path relative to the KB folder, text) and `netstack.toml`, then load the KB.
/// Keep the returned folder alive as long as the KB is used.
pub(crate) fn kb_from(files: &[(&str, &str)], config: &str) -> (tempfile::TempDir, KnowledgeBase) {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), files);
    std::fs::write(dir.path().join("netstack.toml"), config).unwrap();
    let kb = KnowledgeBase::load(Config::load(dir.path()).unwrap()).unwrap();
    (dir, kb)
}

/// Write files below `root`, creating folders.
pub(crate) fn write_files(root: &std::path::Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}
