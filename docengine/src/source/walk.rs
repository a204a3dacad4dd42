//! Walking a repo: every file and folder it holds (respecting `.gitignore`, skipping dot
//! folders and nested checkouts, surviving symlink loops and links out of the repo), and the
//! markdown files among them.

use super::read::not_regular;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::problem::{Problem, ProblemKind, Severity};

/// What a walk of one repo found.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// The canonical repo root: what [`read_text`] confines reads to (empty when the repo
    /// folder could not be opened).
    pub root: PathBuf,
    /// Markdown files: absolute path and path relative to the repo root (`/`-separated).
    pub markdown: Vec<(PathBuf, String)>,
    /// Every file (markdown or not) relative to the repo root.
    pub files: BTreeSet<String>,
    /// Every folder relative to the repo root (without the root itself).
    pub dirs: BTreeSet<String>,
    /// Markdown files reached through a symlink (the file or a folder above it is a link): a
    /// file watcher reports edits under the link's target, not under these paths.
    pub linked: Vec<PathBuf>,
    pub problems: Vec<Problem>,
}

/// Is this a markdown file name?
pub fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// The contract file at a site repo's root.
pub const CONTRACT_FILE: &str = ".wip-contract.md";

/// The other repo roots that lie inside `root` (a pattern repo cloned into a site checkout
/// for CI, sites kept in one folder): a walk of `root` skips them, so no file belongs to two
/// repos.
pub fn nested_roots(root: &Path, all_roots: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(root) = root.canonicalize() else {
        return Vec::new();
    };
    all_roots
        .iter()
        .filter_map(|r| r.canonicalize().ok())
        .filter(|r| r != &root && r.starts_with(&root))
        .collect()
}

/// [`nested_roots`] of every root at once, in the order given: each root canonicalized once
/// and the nested ones found in sorted order, so thousands of repos cost n log n, not n².
pub fn nested_roots_all(all_roots: &[PathBuf]) -> Vec<Vec<PathBuf>> {
    let canonical: Vec<Option<PathBuf>> = all_roots.iter().map(|r| r.canonicalize().ok()).collect();
    let mut sorted: Vec<&PathBuf> = canonical.iter().flatten().collect();
    sorted.sort();
    sorted.dedup();
    canonical
        .iter()
        .map(|root| {
            let Some(root) = root else {
                return Vec::new();
            };
            // Paths below `root` sort right after it (components compare in order).
            let from = sorted.partition_point(|p| *p <= root);
            sorted[from..]
                .iter()
                .take_while(|p| p.starts_with(root))
                .map(|p| (*p).clone())
                .collect()
        })
        .collect()
}

/// Walk a repo, skipping the folders in `nested` (see [`nested_roots`]). `display` turns an
/// absolute path into the path shown in problems.
pub fn walk(root: &Path, nested: &[PathBuf], display: &(dyn Fn(&Path) -> String + Sync)) -> Walk {
    let mut out = Walk::default();
    let canonical_root = match root.canonicalize() {
        Ok(p) => p,
        Err(e) => {
            out.problems.push(Problem::new(
                ProblemKind::MissingRepo,
                Severity::Error,
                display(root),
                None,
                format!("cannot open the repo folder: {e}"),
            ));
            return out;
        }
    };
    out.root = canonical_root.clone();
    let escaped: Arc<Mutex<Vec<(PathBuf, String)>>> = Arc::default();
    let walker = builder(root, canonical_root, nested, Arc::clone(&escaped))
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();

    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.depth() == 0 {
                    continue;
                }
                let Ok(rel) = e.path().strip_prefix(root) else {
                    continue;
                };
                let rel = rel.to_string_lossy().replace('\\', "/");
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if is_dir {
                    if e.path_is_symlink() {
                        linked_dirs.push(e.path().to_path_buf());
                    }
                    out.dirs.insert(rel);
                    continue;
                }
                if !e.file_type().is_some_and(|t| t.is_file()) {
                    // A FIFO, socket or device: never listed, never opened.
                    if let Ok(meta) = std::fs::metadata(e.path()) {
                        out.problems.push(Problem::new(
                            ProblemKind::NotRegular,
                            Severity::Warning,
                            display(e.path()),
                            None,
                            not_regular(&meta).message,
                        ));
                    }
                    continue;
                }
                let name = e.file_name().to_string_lossy();
                if is_markdown(&name) {
                    if e.path_is_symlink() || linked_dirs.iter().any(|d| e.path().starts_with(d)) {
                        out.linked.push(e.path().to_path_buf());
                    }
                    out.markdown.push((e.path().to_path_buf(), rel.clone()));
                }
                out.files.insert(rel);
            }
            Err(err) => {
                let (path, message, kind) = describe_walk_error(&err);
                out.problems.push(Problem::new(
                    kind,
                    Severity::Warning,
                    path.map(|p| display(&p)).unwrap_or_else(|| display(root)),
                    None,
                    message,
                ));
            }
        }
    }
    let escaped = std::mem::take(&mut *escaped.lock().unwrap());
    for (path, message) in escaped {
        out.problems.push(Problem::new(
            ProblemKind::Symlink,
            Severity::Warning,
            display(&path),
            None,
            message,
        ));
    }
    out
}

/// The walker [`walk`] and [`markdown_files`] share: which entries are part of a repo.
/// Symlinks that leave the repo (or loop) are skipped and recorded in `escaped`.
pub(super) fn builder(
    root: &Path,
    canonical_root: PathBuf,
    nested: &[PathBuf],
    escaped: Arc<Mutex<Vec<(PathBuf, String)>>>,
) -> ignore::WalkBuilder {
    let nested: Vec<PathBuf> = nested.to_vec();
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(false)
        .parents(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .follow_links(true)
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if e.depth() > 0 && name.starts_with('.') && (is_dir || name != CONTRACT_FILE) {
                // .git, .netstack, .github, editor folders, dotfiles: not docs.
                return false;
            }
            // Another repo of the KB inside this one belongs to that repo.
            if is_dir
                && nested.iter().any(|n| n.file_name() == Some(e.file_name()))
                && e.path()
                    .canonicalize()
                    .is_ok_and(|c| nested.contains(&c))
            {
                return false;
            }
            if e.path_is_symlink() {
                match e.path().canonicalize() {
                    Ok(target) if target.starts_with(&canonical_root) => {}
                    Ok(target) => {
                        escaped.lock().unwrap().push((
                            e.path().to_path_buf(),
                            format!(
                                "symlink points outside its repo (to {}): skipped; copy the file into the repo or remove the link",
                                target.display()
                            ),
                        ));
                        return false;
                    }
                    Err(err) => {
                        escaped.lock().unwrap().push((
                            e.path().to_path_buf(),
                            format!("broken symlink or symlink loop ({err}): skipped; fix or remove the link"),
                        ));
                        return false;
                    }
                }
            }
            true
        });
    b
}

/// A markdown file found by [`markdown_files`].
#[derive(Debug, Clone)]
pub struct MarkdownFile {
    pub abs: PathBuf,
    /// Relative to the repo root, `/`-separated.
    pub rel: String,
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
    /// The canonical repo root, for [`read_text`].
    pub root: Arc<Path>,
}

/// The markdown files of a repo with their size and modification time — the same files
/// [`walk`] finds, with nothing else collected (what the search index needs to see what
/// changed). Unreadable entries are left out. Sequential: callers walk repos in parallel.
pub fn markdown_files(root: &Path, nested: &[PathBuf]) -> Vec<MarkdownFile> {
    let Ok(canonical_root) = root.canonicalize() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let shared_root: Arc<Path> = Arc::from(canonical_root.as_path());
    for e in builder(root, canonical_root, nested, Arc::default())
        .build()
        .filter_map(Result::ok)
    {
        if e.depth() == 0
            || e.file_type().is_some_and(|t| t.is_dir())
            || !is_markdown(&e.file_name().to_string_lossy())
        {
            continue;
        }
        let Ok(rel) = e.path().strip_prefix(root) else {
            continue;
        };
        let Ok(meta) = std::fs::metadata(e.path()) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        found.push(MarkdownFile {
            rel: rel.to_string_lossy().replace('\\', "/"),
            abs: e.path().to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
            root: Arc::clone(&shared_root),
        });
    }
    found
}

pub(super) fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String, ProblemKind) {
    match err {
        ignore::Error::WithPath { path, err } => {
            let (_, msg, kind) = describe_walk_error(err);
            (Some(path.clone()), msg, kind)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!(
                "symlink loop: this link points back to {}; skipped (remove the link)",
                ancestor.display()
            ),
            ProblemKind::Symlink,
        ),
        ignore::Error::Io(e) => (None, format!("cannot read: {e}"), ProblemKind::Walk),
        other => (None, format!("{other}"), ProblemKind::Walk),
    }
}
