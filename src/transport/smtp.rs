//! E-mail over SMTP (lettre's connection layer): one connection per run, opened on the first
//! message (STARTTLS, implicit TLS, or plain for a loopback relay), AUTH when configured,
//! reused for every message and closed with `QUIT` at the end. Each outbox `.eml` is sent as
//! written (its `Message-ID` is stable, so a repeat after a crash collapses in mail
//! clients); the envelope goes to the recipient's address and its cc addresses.
//!
//! Failures: a 5xx reply to a message is permanent (that message stops); a 4xx reply, a
//! timeout or a dropped connection is temporary. Failing to connect, secure or log in is
//! temporary for every message of the run (fixed config retries by itself) and is tried
//! once per run, not once per message. Error texts never carry the password.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use docengine::config::{Config, DeliverConfig};
use docengine::recommend::mime::address_of;
use docengine::recommend::settings::{SmtpConfig, SmtpTls};
use docengine::recommend::{Failure, Outgoing, Sent, Transport};
use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

/// The SMTP transport of one run.
pub struct Smtp {
    host: String,
    port: u16,
    tls: SmtpTls,
    hello: ClientId,
    envelope_from: Option<Address>,
    tls_parameters: Option<TlsParameters>,
    credentials: Option<Credentials>,
    timeout: Duration,
    /// Strings scrubbed from every error text (the password and its AUTH encodings).
    secrets: Vec<String>,
    conn: Option<SmtpConnection>,
    /// Why connecting failed this run: every later message fails with it at once.
    connect_failure: Option<String>,
}

impl Smtp {
    /// Set up from `[deliver.smtp]`: reads the password from its environment variable and the
    /// CA file (relative to the KB folder). Connects only when the first message is sent.
    pub fn from_config(
        config: &Config,
        deliver: &DeliverConfig,
        smtp: &SmtpConfig,
    ) -> Result<Smtp> {
        let file = config
            .file
            .as_deref()
            .map(|f| f.display().to_string())
            .unwrap_or_else(|| "netstack.toml".into());
        let credentials = match (&smtp.username, &smtp.password_env) {
            (Some(user), Some(var)) => {
                let password = match std::env::var(var) {
                    Ok(p) if !p.is_empty() => p,
                    Ok(_) => bail!(
                        "{file}: [deliver.smtp] password_env names `{var}`, which is empty: set it to the SMTP password (in CI, from a secret)"
                    ),
                    Err(_) => bail!(
                        "{file}: [deliver.smtp] password_env names `{var}`, which is not set: export it with the SMTP password (in CI, from a secret)"
                    ),
                };
                Some((user.clone(), password))
            }
            _ => None,
        };
        let tls_parameters = match smtp.tls {
            SmtpTls::None => None,
            SmtpTls::Starttls | SmtpTls::Tls => {
                let mut b = TlsParameters::builder(smtp.host.clone());
                if let Some(ca) = &smtp.ca_file {
                    let path = config.root.join(ca);
                    let pem = std::fs::read(&path).with_context(|| {
                        format!("{file}: [deliver.smtp] ca_file {}", path.display())
                    })?;
                    let cert = Certificate::from_pem(&pem).map_err(|e| {
                        anyhow::anyhow!(
                            "{file}: [deliver.smtp] ca_file {} is not a PEM certificate ({e})",
                            path.display()
                        )
                    })?;
                    b = b.add_root_certificate(cert);
                }
                Some(b.build_rustls().map_err(|e| {
                    anyhow::anyhow!("{file}: [deliver.smtp] cannot set up TLS: {e}")
                })?)
            }
        };
        let envelope_from = match &smtp.envelope_from {
            Some(a) => Some(a.parse::<Address>().map_err(|e| {
                anyhow::anyhow!(
                    "{file}: [deliver.smtp] envelope_from `{a}` is not an e-mail address ({e})"
                )
            })?),
            None => None,
        };
        let mut secrets = Vec::new();
        if let Some((user, password)) = &credentials {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            secrets.push(password.clone());
            secrets.push(b64.encode(password));
            secrets.push(b64.encode(format!("\0{user}\0{password}")));
        }
        Ok(Smtp {
            host: smtp.host.clone(),
            port: smtp.port.unwrap_or(smtp.tls.default_port()),
            tls: smtp.tls,
            hello: ClientId::Domain(
                smtp.hello_name
                    .clone()
                    .unwrap_or_else(|| "localhost".into()),
            ),
            envelope_from,
            tls_parameters,
            credentials: credentials.map(|(u, p)| Credentials::new(u, p)),
            timeout: deliver.limits().timeout,
            secrets,
            conn: None,
            connect_failure: None,
        })
    }

    /// An error text with every secret taken out.
    fn scrub(&self, text: String) -> String {
        let mut text = text;
        for s in &self.secrets {
            if !s.is_empty() && text.contains(s.as_str()) {
                text = text.replace(s.as_str(), "[secret]");
            }
        }
        text
    }

    /// An SMTP error in words; a socket timeout (which the OS reports as "resource
    /// temporarily unavailable") says so.
    fn describe(&self, e: &lettre::transport::smtp::Error) -> String {
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        let mut timed_out = e.is_timeout();
        while let Some(s) = source {
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                timed_out |= matches!(
                    io.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                );
            }
            source = s.source();
        }
        if timed_out {
            format!(
                "no answer within {} s (timeout_secs)",
                self.timeout.as_secs()
            )
        } else {
            e.to_string()
        }
    }

    fn connection(&mut self) -> std::result::Result<&mut SmtpConnection, Failure> {
        if let Some(why) = &self.connect_failure {
            return Err(Failure::temporary(why.clone()));
        }
        if self.conn.as_ref().is_some_and(|c| c.has_broken()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            match self.connect() {
                Ok(c) => self.conn = Some(c),
                Err(why) => {
                    let why = self.scrub(why);
                    self.connect_failure = Some(why.clone());
                    return Err(Failure::temporary(why));
                }
            }
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    fn connect(&self) -> std::result::Result<SmtpConnection, String> {
        let at = format!("{}:{}", self.host, self.port);
        let implicit = match self.tls {
            SmtpTls::Tls => self.tls_parameters.as_ref(),
            _ => None,
        };
        let mut c = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &self.hello,
            implicit,
            None,
        )
        .map_err(|e| {
            format!(
                "cannot connect to the SMTP server {at}: {}",
                self.describe(&e)
            )
        })?;
        if self.tls == SmtpTls::Starttls {
            if !c.can_starttls() {
                c.abort();
                return Err(format!(
                    "the SMTP server {at} does not offer STARTTLS: use tls = \"tls\" if it speaks TLS from the start"
                ));
            }
            let params = self
                .tls_parameters
                .as_ref()
                .expect("TLS parameters for STARTTLS");
            c.starttls(params, &self.hello)
                .map_err(|e| format!("STARTTLS with {at} failed: {}", self.describe(&e)))?;
        }
        if let Some(credentials) = &self.credentials {
            c.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .map_err(|e| {
                    format!(
                        "the SMTP server {at} refused the login: {}",
                        self.describe(&e)
                    )
                })?;
        }
        Ok(c)
    }
}

impl Transport for Smtp {
    fn send(&mut self, out: &Outgoing) -> std::result::Result<Sent, Failure> {
        let headers = Headers::of(&out.text);
        let message_id = headers.get("message-id");
        let from = match &self.envelope_from {
            Some(a) => a.clone(),
            None => {
                let from = headers.get("from").unwrap_or_default();
                address_of(&from).parse::<Address>().map_err(|e| {
                    Failure::permanent(format!(
                        "{}: `From:` has no usable address ({e}): set [recommend] from, or [deliver.smtp] envelope_from",
                        out.file
                    ))
                })?
            }
        };
        let mut to = Vec::new();
        for a in std::iter::once(&out.recipient.address).chain(&out.recipient.cc) {
            to.push(a.trim().parse::<Address>().map_err(|e| {
                Failure::permanent(format!(
                    "`{a}` (contact `{}`) is not an e-mail address ({e}): fix it in the contract",
                    out.recipient.contact
                ))
            })?);
        }
        let envelope = Envelope::new(Some(from), to)
            .map_err(|e| Failure::permanent(format!("no envelope: {e}")))?;
        let conn = self.connection()?;
        match conn.send(&envelope, out.text.as_bytes()) {
            Ok(_) => Ok(Sent {
                remote_id: message_id,
                remote_url: None,
            }),
            Err(e) => {
                let broken = conn.has_broken();
                if broken {
                    self.conn = None;
                }
                let text = self.scrub(format!(
                    "SMTP server {}:{}: {}",
                    self.host,
                    self.port,
                    self.describe(&e)
                ));
                if e.is_permanent() {
                    Err(Failure::permanent(text))
                } else {
                    Err(Failure::temporary(text))
                }
            }
        }
    }

    fn finish(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.quit();
        }
    }
}

/// The header block of an RFC 5322 message, unfolded, looked up case-insensitively.
struct Headers(Vec<(String, String)>);

impl Headers {
    fn of(text: &str) -> Headers {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
            if line.is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                if let Some(last) = out.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                out.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Headers(out)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Is `[deliver.smtp]` there (for a dry run, which needs no password)?
pub fn configured(deliver: &DeliverConfig) -> bool {
    deliver.smtp.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_unfold_and_ignore_the_body() {
        let h = Headers::of(
            "From: netstack\r\n <n@example.org>\r\nMessage-ID: <a.b@example.org>\r\n\r\nFrom: body@evil.org\r\n",
        );
        assert_eq!(h.get("from").as_deref(), Some("netstack <n@example.org>"));
        assert_eq!(h.get("message-id").as_deref(), Some("<a.b@example.org>"));
        assert_eq!(Headers::of("\r\nFrom: x@y.z\r\n").get("from"), None);
    }
}
