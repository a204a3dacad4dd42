//! Which knowledge base a command works on: `--kb`, else `NETSTACK_KB`, else a
//! `netstack.toml` in the current folder or above it, else the bundled sample.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use docengine::config::CONFIG_FILE;
use docengine::{Config, KnowledgeBase};

/// Where the KB came from (for the log line and messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    CurrentDir,
    Bundled,
}

/// The chosen KB folder.
pub fn select(kb: Option<&Path>) -> Result<(PathBuf, Origin)> {
    if let Some(p) = kb {
        return Ok((p.to_path_buf(), Origin::Flag));
    }
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            if dir.join(CONFIG_FILE).is_file() {
                return Ok((dir.to_path_buf(), Origin::CurrentDir));
            }
        }
    }
    Ok((crate::bundled::kb_dir()?, Origin::Bundled))
}

/// Load the config of the chosen KB.
pub fn config(kb: Option<&Path>) -> Result<Config> {
    let (dir, origin) = select(kb)?;
    tracing::info!(kb = %dir.display(), ?origin, "using knowledge base");
    Config::load(&dir).map_err(anyhow::Error::from)
}

/// Load the chosen KB.
pub fn load(kb: Option<&Path>) -> Result<KnowledgeBase> {
    let config = config(kb)?;
    let root = config.root.clone();
    let started = std::time::Instant::now();
    let kb = KnowledgeBase::load(config)
        .with_context(|| format!("loading the knowledge base in {}", root.display()))?;
    let t = kb.timings();
    tracing::info!(
        docs = kb.docs.len(),
        ms = started.elapsed().as_millis() as u64,
        walk_ms = t.walk_ms as u64,
        read_parse_ms = t.read_parse_ms as u64,
        index_ms = t.index_ms as u64,
        refs_ms = t.refs_ms as u64,
        "knowledge base loaded"
    );
    Ok(kb)
}
