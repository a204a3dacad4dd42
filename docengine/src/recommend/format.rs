//! Output formats of a recommendation message, and which one each contact method gets.

use serde::{Deserialize, Serialize};

use crate::contract::Method;

/// How a recommendation is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Markdown issue body (first line `# title`).
    Issue,
    /// RFC 5322 message.
    Email,
    /// Matrix `m.room.message` event content (JSON).
    Matrix,
    /// Slack message payload with mrkdwn `text` and `blocks` (JSON).
    Slack,
    /// The recommendation model itself (JSON).
    Json,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Issue,
        Format::Email,
        Format::Matrix,
        Format::Slack,
        Format::Json,
    ];

    /// The format a contact method receives (webhooks get the model as JSON).
    pub fn for_method(method: Method) -> Format {
        match method {
            Method::Email => Format::Email,
            Method::Issue => Format::Issue,
            Method::Matrix => Format::Matrix,
            Method::Slack => Format::Slack,
            Method::Webhook => Format::Json,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Issue => "issue",
            Format::Email => "email",
            Format::Matrix => "matrix",
            Format::Slack => "slack",
            Format::Json => "json",
        }
    }

    /// File extension of an outbox file in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Issue => "md",
            Format::Email => "eml",
            Format::Matrix => "matrix.json",
            Format::Slack => "slack.json",
            Format::Json => "json",
        }
    }

    /// MIME type of the rendered text (for previews and downloads).
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Issue => "text/markdown; charset=utf-8",
            Format::Email => "message/rfc822",
            Format::Matrix | Format::Slack | Format::Json => "application/json",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "issue" | "markdown" | "md" => Ok(Format::Issue),
            "email" | "e-mail" | "mail" | "eml" => Ok(Format::Email),
            "matrix" => Ok(Format::Matrix),
            "slack" => Ok(Format::Slack),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format `{other}`: use issue, email, matrix, slack or json"
            )),
        }
    }
}
