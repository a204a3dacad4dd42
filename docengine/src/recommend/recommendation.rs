//! The recommendation model and how one is built from the KB: the site, the recipients its
//! contract routes to, the pattern (linked, never re-explained), the site values, and what was
//! detected, the risk, the action and its verification.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::contract::{Contact, ContractStatus, Form, Method};
use crate::doc::Doc;
use crate::error::{Error, Result};
use crate::kb::{DocId, KnowledgeBase};
use crate::problem::Severity;
use crate::source::CONTRACT_FILE;
use crate::values::{self, SiteValue, ValueSource, ValueSpec, normalize_key};

use super::advice;
use super::key;

/// An action recommendation for one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Stable dedup key (see [`super::key`]).
    pub key: String,
    /// One-line title (issue title, e-mail subject after the `[netstack <site>]` tag).
    pub title: String,
    pub site: SiteRef,
    /// The lint rule id, or `manual` for `netstack recommend`.
    pub reason: String,
    /// Category used for routing (the pattern's category), if any.
    pub category: Option<String>,
    pub severity: Severity,
    /// Who receives it, as the site's contract routes it (one message per recipient).
    pub recipients: Vec<Recipient>,
    /// Which part of the contract chose the recipients (for humans).
    pub route: String,
    /// The contract, as a path relative to the KB folder.
    pub contract: String,
    /// The pattern to follow; `None` when no pattern covers the finding yet.
    pub pattern: Option<PatternLink>,
    /// The site values the pattern needs (missing ones have `value: None`: "to be filled").
    pub values: Vec<ValueRow>,
    /// What was detected (facts, no advice).
    pub detected: String,
    /// Where (the site doc it is about), if anywhere in particular.
    pub location: Option<Location>,
    /// A note from the sender (`--note`).
    pub note: Option<String>,
    /// What happens if nothing is done.
    pub risk: String,
    /// What to do, in a sentence or two; the pattern link is [`Recommendation::pattern`].
    pub action: String,
    /// How resolution will be verified.
    pub verification: String,
    /// The date by which the site should have done it (`YYYY-MM-DD`), if the sender set one.
    pub due: Option<String>,
}

/// The site a recommendation is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRef {
    pub name: String,
    /// The site's title from `netstack.toml`, if any.
    pub title: Option<String>,
}

impl SiteRef {
    /// "Cedar Falls office (cf)" or "cf".
    pub fn display(&self) -> String {
        match &self.title {
            Some(t) => format!("{t} ({})", self.name),
            None => self.name.clone(),
        }
    }
}

/// One recipient: a contact of the site's contract.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Recipient {
    /// The contact's name in the contract (`action-recommendations` for free-form).
    pub contact: String,
    pub method: Method,
    /// E-mail address, issue tracker, Matrix room, Slack channel or webhook URL.
    pub address: String,
    #[serde(default)]
    pub cc: Vec<String>,
}

impl From<&Contact> for Recipient {
    fn from(c: &Contact) -> Self {
        Recipient {
            contact: c.name.clone(),
            method: c.method,
            address: c.address.clone(),
            cc: c.cc.clone(),
        }
    }
}

/// The pattern a recommendation asks the site to follow: a link, never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatternLink {
    pub id: String,
    pub title: String,
    /// Published URL (else the forge URL, else the repo path).
    pub url: String,
    /// Path in the pattern repo.
    pub path: String,
    pub category: Option<String>,
    /// Link to the pattern's verification section, when it has one.
    pub verification_url: Option<String>,
}

/// One site value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueRow {
    /// Normalized key (`backup_target`).
    pub key: String,
    /// The name as the pattern (or the site) writes it.
    pub name: String,
    /// `None`: the pattern needs it and the site has not supplied it ("to be filled").
    pub value: Option<String>,
    /// Where the value came from: `docs/backup.md:3` or `--set`.
    pub source: Option<String>,
    /// What the pattern says the value means.
    pub description: Option<String>,
}

/// Where in the site repo the recommendation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Repo-relative path.
    pub path: String,
    pub line: Option<u32>,
    pub end_line: Option<u32>,
}

impl Location {
    /// `docs/backup.md:12` or `docs/backup.md:12-30`.
    pub fn display(&self) -> String {
        match (self.line, self.end_line) {
            (Some(a), Some(b)) if b > a => format!("{}:{a}-{b}", self.path),
            (Some(a), _) => format!("{}:{a}", self.path),
            _ => self.path.clone(),
        }
    }
}

impl PatternLink {
    /// Is [`PatternLink::url`] a web address (rather than a repo path, when the pattern repo
    /// has neither a published nor a forge URL)? Templates link only web addresses.
    pub fn is_web(&self) -> bool {
        self.url.starts_with("https://") || self.url.starts_with("http://")
    }
}

impl Recommendation {
    /// Recipients of one method.
    pub fn recipients_by(&self, method: Method) -> impl Iterator<Item = &Recipient> {
        self.recipients.iter().filter(move |r| r.method == method)
    }

    /// Values the site still has to supply.
    pub fn missing_values(&self) -> impl Iterator<Item = &ValueRow> {
        self.values.iter().filter(|v| v.value.is_none())
    }
}

/// A recommendation made by hand: `netstack recommend --site SITE --pattern ID`.
#[derive(Debug, Clone)]
pub struct ManualRequest {
    pub site: String,
    /// Pattern id, or a published/forge URL or repo path of the pattern.
    pub pattern: String,
    /// The site doc the recommendation is about (repo-relative, or `<site>/<path>`); default:
    /// the site docs that follow the pattern.
    pub doc: Option<String>,
    /// Values given on the command line (`--set k=v`); they win over the docs' values.
    pub set: Vec<(String, String)>,
    pub note: Option<String>,
    pub severity: Severity,
    /// The date by which it should be done (`YYYY-MM-DD`).
    pub due: Option<String>,
    /// Only this contact of the contract (by name), instead of what its routes choose.
    pub contact: Option<String>,
}

impl ManualRequest {
    pub fn new(site: impl Into<String>, pattern: impl Into<String>) -> Self {
        ManualRequest {
            site: site.into(),
            pattern: pattern.into(),
            doc: None,
            set: Vec::new(),
            note: None,
            severity: Severity::Warning,
            due: None,
            contact: None,
        }
    }
}

/// Build a hand-made recommendation for a (site, pattern) pair.
pub fn manual(kb: &KnowledgeBase, req: &ManualRequest) -> Result<Recommendation> {
    let due = match req.due.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(parse_due(d)?),
        None => None,
    };
    let site = site_ref(kb, &req.site)?;
    let pattern_id = find_pattern(kb, &req.pattern)?;
    let pattern_doc = kb.doc(pattern_id);
    let link = pattern_link(kb, pattern_id);

    let followers: Vec<DocId> = kb
        .followers(pattern_id)
        .into_iter()
        .map(|(d, _)| d)
        .filter(|&d| kb.doc(d).site.as_deref() == Some(site.name.as_str()))
        .collect();
    let chosen: Option<DocId> = match &req.doc {
        Some(p) => Some(find_site_doc(kb, &site.name, p)?),
        None => None,
    };
    // The chosen doc first, then the site's other docs following the pattern: the docs lint
    // and the pattern page ask for the site's values.
    let value_docs: Vec<&Doc> = kb
        .supplying_docs(&site.name, pattern_id, chosen)
        .into_iter()
        .map(|d| kb.doc(d))
        .collect();
    let values = value_rows(&pattern_doc.declared_values, &value_docs, &req.set)?;

    let (mut recipients, mut route, contract) =
        route(kb, &site.name, link.category.as_deref(), req.severity)?;
    if let Some(name) = req.contact.as_deref() {
        (recipients, route) = chosen_contact(kb, &site.name, &contract, name)?;
    }

    let mut detected = Vec::new();
    let follower_paths: Vec<String> = {
        let mut v: Vec<String> = followers.iter().map(|&d| kb.doc(d).path.clone()).collect();
        v.sort();
        v
    };
    if follower_paths.is_empty() {
        detected.push(format!(
            "No doc of {} links {} yet.",
            site.display(),
            link.id
        ));
    } else {
        detected.push(format!(
            "{} follows {} in {}.",
            site.display(),
            link.id,
            follower_paths.join(", ")
        ));
    }
    if let Some(d) = chosen
        && !followers.contains(&d)
    {
        detected.push(format!("{} does not link {} yet.", kb.doc(d).path, link.id));
    }
    let missing: Vec<&str> = values
        .iter()
        .filter(|v| v.value.is_none())
        .map(|v| v.name.as_str())
        .collect();
    if !missing.is_empty() {
        detected.push(format!(
            "Values the pattern needs that the site has not recorded: {}.",
            missing.join(", ")
        ));
    }

    let location = chosen.map(|d| Location {
        path: kb.doc(d).path.clone(),
        line: None,
        end_line: None,
    });
    let fp = key::location_fingerprint(location.as_ref().map(|l| l.path.as_str()), "");
    let key = key::dedup_key(&site.name, key::MANUAL, Some(&link.id), fp);
    let with_values = if values.is_empty() {
        ""
    } else {
        " with the values below"
    };
    let action = match (&location, missing.is_empty()) {
        (Some(l), true) if values.is_empty() => {
            format!(
                "Apply the pattern at {}; link it from {}.",
                site.name, l.path
            )
        }
        (Some(l), true) => format!(
            "Apply the pattern at {} with the values below; {} records them.",
            site.name, l.path
        ),
        (Some(l), false) => format!(
            "Apply the pattern at {} with the values below, and record the ones marked \"to be filled\" in {}.",
            site.name, l.path
        ),
        (None, true) => format!("Apply the pattern at {}{with_values}.", site.name),
        (None, false) => format!(
            "Apply the pattern at {} with the values below, and record the ones marked \"to be filled\" in {}.",
            site.name,
            match follower_paths.as_slice() {
                [one] => one.clone(),
                [] => "the site doc that links the pattern".to_string(),
                many => format!("one of {}", many.join(", ")),
            }
        ),
    };
    Ok(Recommendation {
        key,
        title: format!("Follow {} ({})", link.title, link.id),
        verification: advice::verification_manual(
            &site.name,
            &link.id,
            link.verification_url.as_deref(),
            !values.is_empty(),
        ),
        risk: advice::risk(None, req.severity, link.category.as_deref()),
        site,
        reason: key::MANUAL.into(),
        category: link.category.clone(),
        severity: req.severity,
        recipients,
        route,
        contract,
        pattern: Some(link),
        values,
        detected: detected.join(" "),
        location,
        note: req.note.clone().filter(|n| !n.trim().is_empty()),
        action,
        due,
    })
}

/// A due date as `YYYY-MM-DD`, checked.
fn parse_due(d: &str) -> Result<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(d, &format)
        .map(|date| date.format(&format).unwrap_or_else(|_| d.to_string()))
        .map_err(|_| {
            Error::Invalid(format!(
                "due date `{d}` is not a date: write it as YYYY-MM-DD, e.g. 2025-11-30"
            ))
        })
}

// ---- shared building blocks ---------------------------------------------------------------

/// The site, or a "did you mean" error.
pub(crate) fn site_ref(kb: &KnowledgeBase, name: &str) -> Result<SiteRef> {
    match kb.site_repo(name) {
        Some(repo) if repo.loaded => Ok(SiteRef {
            name: repo.name.clone(),
            title: kb
                .config
                .sites
                .iter()
                .find(|s| s.name == repo.name)
                .and_then(|s| s.title.clone()),
        }),
        Some(repo) => Err(Error::NotFound(format!(
            "site `{name}` is in netstack.toml but its folder {} does not exist: clone the site repo there",
            repo.root.display()
        ))),
        None => {
            let sites: Vec<&str> = kb.sites().collect();
            let close: Vec<&str> = sites
                .iter()
                .copied()
                .filter(|s| strsim::normalized_damerau_levenshtein(s, name) >= 0.5)
                .collect();
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", close.join(", "))
            };
            let known = if sites.is_empty() {
                "the KB has no sites: add a [[sites]] entry to netstack.toml".to_string()
            } else {
                format!("the KB has {}", sites.join(", "))
            };
            Err(Error::NotFound(format!(
                "unknown site `{name}`{hint}: {known}"
            )))
        }
    }
}

/// A pattern by id, published URL, forge URL or repo path; unknown → "did you mean".
pub(crate) fn find_pattern(kb: &KnowledgeBase, wanted: &str) -> Result<DocId> {
    let w = wanted.trim();
    if let Some(id) = kb.pattern(w) {
        return Ok(id);
    }
    // A URL or a path: its last segment (without `.md`) is the id.
    let stem = w
        .split(['#', '?'])
        .next()
        .unwrap_or(w)
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(w);
    let stem = stem
        .strip_suffix(".md")
        .or_else(|| stem.strip_suffix(".markdown"))
        .unwrap_or(stem);
    if let Some(id) = kb.pattern(stem) {
        return Ok(id);
    }
    // `backup-cron` for `backup-cron-pattern`.
    if let Some(id) = kb.pattern(&format!("{stem}-pattern")) {
        return Ok(id);
    }
    let suggestions = kb.suggest_patterns(stem, 3);
    let hint = if suggestions.is_empty() {
        "; `netstack search` finds patterns by topic".to_string()
    } else {
        format!(" (did you mean {}?)", suggestions.join(", "))
    };
    Err(Error::NotFound(format!(
        "unknown pattern `{wanted}`{hint}; if none fits, write the pattern first, then recommend it"
    )))
}

/// A site doc by repo-relative path, `<site>/<path>`, or a path ending in it.
pub(crate) fn find_site_doc(kb: &KnowledgeBase, site: &str, wanted: &str) -> Result<DocId> {
    let w = wanted.trim().replace('\\', "/");
    let w = w.trim_start_matches("./");
    let candidates = [
        Some(w.to_string()),
        w.strip_prefix(&format!("{site}/")).map(str::to_string),
    ];
    for c in candidates.into_iter().flatten() {
        if let Some(id) = kb.find(site, &c) {
            return Ok(id);
        }
    }
    // An absolute path or one relative to somewhere else: match on the path suffix.
    let docs: Vec<DocId> = kb.site_docs(site).collect();
    if let Some(&id) = docs
        .iter()
        .find(|&&d| w.ends_with(&format!("/{}", kb.doc(d).path)))
    {
        return Ok(id);
    }
    let mut close: Vec<(f64, &str)> = docs
        .iter()
        .map(|&d| {
            let p = kb.doc(d).path.as_str();
            (strsim::normalized_levenshtein(p, w), p)
        })
        .filter(|(s, _)| *s >= 0.6)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let hint = close
        .first()
        .map(|(_, p)| format!(" (did you mean {p}?)"))
        .unwrap_or_default();
    Err(Error::NotFound(format!(
        "site `{site}` has no doc `{wanted}`{hint}: give a path relative to the site repo, like docs/backup.md"
    )))
}

/// The link to a pattern.
pub(crate) fn pattern_link(kb: &KnowledgeBase, id: DocId) -> PatternLink {
    let doc = kb.doc(id);
    let publication = &kb.config.patterns.publication;
    let url = kb
        .published_url(doc)
        .or_else(|| publication.forge_file_url(&doc.path))
        .unwrap_or_else(|| format!("{}/{}", kb.pattern_repo().name, doc.path));
    let verification_url = doc
        .headings
        .iter()
        .find(|h| h.level >= 2 && h.text.to_ascii_lowercase().starts_with("verif"))
        .map(|h| format!("{url}#{}", h.anchor));
    PatternLink {
        id: doc.pattern_id.clone().unwrap_or_default(),
        title: doc.title.clone(),
        url,
        path: doc.path.clone(),
        category: doc.category.clone(),
        verification_url,
    }
}

/// The site values for a pattern: every value it declares (filled from `--set`, then the
/// docs, else "to be filled"), then `--set` values it does not declare; when the pattern
/// declares none, every value the docs supply.
pub(crate) fn value_rows(
    declared: &[ValueSpec],
    docs: &[&Doc],
    set: &[(String, String)],
) -> Result<Vec<ValueRow>> {
    let mut set_map: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut set_order = Vec::new();
    for (k, v) in set {
        let key = normalize_key(k);
        if key.is_empty() {
            return Err(Error::Invalid(format!(
                "`--set {k}={v}`: the value needs a name, like --set backup_target=nas01"
            )));
        }
        if set_map
            .insert(key.clone(), (k.trim().to_string(), v.trim().to_string()))
            .is_none()
        {
            set_order.push(key);
        }
    }
    let mut supplied: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    let mut supplied_order = Vec::new();
    for doc in docs {
        for v in &doc.values {
            if !supplied.contains_key(&v.key) {
                supplied.insert(
                    v.key.clone(),
                    (
                        v.name.clone(),
                        v.value.clone(),
                        format!("{}:{}", doc.path, value_line(doc, v)),
                    ),
                );
                supplied_order.push(v.key.clone());
            }
        }
    }
    let mut rows = Vec::new();
    let from = |key: &str, name: &str, description: Option<String>| -> ValueRow {
        if let Some((_, v)) = set_map.get(key) {
            ValueRow {
                key: key.into(),
                name: name.into(),
                value: Some(v.clone()),
                source: Some("--set".into()),
                description,
            }
        } else if let Some((_, v, src)) = supplied.get(key).filter(|_| declared.is_empty()) {
            ValueRow {
                key: key.into(),
                name: name.into(),
                value: Some(v.clone()),
                source: Some(src.clone()),
                description,
            }
        } else {
            ValueRow {
                key: key.into(),
                name: name.into(),
                value: None,
                source: None,
                description,
            }
        }
    };
    // Declared values: the one rule of `values::answer` (the same answer lint and the pattern
    // page give), unless `--set` overrides it.
    let slices: Vec<&[SiteValue]> = docs.iter().map(|d| d.values.as_slice()).collect();
    for spec in declared {
        let answered = (!set_map.contains_key(&spec.key))
            .then(|| values::answer(spec, &slices))
            .flatten();
        match answered {
            Some((i, v)) => rows.push(ValueRow {
                key: spec.key.clone(),
                name: spec.name.clone(),
                value: Some(v.value.clone()),
                source: Some(format!("{}:{}", docs[i].path, value_line(docs[i], v))),
                description: spec.description.clone(),
            }),
            None => rows.push(from(&spec.key, &spec.name, spec.description.clone())),
        }
    }
    for key in &set_order {
        if !rows.iter().any(|r| &r.key == key) {
            let name = set_map[key].0.clone();
            rows.push(from(key, &name, None));
        }
    }
    if declared.is_empty() {
        for key in &supplied_order {
            if !rows.iter().any(|r| &r.key == key) {
                let name = supplied[key].0.clone();
                rows.push(from(key, &name, None));
            }
        }
    }
    Ok(rows)
}

/// The line a value is written on. Front matter values are recorded at line 1; find the
/// line of their key inside the front matter.
fn value_line(doc: &Doc, v: &SiteValue) -> u32 {
    if v.source != ValueSource::FrontMatter {
        return v.line;
    }
    let end = doc.front_matter.as_ref().map(|f| f.end_line).unwrap_or(1) as usize;
    let lines: Vec<&str> = doc.source.lines().take(end).collect();
    let has_key = |l: &str| {
        l.contains(&format!("{}:", v.name))
            || l.contains(&format!("{} =", v.name))
            || l.contains(&format!("\"{}\"", v.name))
    };
    lines
        .iter()
        .position(|l| has_key(l))
        .or_else(|| {
            lines
                .iter()
                .position(|l| l.trim_start().starts_with("values"))
        })
        .map(|i| i as u32 + 1)
        .unwrap_or(v.line)
}

/// The one contact a caller chose by name (`recommend --contact ops`) instead of the routes.
fn chosen_contact(
    kb: &KnowledgeBase,
    site: &str,
    contract_path: &str,
    name: &str,
) -> Result<(Vec<Recipient>, String)> {
    let contract = kb
        .contract(site)
        .and_then(ContractStatus::contract)
        .ok_or_else(|| Error::Invalid(format!("site `{site}` has no usable contract")))?;
    let Some(c) = contract.contacts.iter().find(|c| c.name == name) else {
        let known: Vec<&str> = contract.contacts.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::Invalid(format!(
            "{contract_path} has no contact `{name}` (it has {}): pick one of those",
            known.join(", ")
        )));
    };
    Ok((
        vec![c.into()],
        format!("its contact `{name}` (chosen with --contact)"),
    ))
}

/// Route per the site's contract: the recipients, which route chose them, the contract path.
pub(crate) fn route(
    kb: &KnowledgeBase,
    site: &str,
    category: Option<&str>,
    severity: Severity,
) -> Result<(Vec<Recipient>, String, String)> {
    let contract_path = kb
        .site_repo(site)
        .map(|r| kb.config.display_path(&r.root.join(CONTRACT_FILE)))
        .unwrap_or_else(|| format!("{site}/{CONTRACT_FILE}"));
    let no_contact = |line: Option<u32>, message: String| Error::NoContact {
        site: site.to_string(),
        path: contract_path.clone(),
        line,
        message,
    };
    let contract = match kb.contract(site) {
        Some(ContractStatus::Valid(c)) => c,
        Some(ContractStatus::Invalid { line, reason }) => {
            return Err(no_contact(
                Some(*line),
                format!("site `{site}` has no usable contact for action recommendations: {reason}"),
            ));
        }
        Some(ContractStatus::Missing) | None => {
            return Err(no_contact(
                None,
                format!(
                    "site `{site}` has no contract, so nobody can receive its recommendations: create this file with a `## Contact Method` section holding `- **Action recommendations:** Email to admin@example.org with netstack pattern link` (or structured `contacts:` front matter, see docs/recommend.md)"
                ),
            ));
        }
    };
    let index = contract.route_index(category, severity);
    let contacts = contract.route(category, severity);
    if contacts.is_empty() {
        return Err(no_contact(
            Some(contract.line),
            "routing yields no contact: name existing contacts in `default:` and every route's `to:`".into(),
        ));
    }
    let why = match (contract.form, index) {
        (Form::FreeForm, _) => {
            format!("its `Action recommendations` line (line {})", contract.line)
        }
        (Form::Structured, Some(i)) => match contract.routes[i].when() {
            Some(when) => format!("its route {} ({when})", i + 1),
            None => format!("its route {}", i + 1),
        },
        (Form::Structured, None) => "its `default` contacts".to_string(),
    };
    Ok((
        contacts.into_iter().map(Recipient::from).collect(),
        why,
        contract_path,
    ))
}
