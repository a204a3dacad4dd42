//! The engine's error type: every error a user can cause names the file (and line where
//! known) and says what to do about it.

use std::path::PathBuf;

/// Errors that stop the engine from producing a knowledge base at all. Everything that
/// affects only part of the KB (a broken doc, a missing site) is a [`crate::Problem`] instead.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// No `netstack.toml` where one was expected.
    #[error(
        "no netstack.toml in {}: pass --kb with a folder that has one, or create one there with `netstack init`",
        dir.display()
    )]
    NoConfig { dir: PathBuf },

    /// `netstack.toml` (or another config-like file) is malformed or has an invalid value.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },

    /// The pattern repo the config names does not exist: nothing useful can be loaded.
    #[error(
        "{}: the pattern repo `{}` does not exist (resolved to {}); fix `[patterns] path` or clone the pattern repo there",
        config.display(), configured, resolved.display()
    )]
    PatternRepoMissing {
        config: PathBuf,
        configured: String,
        resolved: PathBuf,
    },

    /// A caller asked for something that is not in the KB (site, pattern, …).
    #[error("{0}")]
    NotFound(String),

    /// The search index cannot be used and could not be repaired.
    #[error("search index {}: {message}", path.display())]
    Index { path: PathBuf, message: String },

    /// Invalid input given by the caller (not from a file).
    #[error("{0}")]
    Invalid(String),

    /// A search query the engine refuses (a bound exceeded, an unknown kind or site, no
    /// searchable word), naming the parameter at fault.
    #[error(transparent)]
    Query(#[from] QueryError),

    /// A site's contract names no usable contact for action recommendations (or there is no
    /// contract): `path` is the contract as shown to users, `message` says what to add.
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    NoContact {
        site: String,
        path: String,
        line: Option<u32>,
        message: String,
    },

    /// The recommendation outbox (`ledger.json` or a message file) cannot be used.
    #[error("{}: {message}", path.display())]
    Outbox { path: PathBuf, message: String },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn config(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

/// A search the engine refuses, naming the parameter at fault (and its bound, for numbers),
/// so the CLI can exit with a usage error and the HTTP API answer `400` with both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// The parameter as the HTTP API names it: `q`, `limit`, `offset`, `page`, `kind`, `site`.
    pub param: &'static str,
    /// Its largest accepted value, when it is a number.
    pub max: Option<usize>,
    /// What is wrong and what to do, in a sentence.
    pub message: String,
}

impl QueryError {
    pub(crate) fn new(param: &'static str, max: Option<usize>, message: String) -> Self {
        QueryError {
            param,
            max,
            message,
        }
    }
}

/// A TOML parse error as a message: unknown keys get a hint on what to do.
pub(crate) fn toml_message(e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    if msg.starts_with("unknown field") {
        format!("{msg}; remove or correct that key (see `netstack init` for a commented example)")
    } else {
        msg
    }
}

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;
