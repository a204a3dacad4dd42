//! Every limit that bounds what one input (a file, a doc, a query, an HTTP client) can cost,
//! in one place, so the threat model in `docs/security.md` can point at each of them.
//!
//! A limit belongs here when exceeding it is a defence, not a feature: hitting it turns into a
//! problem, a finding, a clamped value or an error, never a crash or a hang. Sections follow
//! the order input travels in: files on disk, parsing, rendering, search, the HTTP server.

// ---- files on disk -------------------------------------------------------------------------

/// Default for `[load] max_file_bytes`: files larger than this are read only up to this many
/// bytes, with a warning.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

// ---- parsing (front matter, markdown, contracts) -------------------------------------------

/// The most path segments a branch or tag name in a forge URL may span
/// (`…/blob/team/a/docs/x.md`): each possible split is one candidate path as long as the URL,
/// so without a bound one long link costs quadratic time and memory (found by fuzzing).
pub const MAX_BRANCH_SEGMENTS: usize = 16;

// ---- rendering (doc → HTML) ----------------------------------------------------------------

// ---- search (queries, offsets, limits) -----------------------------------------------------

// ---- the HTTP server -----------------------------------------------------------------------
