//! Internet message headers: RFC 5322 folding and RFC 2047 encoded words, so subjects and
//! names with non-ASCII text reach every mail client intact.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Longest line we produce (RFC 5322 recommends 78 characters).
const WIDTH: usize = 78;

/// An unstructured header (`Subject`), folded and encoded as needed. Returns the whole
/// field, `Name: value`, with continuation lines separated by `\n ` (the caller turns line
/// ends into CRLF).
pub fn unstructured(name: &str, value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_ascii() {
        fold_words(name, value.split(' '))
    } else {
        // The first encoded word shares its line with `Name: `.
        let room = WIDTH.saturating_sub(name.len() + 2 + 12) / 4 * 3;
        fold_words(
            name,
            encoded_words_first(&value, room).iter().map(String::as_str),
        )
    }
}

/// An address header (`To`, `Cc`): mailboxes separated by commas, folded between them.
pub fn addresses<'a>(name: &str, mailboxes: impl IntoIterator<Item = &'a str>) -> String {
    let list: Vec<String> = mailboxes.into_iter().map(mailbox).collect();
    let n = list.len();
    let items: Vec<String> = list
        .into_iter()
        .enumerate()
        .map(|(i, m)| if i + 1 < n { format!("{m},") } else { m })
        .collect();
    fold_words(name, items.iter().map(String::as_str))
}

/// One mailbox (`Name <addr>` or `addr`) with the display name quoted or encoded as needed.
pub fn mailbox(raw: &str) -> String {
    let raw: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let raw = raw.trim();
    let Some((name, rest)) = raw.rsplit_once('<') else {
        return raw.to_string();
    };
    let addr = rest.trim_end_matches('>').trim();
    let name = name.trim().trim_matches('"').trim();
    if name.is_empty() {
        return format!("<{addr}>");
    }
    let name = if !name.is_ascii() {
        encoded_words(name).join(" ")
    } else if name.chars().any(|c| "()<>[]:;@\\,.\"".contains(c)) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    };
    format!("{name} <{addr}>")
}

/// The address part of a mailbox (`a@b` from `Name <a@b>`).
pub fn address_of(mailbox: &str) -> &str {
    match mailbox.rsplit_once('<') {
        Some((_, rest)) => rest.trim_end_matches('>').trim(),
        None => mailbox.trim(),
    }
}

/// Is this a plausible `local@domain` address?
pub fn is_address(s: &str) -> bool {
    let s = address_of(s);
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && s.chars()
                    .all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"".contains(c))
        }
        None => false,
    }
}

/// RFC 2047 `B` encoded words of at most 75 characters each, split on character
/// boundaries.
pub fn encoded_words(text: &str) -> Vec<String> {
    encoded_words_first(text, MAX_BYTES)
}

/// `=?utf-8?B?` + `?=` is 12 characters; 45 bytes encode to 60, 72 in all.
const MAX_BYTES: usize = 45;

/// Like [`encoded_words`], with the first word holding at most `first` bytes.
fn encoded_words_first(text: &str, first: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        let max = if out.is_empty() {
            first.clamp(4, MAX_BYTES)
        } else {
            MAX_BYTES
        };
        if !chunk.is_empty() && chunk.len() + c.len_utf8() > max {
            out.push(format!("=?utf-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        out.push(format!("=?utf-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
    }
    out
}

/// `Name: w1 w2 …`, folding before a word that would pass [`WIDTH`].
fn fold_words<'a>(name: &str, words: impl Iterator<Item = &'a str>) -> String {
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for w in words.filter(|w| !w.is_empty()) {
        if line_len + 1 + w.len() > WIDTH && line_len > name.len() + 1 {
            out.push_str("\n ");
            line_len = 1;
        } else {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(w);
        line_len += w.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_subjects_fold_at_words() {
        let s = unstructured(
            "Subject",
            "[netstack cf] Follow Scheduled backups with restic (backup-cron-pattern) and then some more words",
        );
        for line in s.split('\n') {
            assert!(line.len() <= 78, "{line:?}");
        }
        assert!(s.starts_with("Subject: [netstack cf] Follow"));
        assert!(s.contains("\n "));
        assert_eq!(
            s.replace("\n ", " "),
            "Subject: [netstack cf] Follow Scheduled backups with restic (backup-cron-pattern) and then some more words"
        );
        assert_eq!(unstructured("Subject", "a\r\nb"), "Subject: a b");
    }

    #[test]
    fn non_ascii_becomes_encoded_words() {
        let s = unstructured("Subject", "Sauvegarde à Zürich — ✓ ".repeat(4).as_str());
        assert!(s.is_ascii());
        for line in s.split('\n') {
            assert!(line.len() <= 78, "{line:?}");
        }
        let words: Vec<&str> = s["Subject:".len()..].split_whitespace().collect();
        let decoded: String = words
            .iter()
            .map(|w| {
                let b64 = w.trim_start_matches("=?utf-8?B?").trim_end_matches("?=");
                String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
            })
            .collect();
        assert_eq!(decoded, "Sauvegarde à Zürich — ✓ ".repeat(4).trim());
    }

    #[test]
    fn mailboxes() {
        assert_eq!(mailbox("ops@x.org"), "ops@x.org");
        assert_eq!(
            mailbox("netstack <netstack@x.org>"),
            "netstack <netstack@x.org>"
        );
        assert_eq!(mailbox("Ops, Team <o@x.org>"), "\"Ops, Team\" <o@x.org>");
        assert_eq!(mailbox("Zoë <z@x.org>"), "=?utf-8?B?Wm/Dqw==?= <z@x.org>");
        assert_eq!(address_of("Zoë <z@x.org>"), "z@x.org");
        assert_eq!(
            mailbox("net\r\nBcc: e@x.org <n@x.org>"),
            "\"net  Bcc: e@x.org\" <n@x.org>"
        );
        assert!(is_address("a.b+c@x-y.org"));
        assert!(!is_address("nobody"));
        assert!(is_address("a@localhost"));
        assert!(!is_address("a@"));
        assert!(!is_address("Ops Team"));
        let to = addresses("Cc", ["a@x.org", "b@x.org"]);
        assert_eq!(to, "Cc: a@x.org, b@x.org");
    }
}
