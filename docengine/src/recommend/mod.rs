//! Action recommendations: what the federation asks a site to do, routed to the site's
//! contact as its contract says, linking the pattern (never re-explaining it) with the site's
//! values, and recorded in an outbox ledger so nobody gets the same recommendation twice.
//!
//! - [`manual`] builds one for a (site, pattern) pair (`netstack recommend`, web previews);
//!   [`from_finding`] builds one from a lint finding ([`FindingInput`]).
//! - [`messages`] / [`render`] turn it into an issue body, an e-mail, a Matrix event, a Slack
//!   payload or JSON.
//! - [`preview`] / [`preview_finding`] give a web page the model, the messages and every
//!   format in one call.
//! - [`Outbox`] writes the messages and `ledger.json` idempotently; [`sync_findings`] does a
//!   whole `lint --recommend` run.
//! - [`dispatch::deliver`] sends what is due through [`Transports`] (`netstack deliver`),
//!   keeping each message's [`delivery`] record in the ledger; [`settings`] is `[deliver]`.

pub mod advice;
pub mod clock;
pub mod delivery;
pub mod dispatch;
pub mod finding;
pub mod followup;
pub mod format;
pub mod key;
pub mod listing;
pub mod message;
pub mod mime;
pub mod outbox;
pub mod preview;
pub mod recommendation;
pub mod settings;
pub mod transport;

use std::collections::BTreeMap;
use std::path::Path;

pub use clock::{Clock, FixedClock, SystemClock};
pub use delivery::{DeliveryStatus, State};
pub use dispatch::{RunReport, deliver};
pub use finding::{FindingInput, FindingPattern, finding_key, from_finding};
pub use format::Format;
pub use message::{Envelope, Message, message, messages, render};
pub use outbox::{Entry, Ledger, Outbox, Report, Status, read_ledger};
pub use preview::{Preview, Rendering, preview, preview_finding};
pub use recommendation::{
    Location, ManualRequest, PatternLink, Recipient, Recommendation, SiteRef, ValueRow, manual,
};
pub use settings::{DeliverConfig, Limits};
pub use transport::{Failure, Outgoing, Reconciled, Sent, Transport, Transports};

use crate::error::{Error, Result};
use crate::kb::KnowledgeBase;

/// The result of [`sync_findings`].
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SyncOutcome {
    /// What the outbox run changed.
    pub report: Report,
    /// Recommendations recorded this run.
    pub recorded: usize,
    /// Sites whose findings could not be routed, with the reason (contract missing or
    /// unusable) and how many findings that left unrouted. Their open recommendations are
    /// left as they are (not resolved).
    pub unroutable: BTreeMap<String, Unroutable>,
}

/// Why a site's findings could not become recommendations.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Unroutable {
    pub findings: usize,
    pub reason: String,
}

/// One `lint --recommend --outbox DIR` run: turn the findings of the linted `sites` into
/// recommendations routed per each site's contract, record them in the outbox, and mark
/// resolved the open ones of those sites whose finding is gone.
pub fn sync_findings(
    kb: &KnowledgeBase,
    findings: &[FindingInput],
    sites: &[String],
    dir: &Path,
    clock: &dyn Clock,
) -> Result<SyncOutcome> {
    sync(kb, findings, &[], sites, dir, clock)
}

/// [`sync_findings`] for a lint report: its findings (pattern-repo findings have no site and
/// are skipped), over the sites it linted. Findings silenced by a baseline are not
/// recommended, and their open recommendations are not resolved either: they are still there.
pub fn sync_lint_report(
    kb: &KnowledgeBase,
    report: &crate::lint::Report,
    dir: &Path,
    clock: &dyn Clock,
) -> Result<SyncOutcome> {
    let findings: Vec<FindingInput> = report
        .findings
        .iter()
        .filter_map(FindingInput::from_lint)
        .collect();
    let kept: Vec<FindingInput> = report
        .baselined
        .iter()
        .filter_map(FindingInput::from_lint)
        .collect();
    let sites: Vec<String> = report.repos.iter().filter_map(|r| r.site.clone()).collect();
    sync(kb, &findings, &kept, &sites, dir, clock)
}

fn sync(
    kb: &KnowledgeBase,
    findings: &[FindingInput],
    kept: &[FindingInput],
    sites: &[String],
    dir: &Path,
    clock: &dyn Clock,
) -> Result<SyncOutcome> {
    let now = clock.now();
    let env = Envelope::new(&kb.config.recommend, clock);
    let mut recs = Vec::new();
    let mut unroutable: BTreeMap<String, Unroutable> = BTreeMap::new();
    for f in findings {
        match from_finding(kb, f) {
            Ok(r) => recs.push(r),
            Err(e @ (Error::NoContact { .. } | Error::NotFound(_))) => {
                let u = unroutable.entry(f.site.clone()).or_insert(Unroutable {
                    findings: 0,
                    reason: e.to_string(),
                });
                u.findings += 1;
            }
            Err(e) => return Err(e),
        }
    }
    let mut outbox = Outbox::open(dir)?;
    outbox.record(&recs, &env, now)?;
    outbox.keep(kept.iter().map(|f| finding_key(kb, f)));
    let resolvable: Vec<String> = sites
        .iter()
        .filter(|s| !unroutable.contains_key(*s))
        .cloned()
        .collect();
    outbox.resolve_absent(&resolvable, &env)?;
    let report = outbox.commit()?;
    Ok(SyncOutcome {
        report,
        recorded: recs.len(),
        unroutable,
    })
}
