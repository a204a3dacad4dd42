//! Where each message of the outbox stands on its way to its recipient: the delivery record
//! kept in the ledger beside each recipient (state, attempts, last error, next attempt, the
//! remote id or URL, when it was delivered), and the listing `netstack outbox` prints.

use serde::{Deserialize, Serialize};

use super::outbox::{Ledger, Status};

/// A message's delivery state.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not sent yet.
    #[default]
    Pending,
    /// Marked (durably) just before the network call: a run that finds a message in this
    /// state crashed mid-send and reconciles it before sending anything.
    Sending,
    /// Delivered; `delivered_at` and the remote id/URL say when and where.
    Sent,
    /// The last attempt failed: retried at `next_attempt`, or never when `permanent`.
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Failed => "failed",
        }
    }
}

/// The delivery record of one message (one recipient of one recommendation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatus {
    #[serde(default)]
    pub state: State,
    /// Attempts made so far (a crash mid-send counts as one).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attempts: u32,
    /// Why the last attempt failed (never holds a secret: transports build these messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When a failed message is tried again (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<String>,
    /// A failure that retrying cannot fix (a 5xx SMTP reply, a 4xx HTTP status other than
    /// 429, too many attempts): never tried again by itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub permanent: bool,
    /// What the receiving side calls it: the `Message-ID`, an issue number, an event id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// Where it can be seen (an issue URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_url: Option<String>,
    /// When it was delivered (RFC 3339 UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

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
