//! Rendering a doc's markdown to HTML for the browsable KB: heading anchors that match
//! [`Doc::headings`] (GitHub slugs), a table of contents, links rewritten to in-app routes
//! (published URLs, forge URLs and relative paths alike), links to missing pages and anchors
//! visibly marked, and the result sanitized: docs from site repos are untrusted, so raw HTML
//! loses scripts, event handlers, styles and `javascript:` URLs.
//!
//! A facade: `doc` renders a doc, `prose` short texts, `sanitize` cleans HTML, `events` is the
//! bounded markdown stream under both.

mod doc;
mod events;
mod prose;
mod sanitize;
#[cfg(test)]
mod tests;

pub use doc::{BrokenLink, Links, Rendered, TocEntry, render_doc, render_doc_for};
pub use prose::{escape, markdown_to_html, prose_html};
pub use sanitize::{class, sanitize};
