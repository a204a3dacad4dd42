//! Content fingerprints for `duplicate-content`: text is normalized into word tokens
//! (lowercase, stop words dropped, numbers / IPs / host names folded into placeholders, a
//! light plural stem), hashed as overlapping k-grams, and thinned by winnowing (Schleimer,
//! Wilkerson & Aiken 2003): in every window of `w` consecutive k-gram hashes the smallest is
//! kept, with its position. Any run of at least `w + k - 1` shared tokens is guaranteed to
//! share a fingerprint, and editing a word disturbs only the k-grams that contain it, so
//! reordered or dropped sentences and swapped words still leave most fingerprints intact.

use xxhash_rust::xxh3::xxh3_64;

/// Words per k-gram.
pub const K: usize = 4;
/// Winnowing window (k-grams).
pub const W: usize = 4;

/// A normalized word with its byte offset in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub hash: u64,
    pub offset: u32,
}

/// A selected fingerprint: a k-gram hash and the byte offset where the k-gram starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Print {
    pub hash: u64,
    pub offset: u32,
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "or", "is", "are", "be", "been", "was", "were", "in",
    "on", "for", "with", "this", "that", "these", "those", "it", "its", "as", "by", "at", "from",
    "into", "so", "then", "than", "there", "which", "who", "will", "would", "can", "could",
    "should", "shall", "may", "might", "must", "do", "does", "not", "no", "if", "we", "you",
    "your", "our", "us", "they", "their", "them", "he", "she", "i", "all", "any", "each", "also",
    "just", "only", "very", "here", "when", "what", "how", "why", "where", "but", "has", "have",
    "had", "one", "s",
];

fn is_stop(w: &str) -> bool {
    STOP_WORDS.contains(&w)
}

/// Placeholder hashes for values that differ between copies.
fn placeholder(kind: &str) -> u64 {
    xxh3_64(kind.as_bytes()) ^ 0x9e37_79b9_7f4a_7c15
}

/// Normalize one raw token; `None` drops it.
fn normalize(raw: &str) -> Option<u64> {
    let t = raw.trim_matches(|c: char| c == '.' || c == '-' || c == '_' || c == ':');
    if t.is_empty() {
        return None;
    }
    let alpha = t.chars().any(char::is_alphabetic);
    if t.contains('.') && alpha {
        // Host names, domains, file names: site-specific more often than not.
        return Some(placeholder("<name>"));
    }
    if t.chars().any(|c| c.is_ascii_digit()) {
        // IPs, times, ports, sizes, versions, names with digits (nas01, wg0).
        return Some(placeholder("<num>"));
    }
    let lower: std::borrow::Cow<'_, str> =
        if t.bytes().any(|b| b.is_ascii_uppercase()) || !t.is_ascii() {
            std::borrow::Cow::Owned(t.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(t)
        };
    if is_stop(&lower) {
        return None;
    }
    let stem = if lower.len() > 4 && lower.ends_with('s') && !lower.ends_with("ss") {
        &lower[..lower.len() - 1]
    } else {
        &lower[..]
    };
    Some(xxh3_64(stem.as_bytes()))
}

/// Split text into normalized tokens. `base` is added to offsets (the text's position in
/// [`crate::Doc::text`]). Also returns the number of words before normalization.
pub fn tokens(text: &str, base: usize) -> (Vec<Token>, usize) {
    let mut out = Vec::new();
    let mut words = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = text[i..].chars().next().unwrap_or(' ');
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        // A token: alphanumerics joined by `.`, `:`, `-`, `_` (IPs, host names, times).
        let start = i;
        let mut end = i;
        while end < text.len() {
            let ch = text[end..].chars().next().unwrap_or(' ');
            if ch.is_alphanumeric() {
                end += ch.len_utf8();
            } else if matches!(ch, '.' | ':' | '-' | '_')
                && end + 1 < text.len()
                && (bytes[end + 1] as char).is_ascii_alphanumeric()
            {
                end += 1;
            } else {
                break;
            }
        }
        words += 1;
        if let Some(hash) = normalize(&text[start..end]) {
            out.push(Token {
                hash,
                offset: (base + start) as u32,
            });
        }
        i = end.max(start + 1);
    }
    (out, words)
}

/// Hash every k-gram of a token sequence (none when shorter than `k`).
pub fn kgrams(tokens: &[Token], k: usize) -> Vec<Print> {
    if tokens.len() < k || k == 0 {
        return Vec::new();
    }
    tokens
        .windows(k)
        .map(|win| {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for t in win {
                h = (h.rotate_left(23) ^ t.hash).wrapping_mul(0x1000_0000_01b3);
            }
            Print {
                hash: h ^ (h >> 29),
                offset: win[0].offset,
            }
        })
        .collect()
}

/// Winnow k-gram hashes: keep the minimum of every window of `w` (rightmost on ties), each
/// selected position once. Sequences shorter than one window keep their minimum.
pub fn winnow(grams: &[Print], w: usize) -> Vec<Print> {
    let mut out: Vec<Print> = Vec::new();
    if grams.is_empty() {
        return out;
    }
    let w = w.max(1).min(grams.len());
    let mut last: Option<usize> = None;
    for start in 0..=grams.len() - w {
        let mut best = start;
        for j in start..start + w {
            if grams[j].hash <= grams[best].hash {
                best = j;
            }
        }
        if last != Some(best) {
            out.push(grams[best]);
            last = Some(best);
        }
    }
    out
}

/// Tokens → winnowed fingerprints with the default parameters.
pub fn prints(text: &str, base: usize) -> (Vec<Print>, usize) {
    let (toks, words) = tokens(text, base);
    (winnow(&kgrams(&toks, K), W), words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(text: &str) -> Vec<u64> {
        prints(text, 0).0.iter().map(|p| p.hash).collect()
    }

    #[test]
    fn numbers_ips_and_hosts_are_placeholders() {
        let a = tokens("Back up to 10.0.0.5 at 02:00 on nas01.wf.lan", 0).0;
        let b = tokens("back up to 192.168.7.20 at 23:30 on backup.cf.example", 0).0;
        let ha: Vec<u64> = a.iter().map(|t| t.hash).collect();
        let hb: Vec<u64> = b.iter().map(|t| t.hash).collect();
        assert_eq!(ha, hb);
    }

    #[test]
    fn offsets_point_into_the_text() {
        let text = "The restic repository lives on the NAS";
        let (t, words) = tokens(text, 100);
        assert_eq!(words, 7);
        assert_eq!(t[0].offset, 104); // "restic"; "The" is a stop word
        assert_eq!(&text[(t[0].offset - 100) as usize..][..6], "restic");
    }

    #[test]
    fn winnowing_is_deterministic_and_local() {
        let base = "Snapshots are pruned weekly by a separate timer so that a long prune never \
                    delays the nightly backup run and the repository stays consistent";
        let edited = format!("{base}. Restore drills happen every quarter");
        let a = hashes(base);
        let b = hashes(&edited);
        assert!(!a.is_empty());
        // Fingerprints of the shared prefix survive (all but possibly the last window).
        let shared = a.iter().filter(|h| b.contains(h)).count();
        assert!(shared + 1 >= a.len(), "{shared} of {}", a.len());
    }

    #[test]
    fn every_window_is_covered() {
        let (toks, _) = tokens(
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi",
            0,
        );
        let grams = kgrams(&toks, 3);
        let picked = winnow(&grams, 4);
        for start in 0..=grams.len() - 4 {
            let window: Vec<u32> = grams[start..start + 4].iter().map(|g| g.offset).collect();
            assert!(picked.iter().any(|p| window.contains(&p.offset)));
        }
    }

    #[test]
    fn short_text_has_no_prints() {
        assert!(hashes("two words").is_empty());
    }
}
