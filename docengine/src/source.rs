//! Walking repos and reading their files. Respects `.gitignore`, skips `.git`, never follows
//! symlink loops or symlinks out of the repo, and turns unreadable, binary, non-UTF-8 and
//! oversized files into problems instead of failures.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::problem::{Problem, ProblemKind, Severity};

/// What a walk of one repo found.
#[derive(Debug, Clone, Default)]
pub struct Walk {
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
}

/// The markdown files of a repo with their size and modification time — the same files
/// [`walk`] finds, with nothing else collected (what the search index needs to see what
/// changed). Unreadable entries are left out. Sequential: callers walk repos in parallel.
pub fn markdown_files(root: &Path, nested: &[PathBuf]) -> Vec<MarkdownFile> {
    let Ok(canonical_root) = root.canonicalize() else {
        return Vec::new();
    };
    let mut found = Vec::new();
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
        if meta.is_dir() {
            continue;
        }
        found.push(MarkdownFile {
            rel: rel.to_string_lossy().replace('\\', "/"),
            abs: e.path().to_path_buf(),
            len: meta.len(),
            modified: meta.modified().ok(),
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

/// Read a file as text: binary files are skipped, invalid UTF-8 is replaced (and reported
/// with the line of the first bad byte), files over `max_bytes` are cut at a line boundary.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<FileText, Skipped> {
    let bytes = std::fs::read(path).map_err(|e| Skipped {
        kind: ProblemKind::Unreadable,
        message: format!("cannot read: {e}"),
    })?;
    let size = bytes.len() as u64;
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
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
        let cut = slice[..max_bytes as usize]
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|i| i + 1)
            .unwrap_or(max_bytes as usize);
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
mod tests {
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

    #[test]
    fn read_text_handles_bad_bytes_binary_and_size() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.md");
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
