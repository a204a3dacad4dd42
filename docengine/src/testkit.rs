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

/// An older federation whose site repos predate the `-pattern` naming: site `hq` links
/// only guides, index pages, a folder without an index (`docs/lan/storage/`) and a script;
/// site `lab` follows a pattern and links a guide by relative path.
pub(crate) fn older_federation() -> (tempfile::TempDir, KnowledgeBase) {
    kb_from(
        &[
            ("netstack/docs/README.md", "# Netstack\n"),
            ("netstack/docs/lan/README.md", "# LAN\n"),
            ("netstack/docs/lan/storage/nas-shares.md", "# NAS shares\n"),
            ("netstack/docs/guides/vpn.md", "# VPN guide\n\n## Steps\n"),
            (
                "netstack/docs/ops/backup/backup-cron-pattern.md",
                "# Backup cron\n",
            ),
            ("netstack/docs/ops/tools/nsh.sh", "echo\n"),
            (
                "hq/README.md",
                "# HQ\n\n- [shares](https://netstack.org/docs/lan/storage/)\n- [vpn](https://netstack.org/docs/guides/vpn)\n- [lan](https://github.com/fed/netstack/tree/main/docs/lan)\n",
            ),
            (
                "hq/docs/vpn.md",
                "# VPN\n\nSee the [guide](https://netstack.org/docs/guides/vpn/#steps).\n",
            ),
            ("hq/docs/notes.md", "# Notes\n\nNothing here.\n"),
            (
                "hq/docs/tools.md",
                "# Tools\n\n[nsh](https://netstack.org/docs/ops/tools/nsh.sh)\n",
            ),
            (
                "lab/docs/backup.md",
                "# Backup\n\nPer netstack backup-cron-pattern; tunnel per [vpn](../../netstack/docs/guides/vpn.md).\n",
            ),
        ],
        "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\nforge_urls = [\"https://github.com/fed/netstack\"]\n\n[[sites]]\nname = \"hq\"\npath = \"hq\"\n\n[[sites]]\nname = \"lab\"\npath = \"lab\"\n",
    )
}
