//! Terminal output helpers shared by commands: colour only when stdout/stderr is a
//! terminal (and `NO_COLOR` is unset), error reporting with the cause chain, and [`clean`],
//! which every command passes text from a repo through before printing it.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::IsTerminal;

/// A character that must never reach a terminal raw from a repo: C0 controls but tab and
/// newline (ESC starts colour, cursor and OSC sequences — retitling the terminal, faking
/// OSC 8 links — BEL ends them, CR overwrites a line), DEL, C1 controls (U+0080–U+009F: CSI
/// and OSC in one character for some terminals), and the bidirectional overrides that make
/// text display in another order than it reads.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from a repo (a title, heading, snippet, file name, message) made safe to print:
/// every [unsafe character](unsafe_char) becomes a visible escape such as `\u{1b}`, so the
/// reader sees that it is there and the terminal never acts on it. Search, check and lint
/// output all go through this, in colour or not, on a terminal or not.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON as `serde_json` writes it, with the characters it leaves raw inside strings (DEL,
/// C1 controls, bidirectional overrides; it already escapes C0 below DEL) written as `\uXXXX` too:
/// the same JSON value, and no control character on a terminal that shows it.
pub fn clean_json(json: String) -> String {
    if !json.chars().any(|c| unsafe_char(c) && c >= '\u{7f}') {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) && c >= '\u{7f}' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Should stdout use colour?
pub fn color_stdout() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Should stderr use colour?
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// A tiny styling helper that does nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub on: bool,
}

impl Style {
    pub fn stdout() -> Self {
        Style { on: color_stdout() }
    }

    pub fn stderr() -> Self {
        Style { on: color_stderr() }
    }

    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn red(self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }
    #[allow(dead_code)]
    pub fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
    pub fn blue(self, s: &str) -> String {
        self.wrap("1;34", s)
    }
    /// Highlight for matches.
    #[allow(dead_code)]
    pub fn mark(self, s: &str) -> String {
        self.wrap("1;4;33", s)
    }

    /// Colour a severity word.
    pub fn severity(self, sev: docengine::Severity) -> String {
        match sev {
            docengine::Severity::Error => self.red("error"),
            docengine::Severity::Warning => self.yellow("warning"),
            docengine::Severity::Info => self.blue("info"),
        }
    }
}

/// Print an error and its causes to stderr.
pub fn error(e: &anyhow::Error) {
    let s = Style::stderr();
    eprintln!("{}: {e}", s.red("error"));
    for cause in e.chain().skip(1) {
        eprintln!("  {} {cause}", s.dim("caused by:"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(clean("plain text\tand\nlines"), "plain text\tand\nlines");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(
            clean("\u{1b}]0;PWNED\u{7}title\u{1b}[2J"),
            "\\u{1b}]0;PWNED\\u{7}title\\u{1b}[2J"
        );
        assert_eq!(
            clean("a\rb\u{7f}c\u{9b}d\u{202e}e"),
            "a\\u{d}b\\u{7f}c\\u{9b}d\\u{202e}e"
        );
        assert_eq!(clean("héllo 🙂"), "héllo 🙂");
    }

    #[test]
    fn json_keeps_its_value_and_loses_raw_controls() {
        let v = serde_json::json!({ "t": "a\u{1b}b\u{9b}c\u{7f}d\u{202e}é" });
        let text = clean_json(serde_json::to_string_pretty(&v).unwrap());
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(!text.contains('\u{202e}'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
