//! Rendering: one recommendation becomes one message per recipient, in the recipient's
//! format, from the askama templates in `templates/recommend/` (`issue.md`, `email.txt` with
//! the shared plain-text body `text.txt`, `matrix.html`, `slack.txt`). JSON envelopes
//! (Matrix event content, Slack payload, the model) are built with serde_json so they are
//! always valid JSON.

use askama::Template;
use serde_json::json;
use time::OffsetDateTime;

use crate::config::RecommendConfig;
use crate::contract::Method;
use crate::error::{Error, Result};

use super::clock::{Clock, rfc5322};
use super::format::Format;
use super::mime;
use super::recommendation::{Recipient, Recommendation};

/// Used when `netstack.toml` has no `[recommend] from`.
pub const DEFAULT_FROM: &str = "netstack <netstack@localhost>";

/// What every message needs besides the recommendation: the sender and the date.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// `From:` of e-mails (`Name <address>` or `address`).
    pub from: String,
    /// `Date:` of e-mails.
    pub date: OffsetDateTime,
}

impl Envelope {
    /// The sender from `[recommend] from` (else [`DEFAULT_FROM`]), dated now.
    pub fn new(config: &RecommendConfig, clock: &dyn Clock) -> Self {
        Envelope {
            from: config
                .from
                .clone()
                .filter(|f| !f.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_FROM.into()),
            date: clock.now(),
        }
    }

    /// The same envelope with another date (the outbox dates messages by first sighting, so
    /// re-rendering is byte-identical).
    pub fn dated(&self, date: OffsetDateTime) -> Self {
        Envelope {
            from: self.from.clone(),
            date,
        }
    }
}

/// One rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who it is for (`None` for the JSON model, which names all recipients).
    pub recipient: Option<Recipient>,
    pub format: Format,
    /// File name in an outbox: `<key>.<contact>.<ext>` (`<key>.json` for the model).
    pub file_name: String,
    pub text: String,
}

/// The messages of a recommendation: with `format: None`, one per recipient in the format its
/// contact method names; with a format, that format for every recipient it can serve (the
/// JSON model is one message naming all recipients; e-mail goes only to e-mail contacts).
pub fn messages(
    rec: &Recommendation,
    format: Option<Format>,
    env: &Envelope,
) -> Result<Vec<Message>> {
    if format == Some(Format::Json) {
        return Ok(vec![message(rec, None, Format::Json, env)?]);
    }
    let mut out = Vec::new();
    for r in &rec.recipients {
        let f = format.unwrap_or_else(|| Format::for_method(r.method));
        if f == Format::Email && r.method != Method::Email {
            continue;
        }
        if f == Format::Json {
            // A webhook contact: the model, once per webhook.
            out.push(message(rec, Some(r), Format::Json, env)?);
            continue;
        }
        out.push(message(rec, Some(r), f, env)?);
    }
    if out.is_empty() {
        let names: Vec<String> = rec
            .recipients
            .iter()
            .map(|r| format!("{} ({} {})", r.contact, r.method, r.address))
            .collect();
        return Err(Error::Invalid(format!(
            "{} routes this recommendation to {}, which has no e-mail address: drop --format email, or add an email contact to the contract",
            rec.contract,
            names.join(", ")
        )));
    }
    Ok(out)
}

/// Render one message.
pub fn message(
    rec: &Recommendation,
    recipient: Option<&Recipient>,
    format: Format,
    env: &Envelope,
) -> Result<Message> {
    let text = render(rec, recipient, format, env)?;
    let file_name = match recipient {
        Some(r) if format != Format::Json || rec.recipients.len() > 1 => format!(
            "{}.{}.{}",
            rec.key,
            super::key::slug(&r.contact),
            format.extension()
        ),
        _ => format!("{}.{}", rec.key, format.extension()),
    };
    Ok(Message {
        recipient: recipient.cloned(),
        format,
        file_name,
        text,
    })
}

/// Render a recommendation in one format for one recipient (`None`: the first recipient;
/// e-mail needs an e-mail recipient).
pub fn render(
    rec: &Recommendation,
    recipient: Option<&Recipient>,
    format: Format,
    env: &Envelope,
) -> Result<String> {
    let recipient = recipient.or(rec.recipients.first());
    let recipient_line = recipient_line(rec, recipient);
    let fail = |e: askama::Error| Error::Invalid(format!("rendering {format}: {e}"));
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(rec).expect("model serializes") + "\n"),
        Format::Issue => IssueTemplate {
            rec,
            recipient_line: &recipient_line,
        }
        .render()
        .map_err(fail),
        Format::Email => {
            let Some(r) = recipient.filter(|r| r.method == Method::Email) else {
                return Err(Error::Invalid(format!(
                    "an e-mail needs an e-mail recipient, and {} routes this recommendation to {recipient_line}",
                    rec.contract
                )));
            };
            email(rec, r, env)
        }
        Format::Matrix => {
            let body = text_body(rec, "reply in this room").map_err(fail)?;
            let html = MatrixTemplate { rec }.render().map_err(fail)?;
            let content = json!({
                "msgtype": "m.text",
                "body": format!("[netstack {}] {}\n\n{}", rec.site.name, rec.title, body),
                "format": "org.matrix.custom.html",
                "formatted_body": html.trim_end(),
                "org.netstack.recommendation": rec.key,
            });
            Ok(serde_json::to_string_pretty(&content).expect("json") + "\n")
        }
        Format::Slack => {
            let text = SlackTemplate { rec }.render().map_err(fail)?;
            let payload = slack_payload(rec, recipient, text.trim_end());
            Ok(serde_json::to_string_pretty(&payload).expect("json") + "\n")
        }
    }
}

fn recipient_line(rec: &Recommendation, recipient: Option<&Recipient>) -> String {
    match recipient {
        Some(r) => {
            let cc = if r.cc.is_empty() {
                String::new()
            } else {
                format!(", cc {}", r.cc.join(", "))
            };
            format!("{} ({} {}{cc})", r.contact, r.method, r.address)
        }
        None => format!("nobody ({})", rec.contract),
    }
}

/// The plain-text body; `reply` says how to answer in the channel it goes to.
fn text_body(rec: &Recommendation, reply: &'static str) -> askama::Result<String> {
    let name_w = rec
        .values
        .iter()
        .map(|v| v.name.chars().count())
        .max()
        .unwrap_or(0);
    let shown: Vec<String> = rec
        .values
        .iter()
        .map(|v| v.value.clone().unwrap_or_else(|| "(to be filled)".into()))
        .collect();
    // Align the short values; a long one (a list of host names) just runs on.
    let value_w = shown
        .iter()
        .map(|s| s.chars().count())
        .filter(|&n| n <= 32)
        .max()
        .unwrap_or(0);
    let value_lines: Vec<String> = rec
        .values
        .iter()
        .zip(&shown)
        .map(|(v, shown)| {
            let line = match &v.source {
                Some(src) => format!("{:name_w$}  {:value_w$}  [{src}]", v.name, shown),
                None => format!("{:name_w$}  {}", v.name, shown),
            };
            line.trim_end().to_string()
        })
        .collect();
    TextTemplate {
        rec,
        value_lines,
        reply,
    }
    .render()
}

fn email(rec: &Recommendation, r: &Recipient, env: &Envelope) -> Result<String> {
    if !mime::is_address(&env.from) {
        return Err(Error::Invalid(format!(
            "the e-mail sender `{}` is not an address: set `[recommend] from` in netstack.toml like `netstack <netstack@example.org>`",
            env.from
        )));
    }
    if let Some(bad) = std::iter::once(&r.address)
        .chain(&r.cc)
        .find(|a| !mime::is_address(a))
    {
        return Err(Error::Invalid(format!(
            "{}: `{}` (contact `{}`) is not an e-mail address: fix it in the contract",
            rec.contract,
            bad.escape_debug(),
            r.contact
        )));
    }
    let body = text_body(rec, "reply to this message")
        .map_err(|e| Error::Invalid(format!("rendering email: {e}")))?;
    let message_id = super::followup::original_message_id(&rec.key, &r.contact, &env.from);
    // Keep every body line within RFC 5322's 998 octets.
    let body: String = body
        .lines()
        .flat_map(|l| split_long(l, 900))
        .collect::<Vec<_>>()
        .join("\n");
    let tpl = EmailTemplate {
        rec,
        from_field: mime::addresses("From", [env.from.as_str()]),
        to_field: mime::addresses("To", [r.address.as_str()]),
        cc_field: (!r.cc.is_empty())
            .then(|| mime::addresses("Cc", r.cc.iter().map(String::as_str))),
        subject_field: mime::unstructured(
            "Subject",
            &format!("[netstack {}] {}", rec.site.name, rec.title),
        ),
        date: rfc5322(env.date),
        message_id,
        transfer_encoding: if body.is_ascii() { "7bit" } else { "8bit" },
        body: body.trim_end().to_string(),
    };
    let text = tpl
        .render()
        .map_err(|e| Error::Invalid(format!("rendering email: {e}")))?;
    // The wire format: CRLF line ends, ending in one.
    let text = text.replace("\r\n", "\n");
    Ok(text.trim_end().replace('\n', "\r\n") + "\r\n")
}

fn split_long(line: &str, max: usize) -> Vec<String> {
    if line.len() <= max {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        if cur.len() + c.len_utf8() > max {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// Slack payload: mrkdwn `text` (notifications, fallback) and `blocks`, one section per
/// paragraph of the same text, the title as a header and the footer as context.
fn slack_payload(
    rec: &Recommendation,
    recipient: Option<&Recipient>,
    text: &str,
) -> serde_json::Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&format!("[netstack {}] {}", rec.site.name, rec.title), 150), "emoji": false},
    })];
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let last = paragraphs.len().saturating_sub(1);
    for (i, p) in paragraphs.iter().enumerate() {
        if i == 0 {
            // The title line is the header; keep the rest (site, severity).
            let rest = p.split_once('\n').map(|(_, r)| r).unwrap_or("");
            if !rest.is_empty() {
                blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(rest, 3000)}]}));
            }
        } else if i == last {
            blocks.push(json!({"type": "divider"}));
            blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(p, 3000)}]}));
        } else {
            blocks.push(
                json!({"type": "section", "text": {"type": "mrkdwn", "text": truncate(p, 3000)}}),
            );
        }
    }
    let mut payload = json!({
        "text": text,
        "blocks": blocks,
        "unfurl_links": false,
        "metadata": {"event_type": "netstack_recommendation", "event_payload": {"key": rec.key, "site": rec.site.name}},
    });
    if let Some(r) = recipient
        && r.method == Method::Slack
        && r.address.starts_with('#')
    {
        payload["channel"] = json!(r.address);
    }
    payload
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

// ---- templates ------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "recommend/issue.md")]
struct IssueTemplate<'a> {
    rec: &'a Recommendation,
    recipient_line: &'a str,
}

#[derive(Template)]
#[template(path = "recommend/text.txt")]
struct TextTemplate<'a> {
    rec: &'a Recommendation,
    value_lines: Vec<String>,
    reply: &'static str,
}

#[derive(Template)]
#[template(path = "recommend/email.txt")]
struct EmailTemplate<'a> {
    rec: &'a Recommendation,
    from_field: String,
    to_field: String,
    cc_field: Option<String>,
    subject_field: String,
    date: String,
    message_id: String,
    transfer_encoding: &'static str,
    body: String,
}

#[derive(Template)]
#[template(path = "recommend/matrix.html")]
struct MatrixTemplate<'a> {
    rec: &'a Recommendation,
}

#[derive(Template)]
#[template(path = "recommend/slack.txt")]
struct SlackTemplate<'a> {
    rec: &'a Recommendation,
}

/// Filters the templates use.
mod filters {
    use std::fmt::Display;

    /// Markdown prose: keep it as written but stop raw HTML from rendering.
    pub fn md<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string().replace('<', "&lt;").replace('>', "&gt;"))
    }

    /// A Markdown table cell: one line, pipes escaped.
    pub fn md_cell<T: Display>(s: T, v: &dyn askama::Values) -> askama::Result<String> {
        let one_line = s
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        md(one_line.replace('|', "\\|"), v)
    }

    /// Inside a code span in a table cell.
    pub fn md_code<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string().replace(['`', '\n'], "'").replace('|', "\\|"))
    }

    /// HTML prose (Matrix `formatted_body`): escaped, `code spans` as `<code>`, and http(s)
    /// URLs as links.
    pub fn prose<T: Display>(
        s: T,
        _: &dyn askama::Values,
    ) -> askama::Result<askama::filters::Safe<String>> {
        Ok(askama::filters::Safe(crate::render::prose_html(
            &s.to_string(),
            true,
        )))
    }

    /// Slack mrkdwn: `&`, `<`, `>` are control characters.
    pub fn mrkdwn<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(s.to_string()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"))
    }

    /// Plain text wrapped at 72 columns (long words such as URLs are never broken).
    pub fn wrap<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        let s = s.to_string();
        let opts = textwrap::Options::new(72)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        Ok(s.split('\n')
            .map(|para| textwrap::fill(para, &opts))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}
