//! Dedup keys: the identity of a recommendation across runs. The same finding on the next run
//! (even after lines above it moved) gives the same key, so nobody gets it twice.
//!
//! A key reads `<site>.<reason>.<pattern>.<hash>`: the reason is the lint rule id (or
//! `manual`), the pattern is the pattern id (or `none`), and the hash is 12 hex digits of
//! xxh3 over those parts plus a location fingerprint (the doc path and a fingerprint of the
//! content, never a line number). Keys use only `[a-z0-9.-]`, so they are safe in file names,
//! `Message-ID`s and URLs.

use xxhash_rust::xxh3::xxh3_64;

/// Reason used for recommendations made by hand (`netstack recommend`).
pub const MANUAL: &str = "manual";

/// A key part made safe: lowercase ASCII letters, digits and `-`; anything else becomes `-`.
pub fn slug(part: &str) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "x".into() } else { out }
}

/// Where in a site the thing a recommendation is about lives, in a form that survives line
/// shifts: the repo-relative doc path and a fingerprint of the content (the lint finding's
/// content fingerprint; empty for a whole-site recommendation).
pub fn location_fingerprint(path: Option<&str>, content: &str) -> u64 {
    let mut buf = Vec::with_capacity(64);
    buf.extend_from_slice(path.unwrap_or("").as_bytes());
    buf.push(0);
    buf.extend_from_slice(content.as_bytes());
    xxh3_64(&buf)
}

/// The dedup key of a recommendation.
pub fn dedup_key(site: &str, reason: &str, pattern: Option<&str>, location: u64) -> String {
    let (site, reason) = (slug(site), slug(reason));
    let pattern = pattern.map(slug).unwrap_or_else(|| "none".into());
    let mut buf = Vec::with_capacity(96);
    for part in [site.as_str(), reason.as_str(), pattern.as_str()] {
        buf.extend_from_slice(part.as_bytes());
        buf.push(0);
    }
    buf.extend_from_slice(&location.to_le_bytes());
    let hash = xxh3_64(&buf) & 0xffff_ffff_ffff;
    format!("{site}.{reason}.{pattern}.{hash:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_safe() {
        let loc = location_fingerprint(Some("docs/backup.md"), "fp-1");
        let a = dedup_key("cf", "missing-values", Some("backup-cron-pattern"), loc);
        let b = dedup_key("cf", "missing-values", Some("backup-cron-pattern"), loc);
        assert_eq!(a, b);
        assert!(
            a.starts_with("cf.missing-values.backup-cron-pattern."),
            "{a}"
        );
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        );
        // Every part matters.
        let other_loc = location_fingerprint(Some("docs/backup.md"), "fp-2");
        assert_ne!(
            a,
            dedup_key(
                "cf",
                "missing-values",
                Some("backup-cron-pattern"),
                other_loc
            )
        );
        assert_ne!(
            a,
            dedup_key("sl", "missing-values", Some("backup-cron-pattern"), loc)
        );
        assert_ne!(
            a,
            dedup_key("cf", "duplicate-content", Some("backup-cron-pattern"), loc)
        );
        assert_ne!(a, dedup_key("cf", "missing-values", None, loc));
        assert_ne!(
            location_fingerprint(Some("docs/a.md"), ""),
            location_fingerprint(Some("docs/b.md"), "")
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Cedar Falls/ÖPS"), "cedar-falls-ps");
        assert_eq!(slug("..."), "x");
        assert_eq!(slug("site_01"), "site-01");
    }
}
