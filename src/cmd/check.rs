//! `netstack check`: load the KB and summarize it (human or `--json`).

use std::fmt::Write as _;

use anyhow::Result;
use docengine::summary::Summary;
use docengine::{KnowledgeBase, Severity};

use crate::output::{Style, clean, clean_json};
use crate::{Cli, exit, kb_select};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the summary as JSON (schema in the README).
    #[arg(long)]
    pub json: bool,
}

pub fn run(cli: &Cli, args: &Args) -> Result<u8> {
    let kb = kb_select::load(cli.kb.as_deref())?;
    let summary = Summary::of(&kb);
    if args.json {
        println!("{}", clean_json(serde_json::to_string_pretty(&summary)?));
    } else {
        print!("{}", human(&kb, &summary, Style::stdout()));
    }
    Ok(exit::OK)
}

/// The summary for a person. Everything that comes from a repo or the config (names, paths,
/// categories, contacts, messages) goes through [`clean`].
fn human(kb: &KnowledgeBase, s: &Summary, st: Style) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{} {}", st.bold("Knowledge base"), clean(&s.kb));
    let base = s
        .pattern_repo
        .base_urls
        .first()
        .map(String::as_str)
        .unwrap_or("(no base URL)");
    let _ = writeln!(
        o,
        "\n{} {} ({}): {} docs, {} patterns, published at {}",
        st.bold("Pattern repo"),
        clean(&s.pattern_repo.name),
        clean(&s.pattern_repo.path),
        s.pattern_repo.docs,
        s.patterns,
        clean(base)
    );
    let width = s
        .categories
        .iter()
        .map(|c| c.category.len())
        .max()
        .unwrap_or(0);
    for c in &s.categories {
        let _ = writeln!(o, "  {:width$}  {:>3}", clean(&c.category), c.patterns);
    }

    let _ = writeln!(o, "\n{} ({})", st.bold("Sites"), s.sites.len());
    let width = s.sites.iter().map(|x| x.name.len()).max().unwrap_or(0);
    for site in &s.sites {
        if !site.loaded {
            let _ = writeln!(
                o,
                "  {:width$}  {} ({})",
                clean(&site.name),
                st.red("not loaded"),
                clean(&site.path)
            );
            continue;
        }
        let contract = match (&site.contract, site.contract_status) {
            (Some(c), _) => {
                let contacts: Vec<String> = c
                    .contacts
                    .iter()
                    .map(|c| {
                        let cc = if c.cc.is_empty() {
                            String::new()
                        } else {
                            format!(" cc {}", c.cc.join(", "))
                        };
                        clean(&format!("{} {}{cc}", c.method, c.address)).into_owned()
                    })
                    .collect();
                format!("{} {}", st.green("contract ok:"), contacts.join("; "))
            }
            (None, status) => format!(
                "{} {}",
                st.yellow(&format!("contract {status}:")),
                clean(site.contract_problem.as_deref().unwrap_or_default())
            ),
        };
        let _ = writeln!(
            o,
            "  {:width$}  {:>3} docs  follows {:>2} patterns  links {:>2} {:<17}  {}",
            clean(&site.name),
            site.docs,
            site.patterns_followed,
            site.docs_linked,
            if site.docs_linked == 1 {
                "pattern-repo doc"
            } else {
                "pattern-repo docs"
            },
            contract
        );
    }

    let forms: Vec<String> = s
        .references
        .by_form
        .iter()
        .map(|(f, n)| format!("{f} {n}"))
        .collect();
    let _ = writeln!(
        o,
        "\n{} {} resolved ({}), {} unresolved",
        st.bold("References"),
        s.references.resolved,
        forms.join(", "),
        s.references.unresolved
    );
    for r in &s.unresolved_references {
        let shown = match &r.site {
            Some(site) => kb
                .site_repo(site)
                .map(|repo| kb.config.display_path(&repo.root.join(&r.path)))
                .unwrap_or_else(|| r.path.clone()),
            None => kb
                .config
                .display_path(&kb.pattern_repo().root.join(&r.path)),
        };
        let hint = if r.suggestions.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", r.suggestions.join(", "))
        };
        let _ = writeln!(
            o,
            "  {}:{}  {} {}{}",
            clean(&shown),
            r.line,
            st.dim(r.form.as_str()),
            clean(&r.target),
            clean(&hint)
        );
    }

    let errors = s
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let _ = writeln!(
        o,
        "\n{} {} ({} errors)",
        st.bold("Load problems"),
        s.problems.len(),
        errors
    );
    for p in &s.problems {
        let loc = match p.line {
            Some(l) => format!("{}:{l}", p.path),
            None => p.path.clone(),
        };
        let _ = writeln!(
            o,
            "  {}: {}: {}",
            clean(&loc),
            st.severity(p.severity),
            clean(&p.message)
        );
    }
    o
}
