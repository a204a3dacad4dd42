//! Sanitizing HTML from untrusted repos (ammonia): scripts, event handlers, styles and
//! `javascript:` URLs go; the CSS classes netstack itself writes (`class`) survive.

use std::sync::LazyLock;

/// CSS classes the renderer puts on elements; everything else is stripped from doc HTML.
pub mod class {
    /// A link to a doc, file or folder that does not exist.
    pub const MISSING: &str = "ns-missing";
    /// A link to a doc that exists, to an anchor that does not.
    pub const BAD_ANCHOR: &str = "ns-bad-anchor";
    /// A link to another web site.
    pub const EXTERNAL: &str = "ns-ext";
    /// A link into the KB.
    pub const INTERNAL: &str = "ns-int";
    /// The `#` link beside a heading.
    pub const ANCHOR: &str = "ns-anchor";
    /// The scroll wrapper around a table.
    pub const TABLE: &str = "ns-table";
    /// A task list checkbox (`- [x]`).
    pub const TASK: &str = "ns-task";
    pub const TASK_DONE: &str = "ns-task-done";
    /// An image from another web site, shown as a link (the page loads nothing external).
    pub const EXTERNAL_IMAGE: &str = "ns-ext-img";

    pub(crate) const ALL: &[&str] = &[
        MISSING,
        BAD_ANCHOR,
        EXTERNAL,
        INTERNAL,
        ANCHOR,
        TABLE,
        TASK,
        TASK_DONE,
        EXTERNAL_IMAGE,
        "footnote-definition",
        "footnote-definition-label",
        "footnote-reference",
    ];
}

pub(super) static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_tags(["kbd", "details", "summary", "mark", "picture", "figure"])
        .add_tag_attributes("h1", ["id"])
        .add_tag_attributes("h2", ["id"])
        .add_tag_attributes("h3", ["id"])
        .add_tag_attributes("h4", ["id"])
        .add_tag_attributes("h5", ["id"])
        .add_tag_attributes("h6", ["id"])
        .add_tag_attributes("div", ["id", "tabindex", "role", "aria-label"])
        .add_tag_attributes("sup", ["id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("a", ["id", "name", "aria-label"])
        .add_tag_attributes("img", ["title", "loading"])
        .add_tag_attributes("details", ["open"])
        .add_generic_attributes(["class"])
        .strip_comments(true)
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            // A div may be a focusable region (the table wrapper), and nothing more.
            match (element, attribute) {
                ("div", "tabindex") => return (value == "0").then(|| value.into()),
                ("div", "role") => return (value == "region").then(|| value.into()),
                (_, "class") => {}
                _ => return Some(value.into()),
            }
            let kept: Vec<&str> = value
                .split_whitespace()
                .filter(|c| {
                    class::ALL.contains(c)
                        || c.strip_prefix("language-").is_some_and(|l| {
                            !l.is_empty()
                                && l.len() <= 32
                                && l.chars()
                                    .all(|ch| ch.is_ascii_alphanumeric() || "+#-_.".contains(ch))
                        })
                })
                .collect();
            (!kept.is_empty()).then(|| kept.join(" ").into())
        });
    b
});

/// Sanitize HTML from an untrusted source (doc HTML after rendering). Code blocks scroll
/// sideways, so every `<pre>` becomes a named keyboard region. The attributes are written
/// here, after ammonia (which keeps no `pre` attribute of a doc's own but `class`), in a fixed
/// order: ammonia's own attribute setting iterates a hash map, so pages would differ from one
/// process to the next. In sanitized HTML `<pre` only ever starts a tag (text is escaped).
pub fn sanitize(html: &str) -> String {
    const PRE: &str = "<pre tabindex=\"0\" role=\"region\" aria-label=\"Code\"";
    CLEANER
        .clean(html)
        .to_string()
        .replace("<pre ", &format!("{PRE} "))
        .replace("<pre>", &format!("{PRE}>"))
}
