//! Link resolution: where any link written in a doc leads (a doc and anchor, a repo file or
//! folder, another site, nothing), and which repo holds an absolute path.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::refs::{self, RefContext, Want};

use super::model::{DocId, KnowledgeBase};

/// Where a link in a doc leads (for rendering and for lint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A doc of the KB, with an optional anchor; `anchor_ok` is false when the anchor names no
    /// heading of that doc.
    Doc {
        id: DocId,
        anchor: Option<String>,
        anchor_ok: bool,
    },
    /// A non-doc file of one of the repos (image, script): repo index and relative path.
    File { repo: usize, path: String },
    /// A folder of one of the repos without a README.
    Dir { repo: usize, path: String },
    /// An anchor in the same doc; `ok` is false when no heading has it.
    SameDoc { anchor: String, ok: bool },
    /// Outside the KB (another web site, `mailto:`).
    External,
    /// A link into a KB repo (or a relative path) that leads nowhere.
    Missing { wanted: String },
}

impl KnowledgeBase {
    /// The repo whose root holds this absolute path (the innermost one when checkouts are
    /// nested). Walks up the path's ancestors, so the cost does not grow with the number of
    /// repos.
    ///
    /// Only ancestors no deeper than the deepest root are looked up: hashing every ancestor
    /// of a path of thousands of segments (a link in a doc) would cost quadratic time.
    pub fn repo_containing(&self, abs: &Path) -> Option<usize> {
        let roots = self.roots.get_or_init(|| {
            let mut m = HashMap::new();
            for (i, r) in self.repos.iter().enumerate() {
                m.entry(r.root.clone()).or_insert(i);
            }
            m
        });
        let deepest = roots.keys().map(|r| r.components().count()).max()?;
        // Rebuilt from its components (no `.`, no `//`), each ancestor is one component up.
        let abs: PathBuf = abs.components().collect();
        let too_deep = abs.components().count().saturating_sub(deepest);
        abs.ancestors()
            .skip(too_deep)
            .find_map(|a| roots.get(a).copied())
    }

    /// Where a link written in a doc leads.
    pub fn resolve_link(&self, from: DocId, target: &str) -> LinkTarget {
        let doc = &self.docs[from];
        let target = target.trim();
        if let Some(anchor) = target.strip_prefix('#') {
            let anchor = crate::publication::percent_decode(anchor);
            let ok = anchor.is_empty() || doc.has_anchor(&anchor);
            return LinkTarget::SameDoc { anchor, ok };
        }
        let ctx_ids = HashSet::new();
        let ctx = RefContext::new(
            &self.config.patterns.publication,
            &self.config.patterns.path,
            &ctx_ids,
        );
        let is_url = target.split_once(':').is_some_and(|(s, _)| {
            s.len() > 1
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if is_url {
            return match refs::classify_link(doc, target, &ctx) {
                Some(c) => self.resolve_in(0, &c.want, c.anchor),
                None => LinkTarget::External,
            };
        }
        let (path, anchor) = match target.split_once('#') {
            Some((p, a)) => (
                p,
                Some(crate::publication::percent_decode(a)).filter(|a| !a.is_empty()),
            ),
            None => (target, None),
        };
        let path = crate::publication::percent_decode(path.split('?').next().unwrap_or(path));
        if path.is_empty() {
            return LinkTarget::External;
        }
        let own = self.repo_index(doc);
        let abs = if path.starts_with('/') {
            self.repos[own].root.join(path.trim_start_matches('/'))
        } else {
            match doc.abs_path.parent() {
                Some(dir) => crate::paths::normalize(&dir.join(&path)),
                None => return LinkTarget::Missing { wanted: path },
            }
        };
        // Which repo is it in? (Innermost root, so nested checkouts work.)
        if let Some(i) = self.repo_containing(&abs)
            && let Ok(rel) = abs.strip_prefix(&self.repos[i].root)
        {
            let rel = rel.to_string_lossy().replace('\\', "/");
            return self.resolve_in(i, &Want::Paths(refs::path_candidates(&rel)), anchor);
        }
        // A checkout laid out differently: `../../netstack/docs/x.md`.
        if let Some(c) = refs::classify_link(doc, target, &ctx) {
            return self.resolve_in(0, &c.want, c.anchor);
        }
        LinkTarget::Missing {
            wanted: self.config.display_path(&abs),
        }
    }

    fn resolve_in(&self, repo: usize, want: &Want, anchor: Option<String>) -> LinkTarget {
        let r = &self.repos[repo];
        match want {
            Want::Id(id) => match self.pattern(id) {
                Some(d) => self.doc_target(d, anchor),
                None => LinkTarget::Missing { wanted: id.clone() },
            },
            Want::Paths(cands) => {
                for c in cands {
                    if let Some(d) = r.doc(c) {
                        return self.doc_target(d, anchor);
                    }
                }
                for c in cands {
                    if r.files.contains(c.as_str()) {
                        return LinkTarget::File {
                            repo,
                            path: c.clone(),
                        };
                    }
                    if r.dirs.contains(c.as_str()) || c.is_empty() {
                        return LinkTarget::Dir {
                            repo,
                            path: c.clone(),
                        };
                    }
                }
                LinkTarget::Missing {
                    wanted: cands.first().cloned().unwrap_or_default(),
                }
            }
        }
    }

    fn doc_target(&self, id: DocId, anchor: Option<String>) -> LinkTarget {
        let anchor_ok = anchor
            .as_deref()
            .is_none_or(|a| self.docs[id].has_anchor(a));
        LinkTarget::Doc {
            id,
            anchor,
            anchor_ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn write(root: &Path, rel: &str, text: &str) {
        crate::testkit::write_files(root, &[(rel, text)]);
    }

    /// A KB with the pattern repo `netstack` published at n.org and one site `cf`.
    const ONE_SITE: &str = "[patterns]\npath = \"netstack\"\nbase_urls = [\"https://n.org/\"]\n[[sites]]\nname = \"cf\"\npath = \"cf\"\n";

    /// Found by fuzzing: finding the repo of a linked path hashed every ancestor of the path,
    /// so one link of thousands of segments took quadratic time to resolve (and to render).
    #[test]
    fn deep_link_paths_resolve_in_linear_time() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/lan/README.md", "# LAN\n");
        write(r, "cf/docs/x.md", "# X\n");
        write(r, "cf/docs/y.md", "# Y\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = kb.find("cf", "docs/x.md").unwrap();
        let y = kb.find("cf", "docs/y.md").unwrap();
        let start = std::time::Instant::now();
        let deep = format!("{}y.md", "a/".repeat(100_000));
        assert!(matches!(
            kb.resolve_link(x, &deep),
            LinkTarget::Missing { .. }
        ));
        let back = format!("./{}y.md", "a/../".repeat(50_000));
        assert!(matches!(kb.resolve_link(x, &back), LinkTarget::Doc { id, .. } if id == y));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        // Paths not in normal form still find their repo.
        let cf = kb.repo_containing(&r.join("cf/./docs//x.md")).unwrap();
        assert_eq!(kb.repos[cf].root, kb.repos[kb.repo_index(kb.doc(x))].root);
        assert_eq!(kb.repo_containing(std::path::Path::new("/")), None);
    }

    #[test]
    fn resolve_link_covers_every_target_kind() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        write(r, "netstack.toml", ONE_SITE);
        write(r, "netstack/docs/lan/README.md", "# LAN\n\n## Steps\n");
        write(r, "netstack/docs/lan/v-pattern.md", "# V\n\n## Steps\n");
        write(r, "netstack/docs/tools/run.sh", "echo\n");
        write(r, "cf/docs/x.md", "# X\n\n## Here\n");
        write(r, "cf/docs/y.md", "# Y\n");
        let kb = KnowledgeBase::load(Config::load(r).unwrap()).unwrap();
        let x = kb.find("cf", "docs/x.md").unwrap();
        let v = kb.find("netstack", "docs/lan/v-pattern.md").unwrap();
        let lan = kb.find("netstack", "docs/lan/README.md").unwrap();
        let y = kb.find("cf", "docs/y.md").unwrap();
        assert_eq!(
            kb.resolve_link(x, "./y.md"),
            LinkTarget::Doc {
                id: y,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "y.md#nope"),
            LinkTarget::Doc {
                id: y,
                anchor: Some("nope".into()),
                anchor_ok: false
            }
        );
        assert!(matches!(
            kb.resolve_link(x, "./missing.md"),
            LinkTarget::Missing { .. }
        ));
        assert_eq!(
            kb.resolve_link(x, "#here"),
            LinkTarget::SameDoc {
                anchor: "here".into(),
                ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "#gone"),
            LinkTarget::SameDoc {
                anchor: "gone".into(),
                ok: false
            }
        );
        assert_eq!(
            kb.resolve_link(x, "https://example.org/"),
            LinkTarget::External
        );
        assert_eq!(kb.resolve_link(x, "mailto:a@b.org"), LinkTarget::External);
        assert_eq!(
            kb.resolve_link(x, "https://n.org/docs/lan/v-pattern/#steps"),
            LinkTarget::Doc {
                id: v,
                anchor: Some("steps".into()),
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "https://n.org/docs/lan/"),
            LinkTarget::Doc {
                id: lan,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "../../netstack/docs/lan"),
            LinkTarget::Doc {
                id: lan,
                anchor: None,
                anchor_ok: true
            }
        );
        assert_eq!(
            kb.resolve_link(x, "../../netstack/docs/tools/run.sh"),
            LinkTarget::File {
                repo: 0,
                path: "docs/tools/run.sh".into()
            }
        );
        assert!(matches!(
            kb.resolve_link(x, "https://n.org/docs/lan/w-pattern/"),
            LinkTarget::Missing { .. }
        ));
    }
}
