//! Test helpers shared by the engine's unit tests: a knowledge base built from a list of
//! files in a temp folder, and one doc built from text.

use crate::doc::{Contents, Doc, Origin};
use crate::{Config, KnowledgeBase};

/// Build one doc from `text` as if read from `/kb/<repo>/<rel>`: a doc of site `site` (whose
/// repo is named after it), or a pattern doc of the `netstack` repo when `site` is `None`.
/// (A front-matter error is dropped: tests of it call [`Doc::build`].)
pub(crate) fn doc(site: Option<&str>, rel: &str, text: &str) -> Doc {
    let repo = site.unwrap_or("netstack");
    let abs = std::path::Path::new("/kb").join(repo).join(rel);
    Doc::build(
        Origin {
            repo,
            site,
            rel,
            abs: &abs,
            docs_dir: "docs",
        },
        Contents {
            text: text.into(),
            hash: 0,
            bytes: text.len() as u64,
            truncated: false,
        },
    )
    .0
}

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
