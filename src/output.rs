//! Terminal output helpers shared by commands: colour only when stdout/stderr is a
//! terminal (and `NO_COLOR` is unset), and error reporting with the cause chain.

use std::io::IsTerminal;

/// Should stdout use colour?
pub fn color_stdout() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// Should stderr use colour?
pub fn color_stderr() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// A tiny styling helper that does nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub on: bool,
}

impl Style {
    pub fn stdout() -> Self {
        Style { on: color_stdout() }
    }

    pub fn stderr() -> Self {
        Style { on: color_stderr() }
    }

    fn wrap(self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn red(self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.wrap("1;33", s)
    }
    pub fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }
    #[allow(dead_code)]
    pub fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
    pub fn blue(self, s: &str) -> String {
        self.wrap("1;34", s)
    }
    /// Highlight for matches.
    #[allow(dead_code)]
    pub fn mark(self, s: &str) -> String {
        self.wrap("1;4;33", s)
    }

    /// Colour a severity word.
    pub fn severity(self, sev: docengine::Severity) -> String {
        match sev {
            docengine::Severity::Error => self.red("error"),
            docengine::Severity::Warning => self.yellow("warning"),
            docengine::Severity::Info => self.blue("info"),
        }
    }
}

/// Print an error and its causes to stderr.
pub fn error(e: &anyhow::Error) {
    let s = Style::stderr();
    eprintln!("{}: {e}", s.red("error"));
    for cause in e.chain().skip(1) {
        eprintln!("  {} {cause}", s.dim("caused by:"));
    }
}
