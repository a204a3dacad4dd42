//! The clock recommendations read: ledger timestamps and e-mail `Date:` come from a
//! [`Clock`] parameter so tests (and reproducible runs) get deterministic output.

use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};

/// Where "now" comes from.
pub trait Clock {
    /// The current time in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock, unless `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds
/// convention) is set, in which case that instant is "now".
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        {
            return t;
        }
        truncate(OffsetDateTime::now_utc())
    }
}

/// A clock that always says the same instant (tests, previews).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl FixedClock {
    /// A fixed clock at a Unix timestamp (seconds).
    pub fn at(unix: i64) -> Self {
        FixedClock(OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        truncate(self.0)
    }
}

/// Whole seconds in UTC: what the ledger and e-mail headers can hold.
fn truncate(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// RFC 3339 in UTC (`2025-10-14T09:30:00Z`), as stored in the ledger.
pub fn rfc3339(t: OffsetDateTime) -> String {
    truncate(t).format(&Rfc3339).unwrap_or_default()
}

/// Parse what [`rfc3339`] wrote.
pub fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// RFC 5322 `Date:` value (`Tue, 14 Oct 2025 09:30:00 +0000`).
pub fn rfc5322(t: OffsetDateTime) -> String {
    truncate(t).format(&Rfc2822).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = FixedClock::at(1_760_434_200).now();
        assert_eq!(rfc3339(t), "2025-10-14T09:30:00Z");
        assert_eq!(rfc5322(t), "Tue, 14 Oct 2025 09:30:00 +0000");
        assert_eq!(parse_rfc3339("2025-10-14T09:30:00Z"), Some(t));
    }
}
