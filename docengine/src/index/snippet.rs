//! Snippets: the short plain-text window of a section that best shows why it matched, with
//! the byte ranges of the matched words (found with the index's own analyzer, so `backups`
//! is highlighted for a search on `backup`).

use std::collections::{HashMap, HashSet};

use tantivy::tokenizer::TextAnalyzer;

use super::record::floor_char;
use super::schema;

/// Only this much of a section is looked at for a snippet.
const MAX_SCAN: usize = 16 * 1024;
/// Context kept before the first match of the window.
const CONTEXT_BEFORE: usize = 40;

/// Finds the words of a text whose stem is one of a query's stems. Stemming every word of
/// every snippet would dominate query time, so words are tokenized without stemming and
/// only those that start like a query stem (a Porter stem minus its last letter is a prefix
/// of the word) are stemmed, each distinct word once.
pub struct Matcher {
    plain: TextAnalyzer,
    stemmer: TextAnalyzer,
    stems: HashSet<String>,
    prefixes: Vec<String>,
    seen: HashMap<String, bool>,
}

impl Matcher {
    pub fn new(stems: &HashSet<String>) -> Matcher {
        let prefixes = stems
            .iter()
            .map(|s| {
                let keep = s.chars().count().saturating_sub(1).max(1);
                s.chars().take(keep).collect()
            })
            .collect();
        Matcher {
            plain: schema::plain_analyzer(),
            stemmer: schema::stemmed_analyzer(),
            stems: stems.clone(),
            prefixes,
            seen: HashMap::new(),
        }
    }

    /// Byte ranges of words in `text` whose stem is one of the query's.
    pub fn highlights(&mut self, text: &str) -> Vec<(usize, usize)> {
        let Matcher {
            plain,
            stemmer,
            stems,
            prefixes,
            seen,
        } = self;
        if stems.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut stream = plain.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            let word = t.text.as_str();
            // Most words fail the cheap prefix test; only the others are stemmed (once).
            let hit = prefixes.iter().any(|p| word.starts_with(p.as_str()))
                && match seen.get(word) {
                    Some(&m) => m,
                    None => {
                        let m = schema::tokens(stemmer, word)
                            .first()
                            .is_some_and(|s| stems.contains(&s.2));
                        seen.insert(word.to_string(), m);
                        m
                    }
                };
            if hit {
                out.push((t.offset_from, t.offset_to));
            }
        }
        out
    }

    /// A snippet of at most about `max_len` bytes of `text` around the densest cluster of
    /// matches, whitespace collapsed, `…` where it was cut; with the highlighted byte ranges
    /// in the snippet.
    pub fn snippet(&mut self, text: &str, max_len: usize) -> (String, Vec<(usize, usize)>) {
        let text = &text[..floor_char(text, MAX_SCAN)];
        let matches = self.highlights(text);
        window(text, &matches, max_len)
    }
}

fn window(text: &str, matches: &[(usize, usize)], max_len: usize) -> (String, Vec<(usize, usize)>) {
    // Pick the window start: the match that begins the window with the most distinct (then
    // the most) matched words.
    let context = CONTEXT_BEFORE.min(max_len / 4);
    let mut start = 0;
    if !matches.is_empty() {
        let mut best = (0usize, 0usize, 0usize); // distinct, count, index
        for i in 0..matches.len() {
            let limit = matches[i].0 + max_len.saturating_sub(context);
            let mut seen = HashSet::new();
            let mut count = 0;
            for m in matches[i..].iter().take_while(|m| m.1 <= limit) {
                seen.insert(text[m.0..m.1].to_lowercase());
                count += 1;
            }
            if (seen.len(), count) > (best.0, best.1) {
                best = (seen.len(), count, i);
            }
        }
        let first = matches[best.2].0;
        if first > context {
            let from = floor_char(text, first - context);
            // Start at a word: after the last whitespace before `from`…`first`.
            start = match text[from..first].find(char::is_whitespace) {
                Some(ws) => from + ws + 1,
                None => from,
            };
            // Prefer a sentence start close by.
            if let Some(dot) = text[start..first].rfind(". ") {
                start += dot + 2;
            }
        }
    }
    let mut end = floor_char(text, start + max_len);
    if end < text.len()
        && let Some(ws) = text[start..end].rfind(char::is_whitespace)
        && ws > max_len / 2
    {
        end = start + ws;
    }

    // Build the snippet, collapsing whitespace, and map the match ranges into it.
    let mut out = String::with_capacity(end - start + 8);
    let cut_front = start > 0;
    if cut_front {
        out.push('…');
    }
    let mut map = vec![0usize; end - start + 1]; // source offset (relative) → snippet offset
    let mut last_space = true;
    for (i, c) in text[start..end].char_indices() {
        for b in 0..c.len_utf8() {
            map[i + b] = out.len();
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    map[end - start] = out.len();
    let ranges = matches
        .iter()
        .filter(|m| m.0 >= start && m.1 <= end)
        .map(|m| (map[m.0 - start], map[m.1 - start]))
        .filter(|(a, b)| a < b)
        .collect();
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if end < text.len() && !out.is_empty() {
        out.push('…');
    }
    if out == "…" {
        out.clear();
    }
    (out, ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(words: &[&str]) -> HashSet<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    fn marked(s: &str, r: &[(usize, usize)]) -> String {
        let mut out = String::new();
        let mut last = 0;
        for &(a, b) in r {
            out.push_str(&s[last..a]);
            out.push('[');
            out.push_str(&s[a..b]);
            out.push(']');
            last = b;
        }
        out.push_str(&s[last..]);
        out
    }

    #[test]
    fn highlights_stems_in_a_window() {
        let text = format!(
            "{} Nightly Backups run at 02:00.\n\nThe backup  target is the NAS. {}",
            "intro words ".repeat(20),
            "tail ".repeat(50)
        );
        let (s, r) = Matcher::new(&stems(&["backup", "nas"])).snippet(&text, 120);
        let m = marked(&s, &r);
        assert!(m.starts_with('…'), "{m}");
        assert!(m.ends_with('…'), "{m}");
        assert!(
            m.contains("Nightly [Backups] run at 02:00. The [backup] target is the [NAS]."),
            "{m}"
        );
        assert!(s.len() <= 130, "{}", s.len());
    }

    #[test]
    fn stems_that_are_not_prefixes_still_match() {
        // Porter turns a final y into i: "policy" → "polici", "studies" → "studi".
        let mut m = Matcher::new(&stems(&["polici", "studi", "rotat"]));
        let text = "Policy and policies; studies, study; rotating, rotation, rot.";
        let found: Vec<&str> = m
            .highlights(text)
            .iter()
            .map(|&(a, b)| &text[a..b])
            .collect();
        assert_eq!(
            found,
            [
                "Policy", "policies", "studies", "study", "rotating", "rotation"
            ]
        );
    }

    #[test]
    fn no_match_gives_the_opening_text() {
        let mut m = Matcher::new(&stems(&["zzz"]));
        let (s, r) = m.snippet("Short text.", 100);
        assert_eq!(s, "Short text.");
        assert!(r.is_empty());
        let (s, _) = m.snippet("", 100);
        assert_eq!(s, "");
    }

    #[test]
    fn multibyte_text_never_splits_chars() {
        let mut m = Matcher::new(&stems(&["wireguard"]));
        let text = "ééé ".repeat(100) + "wireguard tunnel " + &"ü ".repeat(100);
        for max in [10, 33, 57, 120] {
            let (s, r) = m.snippet(&text, max);
            for (x, y) in r {
                assert_eq!(&s[x..y], "wireguard");
            }
        }
    }
}
