//! The contract model: contacts and their methods, routes by category and severity, the
//! escalation contact, and a contract's status for a site (missing, invalid, valid).

use regex::Regex;
use serde::Serialize;

use crate::problem::Severity;

/// How a contact wants to receive recommendations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Email,
    Issue,
    Matrix,
    Slack,
    Webhook,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Email => "email",
            Method::Issue => "issue",
            Method::Matrix => "matrix",
            Method::Slack => "slack",
            Method::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s.trim().to_ascii_lowercase().as_str() {
            "email" | "e-mail" | "mail" => Some(Method::Email),
            "issue" | "issues" | "github" | "gitlab" | "forgejo" | "gitea" => Some(Method::Issue),
            "matrix" => Some(Method::Matrix),
            "slack" => Some(Method::Slack),
            "webhook" | "http" | "https" => Some(Method::Webhook),
            _ => None,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Name used by routes (structured form); `action-recommendations` for free-form.
    pub name: String,
    pub method: Method,
    /// E-mail address, issue tracker (`org/repo` or URL), Matrix room, Slack channel or URL.
    pub address: String,
    pub cc: Vec<String>,
}

/// An ordered routing rule (structured form): first match wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// Category prefixes (`ops/security` matches `ops/security` and below); empty = any.
    pub categories: Vec<String>,
    /// Severities; empty = any.
    pub severities: Vec<Severity>,
    /// Contact names.
    pub to: Vec<String>,
}

impl Route {
    /// What the route matches, in the words every page and message uses:
    /// `category ops/security, severity error`, or `None` when it matches anything.
    pub fn when(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.categories.is_empty() {
            parts.push(format!("category {}", self.categories.join(", ")));
        }
        if !self.severities.is_empty() {
            let s: Vec<&str> = self.severities.iter().map(|s| s.as_str()).collect();
            parts.push(format!("severity {}", s.join(", ")));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Which form the contract was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    FreeForm,
    Structured,
}

/// A contract that says who receives action recommendations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contract {
    pub form: Form,
    pub contacts: Vec<Contact>,
    pub routes: Vec<Route>,
    /// Contacts used when no route matches.
    pub default: Vec<String>,
    /// Line of the action-recommendations contact (free form) or 1 (front matter).
    pub line: u32,
    /// Other contact lines found (e.g. "Admin actions"), label and text, for display.
    pub other: Vec<(String, String)>,
}

impl Contract {
    /// The routing table in words, one line per route then the default:
    /// `category ops, severity error → oncall`, …, `otherwise → ops`.
    pub fn route_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .routes
            .iter()
            .map(|r| {
                let when = r.when().unwrap_or_else(|| "anything".to_string());
                format!("{when} → {}", r.to.join(", "))
            })
            .collect();
        if !self.default.is_empty() && !self.routes.is_empty() {
            out.push(format!("otherwise → {}", self.default.join(", ")));
        }
        out
    }

    /// Which route a recommendation of this category and severity takes: the index of the
    /// first matching route in [`Contract::routes`], or `None` for the default.
    ///
    /// A route's categories match the category itself and everything below it
    /// (`ops/security` matches `ops/security/tls`), case-insensitively, with or without a
    /// leading `docs/`. A route without categories (or severities) matches any.
    pub fn route_index(&self, category: Option<&str>, severity: Severity) -> Option<usize> {
        let norm = |c: &str| {
            let c = c.trim().trim_matches('/').to_ascii_lowercase();
            c.strip_prefix("docs/").map(str::to_string).unwrap_or(c)
        };
        let category = category.map(norm);
        self.routes.iter().position(|r| {
            let cat_ok = r.categories.is_empty()
                || category.as_deref().is_some_and(|c| {
                    r.categories.iter().any(|rc| {
                        let rc = norm(rc);
                        c == rc || c.starts_with(&format!("{rc}/"))
                    })
                });
            let sev_ok = r.severities.is_empty() || r.severities.contains(&severity);
            cat_ok && sev_ok
        })
    }

    /// The contacts a recommendation of this category and severity goes to: the first
    /// matching route's, else the default's.
    pub fn route(&self, category: Option<&str>, severity: Severity) -> Vec<&Contact> {
        let names: &[String] = match self.route_index(category, severity) {
            Some(i) => &self.routes[i].to,
            None => &self.default,
        };
        names
            .iter()
            .filter_map(|n| self.contacts.iter().find(|c| &c.name == n))
            .collect()
    }

    /// The contacts of the default route (what the site wants when nothing special applies).
    pub fn default_contacts(&self) -> Vec<&Contact> {
        self.default
            .iter()
            .filter_map(|n| self.contacts.iter().find(|c| &c.name == n))
            .collect()
    }
}

/// The state of a site's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ContractStatus {
    /// No `.wip-contract.md` at the repo root.
    Missing,
    /// A contract that names no usable contact for action recommendations.
    Invalid {
        line: u32,
        reason: String,
    },
    Valid(Contract),
}

impl ContractStatus {
    pub fn contract(&self) -> Option<&Contract> {
        match self {
            ContractStatus::Valid(c) => Some(c),
            _ => None,
        }
    }
}

/// Why a contract could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    pub line: u32,
    pub message: String,
}

pub(super) fn err(line: u32, message: impl Into<String>) -> ContractError {
    ContractError {
        line,
        message: message.into(),
    }
}

pub(super) static EMAIL: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b").unwrap()
});
pub(super) static MATRIX_ROOM: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"[#!@][A-Za-z0-9._=-]+:[A-Za-z0-9.-]+\.[A-Za-z]{2,}").unwrap()
});
pub(super) static URL: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"https?://[^\s)>\]]+").unwrap());
pub(super) static REPO: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"\b[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\b").unwrap());
pub(super) static SLACK_CHANNEL: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"(?:^|\s)(#[a-z0-9_-]+)\b").unwrap());

pub(super) const EXAMPLE_LINE: &str =
    "- **Action recommendations:** Email to admin@example.org with netstack pattern link";

/// Is the whole string one e-mail address (nothing before or after it)?
pub fn is_email(s: &str) -> bool {
    EMAIL
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

pub(super) fn address_problem(method: Method, address: &str) -> Option<String> {
    if address.chars().any(char::is_control) {
        return Some(format!(
            "`{}` contains a line break or control character: write the address on one line",
            address.escape_debug()
        ));
    }
    let ok = match method {
        Method::Email => is_email(address),
        Method::Issue => address.starts_with("http") || REPO.is_match(address),
        Method::Matrix => MATRIX_ROOM.is_match(address),
        Method::Slack => address.starts_with('#') || address.starts_with("http"),
        Method::Webhook => address.starts_with("http://") || address.starts_with("https://"),
    };
    (!ok).then(|| {
        let example = match method {
            Method::Email => "ops@example.org",
            Method::Issue => "org/repo or https://github.com/org/repo",
            Method::Matrix => "#room:example.org",
            Method::Slack => "#channel or https://hooks.slack.com/…",
            Method::Webhook => "https://hooks.example.org/netstack",
        };
        format!("`{address}` is not a valid {method} address (expected something like {example})")
    })
}
