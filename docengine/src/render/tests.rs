//! Rendering tests: docs, prose and sanitizing through the public functions and the bounded
//! event stream.

use super::doc::*;
use super::prose::*;
use super::sanitize::*;
use crate::kb::KnowledgeBase;
#[test]
fn link_titles_are_kept() {
    // issue 15 row 14: markdown link titles were dropped.
    let r = render(
        "# t\n\n[a](https://example.com/x \"Example site\") \
         [b](../../netstack/docs/ops/backup/backup-cron-pattern.md 'The pattern') \
         [c](nope.md \"Gone\") <a href=\"https://example.com/\" title=\"raw\">d</a>\n",
    );
    assert!(r.html.contains("title=\"Example site\""), "{}", r.html);
    assert!(r.html.contains("title=\"The pattern\""), "{}", r.html);
    assert!(r.html.contains("title=\"Gone (Broken link:"), "{}", r.html);
    assert!(r.html.contains("title=\"raw\""), "{}", r.html);
    assert!(markdown_to_html("[a](https://x.org/ \"T\")").contains("title=\"T\""));
}

#[test]
fn without_a_server_broken_links_are_marked_and_lead_nowhere() {
    let doc = "# i\n\n[gone](nope.md), ![pic](gone.png), per netstack no-such-pattern, \
               <a href=\"nope2.md\">raw</a> <img src=\"gone2.png\"> and \
               [ok](../../netstack/docs/ops/backup/backup-cron-pattern.md)\n";
    let (_d, kb) = kb_with(doc);
    let id = kb.find("wf", "docs/backup.md").unwrap();
    let served = render_doc(&kb, id);
    let r = render_doc_for(&kb, id, Links::Static);
    assert!(served.html.contains("/search?q=nope"), "{}", served.html);
    assert!(!r.html.contains("/search"), "{}", r.html);
    assert!(!r.html.contains("search for it"), "{}", r.html);
    assert!(!r.html.contains("nope2.md\""), "{}", r.html);
    assert!(!r.html.contains("gone2.png\""), "{}", r.html);
    // Marked as in `serve`, and the same broken links are reported.
    assert_eq!(
        r.html.matches(class::MISSING).count(),
        served.html.matches(class::MISSING).count()
    );
    assert!(
        r.html.contains(&format!("<a class=\"{}\"", class::MISSING)),
        "{}",
        r.html
    );
    assert_eq!(r.broken.len(), served.broken.len());
    // Links that lead somewhere are the same.
    assert!(
        r.html
            .contains("href=\"/docs/ops/backup/backup-cron-pattern/\""),
        "{}",
        r.html
    );
}

#[test]
fn a_raw_image_that_is_not_there_is_not_a_search_link() {
    // issue 15 row 14: `<img src=x>` became `<img src="/search?q=x">`.
    let r = render("# i\n\n<img src=x alt=\"a diagram\"> and <img src=\"rack.svg\">\n");
    assert!(!r.html.contains("/search"), "{}", r.html);
    assert!(r.html.contains("src=\"x\""), "{}", r.html);
    assert!(
        r.html.contains("src=\"/sites/wf/docs/rack.svg\""),
        "{}",
        r.html
    );
    // A raw link to a missing doc still offers the search.
    let r = render("# i\n\n<a href=\"nope.md\">n</a>\n");
    assert!(r.html.contains("href=\"/search?q=nope\""), "{}", r.html);
}

#[test]
fn prose_html_pairs_backtick_runs_like_markdown() {
    // issue 15 row 14: a fence in a fix became an empty `<code>`.
    let h = super::prose_html("```markdown", false);
    assert_eq!(h, "```markdown");
    assert!(!super::prose_html("a ``` b ``` c", false).contains("<code></code>"));
    assert_eq!(
        super::prose_html("``a ` b`` and `c`", false),
        "<code>a ` b</code> and <code>c</code>"
    );
    assert_eq!(super::prose_html("`` ` ``", false), "<code>`</code>");
    assert_eq!(super::prose_html("x ```` y", false), "x ```` y");
}

#[test]
fn prose_html_escapes_and_marks_code_and_links() {
    assert_eq!(
        super::prose_html("a `<b>` c `d", false),
        "a <code>&lt;b&gt;</code> c `d"
    );
    assert_eq!(
        super::prose_html("see https://x.org/a?b=1&c=2. javascript:alert(1)", true),
        "see <a href=\"https://x.org/a?b=1&amp;c=2\">https://x.org/a?b=1&amp;c=2</a>. javascript:alert(1)"
    );
    assert_eq!(
        super::prose_html("see https://x.org/", false),
        "see https://x.org/"
    );
}

/// Code blocks are named keyboard regions with their attributes in one fixed order (ammonia's
/// own attribute setting followed hash-map order, so pages differed between processes), and
/// a doc's own `pre` attributes never pose as a control.
#[test]
fn code_blocks_are_regions_in_a_fixed_order() {
    let want = "<pre tabindex=\"0\" role=\"region\" aria-label=\"Code\"><code>a</code></pre>";
    for _ in 0..3 {
        assert_eq!(sanitize("<pre><code>a</code></pre>"), want);
    }
    let own = sanitize("<pre tabindex=\"5\" role=\"button\"><code>a</code></pre>");
    assert_eq!(own, want);
    assert_eq!(sanitize("&lt;pre&gt; text"), "&lt;pre&gt; text");
}

fn kb_with(site_doc: &str) -> (tempfile::TempDir, KnowledgeBase) {
    let files: &[(&str, &str)] = &[
        (
            "netstack/docs/ops/backup/backup-cron-pattern.md",
            "# Backup cron pattern\n\n## How it works\n\ntext\n\n## Steps\n\n- [x] done\n- [ ] todo\n",
        ),
        ("netstack/docs/ops/tools/nsh.sh", "echo hi\n"),
        ("wf/docs/rack.svg", "<svg/>"),
        ("wf/docs/backup.md", site_doc),
    ];
    let (dir, kb) = crate::testkit::kb_from(
        files,
        "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://netstack.org/\"]\nforge_urls = [\"https://github.com/example-fed/netstack\"]\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n",
    );
    (dir, kb)
}

fn render(site_doc: &str) -> Rendered {
    let (_d, kb) = kb_with(site_doc);
    let id = kb.find("wf", "docs/backup.md").unwrap();
    render_doc(&kb, id)
}

/// Render a hostile doc, with a generous time budget (the old renderer took minutes).
fn render_within_budget(doc: &str) -> Rendered {
    let (_d, kb) = kb_with(doc);
    let id = kb.find("wf", "docs/backup.md").unwrap();
    let started = std::time::Instant::now();
    let r = render_doc(&kb, id);
    let took = started.elapsed();
    assert!(took.as_secs() < 5, "rendering took {took:?}");
    r
}

#[test]
fn deep_block_quotes_render_in_linear_time() {
    // issue 15 row 4: 100 KB of `>` did not finish in 60 s.
    let r = render_within_budget(&format!("# q\n\n{}x\n", ">".repeat(100_000)));
    let quotes = r.html.matches("<blockquote>").count();
    assert_eq!(
        quotes,
        crate::limits::MAX_MARKDOWN_NESTING,
        "{}",
        &r.html[..200]
    );
    assert_eq!(quotes, r.html.matches("</blockquote>").count());
    assert!(
        r.html.contains("<p>x</p>"),
        "{}",
        &r.html[r.html.len() - 400..]
    );
}

#[test]
fn deep_lists_and_emphasis_render_in_linear_time() {
    // 30k nested list items took 26 s.
    let r = render_within_budget(&format!("# l\n\n{}x\n", "- ".repeat(30_000)));
    assert_eq!(
        r.html.matches("<ul>").count(),
        crate::limits::MAX_MARKDOWN_NESTING / 2
    );
    assert_eq!(
        r.html.matches("<ul>").count(),
        r.html.matches("</ul>").count()
    );
    assert!(r.html.contains('x'));
    let r = render_within_budget(&format!("# l\n\n{}x\n", "> 1. ".repeat(15_000)));
    assert!(r.html.matches("<ol>").count() <= crate::limits::MAX_MARKDOWN_NESTING);
    let stars = "*".repeat(30_000);
    let r = render_within_budget(&format!("# e\n\n{stars}x{stars}\n"));
    assert!(r.html.matches("<em>").count() + r.html.matches("<strong>").count() <= 64);
    assert!(r.html.contains('x'));
}

#[test]
fn deep_raw_html_is_shown_as_text_past_the_bound() {
    let r = render_within_budget(&format!(
        "# h\n\n<details><summary>ok</summary>kept</details>\n\ntext {}x\n",
        "<span>".repeat(2_000)
    ));
    assert!(
        r.html
            .contains("<details><summary>ok</summary>kept</details>"),
        "{}",
        &r.html[..300]
    );
    assert!(r.html.contains("&lt;span&gt;"));
    assert!(r.html.matches("<span>").count() <= crate::limits::MAX_RAW_HTML_NESTING);
    let r = render_within_budget(&format!("# h\n\n{}\n", "<div>".repeat(2_000)));
    assert!(r.html.contains("&lt;div&gt;"));
}

#[test]
fn many_pattern_mentions_render_in_linear_time() {
    // Every text run used to scan every mention of the doc: 200k short lines after 4k
    // mentions was 800 million comparisons.
    let line = "Runs per netstack backup-cron-pattern and backup-cron-pattern again.\n";
    let doc = format!("# m\n\n{}\n{}", line.repeat(2_000), "x\n".repeat(200_000));
    let (_d, kb) = kb_with(&doc);
    let id = kb.find("wf", "docs/backup.md").unwrap();
    let started = std::time::Instant::now();
    let r = render_doc(&kb, id);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    assert_eq!(
        r.html
            .matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
            .count(),
        4_000
    );
}

#[test]
fn ordinary_nesting_is_untouched() {
    let md = "# n\n\n> quote\n> > inner\n\n- a\n  - b\n    - c *em **strong***\n\n<div><b>raw</b></div>\n";
    let r = render(md);
    let plain = markdown_to_html(md);
    assert!(
        r.html
            .contains("<ul>\n<li>b\n<ul>\n<li>c <em>em <strong>strong</strong></em></li>"),
        "{}",
        r.html
    );
    assert_eq!(r.html.matches("<blockquote>").count(), 2);
    assert!(r.html.contains("<div><b>raw</b></div>"), "{}", r.html);
    assert!(plain.contains("<div><b>raw</b></div>"), "{plain}");
}

#[test]
fn links_are_rewritten_to_in_app_routes() {
    let r = render(
        "# Backup\n\n[a](https://netstack.org/docs/ops/backup/backup-cron-pattern/#steps) \
         [b](https://github.com/example-fed/netstack/blob/main/docs/ops/backup/backup-cron-pattern.md) \
         [c](../../netstack/docs/ops/backup/backup-cron-pattern.md) [d](rack.svg) \
         [e](https://example.com/x) [f](#backup)\n\nsee https://netstack.org/docs/ops/tools/nsh.sh.\n",
    );
    let h = &r.html;
    assert!(
        h.contains("href=\"/docs/ops/backup/backup-cron-pattern/#steps\""),
        "{h}"
    );
    assert_eq!(
        h.matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
            .count(),
        2,
        "{h}"
    );
    assert!(h.contains("href=\"/sites/wf/docs/rack.svg\""), "{h}");
    assert!(h.contains("href=\"https://example.com/x\""), "{h}");
    assert!(h.contains("href=\"#backup\""), "{h}");
    assert!(h.contains("href=\"/docs/ops/tools/nsh.sh\""), "{h}");
    assert!(r.broken.is_empty(), "{:?}", r.broken);
}

#[test]
fn missing_targets_are_marked_and_listed() {
    let r = render(
        "# Backup\n\nsee [x](https://netstack.org/docs/ops/backup/backup-corn-pattern/)\n\n\
         and [y](../../netstack/docs/ops/backup/backup-cron-pattern.md#nope) and [z](#gone)\n",
    );
    assert!(r.html.contains("class=\"ns-missing\""), "{}", r.html);
    assert!(
        r.html
            .contains("href=\"/search?q=backup%20corn%20pattern\""),
        "{}",
        r.html
    );
    assert_eq!(r.html.matches("class=\"ns-bad-anchor\"").count(), 2);
    let lines: Vec<u32> = r.broken.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 5, 5]);
    assert!(r.broken[0].reason.contains("backup-corn-pattern"));
}

#[test]
fn headings_get_github_anchors_and_a_toc() {
    let (_d, kb) = kb_with("x");
    let id = kb
        .find("netstack", "docs/ops/backup/backup-cron-pattern.md")
        .unwrap();
    let r = render_doc(&kb, id);
    assert!(r.html.contains("<h2 id=\"how-it-works\">"), "{}", r.html);
    assert!(r.has_h1);
    assert_eq!(
        r.lead_title,
        Some((
            "Backup cron pattern".to_string(),
            "backup-cron-pattern".to_string()
        ))
    );
    assert!(!r.html.contains("<h1"), "{}", r.html);
    let toc: Vec<&str> = r.toc.iter().map(|t| t.anchor.as_str()).collect();
    assert_eq!(toc, vec!["how-it-works", "steps"]);
    assert!(r.html.contains("ns-task-done"), "{}", r.html);
    assert!(!r.html.contains("<input"), "{}", r.html);
}

#[test]
fn hostile_html_is_neutralized() {
    let r = render(
        "# Hostile\n\n<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\">\n\n\
         [click](javascript:alert(3))\n\n<a href=\"javascript:alert(4)\">x</a>\n\n\
         <div style=\"position:fixed\" onclick=\"alert(5)\">y</div>\n\n\
         <iframe src=\"https://evil.example/\"></iframe>\n\n<svg onload=alert(6)></svg>\n\n\
         ![t](https://tracker.example/pixel.gif)\n\n<a href=\"x\" class=\"ns-int evil\">q</a>\n\n\
         <form action=\"/x\"><input name=a></form><style>body{}</style>\n",
    );
    let h = r.html.to_ascii_lowercase();
    for bad in [
        "<script",
        "onerror",
        "javascript:",
        "onclick",
        "style=",
        "<iframe",
        "<svg",
        "onload",
        "<img src=\"https://tracker",
        "evil\"",
        "<form",
        "<input",
        "<style",
    ] {
        assert!(!h.contains(bad), "{bad} survived in {h}");
    }
    assert!(h.contains("ns-ext-img"), "{h}");
}

#[test]
fn pattern_mentions_in_prose_become_links() {
    let r = render(
        "# Backup\n\nBackups here run per netstack backup-cron-pattern, and `backup-cron-pattern`\nin code stays code. Also per netstack grafana-dashboard-pattern.\n",
    );
    assert_eq!(
        r.html
            .matches("href=\"/docs/ops/backup/backup-cron-pattern/\"")
            .count(),
        1,
        "{}",
        r.html
    );
    assert!(
        r.html.contains("<code>backup-cron-pattern</code>"),
        "{}",
        r.html
    );
    assert!(
        r.html.contains("class=\"ns-missing\"")
            && r.html.contains(">grafana-dashboard-pattern</a>"),
        "{}",
        r.html
    );
}

#[test]
fn escape_is_complete() {
    assert_eq!(
        escape("<a href='x'>&\""),
        "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
    );
}
