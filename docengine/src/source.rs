//! Walking repos and reading their files. Respects `.gitignore`, skips `.git`, never follows
//! symlink loops or symlinks out of the repo, and turns unreadable, binary, non-UTF-8 and
//! oversized files into problems instead of failures.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::limits;
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
fn builder(
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

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String, ProblemKind) {
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

/// What a stat shows of a file beyond size and mtime: its status change time (a `chmod`, a
/// rename over it) and its inode (a new file in its place). A refresh that compares only size
/// and mtime would keep content it can no longer read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Changed {
    pub ctime: i64,
    pub ctime_nsec: i64,
    pub ino: u64,
}

impl Changed {
    pub fn of(meta: &std::fs::Metadata) -> Changed {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Changed {
                ctime: meta.ctime(),
                ctime_nsec: meta.ctime_nsec(),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Changed::default()
        }
    }
}

/// The text of a file, or why it could not be used as one.
#[derive(Debug)]
pub struct FileText {
    pub text: String,
    pub hash: u64,
    pub bytes: u64,
    pub truncated: bool,
    pub problems: Vec<(ProblemKind, Severity, Option<u32>, String)>,
}

/// Why a file was skipped entirely.
#[derive(Debug)]
pub struct Skipped {
    pub kind: ProblemKind,
    pub message: String,
}

/// A repo file opened for reading under exactly the walk's rules (see [`open_in_repo`]).
#[derive(Debug)]
pub struct Opened {
    pub file: std::fs::File,
    /// Metadata of the opened file (not of the path, which may have changed since).
    pub meta: std::fs::Metadata,
    /// Where the opened file really is, symlinks resolved: inside the repo root.
    pub real: PathBuf,
}

/// The one way a repo file is opened (the KB load and live reload, the search index's disk
/// scan, raw files of the web server): whatever happened to the path since the walk, the
/// walk's rules hold for what is actually read.
///
/// - Only regular files are opened. A FIFO, socket or device named `*.md` is a problem (it is
///   never opened for a blocking read: opening uses `O_NONBLOCK`, and the type is checked
///   before and, on the opened descriptor, after opening).
/// - A symlink is followed only when its target is inside the repo, as the walk does; the
///   target itself is opened with `O_NOFOLLOW`.
/// - Confinement is checked on the opened file: its real path (`/proc/self/fd`, or the
///   canonical path with the same device and inode) must lie under `root`, so a path swapped
///   for a symlink between the check and the open cannot lead out of the repo.
///
/// `root` must be the canonical repo root ([`canonical_root`]).
pub fn open_in_repo(path: &Path, root: &Path) -> Result<Opened, Skipped> {
    let link = std::fs::symlink_metadata(path).map_err(cannot_read)?;
    let is_link = link.file_type().is_symlink();
    let target: std::borrow::Cow<'_, Path> = if is_link {
        let target = path.canonicalize().map_err(|e| Skipped {
            kind: ProblemKind::Symlink,
            message: format!(
                "broken symlink or symlink loop ({e}): skipped; fix or remove the link"
            ),
        })?;
        if !target.starts_with(root) {
            return Err(outside(&target));
        }
        std::borrow::Cow::Owned(target)
    } else {
        std::borrow::Cow::Borrowed(path)
    };
    let before = if is_link {
        std::fs::metadata(&target).map_err(cannot_read)?
    } else {
        link
    };
    if !before.is_file() {
        return Err(not_regular(&before));
    }
    let file = open_options().open(&target).map_err(|e| {
        if is_symlink_refusal(&e) {
            Skipped {
                kind: ProblemKind::Symlink,
                message: "the file was replaced by a symlink while being read: skipped; it is read again at the next change".into(),
            }
        } else {
            cannot_read(e)
        }
    })?;
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(not_regular(&meta));
    }
    let real = real_path(&file, &target, &meta)?;
    if !real.starts_with(root) {
        return Err(outside(&real));
    }
    Ok(Opened { file, meta, real })
}

/// The canonical form of a repo root, as [`open_in_repo`] wants it (`None` when the folder is
/// gone).
pub fn canonical_root(root: &Path) -> Option<PathBuf> {
    root.canonicalize().ok()
}

fn open_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    o
}

fn is_symlink_refusal(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// The real path of an opened file.
fn real_path(
    file: &std::fs::File,
    opened_as: &Path,
    meta: &std::fs::Metadata,
) -> Result<PathBuf, Skipped> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return Ok(p);
        }
    }
    let _ = file;
    let canonical = opened_as.canonicalize().map_err(cannot_read)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = std::fs::metadata(&canonical).map_err(cannot_read)?;
        if (now.dev(), now.ino()) != (meta.dev(), meta.ino()) {
            return Err(Skipped {
                kind: ProblemKind::Unreadable,
                message: "the file changed while being opened: skipped; it is read again at the next change".into(),
            });
        }
    }
    let _ = meta;
    Ok(canonical)
}

fn cannot_read(e: std::io::Error) -> Skipped {
    let reason = match e.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "permission denied; make it readable (chmod a+r) or remove it from the repo".to_string()
        }
        _ => e.to_string(),
    };
    Skipped {
        kind: ProblemKind::Unreadable,
        message: format!("cannot read: {reason}"),
    }
}

fn outside(target: &Path) -> Skipped {
    Skipped {
        kind: ProblemKind::Symlink,
        message: format!(
            "symlink points outside its repo (to {}): skipped; copy the file into the repo or remove the link",
            target.display()
        ),
    }
}

/// What kind of special file this is, for messages.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

fn not_regular(meta: &std::fs::Metadata) -> Skipped {
    Skipped {
        kind: ProblemKind::NotRegular,
        message: format!(
            "not a regular file ({}): skipped, never read; remove it or give it a name that is not markdown",
            special_kind(meta)
        ),
    }
}

/// Read a small side file (a `CNAME`, `mkdocs.yml`, git's `config`) as UTF-8 text: only a
/// regular file is opened (never blocking: `O_NONBLOCK`, type checked before and after the
/// open), and only up to [`limits::MAX_SIDE_FILE_BYTES`]. `None` when it is missing, not a
/// regular file, too big or not UTF-8: these files only ever add optional settings.
pub fn read_side_file(path: &Path) -> Option<String> {
    use std::io::Read;
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    let file = o.open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > limits::MAX_SIDE_FILE_BYTES {
        return None;
    }
    let mut text = String::new();
    file.take(limits::MAX_SIDE_FILE_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Read a repo file as text, opened by [`open_in_repo`] (`root` is the canonical repo root):
/// binary files are skipped, invalid UTF-8 is replaced (and reported with the line of the
/// first bad byte), files over `max_bytes` are cut at a line boundary (only that much is kept
/// in memory; the hash covers the whole file).
pub fn read_text(path: &Path, root: &Path, max_bytes: u64) -> Result<FileText, Skipped> {
    use std::io::Read;
    let opened = open_in_repo(path, root)?;
    let mut file = opened.file;
    let keep = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let mut bytes: Vec<u8> = Vec::with_capacity(opened.meta.len().min(max_bytes) as usize);
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut size: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(cannot_read(e)),
        };
        hasher.update(&buf[..n]);
        size += n as u64;
        let room = keep.saturating_sub(bytes.len()).min(n);
        bytes.extend_from_slice(&buf[..room]);
    }
    let hash = hasher.digest();
    let sniff = &bytes[..bytes.len().min(8192)];
    if sniff.contains(&0) {
        return Err(Skipped {
            kind: ProblemKind::Binary,
            message: "binary file with a markdown name (it contains NUL bytes): skipped; rename it or remove it from the docs".into(),
        });
    }
    let mut problems = Vec::new();
    let mut slice: &[u8] = &bytes;
    let mut truncated = false;
    if size > max_bytes {
        let cut = slice
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(slice.len());
        slice = &slice[..cut];
        truncated = true;
        problems.push((
            ProblemKind::TooLarge,
            Severity::Warning,
            None,
            format!(
                "file is {} but [load] max_file_bytes is {}: only the first {} lines were loaded; split the file, move pasted logs out of the docs, or raise the limit in netstack.toml",
                human_bytes(size),
                human_bytes(max_bytes),
                slice.iter().filter(|&&b| b == b'\n').count()
            ),
        ));
    }
    let text = match std::str::from_utf8(slice) {
        Ok(s) => s.to_string(),
        Err(e) => {
            let at = e.valid_up_to();
            let line = slice[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let bad = String::from_utf8_lossy(slice)
                .chars()
                .filter(|&c| c == char::REPLACEMENT_CHARACTER)
                .count();
            problems.push((
                ProblemKind::Encoding,
                Severity::Warning,
                Some(line),
                format!(
                    "not valid UTF-8 (first bad byte on this line, {bad} in all): loaded with replacement characters; re-save the file as UTF-8"
                ),
            ));
            String::from_utf8_lossy(slice).into_owned()
        }
    };
    if text.trim().is_empty() {
        problems.push((
            ProblemKind::Empty,
            Severity::Info,
            None,
            "file is empty: write the doc or delete the file".into(),
        ));
    }
    Ok(FileText {
        text,
        hash,
        bytes: size,
        truncated,
        problems,
    })
}

/// `5242880` → "5.0 MiB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn show(p: &Path) -> String {
        p.display().to_string()
    }

    #[test]
    fn a_repo_nested_in_another_belongs_to_the_inner_one_only() {
        let d = tempfile::tempdir().unwrap();
        let site = d.path().join("site");
        let inner = site.join("vendor/netstack");
        std::fs::create_dir_all(inner.join("docs")).unwrap();
        std::fs::create_dir_all(site.join("docs")).unwrap();
        std::fs::write(site.join("docs/a.md"), "# a").unwrap();
        std::fs::write(inner.join("docs/p-pattern.md"), "# p").unwrap();
        // A folder merely named like the nested repo is still walked.
        std::fs::create_dir_all(site.join("docs/netstack")).unwrap();
        std::fs::write(site.join("docs/netstack/b.md"), "# b").unwrap();
        let roots = vec![inner.clone(), site.clone(), d.path().join("elsewhere")];
        let nested = nested_roots(&site, &roots);
        assert_eq!(nested, vec![inner.canonicalize().unwrap()]);
        assert!(nested_roots(&inner, &roots).is_empty());
        assert_eq!(
            nested_roots_all(&roots),
            vec![Vec::new(), nested.clone(), Vec::new()]
        );
        let w = walk(&site, &nested, &show);
        let mut md: Vec<&str> = w.markdown.iter().map(|(_, rel)| rel.as_str()).collect();
        md.sort();
        assert_eq!(md, vec!["docs/a.md", "docs/netstack/b.md"]);
        assert!(!w.dirs.contains("vendor/netstack"));
        let mut fast: Vec<String> = markdown_files(&site, &nested)
            .into_iter()
            .map(|f| f.rel)
            .collect();
        fast.sort();
        assert_eq!(fast, vec!["docs/a.md", "docs/netstack/b.md"]);
    }

    #[test]
    fn walk_respects_gitignore_and_skips_dot_dirs() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("docs/sub")).unwrap();
        std::fs::create_dir_all(r.join(".git")).unwrap();
        std::fs::create_dir_all(r.join("site")).unwrap();
        std::fs::write(r.join(".gitignore"), "site/\n").unwrap();
        std::fs::write(r.join("docs/a.md"), "# a").unwrap();
        std::fs::write(r.join("docs/sub/b.markdown"), "# b").unwrap();
        std::fs::write(r.join("docs/run.sh"), "echo").unwrap();
        std::fs::write(r.join("site/gen.md"), "# gen").unwrap();
        std::fs::write(r.join(".git/x.md"), "# x").unwrap();
        std::fs::write(r.join(CONTRACT_FILE), "# c").unwrap();
        let w = walk(r, &[], &show);
        let md: Vec<&str> = w.markdown.iter().map(|(_, rel)| rel.as_str()).collect();
        assert_eq!(
            md,
            vec![".wip-contract.md", "docs/a.md", "docs/sub/b.markdown"]
        );
        assert!(w.files.contains("docs/run.sh"));
        assert!(w.dirs.contains("docs/sub"));
        assert!(w.problems.is_empty(), "{:?}", w.problems);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_escapes_are_problems() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.md"), "# secret").unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("docs")).unwrap();
        std::fs::write(r.join("docs/a.md"), "# a").unwrap();
        std::os::unix::fs::symlink(r.join("docs"), r.join("docs/loop")).unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("docs/out")).unwrap();
        let w = walk(r, &[], &show);
        let md: Vec<&str> = w.markdown.iter().map(|(_, rel)| rel.as_str()).collect();
        assert_eq!(md, vec!["docs/a.md"]);
        let msgs: Vec<&str> = w.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("loop")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("outside")), "{msgs:?}");
    }

    /// Run `f` on another thread; a hang fails the test instead of blocking it for good.
    pub(crate) fn within<T: Send + 'static>(
        secs: u64,
        what: &str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(secs))
            .unwrap_or_else(|_| panic!("{what} did not finish within {secs} s"))
    }

    #[cfg(unix)]
    pub(crate) fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_inside_the_repo_are_ever_read() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("passwd");
        std::fs::write(&secret, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
        let r = d.path().join("repo");
        std::fs::create_dir_all(r.join("docs")).unwrap();
        std::fs::write(r.join("docs/a.md"), "# a\n").unwrap();
        let root = canonical_root(&r).unwrap();

        // A symlink inside the repo is read, as the walk follows it.
        std::os::unix::fs::symlink(r.join("docs/a.md"), r.join("docs/alias.md")).unwrap();
        assert_eq!(
            read_text(&r.join("docs/alias.md"), &root, 1 << 20)
                .unwrap()
                .text,
            "# a\n"
        );
        // A doc replaced by a symlink out of the repo (`ln -sf`) is not.
        std::fs::remove_file(r.join("docs/a.md")).unwrap();
        std::os::unix::fs::symlink(&secret, r.join("docs/a.md")).unwrap();
        let e = read_text(&r.join("docs/a.md"), &root, 1 << 20).unwrap_err();
        assert_eq!(e.kind, ProblemKind::Symlink);
        assert!(e.message.contains("outside its repo"), "{}", e.message);
        // Nor through a folder above it that became a link out of the repo.
        std::fs::rename(r.join("docs"), r.join("old")).unwrap();
        std::os::unix::fs::symlink(outside.path(), r.join("docs")).unwrap();
        let e = read_text(&r.join("docs/passwd"), &root, 1 << 20).unwrap_err();
        assert_eq!(e.kind, ProblemKind::Symlink, "{}", e.message);

        // A FIFO named like a doc is a problem at once (no writer: a blocking open would hang).
        let fifo = r.join("old/p.md");
        mkfifo(&fifo);
        let root2 = root.clone();
        let e = within(10, "reading a FIFO", move || {
            read_text(&fifo, &root2, 1 << 20).unwrap_err()
        });
        assert_eq!(e.kind, ProblemKind::NotRegular);
        assert!(
            e.message.contains("not a regular file (a FIFO"),
            "{}",
            e.message
        );
        // ... also through a symlink to it.
        std::os::unix::fs::symlink(r.join("old/p.md"), r.join("old/q.md")).unwrap();
        let q = r.join("old/q.md");
        let e = within(10, "reading a link to a FIFO", move || {
            read_text(&q, &root, 1 << 20).unwrap_err()
        });
        assert_eq!(e.kind, ProblemKind::NotRegular);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_a_walk_problem_not_a_doc() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("docs")).unwrap();
        std::fs::write(r.join("docs/a.md"), "# a").unwrap();
        mkfifo(&r.join("docs/p.md"));
        let w = walk(r, &[], &show);
        let md: Vec<&str> = w.markdown.iter().map(|(_, rel)| rel.as_str()).collect();
        assert_eq!(md, vec!["docs/a.md"]);
        assert!(!w.files.contains("docs/p.md"));
        assert!(
            w.problems
                .iter()
                .any(|p| p.kind == ProblemKind::NotRegular && p.path.ends_with("docs/p.md")),
            "{:?}",
            w.problems
        );
        let fast: Vec<String> = markdown_files(r, &[]).into_iter().map(|f| f.rel).collect();
        assert_eq!(fast, vec!["docs/a.md"]);
    }

    #[test]
    fn read_text_handles_bad_bytes_binary_and_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.md");
        let root = canonical_root(d.path()).unwrap();
        let read_text = |p: &Path, max: u64| read_text(p, &root, max);
        std::fs::write(&p, b"# ok\nline two \xff\xfe\n").unwrap();
        let t = read_text(&p, 1 << 20).unwrap();
        assert!(t.text.contains('\u{fffd}'));
        assert_eq!(t.problems[0].2, Some(2));

        std::fs::write(&p, b"\x89PNG\r\n\x1a\n\0\0\0").unwrap();
        assert_eq!(
            read_text(&p, 1 << 20).unwrap_err().kind,
            ProblemKind::Binary
        );

        std::fs::write(&p, "line\n".repeat(1000)).unwrap();
        let t = read_text(&p, 1000).unwrap();
        assert!(t.truncated);
        assert_eq!(t.text.len(), 1000);
        assert_eq!(t.problems[0].0, ProblemKind::TooLarge);

        std::fs::write(&p, "  \n").unwrap();
        assert_eq!(
            read_text(&p, 1000).unwrap().problems[0].0,
            ProblemKind::Empty
        );
    }

    #[test]
    fn markdown_files_finds_what_walk_finds() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for p in [
            "docs/a.md",
            "docs/sub/b.markdown",
            "docs/c.txt",
            ".wip-contract.md",
            ".hidden/d.md",
            "ignored/e.md",
            "docs/.f.md",
        ] {
            std::fs::create_dir_all(r.join(p).parent().unwrap()).unwrap();
            std::fs::write(r.join(p), "x").unwrap();
        }
        std::fs::write(r.join(".gitignore"), "ignored/\n").unwrap();
        let mut walked: Vec<String> = walk(r, &[], &|p| p.display().to_string())
            .markdown
            .into_iter()
            .map(|(_, rel)| rel)
            .collect();
        let mut fast: Vec<String> = markdown_files(r, &[]).into_iter().map(|f| f.rel).collect();
        walked.sort();
        fast.sort();
        assert_eq!(
            walked,
            [".wip-contract.md", "docs/a.md", "docs/sub/b.markdown"]
        );
        assert_eq!(fast, walked);
        assert!(markdown_files(&r.join("nope"), &[]).is_empty());
    }
}
