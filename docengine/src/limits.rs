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

/// Side files read for settings (`CNAME`, `mkdocs.yml`, git's `config`): larger ones are
/// ignored, not read (`source::read_side_file`).
pub const MAX_SIDE_FILE_BYTES: u64 = 1024 * 1024;

// ---- parsing (front matter, markdown, contracts) -------------------------------------------

// ---- rendering (doc → HTML) ----------------------------------------------------------------

// ---- search (queries, offsets, limits) -----------------------------------------------------

/// Most hits one search may return (`netstack search --limit`, [`crate::SearchIndex::search`]).
/// Tantivy sizes its top-docs collector by `offset + limit` up front, so both are bounded
/// before a query reaches it: a larger value is refused with a message, never allocated.
pub const MAX_SEARCH_LIMIT: usize = 1_000;

/// Most hits a search may skip (`--offset`, `offset=`, and `page=` of the search page). Paging
/// deeper than this is never useful to a person and costs a collector of this size.
pub const MAX_SEARCH_OFFSET: usize = 10_000;

/// Most hits one `GET /api/search` call may return (`limit=`); a larger `limit` is a `400`.
pub const MAX_API_LIMIT: usize = 100;

/// Longest search query, in bytes (UTF-8). A longer one is refused, not truncated, so no
/// result ever silently ignores part of what was asked.
pub const MAX_QUERY_BYTES: usize = 1_024;

/// Most words and phrases in one search query: each one costs a dictionary scan (prefix
/// expansion, typo correction) and a clause of the query.
pub const MAX_QUERY_WORDS: usize = 32;

// ---- the HTTP server -----------------------------------------------------------------------
