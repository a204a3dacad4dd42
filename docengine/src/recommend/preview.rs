//! Previews: everything a page showing one recommendation needs in one call: the model, the
//! messages that would be sent (one per routed contact), and the text in every format.

use serde::Serialize;

use crate::error::Result;
use crate::kb::KnowledgeBase;

use super::clock::Clock;
use super::finding::{FindingInput, from_finding};
use super::format::Format;
use super::message::{Envelope, Message, messages, render};
use super::recommendation::{ManualRequest, Recommendation, manual};

/// A recommendation with its renderings.
#[derive(Debug, Clone)]
pub struct Preview {
    pub recommendation: Recommendation,
    /// What would be sent: one message per routed contact, in its method's format.
    pub messages: Vec<Message>,
    /// Every format for the first recipient; `Err` says why a format does not apply (e-mail
    /// for a contract that routes to no e-mail contact).
    pub formats: Vec<Rendering>,
}

/// One format of a preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendering {
    pub format: Format,
    /// Content type of `text` (`message/rfc822`, `application/json`, …).
    pub mime_type: &'static str,
    pub text: std::result::Result<String, String>,
}

/// Preview a hand-made recommendation for a (site, pattern) pair. Errors are the same as
/// [`manual`]'s (unknown site or pattern, no usable contact).
pub fn preview(kb: &KnowledgeBase, req: &ManualRequest, clock: &dyn Clock) -> Result<Preview> {
    let rec = manual(kb, req)?;
    build(kb, rec, clock)
}

/// Preview the recommendation a lint finding becomes (the "recommend" link of a finding).
pub fn preview_finding(
    kb: &KnowledgeBase,
    finding: &FindingInput,
    clock: &dyn Clock,
) -> Result<Preview> {
    let rec = from_finding(kb, finding)?;
    build(kb, rec, clock)
}

fn build(kb: &KnowledgeBase, rec: Recommendation, clock: &dyn Clock) -> Result<Preview> {
    let env = Envelope::new(&kb.config.recommend, clock);
    let msgs = messages(&rec, None, &env)?;
    let email_to = rec
        .recipients
        .iter()
        .find(|r| r.method == crate::contract::Method::Email);
    let formats = Format::ALL
        .iter()
        .map(|&format| {
            let to = if format == Format::Email {
                email_to
            } else {
                rec.recipients.first()
            };
            Rendering {
                format,
                mime_type: format.mime_type(),
                text: render(&rec, to, format, &env).map_err(|e| e.to_string()),
            }
        })
        .collect();
    Ok(Preview {
        recommendation: rec,
        messages: msgs,
        formats,
    })
}
