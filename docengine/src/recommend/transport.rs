//! The seam between delivery (what to send, when, and what happened: domain logic, here) and
//! the protocols that carry a message (SMTP, forge REST APIs, Matrix, webhooks: outside the
//! engine, each implementing [`Transport`]). The engine never opens a socket itself.

use std::collections::HashMap;
use std::time::Duration;

use crate::contract::Method;

use super::recommendation::Recipient;

/// One message on its way out: the outbox file's text and who it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The recommendation's dedup key (idempotency key of the remote side where it has one:
    /// a Matrix transaction id, an issue marker).
    pub key: String,
    pub site: String,
    /// The recommendation's title (issue title, subject).
    pub title: String,
    pub recipient: Recipient,
    /// The message file, relative to the outbox.
    pub file: String,
    /// The message as rendered in the recipient's format (an RFC 5322 message for e-mail).
    pub text: String,
    /// Set on a follow-up note (resolved / reopened) about a message delivered before.
    pub followup: Option<super::followup::Kind>,
}

/// Where a delivered message went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// `Message-ID`, issue number, event id.
    pub remote_id: Option<String>,
    /// An issue's web URL.
    pub remote_url: Option<String>,
}

/// Why a message was not delivered. Messages are written by transports and must never hold
/// a secret (token, password), nor a URL carrying one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later (connection refused, timeout, 5xx HTTP, 4xx SMTP, 429),
    /// after `retry_after` when the server said so.
    Temporary {
        message: String,
        retry_after: Option<Duration>,
    },
    /// Retrying cannot help (5xx SMTP reply, 4xx HTTP other than 429, a bad address).
    Permanent { message: String },
}

impl Failure {
    pub fn temporary(message: impl Into<String>) -> Self {
        Failure::Temporary {
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Failure::Permanent {
            message: message.into(),
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Failure::Temporary { message, .. } | Failure::Permanent { message } => message,
        }
    }
}

/// What a transport knows about a message a crashed run was sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// It arrived (an issue carrying its marker exists): record it as sent.
    Delivered(Sent),
    /// It did not arrive, or the receiving side drops a repeat by itself (a Matrix
    /// transaction id): sending it (again) is safe.
    Resend,
    /// Nobody can tell (SMTP): it is sent again, at least once, with the same `Message-ID`.
    Unknown,
}

/// A client of one delivery protocol.
pub trait Transport {
    /// Deliver one message. A transport that keeps a connection (SMTP) opens it on the first
    /// message and reuses it for the rest of the run.
    fn send(&mut self, out: &Outgoing) -> Result<Sent, Failure>;

    /// Find out whether a message that a crashed run was sending arrived. The default is
    /// [`Reconciled::Unknown`].
    fn reconcile(&mut self, _out: &Outgoing) -> Result<Reconciled, Failure> {
        Ok(Reconciled::Unknown)
    }

    /// The run is over: close connections.
    fn finish(&mut self) {}
}

/// The transports a run has, one per contact method (a method without one is not
/// configured: its messages wait, and the run says which config section is missing).
#[derive(Default)]
pub struct Transports {
    by_method: HashMap<Method, Box<dyn Transport>>,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut methods: Vec<&str> = self.by_method.keys().map(|m| m.as_str()).collect();
        methods.sort_unstable();
        f.debug_struct("Transports")
            .field("methods", &methods)
            .finish()
    }
}

impl Transports {
    pub fn new() -> Self {
        Self::default()
    }

    /// Use `transport` for contacts of `method` (replacing any other).
    pub fn insert(&mut self, method: Method, transport: Box<dyn Transport>) {
        self.by_method.insert(method, transport);
    }

    pub fn has(&self, method: Method) -> bool {
        self.by_method.contains_key(&method)
    }

    pub fn get(&mut self, method: Method) -> Option<&mut (dyn Transport + 'static)> {
        self.by_method.get_mut(&method).map(|b| b.as_mut())
    }

    /// Close every transport.
    pub fn finish(&mut self) {
        for t in self.by_method.values_mut() {
            t.finish();
        }
    }
}

/// Why a method's messages cannot be sent by this run, and what to do.
pub fn not_configured(method: Method) -> String {
    match method {
        Method::Email => {
            "e-mail is not configured: add a [deliver.smtp] section to netstack.toml (see docs/deliver.md)".into()
        }
        other => format!(
            "this netstack cannot deliver to {other} contacts yet: send the message file by hand"
        ),
    }
}
