//! Where each message of the outbox stands on its way to its recipient: the delivery record
//! kept in the ledger beside each recipient (state, attempts, last error, next attempt, the
//! remote id or URL, when it was delivered). A leaf: the ledger (`outbox`) holds these, the
//! listing (`listing`) shows them.

use serde::{Deserialize, Serialize};

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
