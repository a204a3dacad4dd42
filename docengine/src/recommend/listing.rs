//! The listing `netstack outbox` prints: every message of a ledger with its delivery record,
//! ordered by what is shown (pending, sending, failed, sent, resolved).

use serde::Serialize;

use super::delivery::{DeliveryStatus, State};
use super::outbox::{Ledger, Status};

/// What `netstack outbox` shows for a message: its delivery state, or `resolved` when the
/// finding is gone (whatever happened to the message before; a follow-up note always shows
/// its own state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Shown {
    Pending,
    Sending,
    Sent,
    Failed,
    Resolved,
}

impl Shown {
    pub const ALL: [Shown; 5] = [
        Shown::Pending,
        Shown::Sending,
        Shown::Failed,
        Shown::Sent,
        Shown::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Pending => "pending",
            Shown::Sending => "sending",
            Shown::Sent => "sent",
            Shown::Failed => "failed",
            Shown::Resolved => "resolved",
        }
    }
}

/// One row of the outbox listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub shown: Shown,
    pub key: String,
    pub site: String,
    pub title: String,
    pub contact: String,
    pub method: crate::contract::Method,
    pub address: String,
    pub cc: Vec<String>,
    /// Message file, relative to the outbox.
    pub file: String,
    #[serde(flatten)]
    pub delivery: DeliveryStatus,
    /// Set on a follow-up note (resolved / reopened), threaded with the first message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followup: Option<super::followup::Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
}

/// Every message of the ledger, ordered by what is shown (pending, sending, failed, sent,
/// resolved), then key and contact.
pub fn rows(ledger: &Ledger) -> Vec<Row> {
    let mut out: Vec<Row> = ledger
        .recommendations
        .iter()
        .flat_map(|e| {
            e.recipients.iter().map(move |d| Row {
                shown: if e.status == Status::Resolved && d.followup.is_none() {
                    Shown::Resolved
                } else {
                    match d.status.state {
                        State::Pending => Shown::Pending,
                        State::Sending => Shown::Sending,
                        State::Sent => Shown::Sent,
                        State::Failed => Shown::Failed,
                    }
                },
                key: e.key.clone(),
                site: e.site.clone(),
                title: e.title.clone(),
                contact: d.recipient.contact.clone(),
                method: d.recipient.method,
                address: d.recipient.address.clone(),
                cc: d.recipient.cc.clone(),
                file: d.file.clone(),
                delivery: d.status.clone(),
                followup: d.followup,
                resolved_at: e.resolved_at.clone(),
            })
        })
        .collect();
    let rank = |s: Shown| Shown::ALL.iter().position(|x| *x == s).unwrap_or(0);
    out.sort_by(|a, b| {
        rank(a.shown)
            .cmp(&rank(b.shown))
            .then_with(|| a.key.cmp(&b.key))
            .then_with(|| a.contact.cmp(&b.contact))
    });
    out
}
