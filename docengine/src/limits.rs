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

/// YAML nodes that aliases (`*name`) may copy into one front matter block, counting every node
/// an alias expands to (an alias of an alias counts in full). An alias bomb (nine levels of
/// `b: &b [*a, *a, …]`) would expand a few hundred bytes into billions of nodes; beyond this
/// bound the block is refused before anything is expanded, as a problem at the alias's line.
pub const MAX_YAML_ALIAS_NODES: u64 = 10_000;

/// Bytes of scalar text that aliases may copy into one front matter block (the same defence
/// as [`MAX_YAML_ALIAS_NODES`] against one long string repeated by many aliases).
pub const MAX_YAML_ALIAS_BYTES: u64 = 1024 * 1024;

/// The most path segments a branch or tag name in a forge URL may span
/// (`…/blob/team/a/docs/x.md`): each possible split is one candidate path as long as the URL,
/// so without a bound one long link costs quadratic time and memory (found by fuzzing).
pub const MAX_BRANCH_SEGMENTS: usize = 16;

// ---- rendering (doc → HTML) ----------------------------------------------------------------

/// Markdown containers (block quotes, lists, list items, emphasis and other inline spans,
/// footnotes) one inside the other that a rendered page keeps; deeper levels are flattened
/// into their parent's text. The HTML sanitizer's tree builder does work proportional to the
/// depth of the open elements for every element it opens, so unbounded depth made rendering
/// quadratic (100 KB of `>` never finished); bounded depth keeps it linear.
pub const MAX_MARKDOWN_NESTING: usize = 64;

/// Raw HTML elements a doc may hold open at once (counted over its raw HTML, start tags
/// minus end tags; void elements and ones the HTML parser closes by itself do not count).
/// Raw HTML beyond this is shown as text, for the same reason as [`MAX_MARKDOWN_NESTING`].
pub const MAX_RAW_HTML_NESTING: usize = 64;

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

/// Default for `serve --header-timeout`: a client must send a request's whole head (request
/// line and headers) within this many seconds, else the server closes the connection. The
/// same timer closes a keep-alive connection that sits idle between requests, so half-sent
/// requests (slowloris) and idle clients cannot hold file descriptors for long.
pub const DEFAULT_HEADER_READ_TIMEOUT_SECS: u64 = 10;

/// Default for `serve --request-timeout`: the most seconds one request may take to be
/// answered (the response head; a live-reload event stream then runs on). A slower handler
/// answers `408 Request Timeout`.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;

/// Default for `serve --max-connections`: connections served at once. Past it the server
/// stops accepting (clients wait in the listen backlog) until one closes. Always kept below
/// the process's open-file limit minus [`RESERVED_FDS`] (`serve` raises the soft limit to the
/// hard one first), so connections can never exhaust the descriptors files and the index need.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// File descriptors kept free of connections for reading docs, the search index, the file
/// watcher and logs.
pub const RESERVED_FDS: usize = 256;
