//! Reading a repo file safely: `open_in_repo` (no symlinks out of the repo, regular files
//! only, never blocking on a FIFO) and `read_text` (binary, non-UTF-8, empty and oversized
//! files become problems instead of failures).

use std::path::{Path, PathBuf};

use crate::limits;
use crate::problem::{ProblemKind, Severity};

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

pub(super) fn open_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    o
}

pub(super) fn is_symlink_refusal(e: &std::io::Error) -> bool {
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
pub(super) fn real_path(
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

pub(super) fn cannot_read(e: std::io::Error) -> Skipped {
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

pub(super) fn outside(target: &Path) -> Skipped {
    Skipped {
        kind: ProblemKind::Symlink,
        message: format!(
            "symlink points outside its repo (to {}): skipped; copy the file into the repo or remove the link",
            target.display()
        ),
    }
}

/// What kind of special file this is, for messages.
pub(super) fn special_kind(meta: &std::fs::Metadata) -> &'static str {
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

pub(super) fn not_regular(meta: &std::fs::Metadata) -> Skipped {
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
