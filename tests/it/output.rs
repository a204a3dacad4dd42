//! Snapshots (insta) of what people read: the rendered HTML of a few representative docs of
//! the bundled sample, and the human output of `check`, `lint` and `search` on it, so a change
//! of output shows up in review as a diff of `tests/it/snapshots/`. Update them with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test it output`) after checking
//! the change is meant.

use std::fmt::Write as _;
use std::path::Path;

use docengine::{Config, KnowledgeBase, render};

use crate::util::{bundled, bundled_copy, netstack};

/// The rendered body of one doc, preceded by its broken links and table of contents.
fn rendered(kb: &KnowledgeBase, repo: &str, path: &str) -> String {
    let id = kb
        .find(repo, path)
        .unwrap_or_else(|| panic!("{repo}/{path} is not in the bundled sample"));
    let r = render::render_doc(kb, id);
    let mut out = String::new();
    if let Some((title, anchor)) = &r.lead_title {
        writeln!(out, "title: {title} #{anchor}").unwrap();
    }
    for t in &r.toc {
        writeln!(out, "toc: h{} {} #{}", t.level, t.text, t.anchor).unwrap();
    }
    for b in &r.broken {
        writeln!(out, "broken: line {} {} ({})", b.line, b.target, b.reason).unwrap();
    }
    writeln!(out, "----").unwrap();
    out.push_str(&r.html);
    out
}

#[test]
fn rendered_html_of_representative_docs() {
    let kb = KnowledgeBase::load(Config::load(&bundled()).unwrap()).unwrap();
    // A pattern with a table, code blocks and links.
    insta::assert_snapshot!(
        "render_pattern_database_dump",
        rendered(&kb, "netstack", "docs/ops/backup/database-dump-pattern.md")
    );
    // A site doc with a missing file and a missing anchor.
    insta::assert_snapshot!(
        "render_site_doc_with_broken_links",
        rendered(&kb, "cf", "docs/network.md")
    );
    // A site repo's README.
    insta::assert_snapshot!("render_site_readme", rendered(&kb, "cf", "README.md"));
}

/// Run `netstack --kb <kb> <args>` in the KB folder; stdout and the exit code, with the
/// temp folder replaced by `[KB]`.
fn run(kb: &Path, args: &[&str]) -> (i32, String) {
    let out = netstack()
        .current_dir(kb)
        .arg("--kb")
        .arg(kb)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let stdout = stdout.replace(&kb.display().to_string(), "[KB]");
    (out.status.code().unwrap(), stdout)
}

#[test]
fn human_cli_output_of_check_lint_and_search() {
    let (_tmp, kb) = bundled_copy();

    let (code, out) = run(&kb, &["check"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("cli_check_bundled", out);

    // The bundled sample has deliberate problems: lint fails (exit 1) and says why.
    let (code, out) = run(&kb, &["lint"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("cli_lint_bundled", out);

    let (code, out) = run(&kb, &["lint", "cf"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("cli_lint_site_cf", out);

    let (code, out) = run(&kb, &["search", "restic", "backup"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("cli_search_restic_backup", out);
}
