//! `netstack deliver` against a REAL SMTP server: Python's aiosmtpd
//! (`tests/fixtures/smtp/server.py`, installed by `.ci/run`), started per test on a loopback
//! port, writing each message it accepts to a folder. Plain, STARTTLS and implicit TLS (with
//! a throwaway CA made by rcgen at test time), AUTH, refusals, a server that is down, crashes
//! at the two failure points, and two runs at once. Without aiosmtpd a test prints a
//! visible SKIPPED line; with `CI=true` it fails.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use predicates::prelude::PredicateBooleanExt as _;

use crate::deliver_cli::{T0, netstack, recorded};

/// The password the AUTH tests use: it must appear in no output, ledger or outbox file.
const PASSWORD: &str = "pw-Zq8-never-print-me";
const PASSWORD_VAR: &str = "NETSTACK_TEST_SMTP_PASSWORD";

/// A running test SMTP server, killed on drop.
struct Server {
    child: Child,
    port: u16,
    mail: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, serde::Deserialize)]
struct Received {
    mail_from: String,
    rcpt_tos: Vec<String>,
    tls: bool,
    login: Option<String>,
    peer: Option<(String, u16)>,
    data: String,
}

impl Server {
    fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.mail.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap())
            .collect()
    }
}

/// Is aiosmtpd there? Outside CI its absence is a visible skip, in CI a failure.
fn aiosmtpd() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !crate::util::on_ci(),
            "aiosmtpd is missing on CI: .ci/run installs it (pip install aiosmtpd)"
        );
        crate::util::skip("python3 with aiosmtpd not found (pip install aiosmtpd)");
    }
    ok
}

fn start(args: &[&str]) -> Server {
    let mail = tempfile::tempdir().unwrap();
    let script = crate::util::manifest_dir().join("tests/fixtures/smtp/server.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(mail.path())
        .args(args)
        .env("SMTP_TEST_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("the test SMTP server did not start: {line:?}"))
        .parse()
        .unwrap();
    Server { child, port, mail }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, as PEM files in `dir`:
/// (ca, cert, key).
fn test_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let paths = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    (paths.0, paths.1, paths.2)
}

/// Append `[deliver]` settings to the KB's netstack.toml.
fn configure(kb: &Path, deliver: &str) {
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    std::fs::write(kb.join("netstack.toml"), format!("{toml}\n{deliver}")).unwrap();
}

fn plain(port: u16) -> String {
    format!("[deliver.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n")
}

/// The delivery record of every message, as `netstack outbox --json` reads the ledger
/// (ledger.json and its journal).
fn deliveries(out: &Path) -> Vec<serde_json::Value> {
    let o = crate::util::netstack()
        .args(["outbox", "--json"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<serde_json::Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn header(data: &str, name: &str) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse(data.as_bytes())?;
    msg.header_raw(name).map(|v| v.trim().to_string())
}

fn message_ids(server: &Server) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|r| header(&r.data, "Message-ID").unwrap())
        .collect()
}

#[test]
fn every_recorded_email_arrives_once_with_its_to_cc_and_headers_over_one_connection() {
    if !aiosmtpd() {
        return;
    }
    let server = start(&["--mode", "none"]);
    let (_t, kb, out) = recorded();
    configure(&kb, &plain(server.port));
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicates::str::contains("delivery: sent 5, 0 failed"));
    let got = server.received();
    assert_eq!(got.len(), 5);
    for r in &got {
        let to = header(&r.data, "To").unwrap();
        let cc = header(&r.data, "Cc").unwrap();
        assert_eq!(
            r.rcpt_tos,
            vec![to.clone(), cc.clone()],
            "envelope = To + Cc"
        );
        assert_eq!(r.mail_from, "netstack@example-fed.org");
        assert!(!r.tls && r.login.is_none());
        assert!(
            header(&r.data, "Subject")
                .unwrap()
                .starts_with("[netstack ")
        );
    }
    let cf: Vec<&Received> = got
        .iter()
        .filter(|r| r.rcpt_tos[0] == "it-admin@cedarfalls.example.org")
        .collect();
    assert_eq!(cf.len(), 3);
    assert_eq!(cf[0].rcpt_tos[1], "facilities@cedarfalls.example.org");
    // One connection for the batch: every message came from the same client port.
    let peers: std::collections::BTreeSet<_> = got.iter().map(|r| r.peer.clone()).collect();
    assert_eq!(peers.len(), 1, "{peers:?}");
    // The ledger says where each went: the Message-ID the server received.
    let ids = message_ids(&server);
    for d in deliveries(&out) {
        assert_eq!(d["state"], "sent");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["delivered_at"], "2025-10-14T09:30:00Z");
        let id = d["remote_id"].as_str().unwrap();
        assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
    }
    netstack(&kb)
        .arg("outbox")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::starts_with("sent (5)\n"))
        .stdout(predicates::str::contains("sent 2025-10-14T09:30:00Z: <cf."));
    // An immediate re-run (and a lint run recording the same findings) sends nothing.
    netstack(&kb)
        .args(["lint", "--recommend", "--deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("delivery: sent 0, 0 failed"));
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(server.received().len(), 5);
}

/// Every file an outbox holds, every output: none may hold the password.
fn assert_no_secret(out: &Path, outputs: &[&[u8]]) {
    for e in std::fs::read_dir(out).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PASSWORD),
            "{} holds the password",
            e.path().display()
        );
    }
    for o in outputs {
        assert!(
            !String::from_utf8_lossy(o).contains(PASSWORD),
            "output holds the password"
        );
    }
}

#[test]
fn starttls_and_auth_with_the_config_s_ca_and_the_password_never_shown() {
    if !aiosmtpd() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_ca(certs.path());
    let server = start(&[
        "--mode",
        "starttls",
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
        "--user",
        "bot",
    ]);
    let (_t, kb, out) = recorded();
    configure(
        &kb,
        &format!(
            "[deliver.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"starttls\"\nusername = \"bot\"\npassword_env = \"{PASSWORD_VAR}\"\nca_file = \"{}\"\n",
            server.port,
            ca.display()
        ),
    );
    // The variable missing: a configuration error naming it.
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "password_env names `{PASSWORD_VAR}`, which is not set"
        )));
    // A wrong password: refused, retried later, never shown.
    let wrong = netstack(&kb)
        .env(PASSWORD_VAR, format!("{PASSWORD}-wrong"))
        .args(["-vv", "deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("refused the login"))
        .get_output()
        .clone();
    assert!(server.received().is_empty());
    assert_no_secret(&out, &[&wrong.stdout, &wrong.stderr]);
    let d = deliveries(&out);
    assert!(
        d.iter()
            .all(|d| d["state"] == "failed" && d["next_attempt"].is_string())
    );
    // The right one, once the back-off passed.
    let later = (T0 + 3600).to_string();
    let ok = netstack(&kb)
        .env("SOURCE_DATE_EPOCH", &later)
        .env(PASSWORD_VAR, PASSWORD)
        .args(["-vv", "deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let got = server.received();
    assert_eq!(got.len(), 5);
    assert!(
        got.iter()
            .all(|r| r.tls && r.login.as_deref() == Some("bot")),
        "{got:?}"
    );
    let listing = netstack(&kb)
        .arg("outbox")
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_no_secret(&out, &[&ok.stdout, &ok.stderr, &listing.stdout]);
    // A server whose certificate the config does not trust is refused.
    let (_t2, kb2, out2) = recorded();
    configure(
        &kb2,
        &format!(
            "[deliver.smtp]\nhost = \"127.0.0.1\"\nport = {}\nusername = \"bot\"\npassword_env = \"{PASSWORD_VAR}\"\n",
            server.port
        ),
    );
    let untrusted = netstack(&kb2)
        .env(PASSWORD_VAR, PASSWORD)
        .args(["deliver", "--outbox"])
        .arg(&out2)
        .assert()
        .code(1)
        .stdout(predicates::str::contains("STARTTLS with 127.0.0.1"))
        .get_output()
        .clone();
    assert_eq!(server.received().len(), 5);
    assert_no_secret(&out2, &[&untrusted.stdout, &untrusted.stderr]);
}

#[test]
fn implicit_tls() {
    if !aiosmtpd() {
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = test_ca(certs.path());
    let server = start(&[
        "--mode",
        "tls",
        "--cert",
        cert.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    let (_t, kb, out) = recorded();
    configure(
        &kb,
        &format!(
            "[deliver.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"tls\"\nca_file = \"{}\"\n",
            server.port,
            ca.display()
        ),
    );
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0);
    let got = server.received();
    assert_eq!(got.len(), 5);
    assert!(got.iter().all(|r| r.tls));
}

#[test]
fn a_server_that_is_down_is_retried_after_the_back_off_and_a_5xx_refusal_stops() {
    if !aiosmtpd() {
        return;
    }
    let (_t, kb, out) = recorded();
    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    configure(
        &kb,
        &format!("[deliver]\nretry_secs = 60\n\n{}", plain(port)),
    );
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "cannot connect to the SMTP server",
        ))
        .stderr(predicates::str::contains("sent 0, 5 failed"));
    let d = deliveries(&out);
    assert!(
        d.iter()
            .all(|d| d["next_attempt"] == "2025-10-14T09:31:00Z"),
        "{d:?}"
    );
    // The server comes up (refusing one address for good); before the back-off nothing is
    // tried, after it everything is.
    let server = start(&[
        "--mode",
        "none",
        "--reject",
        "labops@stonelake.example.org:550",
    ]);
    let toml = std::fs::read_to_string(kb.join("netstack.toml")).unwrap();
    std::fs::write(
        kb.join("netstack.toml"),
        toml.replace(
            &format!("port = {port}"),
            &format!("port = {}", server.port),
        ),
    )
    .unwrap();
    netstack(&kb)
        .env("SOURCE_DATE_EPOCH", (T0 + 30).to_string())
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(
            predicates::str::contains("sent 0, 0 failed")
                .and(predicates::str::contains("5 waiting to retry")),
        );
    netstack(&kb)
        .env("SOURCE_DATE_EPOCH", (T0 + 61).to_string())
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(
            "gave up email labops@stonelake.example.org",
        ))
        .stdout(predicates::str::contains("550"))
        .stderr(predicates::str::contains(
            "sent 3, 0 failed (retried later), 2 given up",
        ));
    assert_eq!(server.received().len(), 3);
    // Given up: later runs leave them alone.
    netstack(&kb)
        .env("SOURCE_DATE_EPOCH", (T0 + 99_999).to_string())
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(server.received().len(), 3);
    netstack(&kb)
        .args(["outbox", "--state", "failed"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::starts_with("failed (2)\n"))
        .stdout(predicates::str::contains("not retried"));
}

#[test]
fn a_crash_between_marking_and_sending_or_after_sending_completes_on_the_next_run() {
    if !aiosmtpd() {
        return;
    }
    let server = start(&["--mode", "none"]);
    // Crash after marking the first message `sending`, before it went out.
    let (_t, kb, out) = recorded();
    configure(&kb, &plain(server.port));
    let crashed = netstack(&kb)
        .env("NETSTACK_FAILPOINT", "deliver-after-mark")
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .failure()
        .get_output()
        .clone();
    assert!(crashed.status.code().is_none(), "killed by a signal");
    assert!(server.received().is_empty());
    let d = deliveries(&out);
    assert_eq!(d.iter().filter(|d| d["state"] == "sending").count(), 1);
    netstack(&kb)
        .arg("outbox")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("sending (1)"));
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicates::str::contains("reconciled email"))
        .stderr(predicates::str::contains("sent 5"));
    let ids = message_ids(&server);
    assert_eq!(ids.len(), 5);
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 5, "nothing twice: {ids:?}");

    // Crash after the server accepted the first message, before the ledger says so: e-mail
    // is at least once, and the repeat carries the same Message-ID (documented).
    let server2 = start(&["--mode", "none"]);
    let (_t2, kb2, out2) = recorded();
    configure(&kb2, &plain(server2.port));
    netstack(&kb2)
        .env("NETSTACK_FAILPOINT", "deliver-after-send")
        .args(["deliver", "--outbox"])
        .arg(&out2)
        .assert()
        .failure();
    assert_eq!(server2.received().len(), 1);
    netstack(&kb2)
        .args(["deliver", "--outbox"])
        .arg(&out2)
        .assert()
        .code(0);
    let ids = message_ids(&server2);
    assert_eq!(ids.len(), 6);
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 5);
    assert_eq!(
        ids[0], ids[1],
        "the repeat is the message that was in flight"
    );
    assert!(deliveries(&out2).iter().all(|d| d["state"] == "sent"));
}

#[test]
fn two_runs_at_once_send_each_message_once() {
    if !aiosmtpd() {
        return;
    }
    let server = start(&["--mode", "none"]);
    let (_t, kb, out) = recorded();
    configure(&kb, &plain(server.port));
    let bin = assert_cmd::cargo::cargo_bin("netstack");
    let spawn = || {
        Command::new(&bin)
            .env("SOURCE_DATE_EPOCH", T0.to_string())
            .env_remove("NETSTACK_FAILPOINT")
            .arg("--kb")
            .arg(&kb)
            .args(["deliver", "--outbox"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    let ids = message_ids(&server);
    assert_eq!(ids.len(), 5, "{ids:?}");
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), 5);
}

#[test]
fn a_server_that_accepts_but_never_answers_times_out_as_a_temporary_failure() {
    // A listener that never reads nor greets: the connect succeeds, the greeting never comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (_t, kb, out) = recorded();
    configure(
        &kb,
        &format!("[deliver]\ntimeout_secs = 1\n\n{}", plain(port)),
    );
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicates::str::contains(format!(
            "cannot connect to the SMTP server 127.0.0.1:{port}: no answer within 1 s (timeout_secs)"
        )))
        .stderr(predicates::str::contains("sent 0, 5 failed"));
    // Connecting is tried once per run, not once per message.
    let d = deliveries(&out);
    assert!(
        d.iter()
            .all(|d| d["state"] == "failed" && d["attempts"] == 1)
    );
    drop(silent);
}

#[test]
fn a_resolved_finding_and_its_return_reach_the_same_thread() {
    if !aiosmtpd() {
        return;
    }
    let server = start(&["--mode", "none"]);
    let (_t, kb, out) = recorded();
    configure(&kb, &plain(server.port));
    netstack(&kb)
        .args(["deliver", "--outbox"])
        .arg(&out)
        .assert()
        .code(0);
    let first = server.received();
    assert_eq!(first.len(), 5);
    // The site fixes one broken link (`./switch-config.md` in docs/network.md).
    std::fs::write(kb.join("cf/docs/switch-config.md"), "# Switch config\n").unwrap();
    let lint = |at: i64| {
        netstack(&kb)
            .env("SOURCE_DATE_EPOCH", at.to_string())
            .args(["lint", "--recommend", "--deliver", "--outbox"])
            .arg(&out)
            .assert()
            .code(1)
            .get_output()
            .clone()
    };
    let o = lint(T0 + 86_400);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("1 resolved"), "{stderr}");
    assert!(stderr.contains("sent email it-admin@cedarfalls.example.org cc facilities@cedarfalls.example.org: resolved note, re: Fix a broken link in docs/network.md"), "{stderr}");
    let got = server.received();
    assert_eq!(got.len(), 6);
    let note = &got[5];
    let in_reply_to = header(&note.data, "In-Reply-To").unwrap();
    assert_eq!(header(&note.data, "References").unwrap(), in_reply_to);
    let original = first
        .iter()
        .find(|r| header(&r.data, "Message-ID").unwrap() == in_reply_to)
        .expect("the note answers one of the first messages");
    assert_eq!(note.rcpt_tos, original.rcpt_tos);
    assert_eq!(
        header(&note.data, "Subject").unwrap(),
        format!("Re: {}", header(&original.data, "Subject").unwrap())
    );
    assert!(note.data.contains("no longer detected"));
    // It comes back: a "reopened" note in the same thread.
    std::fs::remove_file(kb.join("cf/docs/switch-config.md")).unwrap();
    lint(T0 + 2 * 86_400);
    let got = server.received();
    assert_eq!(got.len(), 7);
    assert_eq!(header(&got[6].data, "In-Reply-To").unwrap(), in_reply_to);
    assert!(got[6].data.contains("detected again"));
    // Nothing more on a re-run.
    lint(T0 + 2 * 86_400);
    assert_eq!(server.received().len(), 7);
    netstack(&kb)
        .arg("outbox")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "reopened note, re: Fix a broken link",
        ));
}
