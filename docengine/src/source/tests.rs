//! Tests of walking and reading, and helpers other modules' tests share (`mkfifo`, `within`).

use std::path::Path;

use super::read::*;
use super::walk::*;
use crate::problem::ProblemKind;

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
