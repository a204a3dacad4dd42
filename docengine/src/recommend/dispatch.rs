//! A delivery run (`netstack deliver`): reconcile what a crashed run left `sending`, pick the
//! messages that are due, hold back what the caps forbid, and send the rest one by one, each
//! marked `sending` durably before its network call and recorded right after it (a line of
//! the ledger's journal each time; `ledger.json` is rewritten once, at the end).
//!
//! Due means: the recommendation is open, and its message is pending, or failed with its
//! next attempt reached and not permanent. Failures back off exponentially from
//! `retry_secs` up to `max_retry_secs` (a server's `Retry-After` wins when longer); after
//! `max_attempts` a message is given up. The outbox lock is held for the whole run, so two
//! runs on one outbox take turns and the second finds nothing left to send.
//!
//! One concern (a delivery run and its crash-safety protocol), hence its length; nearly half
//! of it is its tests.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use crate::contract::Method;
use crate::error::Result;

use super::clock::{Clock, parse_rfc3339, rfc3339};
use super::delivery::State;
use super::outbox::{Delivery, Entry, Ledger, Outbox, Status, failpoint};
use super::settings::Limits;
use super::transport::{Failure, Outgoing, Reconciled, Sent, Transports, not_configured};

/// Failure point: the message is marked `sending` on disk, nothing went out yet.
pub const FAILPOINT_AFTER_MARK: &str = "deliver-after-mark";
/// Failure point: the message went out, the ledger does not say so yet.
pub const FAILPOINT_AFTER_SEND: &str = "deliver-after-send";

/// One message in a run's report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub key: String,
    pub title: String,
    pub contact: String,
    pub method: Method,
    pub address: String,
    pub cc: Vec<String>,
    /// Message file, relative to the outbox.
    pub file: String,
    /// Where it went (sent), why not and when next (failed, held), or what to do.
    pub detail: String,
    /// Set on a follow-up note (resolved / reopened), threaded with the first message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followup: Option<super::followup::Kind>,
}

/// What a run did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Left `sending` by a crashed run, settled before anything else was sent.
    pub reconciled: Vec<Line>,
    /// Delivered (dry run: would be sent).
    pub sent: Vec<Line>,
    /// Failed, to be retried at the time in `detail`.
    pub failed: Vec<Line>,
    /// Failed for good (permanent error or too many attempts).
    pub gave_up: Vec<Line>,
    /// Due but held back by `max_per_run` or `max_per_contact_per_day`; sent by a later run.
    pub held: Vec<Line>,
    /// Due, but no transport is configured for the method.
    pub unconfigured: Vec<Line>,
    /// Failed messages whose next attempt is still ahead.
    pub waiting: usize,
}

impl RunReport {
    /// Exit status of `netstack deliver`: 2 when a due message's method is not configured,
    /// 1 when something failed (and will be retried, or needs a person), else 0.
    pub fn exit_code(&self) -> u8 {
        if !self.unconfigured.is_empty() {
            2
        } else if !self.failed.is_empty() || !self.gave_up.is_empty() {
            1
        } else {
            0
        }
    }
}

/// Send every due message of the outbox through `transports`, recording each outcome.
pub fn deliver(
    outbox: &mut Outbox,
    transports: &mut Transports,
    limits: &Limits,
    clock: &dyn Clock,
) -> Result<RunReport> {
    let mut report = RunReport::default();
    let result = run(outbox, transports, limits, clock, &mut report);
    transports.finish();
    result.map(|()| report)
}

fn run(
    outbox: &mut Outbox,
    transports: &mut Transports,
    limits: &Limits,
    clock: &dyn Clock,
    report: &mut RunReport,
) -> Result<()> {
    let dir = outbox.dir().to_path_buf();
    // 1. Settle what a crashed run left `sending`, before anything else goes out.
    let sending: Vec<(usize, usize)> = slots(outbox.ledger())
        .filter(|&(i, j)| {
            outbox.ledger().recommendations[i].recipients[j]
                .status
                .state
                == State::Sending
        })
        .collect();
    for (i, j) in sending {
        let (entry, d) = at(outbox.ledger(), i, j);
        let line = line(entry, d, String::new());
        let Some(t) = transports.get(d.recipient.method) else {
            report.unconfigured.push(Line {
                detail: format!(
                    "left sending by an interrupted run; {}",
                    not_configured(d.recipient.method)
                ),
                ..line
            });
            continue;
        };
        let out = match outgoing(&dir, entry, d) {
            Ok(out) => out,
            Err(message) => {
                let now = clock.now();
                let d = &mut outbox.ledger_mut().recommendations[i].recipients[j];
                d.status.state = State::Failed;
                d.status.last_error = Some(message.clone());
                d.status.next_attempt = Some(rfc3339(now));
                report.failed.push(Line {
                    detail: message,
                    ..line
                });
                continue;
            }
        };
        let outcome = t.reconcile(&out);
        let now = clock.now();
        let d = &mut outbox.ledger_mut().recommendations[i].recipients[j];
        match outcome {
            Ok(Reconciled::Delivered(sent)) => {
                mark_sent(d, &sent, now);
                report.reconciled.push(Line {
                    detail: format!("had arrived: {}", where_(&sent)),
                    ..line
                });
            }
            Ok(Reconciled::Resend) => {
                d.status.state = State::Pending;
                report.reconciled.push(Line {
                    detail: "had not arrived (or the receiver drops repeats): sending".into(),
                    ..line
                });
            }
            Ok(Reconciled::Unknown) => {
                d.status.state = State::Pending;
                report.reconciled.push(Line {
                    detail: "cannot tell whether it arrived: sending again with the same id (at least once)".into(),
                    ..line
                });
            }
            Err(f) => {
                // Still unknown: leave it `sending`, so the next run asks again.
                report.failed.push(Line {
                    detail: format!(
                        "left sending by an interrupted run; checking it failed: {}",
                        f.message()
                    ),
                    ..line
                });
            }
        }
    }
    outbox.save()?;

    // 2. What is due, within the caps.
    let now = clock.now();
    let plan = plan(outbox.ledger(), &|m| transports.has(m), limits, now);
    report.held = plan.held;
    report.unconfigured.extend(plan.unconfigured);
    report.waiting = plan.waiting;

    // 3. Send, one durable mark before each network call and one record after it.
    for (i, j) in plan.due {
        let (entry, d) = at(outbox.ledger(), i, j);
        let blank = line(entry, d, String::new());
        let method = d.recipient.method;
        let out = outgoing(&dir, entry, d);
        {
            let d = &mut outbox.ledger_mut().recommendations[i].recipients[j];
            d.status.attempts = d.status.attempts.saturating_add(1);
            d.status.state = State::Sending;
        }
        let result = match out {
            Ok(out) => {
                outbox.journal(i, j)?;
                failpoint(FAILPOINT_AFTER_MARK);
                let t = transports.get(method).expect("planned with a transport");
                let r = t.send(&out);
                failpoint(FAILPOINT_AFTER_SEND);
                r
            }
            Err(message) => Err(Failure::temporary(message)),
        };
        let now = clock.now();
        let d = &mut outbox.ledger_mut().recommendations[i].recipients[j];
        match result {
            Ok(sent) => {
                mark_sent(d, &sent, now);
                report.sent.push(Line {
                    detail: where_(&sent),
                    ..blank
                });
            }
            Err(f) => {
                let gave_up = mark_failed(d, &f, limits, now);
                let line = Line {
                    detail: describe_failure(&d.status),
                    ..blank
                };
                if gave_up {
                    report.gave_up.push(line);
                } else {
                    report.failed.push(line);
                }
            }
        }
        outbox.journal(i, j)?;
    }
    // Fold the journal into ledger.json.
    outbox.save()?;
    Ok(())
}

/// Make every message given up (permanent failure) of an open recommendation pending
/// again, with its attempts counted from zero (`deliver --retry-failed`, after the cause was
/// fixed). Returns how many.
pub fn retry_failed(outbox: &mut Outbox) -> usize {
    let mut n = 0;
    for e in &mut outbox.ledger_mut().recommendations {
        let open = e.status == Status::Open;
        for d in &mut e.recipients {
            if (open || d.followup.is_some())
                && d.status.state == State::Failed
                && d.status.permanent
            {
                d.status.state = State::Pending;
                d.status.permanent = false;
                d.status.attempts = 0;
                d.status.next_attempt = None;
                n += 1;
            }
        }
    }
    n
}

/// What a run would send now, without sending or changing anything (`deliver --dry-run`).
/// Messages left `sending` by a crash are listed as due (after reconciling, a run sends them
/// unless the receiver already has them).
pub fn dry_run(
    ledger: &Ledger,
    configured: &dyn Fn(Method) -> bool,
    limits: &Limits,
    now: OffsetDateTime,
) -> RunReport {
    let mut ledger = ledger.clone();
    let mut report = RunReport::default();
    for e in &mut ledger.recommendations {
        for j in 0..e.recipients.len() {
            if e.recipients[j].status.state == State::Sending {
                report.reconciled.push(line(
                    e,
                    &e.recipients[j],
                    "left sending by an interrupted run: would check whether it arrived first"
                        .into(),
                ));
                e.recipients[j].status.state = State::Pending;
            }
        }
    }
    let plan = plan(&ledger, configured, limits, now);
    report.sent = plan
        .due
        .iter()
        .map(|&(i, j)| {
            let (e, d) = at(&ledger, i, j);
            line(e, d, "would send".into())
        })
        .collect();
    report.held = plan.held;
    report.unconfigured = plan.unconfigured;
    report.waiting = plan.waiting;
    report
}

/// The messages a run sends, in order, and those it holds back.
#[derive(Debug, Default)]
struct Plan {
    /// (entry, recipient) indices into the ledger.
    due: Vec<(usize, usize)>,
    held: Vec<Line>,
    unconfigured: Vec<Line>,
    waiting: usize,
}

fn plan(
    ledger: &Ledger,
    configured: &dyn Fn(Method) -> bool,
    limits: &Limits,
    now: OffsetDateTime,
) -> Plan {
    let day_ago = now - Duration::from_secs(24 * 3600);
    // Messages each address received in the last 24 hours.
    let mut per_contact: HashMap<(Method, String), usize> = HashMap::new();
    for (i, j) in slots(ledger) {
        let (_, d) = at(ledger, i, j);
        if d.status.state == State::Sent
            && d.status
                .delivered_at
                .as_deref()
                .and_then(parse_rfc3339)
                .is_some_and(|t| t > day_ago)
        {
            *per_contact.entry(contact_key(d)).or_default() += 1;
        }
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let mut out = Plan::default();
    for (i, j) in slots(ledger) {
        let (e, d) = at(ledger, i, j);
        match d.followup {
            // A message of a recommendation still open.
            None if e.status != Status::Open => continue,
            None => {}
            // A follow-up: after every message to that contact listed before it.
            Some(_) => {
                let before_sent = e.recipients[..j]
                    .iter()
                    .filter(|o| o.recipient.contact == d.recipient.contact)
                    .all(|o| o.status.state == State::Sent);
                if !before_sent {
                    continue;
                }
            }
        }
        match d.status.state {
            State::Pending => candidates.push((i, j)),
            State::Failed if !d.status.permanent => {
                let next = d.status.next_attempt.as_deref().and_then(parse_rfc3339);
                if next.is_none_or(|t| t <= now) {
                    candidates.push((i, j));
                } else {
                    out.waiting += 1;
                }
            }
            _ => {}
        }
    }
    // Oldest findings first; a key's recipients together.
    candidates.sort_by(|&(a, x), &(b, y)| {
        let (ea, eb) = (&ledger.recommendations[a], &ledger.recommendations[b]);
        ea.first_seen
            .cmp(&eb.first_seen)
            .then_with(|| ea.key.cmp(&eb.key))
            .then(x.cmp(&y))
    });
    for (i, j) in candidates {
        let (e, d) = at(ledger, i, j);
        if !configured(d.recipient.method) {
            out.unconfigured
                .push(line(e, d, not_configured(d.recipient.method)));
            continue;
        }
        if out.due.len() >= limits.max_per_run {
            out.held.push(line(
                e,
                d,
                format!(
                    "held back: this run reached max_per_run = {}; the next run sends it",
                    limits.max_per_run
                ),
            ));
            continue;
        }
        let count = per_contact.entry(contact_key(d)).or_default();
        if *count >= limits.max_per_contact_per_day {
            out.held.push(line(
                e,
                d,
                format!(
                    "held back: {} received {} messages in 24 hours (max_per_contact_per_day = {})",
                    d.recipient.address, count, limits.max_per_contact_per_day
                ),
            ));
            continue;
        }
        *count += 1;
        out.due.push((i, j));
    }
    out
}

fn contact_key(d: &Delivery) -> (Method, String) {
    (
        d.recipient.method,
        d.recipient.address.trim().to_ascii_lowercase(),
    )
}

fn slots(ledger: &Ledger) -> impl Iterator<Item = (usize, usize)> + '_ {
    ledger
        .recommendations
        .iter()
        .enumerate()
        .flat_map(|(i, e)| (0..e.recipients.len()).map(move |j| (i, j)))
}

fn at(ledger: &Ledger, i: usize, j: usize) -> (&Entry, &Delivery) {
    let e = &ledger.recommendations[i];
    (e, &e.recipients[j])
}

fn line(e: &Entry, d: &Delivery, detail: String) -> Line {
    Line {
        key: e.key.clone(),
        title: e.title.clone(),
        contact: d.recipient.contact.clone(),
        method: d.recipient.method,
        address: d.recipient.address.clone(),
        cc: d.recipient.cc.clone(),
        file: d.file.clone(),
        detail,
        followup: d.followup,
    }
}

/// The message as the transport gets it: its outbox file's text.
fn outgoing(
    dir: &std::path::Path,
    e: &Entry,
    d: &Delivery,
) -> std::result::Result<Outgoing, String> {
    let path = dir.join(&d.file);
    let text = std::fs::read_to_string(&path).map_err(|err| {
        format!(
            "cannot read the message file {}: {err}; `netstack lint --recommend --outbox` writes it again",
            path.display()
        )
    })?;
    Ok(Outgoing {
        key: e.key.clone(),
        site: e.site.clone(),
        title: e.title.clone(),
        recipient: d.recipient.clone(),
        file: d.file.clone(),
        text,
        followup: d.followup,
    })
}

fn mark_sent(d: &mut Delivery, sent: &Sent, now: OffsetDateTime) {
    let s = &mut d.status;
    s.state = State::Sent;
    s.remote_id = sent.remote_id.clone();
    s.remote_url = sent.remote_url.clone();
    s.delivered_at = Some(rfc3339(now));
    s.last_error = None;
    s.next_attempt = None;
    s.permanent = false;
}

/// Record a failure; `true` when the message is given up.
fn mark_failed(d: &mut Delivery, f: &Failure, limits: &Limits, now: OffsetDateTime) -> bool {
    let s = &mut d.status;
    s.state = State::Failed;
    match f {
        Failure::Permanent { message } => {
            s.last_error = Some(message.clone());
            s.permanent = true;
            s.next_attempt = None;
        }
        Failure::Temporary {
            message,
            retry_after,
        } => {
            if s.attempts >= limits.max_attempts {
                s.last_error = Some(format!(
                    "gave up after {} attempts (max_attempts); the last: {message}",
                    s.attempts
                ));
                s.permanent = true;
                s.next_attempt = None;
            } else {
                let wait = backoff(limits, s.attempts).max(retry_after.unwrap_or_default());
                s.last_error = Some(message.clone());
                s.permanent = false;
                s.next_attempt = Some(rfc3339(now + wait));
            }
        }
    }
    s.permanent
}

/// The wait after the `attempts`-th failed attempt: `retry`, doubled each time, at most
/// `max_retry`.
pub fn backoff(limits: &Limits, attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    limits
        .retry
        .saturating_mul(1u32 << doublings)
        .min(limits.max_retry)
}

fn where_(sent: &Sent) -> String {
    match (&sent.remote_url, &sent.remote_id) {
        (Some(u), _) => u.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) => "delivered".into(),
    }
}

fn describe_failure(s: &super::delivery::DeliveryStatus) -> String {
    let err = s.last_error.as_deref().unwrap_or("failed");
    match (&s.next_attempt, s.permanent) {
        (_, true) => format!(
            "{err} (not retried: fix the cause, then run `netstack deliver --retry-failed`)"
        ),
        (Some(t), false) => format!("{err} (attempt {}; next attempt after {t})", s.attempts),
        (None, false) => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;
    use crate::problem::Severity;
    use crate::recommend::FixedClock;
    use crate::recommend::delivery::DeliveryStatus;
    use crate::recommend::outbox::{LEDGER_FILE, atomic_write};
    use crate::recommend::recommendation::Recipient;

    const T0: i64 = 1_760_000_000;

    /// A transport double for the engine's bookkeeping (the real protocols are tested
    /// against real servers in tests/it): answers from a script and records what it saw,
    /// including the ledger on disk at the moment of each send.
    #[derive(Default)]
    struct Script {
        answers: Vec<std::result::Result<Sent, Failure>>,
        reconcile: Option<Reconciled>,
        sent: Vec<String>,
        states_on_disk: Vec<State>,
        dir: std::path::PathBuf,
    }

    struct Fake(Rc<RefCell<Script>>);

    impl crate::recommend::Transport for Fake {
        fn send(&mut self, out: &Outgoing) -> std::result::Result<Sent, Failure> {
            let mut s = self.0.borrow_mut();
            let ledger = crate::recommend::read_ledger(&s.dir).unwrap();
            let d = ledger
                .recommendations
                .iter()
                .flat_map(|e| &e.recipients)
                .find(|d| d.file == out.file)
                .unwrap();
            s.states_on_disk.push(d.status.state);
            s.sent.push(out.file.clone());
            if s.answers.is_empty() {
                Ok(Sent {
                    remote_id: Some(format!("<{}@test>", out.key)),
                    remote_url: None,
                })
            } else {
                s.answers.remove(0)
            }
        }
        fn reconcile(&mut self, _out: &Outgoing) -> std::result::Result<Reconciled, Failure> {
            Ok(self
                .0
                .borrow()
                .reconcile
                .clone()
                .unwrap_or(Reconciled::Unknown))
        }
    }

    fn entry(key: &str, first_seen: i64, recipients: &[(&str, Method, &str)]) -> Entry {
        let t = rfc3339(FixedClock::at(first_seen).now());
        Entry {
            key: key.into(),
            site: "cf".into(),
            reason: "missing-values".into(),
            pattern: None,
            severity: Severity::Warning,
            title: format!("title of {key}"),
            location: None,
            recipients: recipients
                .iter()
                .map(|(contact, method, address)| Delivery {
                    recipient: Recipient {
                        contact: (*contact).into(),
                        method: *method,
                        address: (*address).into(),
                        cc: vec![],
                    },
                    file: format!("{key}.{contact}.txt"),
                    status: DeliveryStatus::default(),
                    followup: None,
                })
                .collect(),
            first_seen: t.clone(),
            last_seen: t,
            times_seen: 1,
            status: Status::Open,
            resolved_at: None,
        }
    }

    fn outbox_with(entries: Vec<Entry>) -> (tempfile::TempDir, Rc<RefCell<Script>>) {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::default();
        for e in entries {
            for d in &e.recipients {
                std::fs::write(dir.path().join(&d.file), format!("message {}", d.file)).unwrap();
            }
            ledger.recommendations.push(e);
        }
        ledger.recommendations.sort_by(|a, b| a.key.cmp(&b.key));
        let text = serde_json::to_string_pretty(&ledger).unwrap();
        atomic_write(&dir.path().join(LEDGER_FILE), text.as_bytes(), None).unwrap();
        let script = Rc::new(RefCell::new(Script {
            dir: dir.path().to_path_buf(),
            ..Script::default()
        }));
        (dir, script)
    }

    fn run_at(
        dir: &std::path::Path,
        script: &Rc<RefCell<Script>>,
        limits: &Limits,
        t: i64,
    ) -> RunReport {
        let mut transports = Transports::new();
        transports.insert(Method::Email, Box::new(Fake(script.clone())));
        let mut outbox = Outbox::open(dir).unwrap();
        deliver(&mut outbox, &mut transports, limits, &FixedClock::at(t)).unwrap()
    }

    fn status(dir: &std::path::Path, file: &str) -> DeliveryStatus {
        crate::recommend::read_ledger(dir)
            .unwrap()
            .recommendations
            .iter()
            .flat_map(|e| &e.recipients)
            .find(|d| d.file == file)
            .unwrap()
            .status
            .clone()
    }

    #[test]
    fn pending_messages_are_sent_once_marked_sending_on_disk_first() {
        let (dir, script) = outbox_with(vec![
            entry("b", T0, &[("ops", Method::Email, "ops@example.org")]),
            entry(
                "a",
                T0 + 10,
                &[
                    ("ops", Method::Email, "ops@example.org"),
                    ("boss", Method::Email, "boss@example.org"),
                ],
            ),
        ]);
        let r = run_at(dir.path(), &script, &Limits::default(), T0 + 100);
        assert_eq!(r.sent.len(), 3);
        assert_eq!(r.exit_code(), 0);
        // Oldest finding first, then the key's recipients in order.
        assert_eq!(
            script.borrow().sent,
            ["b.ops.txt", "a.ops.txt", "a.boss.txt"]
        );
        assert_eq!(script.borrow().states_on_disk, [State::Sending; 3]);
        let s = status(dir.path(), "a.ops.txt");
        assert_eq!(s.state, State::Sent);
        assert_eq!(s.attempts, 1);
        assert_eq!(s.remote_id.as_deref(), Some("<a@test>"));
        assert_eq!(
            s.delivered_at.as_deref(),
            Some(rfc3339(FixedClock::at(T0 + 100).now()).as_str())
        );
        // The next run has nothing to do.
        let r = run_at(dir.path(), &script, &Limits::default(), T0 + 200);
        assert_eq!(r, RunReport::default());
        assert_eq!(script.borrow().sent.len(), 3);
    }

    #[test]
    fn temporary_failures_back_off_and_respect_retry_after_then_give_up() {
        let (dir, script) = outbox_with(vec![entry(
            "a",
            T0,
            &[("ops", Method::Email, "ops@example.org")],
        )]);
        let limits = Limits {
            retry: Duration::from_secs(60),
            max_retry: Duration::from_secs(600),
            max_attempts: 3,
            ..Limits::default()
        };
        script.borrow_mut().answers = vec![
            Err(Failure::temporary("connection refused")),
            Err(Failure::Temporary {
                message: "429".into(),
                retry_after: Some(Duration::from_secs(3600)),
            }),
            Err(Failure::temporary("timed out")),
        ];
        let r = run_at(dir.path(), &script, &limits, T0);
        assert_eq!((r.failed.len(), r.exit_code()), (1, 1));
        assert!(
            r.failed[0].detail.contains("connection refused"),
            "{:?}",
            r.failed
        );
        let s = status(dir.path(), "a.ops.txt");
        assert_eq!(
            (s.state, s.attempts, s.permanent),
            (State::Failed, 1, false)
        );
        assert_eq!(
            s.next_attempt.as_deref(),
            Some(rfc3339(FixedClock::at(T0 + 60).now()).as_str())
        );
        // Not due before its next attempt.
        let r = run_at(dir.path(), &script, &limits, T0 + 59);
        assert_eq!((r.waiting, r.exit_code()), (1, 0));
        assert_eq!(script.borrow().sent.len(), 1);
        // Second failure: the server's Retry-After (1 h) beats the doubled back-off (2 min).
        run_at(dir.path(), &script, &limits, T0 + 60);
        let s = status(dir.path(), "a.ops.txt");
        assert_eq!(
            s.next_attempt.as_deref(),
            Some(rfc3339(FixedClock::at(T0 + 60 + 3600).now()).as_str())
        );
        // Third failure reaches max_attempts: given up, never tried again by itself.
        let r = run_at(dir.path(), &script, &limits, T0 + 60 + 3600);
        assert_eq!(r.gave_up.len(), 1);
        assert!(
            r.gave_up[0].detail.contains("gave up after 3 attempts"),
            "{:?}",
            r.gave_up
        );
        let r = run_at(dir.path(), &script, &limits, T0 + 99_999);
        assert_eq!(r, RunReport::default());
        assert_eq!(script.borrow().sent.len(), 3);
        // Until someone asks.
        let mut o = Outbox::open(dir.path()).unwrap();
        assert_eq!(retry_failed(&mut o), 1);
        o.commit().unwrap();
        let r = run_at(dir.path(), &script, &limits, T0 + 99_999);
        assert_eq!(r.sent.len(), 1);
    }

    #[test]
    fn permanent_failures_stop_at_once() {
        let (dir, script) = outbox_with(vec![entry(
            "a",
            T0,
            &[("ops", Method::Email, "ops@example.org")],
        )]);
        script.borrow_mut().answers = vec![Err(Failure::permanent("550 no such user"))];
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!((r.gave_up.len(), r.exit_code()), (1, 1));
        assert!(r.gave_up[0].detail.contains("550 no such user"));
        let s = status(dir.path(), "a.ops.txt");
        assert!(s.permanent && s.next_attempt.is_none());
        let r = run_at(dir.path(), &script, &Limits::default(), T0 + 10 * 86_400);
        assert_eq!(r, RunReport::default());
    }

    #[test]
    fn caps_hold_messages_back_for_a_later_run() {
        let entries = (0..5)
            .map(|i| {
                entry(
                    &format!("k{i}"),
                    T0 + i,
                    &[
                        ("ops", Method::Email, "ops@example.org"),
                        ("x", Method::Email, &format!("x{i}@example.org")),
                    ],
                )
            })
            .collect();
        let (dir, script) = outbox_with(entries);
        let limits = Limits {
            max_per_run: 5,
            max_per_contact_per_day: 2,
            ..Limits::default()
        };
        let r = run_at(dir.path(), &script, &limits, T0 + 100);
        // ops@ gets 2 (the daily cap holds its third), x0..x2 get theirs, then the run cap.
        assert_eq!(r.sent.len(), 5, "{:?}", r.sent);
        assert_eq!(r.held.len(), 5);
        assert_eq!(r.exit_code(), 0);
        assert!(
            r.held[0].detail.contains("max_per_contact_per_day = 2"),
            "{:?}",
            r.held
        );
        assert_eq!(r.held[0].address, "ops@example.org");
        assert!(
            r.held[1..]
                .iter()
                .all(|l| l.detail.contains("max_per_run = 5"))
        );
        // Later that day ops@ is still capped, the others go out.
        let r = run_at(dir.path(), &script, &limits, T0 + 200);
        assert_eq!(r.sent.len(), 2);
        assert!(r.sent.iter().all(|l| l.address != "ops@example.org"));
        assert_eq!(r.held.len(), 3);
        // A day later ops@ gets two more.
        let r = run_at(dir.path(), &script, &limits, T0 + 100 + 86_400 + 1);
        assert_eq!((r.sent.len(), r.held.len()), (2, 1));
    }

    #[test]
    fn a_crashed_send_is_reconciled_before_anything_else() {
        let mut a = entry("a", T0, &[("ops", Method::Email, "ops@example.org")]);
        a.recipients[0].status.state = State::Sending;
        a.recipients[0].status.attempts = 1;
        let mut b = entry("b", T0, &[("ops", Method::Email, "ops@example.org")]);
        b.recipients[0].status.state = State::Sending;
        let (dir, script) = outbox_with(vec![a.clone()]);
        script.borrow_mut().reconcile = Some(Reconciled::Delivered(Sent {
            remote_id: Some("7".into()),
            remote_url: Some("https://forge.example/o/r/issues/7".into()),
        }));
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!(r.reconciled.len(), 1);
        assert!(r.sent.is_empty() && script.borrow().sent.is_empty());
        let s = status(dir.path(), "a.ops.txt");
        assert_eq!(s.state, State::Sent);
        assert_eq!(
            s.remote_url.as_deref(),
            Some("https://forge.example/o/r/issues/7")
        );
        // Unknown (e-mail): sent again, at least once.
        let (dir, script) = outbox_with(vec![b]);
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!((r.reconciled.len(), r.sent.len()), (1, 1));
        assert!(r.reconciled[0].detail.contains("at least once"));
    }

    #[test]
    fn methods_without_a_transport_wait_and_say_what_to_configure() {
        let (dir, script) = outbox_with(vec![entry(
            "a",
            T0,
            &[
                ("ops", Method::Email, "ops@example.org"),
                ("t", Method::Issue, "https://github.com/o/r"),
            ],
        )]);
        // A dry run says the same and changes nothing.
        let before = std::fs::read(dir.path().join(LEDGER_FILE)).unwrap();
        let ledger = crate::recommend::read_ledger(dir.path()).unwrap();
        let now = FixedClock::at(T0).now();
        let dry = dry_run(&ledger, &|m| m == Method::Email, &Limits::default(), now);
        assert_eq!(
            (dry.sent.len(), dry.unconfigured.len(), dry.exit_code()),
            (1, 1, 2)
        );
        let dry = dry_run(&ledger, &|_| false, &Limits::default(), now);
        assert!(
            dry.unconfigured
                .iter()
                .any(|l| l.detail.contains("[deliver.smtp]"))
        );
        assert_eq!(std::fs::read(dir.path().join(LEDGER_FILE)).unwrap(), before);
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!(
            (r.sent.len(), r.unconfigured.len(), r.exit_code()),
            (1, 1, 2)
        );
        assert!(r.unconfigured[0].detail.contains("cannot deliver to issue"));
        assert_eq!(status(dir.path(), "a.t.txt").state, State::Pending);
    }

    #[test]
    fn resolved_recommendations_are_not_sent() {
        let mut a = entry("a", T0, &[("ops", Method::Email, "ops@example.org")]);
        a.status = Status::Resolved;
        let (dir, script) = outbox_with(vec![a]);
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!(r, RunReport::default());
    }

    #[test]
    fn a_missing_message_file_is_a_retried_failure_naming_it() {
        let (dir, script) = outbox_with(vec![entry(
            "a",
            T0,
            &[("ops", Method::Email, "ops@example.org")],
        )]);
        std::fs::remove_file(dir.path().join("a.ops.txt")).unwrap();
        let r = run_at(dir.path(), &script, &Limits::default(), T0);
        assert_eq!(r.failed.len(), 1);
        assert!(r.failed[0].detail.contains("a.ops.txt"), "{:?}", r.failed);
        assert!(script.borrow().sent.is_empty());
    }

    #[test]
    fn the_journal_is_read_with_the_ledger_survives_a_torn_line_and_is_folded_on_open() {
        use crate::recommend::outbox::JOURNAL_FILE;
        let (dir, _script) = outbox_with(vec![
            entry("a", T0, &[("ops", Method::Email, "ops@example.org")]),
            entry("b", T0, &[("ops", Method::Email, "ops@example.org")]),
        ]);
        let before = std::fs::read(dir.path().join(LEDGER_FILE)).unwrap();
        {
            let mut o = Outbox::open(dir.path()).unwrap();
            let d = &mut o.ledger_mut().recommendations[0].recipients[0];
            d.status.state = State::Sent;
            d.status.delivered_at = Some("2025-10-14T09:30:00Z".into());
            o.journal(0, 0).unwrap();
            // Dropped without saving, as a killed run would leave it.
        }
        assert_eq!(std::fs::read(dir.path().join(LEDGER_FILE)).unwrap(), before);
        assert_eq!(status(dir.path(), "a.ops.txt").state, State::Sent);
        // A torn last line (a crash mid-append) is ignored.
        let journal = dir.path().join(JOURNAL_FILE);
        let good = std::fs::read_to_string(&journal).unwrap();
        std::fs::write(&journal, format!("{good}{{\"key\":\"b\",\"fi")).unwrap();
        assert_eq!(status(dir.path(), "a.ops.txt").state, State::Sent);
        assert_eq!(status(dir.path(), "b.ops.txt").state, State::Pending);
        // A damaged line before others is an error naming the journal and the line.
        std::fs::write(&journal, format!("not json\n{good}")).unwrap();
        let e = crate::recommend::read_ledger(dir.path())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ledger.journal:1") && e.contains("damaged journal line"),
            "{e}"
        );
        // Opening the outbox folds the journal into ledger.json.
        std::fs::write(&journal, &good).unwrap();
        drop(Outbox::open(dir.path()).unwrap());
        assert!(!journal.exists());
        let ledger: Ledger =
            serde_json::from_slice(&std::fs::read(dir.path().join(LEDGER_FILE)).unwrap()).unwrap();
        assert_eq!(
            ledger.recommendations[0].recipients[0].status.state,
            State::Sent
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let l = Limits {
            retry: Duration::from_secs(10),
            max_retry: Duration::from_secs(70),
            ..Limits::default()
        };
        let waits: Vec<u64> = (1..=5).map(|a| backoff(&l, a).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 70, 70]);
        assert_eq!(backoff(&l, u32::MAX).as_secs(), 70);
    }
}
