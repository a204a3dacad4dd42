//! Follow-ups: when a recommendation whose e-mail was delivered is resolved (its finding is
//! gone) or comes back after that, each e-mail recipient gets a short note threaded with the
//! original message (`In-Reply-To` and `References` name its `Message-ID`, the subject is
//! `Re: …`), so the mail client shows the whole story of one finding in one thread.
//!
//! A follow-up is one more message of the recommendation in the outbox (its own file and
//! delivery record, marked with its kind), sent by `netstack deliver` after the messages to
//! that contact before it; it is dated by the lint run that saw the change, so rendering it
//! again gives the same bytes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, Result};

use super::clock::{rfc3339, rfc5322};
use super::key::slug;
use super::mime;

/// Why a follow-up is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The finding is gone.
    Resolved,
    /// The finding is back after it was resolved.
    Reopened,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Resolved => "resolved",
            Kind::Reopened => "reopened",
        }
    }
}

/// The `Message-ID` (without `<>`) of the first message of a recommendation to a contact:
/// `<key>.<contact>@<domain of From>`. Stable across runs.
pub fn original_message_id(key: &str, contact: &str, from: &str) -> String {
    format!("{key}.{}@{}", slug(contact), domain(from))
}

fn domain(from: &str) -> &str {
    mime::address_of(from)
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
        .unwrap_or("netstack.invalid")
}

/// What a follow-up e-mail is about.
#[derive(Debug, Clone)]
pub struct Note<'a> {
    pub key: &'a str,
    pub site: &'a str,
    pub title: &'a str,
    pub contact: &'a str,
    pub address: &'a str,
    pub cc: &'a [String],
    /// When the recommendation was first made.
    pub first_seen: &'a str,
    pub kind: Kind,
    /// Its number among this contact's follow-ups of this recommendation (1, 2, …).
    pub n: usize,
    /// When the lint run saw the change.
    pub at: OffsetDateTime,
    /// `From:` (the same sender as the original).
    pub from: &'a str,
}

impl Note<'_> {
    /// The outbox file name: `<key>.<contact>.<kind>-<n>.eml`.
    pub fn file_name(&self) -> String {
        format!(
            "{}.{}.{}-{}.eml",
            self.key,
            slug(self.contact),
            self.kind.as_str(),
            self.n
        )
    }

    /// The RFC 5322 message, CRLF line ends.
    pub fn email(&self) -> Result<String> {
        if !mime::is_address(self.from) {
            return Err(Error::Invalid(format!(
                "the e-mail sender `{}` is not an address: set `[recommend] from` in netstack.toml like `netstack <netstack@example.org>`",
                self.from
            )));
        }
        let original = original_message_id(self.key, self.contact, self.from);
        let id = format!(
            "{}.{}.{}-{}@{}",
            self.key,
            slug(self.contact),
            self.kind.as_str(),
            self.n,
            domain(self.from)
        );
        let when = rfc3339(self.at);
        let body = match self.kind {
            Kind::Resolved => format!(
                "The finding of this recommendation is no longer detected (lint run of\n{when}). Nothing more to do about it; thank you.\n\nRecommendation: {}\nSite: {}\nFirst made: {}\nKey: {}\n",
                self.title, self.site, self.first_seen, self.key
            ),
            Kind::Reopened => format!(
                "The finding of this recommendation is detected again (lint run of\n{when}) after it was resolved: the recommendation applies again, see\nthe first message of this thread.\n\nRecommendation: {}\nSite: {}\nFirst made: {}\nKey: {}\n",
                self.title, self.site, self.first_seen, self.key
            ),
        };
        let mut lines = vec![
            mime::addresses("From", [self.from]),
            mime::addresses("To", [self.address]),
        ];
        if !self.cc.is_empty() {
            lines.push(mime::addresses("Cc", self.cc.iter().map(String::as_str)));
        }
        lines.push(mime::unstructured(
            "Subject",
            &format!("Re: [netstack {}] {}", self.site, self.title),
        ));
        lines.push(format!("Date: {}", rfc5322(self.at)));
        lines.push(format!("Message-ID: <{id}>"));
        lines.push(format!("In-Reply-To: <{original}>"));
        lines.push(format!("References: <{original}>"));
        lines.push("MIME-Version: 1.0".into());
        lines.push("Content-Type: text/plain; charset=utf-8".into());
        lines.push(format!(
            "Content-Transfer-Encoding: {}",
            if body.is_ascii() { "7bit" } else { "8bit" }
        ));
        lines.push(format!("X-Netstack-Key: {}", self.key));
        lines.push(format!("X-Netstack-Site: {}", self.site));
        lines.push(format!("X-Netstack-Follow-Up: {}", self.kind.as_str()));
        let text = format!("{}\n\n{}", lines.join("\n"), body.trim_end());
        Ok(text.replace("\r\n", "\n").replace('\n', "\r\n") + "\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_threads_with_the_original() {
        let cc = vec!["boss@example.org".to_string()];
        let note = Note {
            key: "cf.broken-link.none.0123456789ab",
            site: "cf",
            title: "Fix a broken link in docs/ünï.md",
            contact: "ops",
            address: "ops@example.org",
            cc: &cc,
            first_seen: "2025-10-14T09:30:00Z",
            kind: Kind::Resolved,
            n: 1,
            at: super::super::FixedClock::at(1_760_520_600).0,
            from: "netstack <netstack@example-fed.org>",
        };
        assert_eq!(
            note.file_name(),
            "cf.broken-link.none.0123456789ab.ops.resolved-1.eml"
        );
        let text = note.email().unwrap();
        let msg = mail_parser::MessageParser::default()
            .parse(text.as_bytes())
            .unwrap();
        let original = "cf.broken-link.none.0123456789ab.ops@example-fed.org";
        assert_eq!(msg.in_reply_to().as_text(), Some(original));
        assert_eq!(msg.references().as_text(), Some(original));
        assert_eq!(
            msg.message_id(),
            Some("cf.broken-link.none.0123456789ab.ops.resolved-1@example-fed.org")
        );
        assert_eq!(
            msg.subject(),
            Some("Re: [netstack cf] Fix a broken link in docs/ünï.md")
        );
        assert_eq!(
            msg.cc().unwrap().first().unwrap().address(),
            Some("boss@example.org")
        );
        assert!(msg.body_text(0).unwrap().contains("no longer detected"));
        assert!(text.lines().all(|l| l.len() <= 998));
    }
}
