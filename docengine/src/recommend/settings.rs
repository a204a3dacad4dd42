//! `[deliver]` of `netstack.toml`: how `netstack deliver` sends what the outbox holds — the
//! caps and back-off every transport shares, and one table per transport (`[deliver.smtp]`).
//! Secrets are never written here: the config names the environment variable holding them.
//!
//! Unknown keys are errors naming the key and its line (serde `deny_unknown_fields`, read by
//! `config`); [`DeliverConfig::check`] refuses values that parse but cannot work.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::front_matter::line_of;

/// Default of `max_per_run`: messages one run sends at most (a flood guard).
pub const DEFAULT_MAX_PER_RUN: usize = 200;
/// Default of `max_per_contact_per_day`: messages one address receives in 24 hours at most.
pub const DEFAULT_MAX_PER_CONTACT_PER_DAY: usize = 50;
/// Default of `retry_secs`: the wait after the first failure (doubled after each next one).
pub const DEFAULT_RETRY_SECS: u64 = 300;
/// Default of `max_retry_secs`: the longest wait between two attempts.
pub const DEFAULT_MAX_RETRY_SECS: u64 = 6 * 3600;
/// Default of `max_attempts`: after this many failed attempts a message is given up.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
/// Default of `timeout_secs`: connect and per-reply timeout of every transport.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// `[deliver]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverConfig {
    pub max_per_run: Option<usize>,
    pub max_per_contact_per_day: Option<usize>,
    pub retry_secs: Option<u64>,
    pub max_retry_secs: Option<u64>,
    pub max_attempts: Option<u32>,
    pub timeout_secs: Option<u64>,
    /// `[deliver.smtp]`: e-mail contacts.
    pub smtp: Option<SmtpConfig>,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with `STARTTLS` (refused when the server does not offer it).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No TLS at all: only for a relay on the loopback interface.
    None,
}

impl SmtpTls {
    /// The port used when `port` is not set.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// `[deliver.smtp]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: SmtpTls,
    /// AUTH user name; the password comes from the environment variable `password_env`.
    pub username: Option<String>,
    /// Name of the environment variable holding the AUTH password.
    pub password_env: Option<String>,
    /// PEM file of a CA to trust besides the system's (a private relay, the tests' server);
    /// relative to the KB folder.
    pub ca_file: Option<String>,
    /// SMTP envelope sender (`MAIL FROM`); default: the address of each message's `From:`.
    pub envelope_from: Option<String>,
    /// Name sent in `EHLO`; default `localhost`.
    pub hello_name: Option<String>,
}

/// The numbers a delivery run works with, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_per_run: usize,
    pub max_per_contact_per_day: usize,
    pub retry: Duration,
    pub max_retry: Duration,
    pub max_attempts: u32,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        DeliverConfig::default().limits()
    }
}

impl DeliverConfig {
    /// The caps and back-off, defaults filled in.
    pub fn limits(&self) -> Limits {
        Limits {
            max_per_run: self.max_per_run.unwrap_or(DEFAULT_MAX_PER_RUN),
            max_per_contact_per_day: self
                .max_per_contact_per_day
                .unwrap_or(DEFAULT_MAX_PER_CONTACT_PER_DAY),
            retry: Duration::from_secs(self.retry_secs.unwrap_or(DEFAULT_RETRY_SECS)),
            max_retry: Duration::from_secs(self.max_retry_secs.unwrap_or(DEFAULT_MAX_RETRY_SECS)),
            max_attempts: self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            timeout: Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS)),
        }
    }

    /// Refuse values that parse but cannot work, naming the key's line in `text` (the
    /// `netstack.toml` they came from).
    pub fn check(&self, file: &Path, text: &str) -> Result<()> {
        let bad = |key: &str, message: String| {
            Error::config(file, key_line(text, key), format!("[deliver] {message}"))
        };
        for (key, value) in [
            ("max_per_run", self.max_per_run.map(|v| v as u64)),
            (
                "max_per_contact_per_day",
                self.max_per_contact_per_day.map(|v| v as u64),
            ),
            ("retry_secs", self.retry_secs),
            ("max_retry_secs", self.max_retry_secs),
            ("max_attempts", self.max_attempts.map(u64::from)),
            ("timeout_secs", self.timeout_secs),
        ] {
            if value == Some(0) {
                return Err(bad(
                    key,
                    format!(
                        "`{key} = 0` would stop every delivery: use a number above 0 or remove the key for the default"
                    ),
                ));
            }
        }
        let Some(smtp) = &self.smtp else {
            return Ok(());
        };
        let bad_smtp = |key: &str, message: String| {
            Error::config(
                file,
                key_line(text, key),
                format!("[deliver.smtp] {message}"),
            )
        };
        if smtp.host.trim().is_empty() {
            return Err(bad_smtp(
                "host",
                "`host` is empty: name the SMTP relay, e.g. host = \"smtp.example.org\"".into(),
            ));
        }
        if smtp.tls == SmtpTls::None && !is_loopback(&smtp.host) {
            return Err(bad_smtp(
                "tls",
                format!(
                    "`tls = \"none\"` sends mail (and any password) in the clear, so it is only allowed for a relay on this machine (localhost, 127.0.0.1, ::1), not `{}`: use tls = \"starttls\" or \"tls\"",
                    smtp.host
                ),
            ));
        }
        match (&smtp.username, &smtp.password_env) {
            (Some(_), None) => {
                return Err(bad_smtp(
                    "username",
                    "`username` needs `password_env`, the name of the environment variable holding the password (passwords are never written in netstack.toml)".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(bad_smtp(
                    "password_env",
                    "`password_env` needs `username` (the AUTH user name)".into(),
                ));
            }
            _ => {}
        }
        if let Some(var) = &smtp.password_env
            && !is_env_name(var)
        {
            // The value is not shown: it may be a password pasted in the wrong place.
            return Err(bad_smtp(
                "password_env",
                "`password_env` is not an environment variable name (letters, digits and `_`, like NETSTACK_SMTP_PASSWORD): it names the variable that holds the password, never the password itself".into(),
            ));
        }
        Ok(())
    }
}

/// Is this host this machine (where a plain-text SMTP relay is acceptable)?
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The line of `key = …` inside the `[deliver…]` tables of a config text (first match after
/// the `[deliver` header), for messages.
fn key_line(text: &str, key: &str) -> Option<usize> {
    let start = text.find("[deliver")?;
    let mut offset = start;
    for line in text[start..].split_inclusive('\n') {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_of(text, offset));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<DeliverConfig, String> {
        #[derive(Deserialize)]
        struct Top {
            deliver: DeliverConfig,
        }
        let top: Top = toml::from_str(text).map_err(|e| e.to_string())?;
        top.deliver
            .check(Path::new("netstack.toml"), text)
            .map_err(|e| e.to_string())?;
        Ok(top.deliver)
    }

    #[test]
    fn defaults_and_values() {
        let c = parse("[deliver]\nmax_per_run = 5\n").unwrap();
        let l = c.limits();
        assert_eq!(l.max_per_run, 5);
        assert_eq!(l.max_per_contact_per_day, DEFAULT_MAX_PER_CONTACT_PER_DAY);
        assert_eq!(l.retry, Duration::from_secs(DEFAULT_RETRY_SECS));
        let c = parse("[deliver.smtp]\nhost = \"smtp.example.org\"\nusername = \"bot\"\npassword_env = \"SMTP_PW\"\n").unwrap();
        let s = c.smtp.unwrap();
        assert_eq!(s.tls, SmtpTls::Starttls);
        assert_eq!(s.tls.default_port(), 587);
    }

    #[test]
    fn values_that_cannot_work_name_their_line() {
        let e = parse("[deliver]\nmax_attempts = 0\n").unwrap_err();
        assert!(
            e.contains("netstack.toml:2") && e.contains("max_attempts"),
            "{e}"
        );
        let e = parse("[deliver]\n[deliver.smtp]\nhost = \"mail.example.org\"\ntls = \"none\"\n")
            .unwrap_err();
        assert!(
            e.contains("netstack.toml:4") && e.contains("in the clear"),
            "{e}"
        );
        assert!(parse("[deliver.smtp]\nhost = \"127.0.0.1\"\ntls = \"none\"\n").is_ok());
        let e = parse("[deliver.smtp]\nhost = \"h\"\nusername = \"u\"\n").unwrap_err();
        assert!(
            e.contains("netstack.toml:3") && e.contains("password_env"),
            "{e}"
        );
        let e =
            parse("[deliver.smtp]\nhost = \"h\"\nusername = \"u\"\npassword_env = \"hunter 2\"\n")
                .unwrap_err();
        assert!(
            e.contains("netstack.toml:4") && e.contains("not an environment variable name"),
            "{e}"
        );
        assert!(
            !e.contains("hunter"),
            "the value may be a pasted password: {e}"
        );
    }

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "127.0.0.1", "::1", "[::1]", "127.0.0.2"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["mail.example.org", "10.0.0.1", "localhost.evil.org"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
