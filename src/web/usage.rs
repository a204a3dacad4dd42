//! What site docs use in the pattern repo besides patterns (guides, index pages, folders
//! without one), as the rows web pages show: on site cards and site pages, on a site doc's
//! page, in the "Used by" panel of a folder and in the coverage section. The decisions
//! (what counts as a use, who uses what) are docengine's (`KnowledgeBase::used_by_doc`,
//! `users`, `Coverage::used`); this only turns them into views.

use std::collections::HashMap;

use docengine::coverage::Coverage;
use docengine::kb::Used;
use docengine::routes;
use docengine::{DocId, KnowledgeBase};

use super::views::{CoverageRowView, Link};

/// A guide, index page or folder of the pattern repo as a link (note: its repo path).
pub fn used_link(kb: &KnowledgeBase, used: &Used) -> Link {
    match used {
        Used::Doc(d) => Link {
            url: routes::doc_url(kb, *d),
            title: kb.doc(*d).title.clone(),
            note: kb.doc(*d).path.clone(),
        },
        Used::Folder(path) => Link {
            url: routes::dir_url(kb, 0, path),
            title: format!("{}/", path.rsplit('/').next().unwrap_or(path)),
            note: format!("{path}/"),
        },
    }
}

pub fn used_links(kb: &KnowledgeBase, used: &[Used]) -> Vec<Link> {
    used.iter().map(|u| used_link(kb, u)).collect()
}

/// Per site: how many guides, index pages and folders of the pattern repo its docs link
/// (the `docs_linked` of `check --json`).
pub fn linked_counts(kb: &KnowledgeBase) -> HashMap<String, usize> {
    kb.sites()
        .map(|s| (s.to_string(), kb.used_by_site(s).len()))
        .collect()
}

/// The site docs that use a folder of the pattern repo (title: `site: doc title`, note:
/// `path:line`).
pub fn folder_users(kb: &KnowledgeBase, path: &str) -> Vec<Link> {
    kb.users(&Used::Folder(path.to_string()))
        .into_iter()
        .map(|(d, r)| user_link(kb, d, r.line))
        .collect()
}

fn user_link(kb: &KnowledgeBase, doc: DocId, line: u32) -> Link {
    let d = kb.doc(doc);
    Link {
        url: routes::doc_url(kb, doc),
        title: format!("{}: {}", d.site.as_deref().unwrap_or_default(), d.title),
        note: format!("{}:{line}", d.path),
    }
}

/// The coverage section of guides and folders: one row per thing some site uses, a cell per
/// site with the docs that link it.
pub fn coverage_rows(kb: &KnowledgeBase, cov: &Coverage) -> Vec<CoverageRowView> {
    cov.used
        .iter()
        .map(|r| {
            let l = used_link(kb, &r.used);
            CoverageRowView {
                url: l.url,
                title: l.title,
                id: r.path.clone(),
                category: l.note,
                count: r.site_count(),
                cells: r
                    .cells
                    .iter()
                    .map(|docs| {
                        docs.iter()
                            .map(|&d| Link {
                                url: routes::doc_url(kb, d),
                                title: kb.doc(d).title.clone(),
                                note: kb.doc(d).path.clone(),
                            })
                            .collect()
                    })
                    .collect(),
            }
        })
        .collect()
}
