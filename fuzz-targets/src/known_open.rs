//! Inputs known to break a target on this branch whose fix lives on another branch of
//! issue 15. Both drivers skip them so fuzzing keeps finding *new* failures meanwhile.
//!
//! Delete an entry (and its matcher) as soon as its fix is merged: the list must end empty,
//! and the corpus keeps the hostile seeds, so from then on both drivers run them.

use crate::Target;

/// A class of inputs that is a known, open failure of some targets.
pub struct KnownOpen {
    pub targets: &'static [Target],
    /// The issue row and the branch that fixes it.
    pub reason: &'static str,
    /// Does an input belong to the class? Matches on content, so that libFuzzer's mutants
    /// of a hostile seed are skipped too.
    pub matches: fn(&[u8]) -> bool,
}

/// Known open failures. Delete each entry once its fix is merged.
pub const KNOWN_OPEN: &[KnownOpen] = &[];

/// Why `data` is skipped for `target`, if it is a known open failure.
pub fn known_open(target: Target, data: &[u8]) -> Option<&'static str> {
    KNOWN_OPEN
        .iter()
        .find(|k| k.targets.contains(&target) && (k.matches)(data))
        .map(|k| k.reason)
}
