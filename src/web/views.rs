//! The askama templates (in `templates/`) and the plain data they show. Pages build these
//! from docengine's data; templates only lay out and escape.

use askama::Template;
use docengine::render::{BrokenLink, TocEntry};

/// Filters the templates use besides askama's.
pub mod filters {
    use std::fmt::Display;

    use askama::filters::Safe;

    /// Escape a message and show its `backtick spans` as code.
    pub fn ticks<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(docengine::render::prose_html(&s.to_string(), false)))
    }

    /// Like `ticks`, with http(s) URLs as links.
    pub fn linked<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(docengine::render::prose_html(&s.to_string(), true)))
    }

    /// A block of a fix to paste: a named keyboard-focusable region, since it may scroll.
    const FIX_BLOCK: &str = "<pre class=\"fix-block\" tabindex=\"0\" role=\"region\" aria-label=\"Text to paste\"><code>";

    /// A lint fix (short markdown): paragraphs of text with `ticks`, and paragraphs that are
    /// a table or indented code (what to paste into the doc) kept as they are, in a `<pre>`.
    pub fn fix<T: Display>(s: T, v: &dyn askama::Values) -> askama::Result<Safe<String>> {
        let text = s.to_string();
        let mut out = String::with_capacity(text.len() + 32);
        for (i, para) in fix_paragraphs(&text).into_iter().enumerate() {
            if let Some(code) = fenced(para) {
                out.push_str(FIX_BLOCK);
                out.push_str(&docengine::render::escape(code));
                out.push_str("</code></pre>");
                continue;
            }
            let verbatim = para
                .lines()
                .all(|l| l.trim_start().starts_with('|') || l.starts_with("    "));
            if verbatim {
                out.push_str(FIX_BLOCK);
                out.push_str(&docengine::render::escape(para.trim_matches('\n')));
                out.push_str("</code></pre>");
            } else {
                if i > 0 {
                    out.push_str("<br>");
                }
                let lines: Vec<String> = para
                    .lines()
                    .map(|l| ticks(l.trim(), v).map(|h| h.0))
                    .collect::<askama::Result<_>>()?;
                out.push_str(&lines.join("<br>"));
            }
        }
        Ok(Safe(out))
    }

    /// A fix's paragraphs: split at blank lines, except inside a ```` ``` ```` fence, which
    /// stays one paragraph (blank lines and all).
    fn fix_paragraphs(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start: Option<usize> = None;
        let mut in_fence = false;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            let fence = trimmed.starts_with("```") || trimmed.starts_with("~~~");
            if fence && !in_fence {
                if let Some(s) = start.take() {
                    out.push(&text[s..offset]);
                }
                start = Some(offset);
                in_fence = true;
            } else if fence {
                in_fence = false;
                out.push(&text[start.take().unwrap_or(offset)..offset + line.len()]);
            } else if trimmed.is_empty() && !in_fence {
                if let Some(s) = start.take() {
                    out.push(&text[s..offset]);
                }
            } else if start.is_none() {
                start = Some(offset);
            }
            offset += line.len();
        }
        if let Some(s) = start {
            out.push(&text[s..]);
        }
        out.into_iter().filter(|p| !p.trim().is_empty()).collect()
    }

    /// The code inside a fenced paragraph (```` ```lang ```` … ```` ``` ````).
    fn fenced(para: &str) -> Option<&str> {
        let para = para.trim_matches('\n');
        let first = para.lines().next()?.trim();
        if !(first.starts_with("```") || first.starts_with("~~~")) {
            return None;
        }
        let body = para.split_once('\n').map(|(_, b)| b).unwrap_or("");
        let body = body.trim_end();
        let body = body
            .strip_suffix("```")
            .or_else(|| body.strip_suffix("~~~"))
            .unwrap_or(body);
        Some(body.trim_end_matches('\n'))
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn a_fenced_fix_is_a_code_block() {
            // issue 15 row 14: the missing-contract fix showed its fence as an empty `<code>`.
            let f = |s: &str| super::fix(s, &()).unwrap().0;
            let fix = docengine::lint::Rule::MissingContract.info().fix;
            let html = f(fix);
            assert!(!html.contains("<code></code>"), "{html}");
            assert!(
                html.contains("<pre class=\"fix-block\" tabindex=\"0\" role=\"region\" aria-label=\"Text to paste\"><code>## Contact Method\n\n- **Action recommendations:** Email to admin@example.org with netstack pattern link</code></pre>"),
                "{html}"
            );
            assert!(
                html.starts_with("Add <code>.wip-contract.md</code>"),
                "{html}"
            );
            assert_eq!(
                f("a\n\n```\nx <y>\n```\n\nb"),
                "a<pre class=\"fix-block\" tabindex=\"0\" role=\"region\" aria-label=\"Text to paste\"><code>x &lt;y&gt;</code></pre><br>b"
            );
        }

        #[test]
        fn a_fix_keeps_its_table_as_a_block_and_escapes_everything() {
            let f = |s: &str| super::fix(s, &()).unwrap().0;
            assert_eq!(
                f("Add them to `## Values`:\n\n| Key | Value |\n|---|---|\n| a<b | … |"),
                "Add them to <code>## Values</code>:<pre class=\"fix-block\" tabindex=\"0\" role=\"region\" aria-label=\"Text to paste\"><code>| Key | Value |\n|---|---|\n| a&lt;b | … |</code></pre>"
            );
            assert_eq!(f("one\ntwo <x>"), "one<br>two &lt;x&gt;");
            assert_eq!(f("a\n\nb"), "a<br>b");
        }

        #[test]
        fn backticks_become_code_and_the_rest_is_escaped() {
            let t = |s: &str| super::ticks(s, &()).unwrap().0;
            assert_eq!(t("a `b` c"), "a <code>b</code> c");
            assert_eq!(t("`<x>` and `y"), "<code>&lt;x&gt;</code> and `y");
            assert_eq!(t("no ticks <b>"), "no ticks &lt;b&gt;");
        }
    }
}

/// What every page's frame shows.
pub struct Layout {
    /// `<title>`.
    pub title: String,
    /// The pattern repo's name (the brand in the header).
    pub kb_name: String,
    /// Which navigation entry is active: home, patterns, sites, coverage, problems, search.
    pub nav: &'static str,
    /// The search box's text.
    pub query: String,
    /// Why the last reload failed, if it did.
    pub reload_error: Option<String>,
    pub generation: u64,
    pub css: String,
    pub js: String,
    pub problem_count: usize,
    /// Live reload on?
    pub live: bool,
    /// Rendered by `netstack build`: no search box, no links to pages that need a server.
    pub static_site: bool,
    /// `<meta name="robots" content="noindex">` (an internal build).
    pub noindex: bool,
    /// The page shows lint findings but was rendered before the lint run finished.
    pub lint_pending: bool,
}

/// A link with a title and a short note (path, id, count).
#[derive(Debug, Clone)]
pub struct Link {
    pub url: String,
    pub title: String,
    pub note: String,
}

/// One row of a problem list.
#[derive(Debug, Clone)]
pub struct ProblemRow {
    pub severity: &'static str,
    pub kind: String,
    /// `path:line`.
    pub location: String,
    /// Where to see it (the doc page), if it is a doc.
    pub url: Option<String>,
    pub message: String,
    pub site: Option<String>,
}

/// A card on the home page and the sites index.
#[derive(Debug, Clone)]
pub struct SiteCard {
    pub name: String,
    pub title: String,
    pub url: String,
    pub loaded: bool,
    pub docs: usize,
    pub patterns: usize,
    /// Guides, index pages and folders of the pattern repo its docs link.
    pub linked: usize,
    /// ok, missing, invalid
    pub contract: &'static str,
    pub problems: usize,
}

/// A category with its patterns.
#[derive(Debug, Clone)]
pub struct CategoryCard {
    pub name: String,
    pub url: String,
    pub count: usize,
    pub items: Vec<Link>,
    pub more: usize,
}

/// One lint finding as listed.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub severity: &'static str,
    pub rule: &'static str,
    pub rule_url: String,
    /// `path:line` (repo-relative).
    pub location: String,
    pub line: u32,
    /// The doc page, when the finding is in a loaded doc.
    pub url: Option<String>,
    pub message: String,
    pub fix: String,
    pub pattern: Option<Link>,
    /// Percent, for copied content.
    pub similarity: Option<u32>,
    pub suggestions: Vec<Link>,
    /// The recommendation preview for this finding, when recommendations are available.
    pub recommend: Option<String>,
    /// The doc's source with line numbers, at the finding's first line.
    pub source_url: Option<String>,
}

/// A doc's markdown source with line numbers and the lines lint flags.
#[derive(Template)]
#[template(path = "source.html")]
pub struct SourcePage {
    pub layout: Layout,
    pub title: String,
    pub crumbs: Vec<Link>,
    pub doc_url: String,
    pub raw_url: String,
    /// The file as shown (`cf/docs/backup.md`).
    pub path: String,
    pub lines: Vec<SourceLine>,
    pub findings: Vec<FindingRow>,
    /// Only the head of a huge file was loaded.
    pub truncated: bool,
}

/// One numbered source line.
#[derive(Debug, Clone)]
pub struct SourceLine {
    pub n: u32,
    pub text: String,
    /// The most severe finding covering this line.
    pub flag: Option<&'static str>,
    /// The rules of the findings covering it (tooltip).
    pub note: String,
}

/// Findings of one file.
#[derive(Debug, Clone)]
pub struct FindingGroup {
    pub repo: String,
    pub path: String,
    pub url: Option<String>,
    pub rows: Vec<FindingRow>,
}

/// A filter chip: label, count, URL, selected?
#[derive(Debug, Clone)]
pub struct Chip {
    pub label: String,
    pub count: usize,
    pub url: String,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "lint.html")]
pub struct LintPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub fail_on: &'static str,
    pub fails: bool,
    pub shown: usize,
    pub total: usize,
    pub sites: Vec<Chip>,
    pub rules: Vec<Chip>,
    pub severities: Vec<Chip>,
    pub groups: Vec<FindingGroup>,
    pub clear: Option<String>,
    pub rule_docs: Vec<Link>,
}

#[derive(Template)]
#[template(path = "rule.html")]
pub struct RulePage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub html: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Layout,
    pub patterns: usize,
    pub guides_count: usize,
    pub site_docs: usize,
    pub references: usize,
    pub readme: Option<String>,
    pub published: Option<String>,
    pub categories: Vec<CategoryCard>,
    pub sites: Vec<SiteCard>,
    pub problems: Vec<ProblemRow>,
    pub guides: Vec<Link>,
    /// Lint findings: (errors, warnings, infos).
    pub lint: (usize, usize, usize),
}

/// A value in the "followed by" panel.
#[derive(Debug, Clone)]
pub struct ValueCell {
    pub name: String,
    pub value: Option<String>,
}

/// A site doc that follows the pattern shown.
#[derive(Debug, Clone)]
pub struct FollowerRow {
    pub site: String,
    pub site_url: String,
    pub url: String,
    pub title: String,
    pub path: String,
    pub line: u32,
    pub form: &'static str,
    pub values: Vec<ValueCell>,
    pub missing: usize,
    /// Preview of recommending the pattern to this follower's site.
    pub recommend: String,
}

/// A pattern a site doc follows.
#[derive(Debug, Clone)]
pub struct FollowsRow {
    pub url: String,
    pub title: String,
    pub id: String,
    /// Values the pattern asks for that this doc does not supply.
    pub missing: Vec<String>,
}

/// A contact of a contract.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub name: String,
    pub method: String,
    pub address: String,
    pub cc: String,
}

/// A site's contract as shown.
#[derive(Debug, Clone)]
pub struct ContractView {
    /// ok, missing, invalid
    pub status: &'static str,
    pub message: Option<String>,
    pub form: &'static str,
    pub contacts: Vec<ContactRow>,
    pub other: Vec<(String, String)>,
    pub routes: Vec<String>,
    pub url: Option<String>,
}

#[derive(Template)]
#[template(path = "doc.html")]
pub struct DocPage {
    pub layout: Layout,
    /// pattern, guide, site-doc, contract
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub title: String,
    /// Print the title (the body has no level-1 heading).
    pub show_title: bool,
    /// The page h1 when the body starts with a level-1 heading: its sanitized HTML (or the
    /// front matter title when that differs) and the heading's anchor.
    pub lead_title: Option<(String, String)>,
    /// The doc's leading `# heading` (sanitized HTML) when its front matter title differs.
    pub alt_heading: Option<String>,
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub crumbs: Vec<Link>,
    pub pattern_id: Option<String>,
    pub category: Option<Link>,
    pub tags: Vec<String>,
    pub summary: Option<String>,
    pub source: String,
    /// The markdown source as plain text.
    pub raw_url: String,
    /// The markdown source with line numbers.
    pub source_url: String,
    pub published: Option<String>,
    pub forge: Option<String>,
    pub followers: Vec<FollowerRow>,
    pub follower_sites: usize,
    /// Site repos in the KB (none: a build of the pattern repo alone, or a KB without sites
    /// yet), so "no site follows it" is never said when no site could be seen.
    pub site_repos: usize,
    pub declared: Vec<String>,
    pub related: Vec<Link>,
    pub follows: Vec<FollowsRow>,
    /// For a site doc: guides, index pages and folders of the pattern repo it links.
    pub uses: Vec<Link>,
    /// For a site doc: does it link anything of the pattern repo (else the "links no
    /// pattern" hint shows)?
    pub links_pattern_repo: bool,
    pub broken: Vec<BrokenLink>,
    pub problems: Vec<ProblemRow>,
    pub site: Option<Link>,
    pub in_folder: Vec<Link>,
    pub contract: Option<ContractView>,
    pub truncated: bool,
    pub lines: u32,
    pub findings: Vec<FindingRow>,
}

/// One doc of a site, with the patterns it follows.
#[derive(Debug, Clone)]
pub struct SiteDocRow {
    pub url: String,
    pub title: String,
    pub path: String,
    pub follows: Vec<Link>,
    /// Guides, index pages and folders of the pattern repo it links.
    pub uses: Vec<Link>,
}

#[derive(Template)]
#[template(path = "site.html")]
pub struct SitePage {
    pub layout: Layout,
    pub name: String,
    pub title: String,
    pub path: String,
    pub loaded: bool,
    pub contract: ContractView,
    pub readme: Option<String>,
    /// Top-level folders of the repo.
    pub folders: Vec<Link>,
    pub docs: Vec<SiteDocRow>,
    pub patterns: Vec<Link>,
    /// Guides, index pages and folders of the pattern repo its docs link.
    pub uses: Vec<Link>,
    pub total_patterns: usize,
    pub unresolved: Vec<ProblemRow>,
    pub problems: Vec<ProblemRow>,
    pub findings: Vec<FindingRow>,
    pub findings_total: usize,
    pub lint_url: String,
}

#[derive(Template)]
#[template(path = "sites.html")]
pub struct SitesPage {
    pub layout: Layout,
    pub sites: Vec<SiteCard>,
}

#[derive(Template)]
#[template(path = "patterns.html")]
pub struct PatternsPage {
    pub layout: Layout,
    pub total: usize,
    pub categories: Vec<CategoryCard>,
    pub guides: Vec<Link>,
}

/// A file in a folder listing.
#[derive(Debug, Clone)]
pub struct FileRow {
    pub url: String,
    pub name: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "dir.html")]
pub struct DirPage {
    pub layout: Layout,
    pub title: String,
    pub crumbs: Vec<Link>,
    pub dirs: Vec<Link>,
    pub docs: Vec<Link>,
    pub files: Vec<FileRow>,
    /// For a pattern-repo folder without an index page: the site docs that link it.
    pub used_by: Vec<Link>,
}

/// A category row of the coverage summary.
#[derive(Debug, Clone)]
pub struct CoverageCategory {
    pub name: String,
    pub url: String,
    pub patterns: usize,
    /// Per site: (followed, percent).
    pub cells: Vec<(usize, u32)>,
    pub selected: bool,
}

/// A pattern row of the coverage matrix.
#[derive(Debug, Clone)]
pub struct CoverageRowView {
    pub url: String,
    pub title: String,
    pub id: String,
    pub category: String,
    /// Per site: the docs that follow the pattern.
    pub cells: Vec<Vec<Link>>,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "coverage.html")]
pub struct CoveragePage {
    pub layout: Layout,
    pub sites: Vec<Link>,
    pub categories: Vec<CoverageCategory>,
    pub selected: Option<String>,
    pub rows: Vec<CoverageRowView>,
    /// Rows left out (the matrix is shown per category for big KBs).
    pub hidden_rows: usize,
    pub unfollowed: Vec<Link>,
    /// Guides, index pages and folders some site uses, with the docs that link them.
    pub used: Vec<CoverageRowView>,
    pub orphans: Vec<(Link, Vec<Link>)>,
    pub total_patterns: usize,
}

#[derive(Template)]
#[template(path = "problems.html")]
pub struct ProblemsPage {
    pub layout: Layout,
    pub site: Option<String>,
    pub sites: Vec<Link>,
    pub rows: Vec<ProblemRow>,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub layout: Layout,
    pub path: String,
    pub suggestions: Vec<Link>,
    /// Search hits for the words of the path.
    pub hits: Vec<SearchHitView>,
    /// The command that writes the pattern the path names (when it names one).
    pub new_pattern: Option<String>,
}

/// A site value in a recommendation.
#[derive(Debug, Clone)]
pub struct ValueView {
    pub name: String,
    pub value: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
}

/// One rendering of a recommendation (a message that would be sent, or a format).
#[derive(Debug, Clone)]
pub struct RenderingView {
    pub label: String,
    pub format: &'static str,
    pub mime: &'static str,
    pub text: Result<String, String>,
}

/// A recommendation as previewed.
#[derive(Debug, Clone)]
pub struct PreviewView {
    pub title: String,
    pub site: Link,
    pub severity: &'static str,
    pub reason: String,
    pub route: String,
    pub contract: String,
    pub contract_url: Option<String>,
    pub recipients: Vec<ContactRow>,
    pub pattern: Option<Link>,
    pub published: Option<String>,
    pub values: Vec<ValueView>,
    pub missing: usize,
    pub detected: String,
    pub location: Option<Link>,
    pub note: Option<String>,
    pub risk: String,
    pub action: String,
    pub verification: String,
    pub due: Option<String>,
    pub messages: Vec<RenderingView>,
    pub formats: Vec<RenderingView>,
}

#[derive(Template)]
#[template(path = "recommend.html")]
pub struct RecommendPage {
    pub layout: Layout,
    /// Site names, with the chosen one marked.
    pub sites: Vec<(String, bool)>,
    /// Pattern ids and titles for the chooser (empty for very large KBs: type the id).
    pub patterns: Vec<(String, String)>,
    pub pattern: String,
    pub note: String,
    pub due: String,
    pub severity: String,
    pub error: Option<String>,
    pub preview: Option<PreviewView>,
    /// The finding this preview was made from (none or one).
    pub finding: Vec<FindingRow>,
}

/// A search hit as listed.
#[derive(Debug, Clone)]
pub struct SearchHitView {
    pub url: String,
    pub title: String,
    pub kind: &'static str,
    pub site: Option<String>,
    pub category: Option<String>,
    pub path: String,
    /// The heading of the matching section.
    pub section: Option<String>,
    /// Escaped snippet with `<mark>` around matches.
    pub snippet: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub text: String,
    /// (value, label, selected)
    pub kinds: Vec<(String, String, bool)>,
    pub sites: Vec<(String, bool)>,
    pub categories: Vec<(String, bool)>,
    pub hits: Vec<SearchHitView>,
    pub total: usize,
    /// Rank of the first hit shown.
    pub first: usize,
    pub error: Option<String>,
    /// The index is still being built.
    pub pending: bool,
    /// Corrected query and its URL.
    pub did_you_mean: Option<(String, String)>,
    /// The strict query that found nothing, when the hits are for its words read loosely.
    pub no_exact_match: Option<String>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Patterns with a close id, when nothing matched.
    pub suggestions: Vec<Link>,
    /// When no pattern matches all the words: the command that writes one.
    pub new_pattern: Option<String>,
    /// Active filters, each with the URL that removes it.
    pub clear: Vec<Chip>,
}
