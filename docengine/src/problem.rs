//! Load problems: everything wrong with part of the input that must be reported without
//! stopping the rest of the knowledge base from loading.

use serde::Serialize;

/// How bad a problem or finding is. Ordered: `Info < Warning < Error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Ok(Severity::Info),
            "warning" | "warn" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}`: use error, warning or info"
            )),
        }
    }
}

/// What kind of load problem this is: a stable code callers can match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// The file could not be read at all.
    Unreadable,
    /// Bytes that are not UTF-8; the file was loaded with replacement characters.
    Encoding,
    /// A binary file with a markdown extension; skipped.
    Binary,
    /// A FIFO, socket or device where a file was expected; never opened for reading.
    NotRegular,
    /// The file is empty.
    Empty,
    /// The file is larger than the configured limit; only its head was loaded.
    TooLarge,
    /// Front matter that does not parse or is never closed.
    FrontMatter,
    /// Two patterns with the same id.
    DuplicatePattern,
    /// A site repo path (or the pattern repo's docs folder) that does not exist.
    MissingRepo,
    /// A symlink loop or a symlink pointing out of its repo.
    Symlink,
    /// Anything the walker could not descend into.
    Walk,
    /// A reference to the pattern repo that resolves to nothing.
    UnresolvedReference,
    /// A contract that cannot be understood.
    Contract,
}

/// One problem found while loading. `path` is shown relative to the KB folder where possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub line: Option<u32>,
    pub severity: Severity,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    pub fn new(
        kind: ProblemKind,
        severity: Severity,
        path: impl Into<String>,
        line: Option<u32>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.into(),
            line,
            severity,
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.path, line, self.severity, self.message
            ),
            None => write!(f, "{}: {}: {}", self.path, self.severity, self.message),
        }
    }
}
