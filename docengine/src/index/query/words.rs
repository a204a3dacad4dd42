//! Reading what a user typed: words, `"phrases"`, `-exclusions`, `+required`, stop words,
//! contractions and the ops synonym table.

pub use crate::error::QueryError;

use tantivy::tokenizer::TextAnalyzer;

use crate::index::schema::{self};

/// Words that carry no meaning in a query ("how do I restore a backup", "users keep asking
/// if the server is down"): pronouns, auxiliaries, quantifiers and the remains of
/// contractions (`doesn't` → `doesn`). Sorted.
pub(crate) const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "been",
    "being",
    "but",
    "by",
    "can",
    "could",
    "couldn",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "each",
    "every",
    "for",
    "from",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "he",
    "her",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "just",
    "me",
    "my",
    "need",
    "needs",
    "no",
    "not",
    "now",
    "of",
    "on",
    "or",
    "our",
    "she",
    "should",
    "shouldn",
    "so",
    "some",
    "someone",
    "something",
    "still",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "to",
    "too",
    "up",
    "us",
    "very",
    "want",
    "wants",
    "was",
    "wasn",
    "we",
    "went",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "you",
    "your",
];

/// Words an admin uses for the same thing (abbreviations, tool names for their category).
/// A query word also matches its group's other words, a little weaker.
pub(crate) const SYNONYMS: &[&[&str]] = &[
    &["2fa", "mfa", "totp", "otp"],
    &["cert", "certificate"],
    &["ssl", "tls"],
    &["ip", "address"],
    &["vpn", "wireguard"],
    &["password", "credential", "secret", "passphrase"],
    &["disk", "drive", "filesystem", "volume"],
    &["reboot", "restart"],
    &["outage", "down", "downtime"],
    &["leaver", "leaving", "departure", "offboarding"],
    &["hire", "newcomer", "joiner", "onboarding"],
    &["employee", "staff"],
    &["uplink", "isp", "wan"],
    &["firewall", "nftables", "iptables"],
    &["hypervisor", "proxmox", "pve"],
    &["samba", "smb", "cifs"],
    &["patch", "update", "upgrade"],
    &["log", "syslog", "journald"],
    &["dns", "resolver", "nameserver"],
    &["gpu", "graphics"],
    &["delete", "remove", "erase"],
    &["restore", "recover", "recovery"],
    &["portal", "dashboard"],
    &["email", "mail"],
    &["laptop", "notebook", "desktop", "workstation", "pc"],
];

/// Weight of a synonym relative to the word as typed.
pub(crate) const SYNONYM_WEIGHT: f32 = 0.6;

pub(crate) fn synonyms(word: &str) -> &'static [&'static str] {
    SYNONYMS
        .iter()
        .find(|g| g.contains(&word))
        .copied()
        .unwrap_or(&[])
}

/// One thing the user typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// A single word (lowercased, ASCII-folded).
    Word {
        text: String,
        required: bool,
        negated: bool,
        /// The last word, still being typed: also match words that start with it.
        prefix: bool,
    },
    /// Words in this order: `"status page"` (quoted: must match), or a word with inner
    /// punctuation such as `ip-address` or `10.0.0.5` (counts like a word).
    Phrase {
        words: Vec<String>,
        negated: bool,
        quoted: bool,
    },
}

/// `someone's` → `someone`, `doesn't` → `doesn` (then a stop word).
pub(crate) fn strip_contraction(word: &str) -> &str {
    for (i, c) in word.char_indices() {
        if c == '\'' || c == '\u{2019}' {
            let rest = &word[i + c.len_utf8()..];
            if ["s", "t", "re", "ve", "ll", "d", "m"].contains(&rest.to_lowercase().as_str()) {
                return &word[..i];
            }
            break;
        }
    }
    word
}

/// Split what the user typed into words and phrases.
pub(crate) fn parse(text: &str, plain: &mut TextAnalyzer) -> Vec<Part> {
    parse_as(text, plain, Reading::of(text))
}

/// How a query's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Typed as a query: `"phrase"`, `-exclude` and `+require` are operators.
    Operators,
    /// Pasted text (an error message, a command line) or a loosened retry: every character
    /// is text, so quotes, `-x` and `--help` are words like the rest.
    Text,
}

impl Reading {
    /// Operators apply only where they are plainly meant: a query that looks pasted is text.
    pub(crate) fn of(text: &str) -> Reading {
        if looks_pasted(text) {
            Reading::Text
        } else {
            Reading::Operators
        }
    }
}

/// Does `text` look pasted from a terminal or a log rather than typed as a query? A long
/// option (`--help`), or five words or more with a `label:` (`error:`, `option:`) or a
/// path, assignment or bracket in them.
pub(crate) fn looks_pasted(text: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let long_option = |t: &&str| {
        let t = t.trim_start_matches(['"', '\'', '(']);
        t.len() > 2
            && t.starts_with("--")
            && t[2..].starts_with(|c: char| c.is_ascii_alphanumeric())
    };
    let label = |t: &&str| t.len() > 1 && t.trim_end_matches(['"', '\'']).ends_with(':');
    let code = |t: &&str| t.contains(['/', '=', '[', ']', '(', ')', '<', '>']);
    tokens.iter().any(long_option)
        || (tokens.len() >= 5 && tokens.iter().any(|t| label(t) || code(t)))
}

/// [`parse`] with the reading chosen by the caller.
pub(crate) fn parse_as(text: &str, plain: &mut TextAnalyzer, reading: Reading) -> Vec<Part> {
    let operators = reading == Reading::Operators;
    let mut raw: Vec<(String, bool, bool, bool)> = Vec::new(); // text, quoted, negated, required
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut negated = false;
        let mut required = false;
        // `-word` excludes and `+word` requires; `--option` and a lone `-x` flag are text.
        let operand = |k: usize| {
            let rest: String = chars[k..]
                .iter()
                .take_while(|c| !c.is_whitespace())
                .collect();
            rest.starts_with('"') || rest.chars().filter(|c| c.is_alphanumeric()).count() >= 2
        };
        if operators
            && (chars[i] == '-' || chars[i] == '+')
            && chars
                .get(i + 1)
                .is_some_and(|c| !c.is_whitespace() && *c != '-')
            && operand(i + 1)
        {
            negated = chars[i] == '-';
            required = chars[i] == '+';
            i += 1;
        }
        if operators && chars[i] == '"' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            raw.push((chars[start..i].iter().collect(), true, negated, required));
            i += 1; // closing quote (or past the end)
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            raw.push((chars[start..i].iter().collect(), false, negated, required));
        }
    }
    let ends_open = text
        .chars()
        .last()
        .is_some_and(|c| !c.is_whitespace() && c != '"');
    let count = raw.len();
    let mut parts = Vec::new();
    for (n, (s, quoted, negated, required)) in raw.into_iter().enumerate() {
        let s = if quoted {
            s.as_str()
        } else {
            strip_contraction(&s)
        };
        let words: Vec<String> = schema::tokens(plain, s).into_iter().map(|t| t.2).collect();
        match words.len() {
            0 => {}
            1 => parts.push(Part::Word {
                prefix: !quoted && !negated && n + 1 == count && ends_open,
                text: words.into_iter().next().unwrap_or_default(),
                required,
                negated,
            }),
            _ => parts.push(Part::Phrase {
                words,
                negated,
                quoted: quoted || required,
            }),
        }
    }
    // Drop stop words, unless nothing else is left.
    let meaningful = parts.iter().any(|p| match p {
        Part::Word { text, negated, .. } => !negated && !is_stop(text),
        Part::Phrase { negated, .. } => !negated,
    });
    if meaningful {
        parts.retain(|p| !matches!(p, Part::Word { text, required: false, .. } if is_stop(text)));
    }
    parts
}

/// Refuse a query that has text but not one word the index could hold (`"`, `*`, `🙂`, a
/// word longer than any indexed word): searching it would list every doc as if no query
/// had been given.
pub(crate) fn searchable(text: &str, parts: &[Part]) -> Result<(), QueryError> {
    if parts.is_empty() && !text.trim().is_empty() {
        return Err(QueryError::new(
            "q",
            None,
            format!(
                "the query `{}` has no searchable words: search for words of letters or digits (each under {} characters), or give no query and a filter such as kind to list docs",
                shown(text.trim()),
                schema::MAX_TOKEN_LEN
            ),
        ));
    }
    Ok(())
}

pub(crate) fn is_stop(w: &str) -> bool {
    STOP_WORDS.binary_search(&w).is_ok()
}

/// `text` for a message: at most 40 characters, control characters escaped.
pub(crate) fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The looser reading of a strict query that found nothing: a quoted phrase becomes its words
/// and a required word an ordinary one; exclusions stay. `None` when nothing was strict.
pub(crate) fn loosen(parts: &[Part]) -> Option<Vec<Part>> {
    let mut changed = false;
    let mut out = Vec::with_capacity(parts.len());
    for p in parts {
        match p {
            Part::Word {
                text,
                required: true,
                negated,
                prefix,
            } => {
                changed = true;
                out.push(Part::Word {
                    text: text.clone(),
                    required: false,
                    negated: *negated,
                    prefix: *prefix,
                });
            }
            Part::Phrase {
                words,
                negated: false,
                quoted: true,
            } => {
                changed = true;
                out.extend(words.iter().map(|w| Part::Word {
                    text: w.clone(),
                    required: false,
                    negated: false,
                    prefix: false,
                }));
            }
            other => out.push(other.clone()),
        }
    }
    changed.then_some(out)
}
