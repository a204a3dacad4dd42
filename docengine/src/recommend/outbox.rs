//! The outbox: a folder with one file per recommendation message (in its recipient's format)
//! and `ledger.json`, the record of every recommendation ever made: key, site, recipients and
//! their files, first and last sighting, how often it was seen, open or resolved.
//!
//! Re-running is idempotent: the same recommendation (same dedup key) updates its entry
//! instead of adding one, and its files are re-rendered dated by the first sighting, so they
//! come out byte-identical and are not rewritten. A recommendation whose finding is gone is
//! marked `resolved` (and re-opened if it comes back). Every write is atomic (temp file,
//! fsync, rename, fsync of the folder), and the ledger is written last, so a run killed at any
//! point leaves the previous ledger intact; files of the interrupted run are simply rendered
//! again by the next one. A lock file (`.netstack.lock`, released by the OS when a run ends
//! or dies) makes concurrent runs on one outbox take turns instead of losing updates.
//!
//! Each recipient's entry also carries its delivery record ([`DeliveryStatus`]: pending,
//! sending, sent, failed); recording a recommendation again keeps it, so a message is never
//! sent twice because it was re-seen. `netstack deliver` records each change of a delivery
//! record durably before going on, by appending one line to `ledger.journal` (fsync) rather
//! than rewriting the whole ledger: the journal is part of the ledger. Whoever reads the ledger
//! applies the journal's lines in order (each holds a message's whole record, so applying one
//! twice changes nothing; a torn last line from a crash is ignored), and a run folds it into
//! `ledger.json` (written first, journal removed after) when it opens the outbox and when it
//! ends.
//!
//! One concern: the outbox's files, ledger and journal are one store whose writes keep one
//! set of crash-safety invariants (lock, durable journal lines, atomic rewrite), so they stay
//! together in one file despite its length.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::problem::Severity;

use super::clock::{parse_rfc3339, rfc3339};
use super::delivery::{DeliveryStatus, State};
use super::followup::{Kind as FollowUpKind, Note};
use super::key::MANUAL;
use super::message::{Envelope, messages};
use super::recommendation::{Recipient, Recommendation};

/// The ledger's file name inside the outbox folder.
pub const LEDGER_FILE: &str = "ledger.json";
/// The ledger's journal of delivery records written since `ledger.json` (see the module doc).
pub const JOURNAL_FILE: &str = "ledger.journal";
/// The ledger format version this build writes (and reads, besides [`LEDGER_VERSION_1`]).
/// Version 2 added the delivery record of each recipient; a netstack that reads only
/// version 1 refuses it instead of dropping those records (and sending everything again).
pub const LEDGER_VERSION: u32 = 2;
/// Ledgers written before delivery existed: read as if nothing had been sent.
pub const LEDGER_VERSION_1: u32 = 1;
/// Environment variable naming a failure point (tests simulate a crash with it).
pub const FAILPOINT_ENV: &str = "NETSTACK_FAILPOINT";
/// The failure point between writing the new ledger to its temp file and the rename.
pub const FAILPOINT_LEDGER_RENAME: &str = "outbox-ledger-before-rename";

const TEMP_PREFIX: &str = ".netstack-tmp-";
/// Lock file: one run at a time per outbox.
pub const LOCK_FILE: &str = ".netstack.lock";

/// `ledger.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    pub version: u32,
    /// Sorted by key.
    pub recommendations: Vec<Entry>,
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            version: LEDGER_VERSION,
            recommendations: Vec::new(),
        }
    }
}

/// Whether a recommendation still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Resolved,
}

/// One recommendation in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub key: String,
    pub site: String,
    /// Lint rule id or `manual`.
    pub reason: String,
    pub pattern: Option<String>,
    pub severity: Severity,
    pub title: String,
    /// `docs/backup.md:12-30`, if the recommendation is about one doc.
    pub location: Option<String>,
    /// Who it goes to, each with the file (relative to the outbox) of their message.
    pub recipients: Vec<Delivery>,
    /// RFC 3339 UTC.
    pub first_seen: String,
    pub last_seen: String,
    pub times_seen: u64,
    pub status: Status,
    /// When it was last marked resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
}

/// One recipient of a recommendation and its message file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(flatten)]
    pub recipient: Recipient,
    /// Message file, relative to the outbox folder.
    pub file: String,
    /// Where the message stands on its way to the recipient.
    #[serde(flatten)]
    pub status: DeliveryStatus,
    /// Set on a follow-up (resolved / reopened note threaded with the original e-mail): sent
    /// after the messages to the same contact listed before it, even once resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup: Option<FollowUpKind>,
}

/// What a run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Keys seen for the first time.
    pub new: Vec<String>,
    /// Keys seen before and still open.
    pub seen_again: Vec<String>,
    /// Keys that were resolved and are back.
    pub reopened: Vec<String>,
    /// Keys marked resolved by this run.
    pub resolved: Vec<String>,
    /// Files (relative to the outbox) written because they were new or changed.
    pub written: Vec<String>,
    /// Files removed because their recipient no longer receives the recommendation.
    pub removed: Vec<String>,
}

/// An outbox folder opened for one run.
#[derive(Debug)]
pub struct Outbox {
    dir: PathBuf,
    /// Held (exclusively locked) until the run ends; the OS releases it if the process dies.
    _lock: std::fs::File,
    /// `ledger.journal`, open for appending once this run wrote to it.
    journal: Option<std::fs::File>,
    ledger: Ledger,
    seen_this_run: BTreeSet<String>,
    report: Report,
}

impl Outbox {
    /// Open (creating the folder if needed) and read the ledger. Temp files left by an
    /// interrupted run are removed.
    pub fn open(dir: &Path) -> Result<Outbox> {
        std::fs::create_dir_all(dir).map_err(|e| Error::Outbox {
            path: dir.to_path_buf(),
            message: format!("cannot create the outbox folder: {e}"),
        })?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| cannot_write(&lock_path, "cannot create or write the lock file", &e))?;
        // Called through the trait: `File::try_lock` of std is newer than our MSRV.
        match fs4::FileExt::try_lock(&lock) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                // Another run holds the outbox: wait for it rather than lose its updates.
                fs4::FileExt::lock(&lock)
                    .map_err(|e| cannot_write(&lock_path, "cannot lock the lock file", &e))?;
            }
            Err(fs4::TryLockError::Error(e)) => {
                return Err(cannot_write(&lock_path, "cannot lock the lock file", &e));
            }
        }
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let ledger = read_ledger(dir)?;
        if dir.join(JOURNAL_FILE).exists() {
            // Fold what an earlier run journaled into ledger.json, then start a new journal.
            let mut text = serde_json::to_string_pretty(&ledger).expect("ledger serializes");
            text.push('\n');
            atomic_write(&dir.join(LEDGER_FILE), text.as_bytes(), None)?;
            remove_journal(dir)?;
        }
        Ok(Outbox {
            dir: dir.to_path_buf(),
            _lock: lock,
            ledger,
            journal: None,
            seen_this_run: BTreeSet::new(),
            report: Report::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Record recommendations seen now: new keys get an entry, known ones are updated
    /// (`last_seen`, `times_seen`, re-opened if resolved). Each message file is rendered in
    /// its recipient's format, dated by the first sighting, and written only if it changed.
    /// A key recorded twice in one run counts once.
    pub fn record(
        &mut self,
        recs: &[Recommendation],
        env: &Envelope,
        now: OffsetDateTime,
    ) -> Result<()> {
        let now_s = rfc3339(now);
        let mut pending: Vec<(String, String)> = Vec::new();
        for rec in recs {
            if !self.seen_this_run.insert(rec.key.clone()) {
                continue;
            }
            let pos = self
                .ledger
                .recommendations
                .binary_search_by(|e| e.key.as_str().cmp(&rec.key));
            let first_seen = match pos {
                Ok(i) => self.ledger.recommendations[i].first_seen.clone(),
                Err(_) => now_s.clone(),
            };
            let date = parse_rfc3339(&first_seen).unwrap_or(now);
            let msgs = messages(rec, None, &env.dated(date))?;
            let mut deliveries = Vec::new();
            for m in &msgs {
                pending.push((m.file_name.clone(), m.text.clone()));
                if let Some(r) = &m.recipient {
                    deliveries.push(Delivery {
                        recipient: r.clone(),
                        file: m.file_name.clone(),
                        status: DeliveryStatus::default(),
                        followup: None,
                    });
                }
            }
            let location = rec.location.as_ref().map(|l| l.display());
            match pos {
                Ok(i) => {
                    let e = &mut self.ledger.recommendations[i];
                    // A message keeps its delivery record (same file: same recipient), and the
                    // follow-ups stay, after the messages.
                    for d in &mut deliveries {
                        if let Some(old) = e.recipients.iter().find(|o| o.file == d.file) {
                            d.status = old.status.clone();
                        }
                    }
                    deliveries.extend(
                        e.recipients
                            .iter()
                            .filter(|o| o.followup.is_some())
                            .cloned(),
                    );
                    let new_files: BTreeSet<&str> =
                        deliveries.iter().map(|d| d.file.as_str()).collect();
                    for old in &e.recipients {
                        if !new_files.contains(old.file.as_str()) {
                            let p = self.dir.join(&old.file);
                            if p.exists() {
                                std::fs::remove_file(&p).map_err(|err| {
                                    cannot_write(&p, "cannot remove an outdated message", &err)
                                })?;
                                self.report.removed.push(old.file.clone());
                            }
                        }
                    }
                    let reopened = e.status == Status::Resolved;
                    if reopened {
                        self.report.reopened.push(rec.key.clone());
                    } else {
                        self.report.seen_again.push(rec.key.clone());
                    }
                    e.status = Status::Open;
                    e.last_seen = now_s.clone();
                    e.times_seen = e.times_seen.saturating_add(1);
                    e.recipients = deliveries;
                    if reopened {
                        let (files, removed) =
                            follow_up(e, FollowUpKind::Reopened, now, &env.from)?;
                        pending.extend(files);
                        for f in removed {
                            remove_message(&self.dir, &f)?;
                            self.report.removed.push(f);
                        }
                    }
                    e.severity = rec.severity;
                    e.title = rec.title.clone();
                    e.location = location;
                }
                Err(i) => {
                    self.report.new.push(rec.key.clone());
                    self.ledger.recommendations.insert(
                        i,
                        Entry {
                            key: rec.key.clone(),
                            site: rec.site.name.clone(),
                            reason: rec.reason.clone(),
                            pattern: rec.pattern.as_ref().map(|p| p.id.clone()),
                            severity: rec.severity,
                            title: rec.title.clone(),
                            location,
                            recipients: deliveries,
                            first_seen: now_s.clone(),
                            last_seen: now_s.clone(),
                            times_seen: 1,
                            status: Status::Open,
                            resolved_at: None,
                        },
                    );
                }
            }
        }
        self.write_files(pending)
    }

    /// Write the files whose content changed, several at a time: each write ends in an
    /// fsync, which waits on the disk, not the CPU.
    fn write_files(&mut self, files: Vec<(String, String)>) -> Result<()> {
        const WORKERS: usize = 8;
        let dir = &self.dir;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Result<Vec<String>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..WORKERS.min(files.len()))
                .map(|_| {
                    scope.spawn(|| -> Result<Vec<String>> {
                        let mut written = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some((rel, text)) = files.get(i) else {
                                return Ok(written);
                            };
                            let path = dir.join(rel);
                            if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
                                write_renamed(&path, text.as_bytes(), None)?;
                                written.push(rel.clone());
                            }
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("outbox writer thread"))
                .collect()
        });
        let mut written = Vec::new();
        for r in results {
            written.extend(r?);
        }
        written.sort();
        self.report.written.extend(written);
        Ok(())
    }

    /// Keys still present this run that are not recorded (findings silenced by a lint
    /// baseline): they are neither counted as seen nor resolved.
    pub fn keep(&mut self, keys: impl IntoIterator<Item = String>) {
        self.seen_this_run.extend(keys);
    }

    /// Mark resolved every open lint recommendation of these sites that this run did not
    /// record (its finding is gone), with a follow-up for each e-mail recipient who got the
    /// recommendation ([`super::followup`]), dated and sent as `env` says. Hand-made
    /// (`manual`) recommendations are never resolved this way.
    pub fn resolve_absent(&mut self, sites: &[String], env: &Envelope) -> Result<()> {
        let sites: BTreeSet<&str> = sites.iter().map(String::as_str).collect();
        let now = env.date;
        let now_s = rfc3339(now);
        let mut files = Vec::new();
        let mut removed = Vec::new();
        for e in &mut self.ledger.recommendations {
            if e.status == Status::Open
                && e.reason != MANUAL
                && sites.contains(e.site.as_str())
                && !self.seen_this_run.contains(&e.key)
            {
                e.status = Status::Resolved;
                e.resolved_at = Some(now_s.clone());
                self.report.resolved.push(e.key.clone());
                let (f, r) = follow_up(e, FollowUpKind::Resolved, now, &env.from)?;
                files.extend(f);
                removed.extend(r);
            }
        }
        for f in removed {
            remove_message(&self.dir, &f)?;
            self.report.removed.push(f);
        }
        self.write_files(files)
    }

    /// The ledger for a delivery run to update (followed by [`Outbox::save`]).
    pub(crate) fn ledger_mut(&mut self) -> &mut Ledger {
        &mut self.ledger
    }

    /// Write the ledger (atomically and durably) now, keeping the outbox open: a delivery run
    /// saves before and after each network call.
    pub fn save(&mut self) -> Result<()> {
        let mut text = serde_json::to_string_pretty(&self.ledger).expect("ledger serializes");
        text.push('\n');
        // The message files' renames reach the disk before the ledger that lists them.
        if !self.report.written.is_empty() || !self.report.removed.is_empty() {
            sync_dir(&self.dir);
        }
        let path = self.dir.join(LEDGER_FILE);
        let current = std::fs::read(&path).ok();
        if current.as_deref() != Some(text.as_bytes()) {
            atomic_write(&path, text.as_bytes(), Some(FAILPOINT_LEDGER_RENAME))?;
        }
        // Everything journaled is in ledger.json now.
        if self.journal.take().is_some() {
            remove_journal(&self.dir)?;
        }
        Ok(())
    }

    /// Record the delivery record of recipient `j` of entry `i` durably: one line appended to
    /// `ledger.journal` and fsynced (a delivery run does this around every network call).
    pub(crate) fn journal(&mut self, i: usize, j: usize) -> Result<()> {
        let e = &self.ledger.recommendations[i];
        let d = &e.recipients[j];
        let mut line = serde_json::to_string(&JournalLine {
            key: e.key.clone(),
            file: d.file.clone(),
            status: d.status.clone(),
        })
        .expect("journal line serializes");
        line.push('\n');
        let path = self.dir.join(JOURNAL_FILE);
        if self.journal.is_none() {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| cannot_write(&path, "cannot open the ledger journal", &e))?;
            // The journal's name reaches the disk before anything depends on it.
            sync_dir(&self.dir);
            self.journal = Some(f);
        }
        let f = self.journal.as_mut().expect("journal open");
        f.write_all(line.as_bytes())
            .and_then(|()| f.sync_data())
            .map_err(|e| cannot_write(&path, "cannot append to the ledger journal", &e))
    }

    /// Write the ledger (atomically) and return what this run changed.
    pub fn commit(mut self) -> Result<Report> {
        self.save()?;
        Ok(self.report)
    }
}

/// Read an outbox's ledger without taking its lock or changing anything (listings and
/// `deliver --dry-run`, which must not wait for a running delivery). A missing ledger is an
/// empty one.
pub fn read_ledger(dir: &Path) -> Result<Ledger> {
    let path = dir.join(LEDGER_FILE);
    let mut ledger = match std::fs::read(&path) {
        Ok(bytes) => {
            parse_ledger(&bytes).map_err(|(line, message)| ledger_error(&path, line, message))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ledger::default(),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let journal = dir.join(JOURNAL_FILE);
    match std::fs::read(&journal) {
        Ok(bytes) => apply_journal(&mut ledger, &bytes)
            .map_err(|(line, message)| ledger_error(&journal, Some(line), message))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&journal, e)),
    }
    Ok(ledger)
}

/// One line of `ledger.journal`: a message's whole delivery record.
#[derive(Serialize, Deserialize)]
struct JournalLine {
    key: String,
    file: String,
    #[serde(flatten)]
    status: DeliveryStatus,
}

/// Apply journal lines in order. A last line without its newline is a write a crash cut
/// short (the run stopped there: nothing was sent on its strength) and is ignored; any other
/// unreadable line is an error with its line number. Lines about messages no longer in the
/// ledger are skipped.
fn apply_journal(ledger: &mut Ledger, bytes: &[u8]) -> std::result::Result<(), (usize, String)> {
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..=end],
        None => return Ok(()),
    };
    for (n, line) in complete.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let j: JournalLine = serde_json::from_slice(line).map_err(|e| {
            (
                n + 1,
                format!("damaged journal line ({e}): fix or delete that line (the message's delivery record then falls back to ledger.json)"),
            )
        })?;
        for (field, value) in [
            ("next_attempt", j.status.next_attempt.as_ref()),
            ("delivered_at", j.status.delivered_at.as_ref()),
        ] {
            if let Some(v) = value
                && parse_rfc3339(v).is_none()
            {
                return Err((
                    n + 1,
                    format!("`{field}` is {v:?}, not an RFC 3339 time: fix or delete that line"),
                ));
            }
        }
        if let Ok(i) = ledger
            .recommendations
            .binary_search_by(|e| e.key.as_str().cmp(&j.key))
            && let Some(d) = ledger.recommendations[i]
                .recipients
                .iter_mut()
                .find(|d| d.file == j.file)
        {
            d.status = j.status;
        }
    }
    Ok(())
}

/// Remove `ledger.journal` (once ledger.json holds all of it) and make that durable.
fn remove_journal(dir: &Path) -> Result<()> {
    let path = dir.join(JOURNAL_FILE);
    match std::fs::remove_file(&path) {
        Ok(()) => {
            sync_dir(dir);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(cannot_write(&path, "cannot remove the ledger journal", &e)),
    }
}

fn ledger_error(path: &Path, line: Option<usize>, message: String) -> Error {
    match line {
        Some(line) => Error::Config {
            path: path.to_path_buf(),
            line: Some(line),
            message,
        },
        None => Error::Outbox {
            path: path.to_path_buf(),
            message,
        },
    }
}

/// Crash here when the failure-point variable names `point` (tests of crash safety: the
/// value must match exactly, so it cannot be hit by accident).
pub(crate) fn failpoint(point: &str) {
    if std::env::var(FAILPOINT_ENV).is_ok_and(|v| v == point) {
        std::process::abort();
    }
}

/// Add a follow-up of `kind` for every e-mail recipient of `e` whose last message to them was
/// delivered; a follow-up of the other kind still waiting to go out is withdrawn instead (a
/// finding that is resolved and back before anyone was told needs no note). Returns the files
/// to write and the files to remove.
#[allow(clippy::type_complexity)]
fn follow_up(
    e: &mut Entry,
    kind: FollowUpKind,
    at: OffsetDateTime,
    from: &str,
) -> Result<(Vec<(String, String)>, Vec<String>)> {
    let mut files = Vec::new();
    let mut removed = Vec::new();
    let contacts: Vec<String> = e
        .recipients
        .iter()
        .filter(|d| d.followup.is_none() && d.recipient.method == crate::contract::Method::Email)
        .map(|d| d.recipient.contact.clone())
        .collect();
    for contact in contacts {
        let last = e.recipients.iter().rposition(|d| {
            d.recipient.contact == contact && d.recipient.method == crate::contract::Method::Email
        });
        let Some(last) = last else { continue };
        let d = &e.recipients[last];
        if d.followup.is_some_and(|k| k != kind)
            && matches!(d.status.state, State::Pending | State::Failed)
        {
            removed.push(e.recipients.remove(last).file);
            continue;
        }
        if d.status.state != State::Sent || d.followup == Some(kind) {
            continue;
        }
        let n = e
            .recipients
            .iter()
            .filter(|d| d.recipient.contact == contact && d.followup == Some(kind))
            .count()
            + 1;
        let d = &e.recipients[last];
        let note = Note {
            key: &e.key,
            site: &e.site,
            title: &e.title,
            contact: &contact,
            address: &d.recipient.address,
            cc: &d.recipient.cc,
            first_seen: &e.first_seen,
            kind,
            n,
            at,
            from,
        };
        let file = note.file_name();
        let text = note.email()?;
        let recipient = d.recipient.clone();
        e.recipients.push(Delivery {
            recipient,
            file: file.clone(),
            status: DeliveryStatus::default(),
            followup: Some(kind),
        });
        files.push((file, text));
    }
    Ok((files, removed))
}

/// Remove a message file of the outbox (a withdrawn follow-up).
fn remove_message(dir: &Path, file: &str) -> Result<()> {
    let p = dir.join(file);
    match std::fs::remove_file(&p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(cannot_write(&p, "cannot remove a withdrawn follow-up", &e)),
    }
}

/// A write error naming the file, what failed and what to do (never "cannot read").
fn cannot_write(path: &Path, what: &str, e: &std::io::Error) -> Error {
    let fix = match e.kind() {
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            "make the outbox folder writable for this user, or pass another --outbox folder"
        }
        _ => "check the outbox folder, or pass another --outbox folder",
    };
    Error::Outbox {
        path: path.to_path_buf(),
        message: format!("{what}: {e}; {fix}"),
    }
}

/// The 1-based line of the first `"key": "value"` pair in a JSON text (for messages).
fn json_line(text: &str, key: &str, value: &str) -> Option<usize> {
    let key = format!("\"{key}\"");
    let value = serde_json::to_string(value).ok()?;
    text.lines()
        .position(|l| l.contains(&key) && l.contains(&value))
        .map(|i| i + 1)
}

/// Why a ledger cannot be used: the line (when known) and the message.
type LedgerError = (Option<usize>, String);

fn parse_ledger(bytes: &[u8]) -> std::result::Result<Ledger, LedgerError> {
    parse_ledger_text(bytes).map_err(|e| (None, e)).and_then(|ledger| {
        let text = String::from_utf8_lossy(bytes);
        for e in &ledger.recommendations {
            let times = [
                ("first_seen", Some(&e.first_seen)),
                ("last_seen", Some(&e.last_seen)),
                ("resolved_at", e.resolved_at.as_ref()),
            ];
            let delivery_times = e.recipients.iter().flat_map(|d| {
                [
                    ("next_attempt", d.status.next_attempt.as_ref()),
                    ("delivered_at", d.status.delivered_at.as_ref()),
                ]
            });
            let times = times.into_iter().chain(delivery_times);
            for (field, value) in times {
                if let Some(v) = value
                    && parse_rfc3339(v).is_none()
                {
                    return Err((
                        json_line(&text, field, v),
                        format!(
                            "`{field}` of `{}` is {v:?}, not an RFC 3339 time (like 2026-01-31T12:00:00Z): fix that entry or move the ledger aside",
                            e.key
                        ),
                    ));
                }
            }
        }
        Ok(ledger)
    })
}

fn parse_ledger_text(bytes: &[u8]) -> std::result::Result<Ledger, String> {
    #[derive(Deserialize)]
    struct Head {
        version: Option<u32>,
    }
    let head: Head = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "not a readable netstack ledger ({e}); netstack never overwrites a ledger it cannot read: move it aside and run again to start a new one"
        )
    })?;
    match head.version {
        Some(LEDGER_VERSION | LEDGER_VERSION_1) => {}
        Some(v) => {
            return Err(format!(
                "ledger version {v} is not supported by this netstack (it reads versions {LEDGER_VERSION_1} and {LEDGER_VERSION}): use a matching netstack or another outbox folder"
            ));
        }
        None => {
            return Err("not a netstack ledger (no `version`): use another outbox folder".into());
        }
    }
    let mut ledger: Ledger = serde_json::from_slice(bytes).map_err(|e| {
        format!("the ledger is damaged ({e}): fix that entry or move the file aside")
    })?;
    // A version 1 ledger knew no delivery: every message reads as pending.
    ledger.version = LEDGER_VERSION;
    ledger.recommendations.sort_by(|a, b| a.key.cmp(&b.key));
    let mut seen = BTreeMap::new();
    for e in &ledger.recommendations {
        if seen.insert(e.key.clone(), ()).is_some() {
            return Err(format!(
                "the ledger lists `{}` twice: remove one of the entries",
                e.key
            ));
        }
    }
    Ok(ledger)
}

/// Write a file so that readers see the old or the new content, never a mix: a temp file in
/// the same folder, fsync, rename over the target, fsync of the folder. `failpoint` names the
/// spot between the temp file and the rename where tests crash the process on purpose.
pub fn atomic_write(path: &Path, bytes: &[u8], failpoint: Option<&str>) -> Result<()> {
    write_renamed(path, bytes, failpoint)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// [`atomic_write`] without the folder fsync (the caller syncs the folder once for a batch).
fn write_renamed(path: &Path, bytes: &[u8], failpoint: Option<&str>) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!("{TEMP_PREFIX}{}-{name}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if let Some(point) = failpoint {
            // Simulated crash: the new content sits in the temp file, the target is untouched.
            self::failpoint(point);
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cannot_write(path, "cannot write", &e)
    })
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_outbox_holds_the_lock_until_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let o = Outbox::open(dir.path()).unwrap();
        let other = std::fs::File::open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(matches!(
            fs4::FileExt::try_lock(&other),
            Err(fs4::TryLockError::WouldBlock)
        ));
        o.commit().unwrap();
        assert!(fs4::FileExt::try_lock(&other).is_ok());
    }

    #[test]
    fn atomic_write_replaces_whole_files_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        atomic_write(&p, b"old", None).unwrap();
        atomic_write(&p, b"new content", None).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new content");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["f.json"]);
        // A target in a missing folder fails cleanly, naming the file.
        let e = atomic_write(&dir.path().join("nope/f.json"), b"x", None).unwrap_err();
        assert!(e.to_string().contains("nope/f.json"), "{e}");
    }
}
