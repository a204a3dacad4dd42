//! Contracts: a site's `.wip-contract.md` says who receives action recommendations and how.
//! Two forms are understood: the free-form convention (a `## Contact Method` section with an
//! `**Action recommendations:**` bullet) and structured YAML front matter with contacts and
//! optional routing by category and severity.

use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use crate::doc::Doc;
use crate::front_matter::scalar_string;
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

fn err(line: u32, message: impl Into<String>) -> ContractError {
    ContractError {
        line,
        message: message.into(),
    }
}

/// Understand a contract doc.
pub fn parse(doc: &Doc) -> Result<Contract, ContractError> {
    if let Some(fm) = &doc.front_matter
        && (fm.data.contains_key("contacts") || fm.data.contains_key("contact"))
    {
        return parse_structured(doc);
    }
    parse_free_form(doc).map_err(|e| {
        // Front matter that could not be read (bad YAML, an alias bomb) is the likelier
        // reason than a missing contact section: say that, at its line.
        match crate::front_matter::split(&doc.source).front_matter {
            Some(Err(fm)) if doc.front_matter.is_none() => err(
                fm.line,
                format!(
                    "the contract's front matter could not be read, so its contacts are unknown: {}",
                    fm.message
                ),
            ),
            _ => e,
        }
    })
}

static EMAIL: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\b").unwrap()
});
static MATRIX_ROOM: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    Regex::new(r"[#!@][A-Za-z0-9._=-]+:[A-Za-z0-9.-]+\.[A-Za-z]{2,}").unwrap()
});
static URL: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"https?://[^\s)>\]]+").unwrap());
static REPO: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"\b[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\b").unwrap());
static SLACK_CHANNEL: std::sync::LazyLock<Regex> =
    std::sync::LazyLock::new(|| Regex::new(r"(?:^|\s)(#[a-z0-9_-]+)\b").unwrap());

const EXAMPLE_LINE: &str =
    "- **Action recommendations:** Email to admin@example.org with netstack pattern link";

fn parse_free_form(doc: &Doc) -> Result<Contract, ContractError> {
    let contact_section = doc
        .headings
        .iter()
        .find(|h| h.text.to_ascii_lowercase().contains("contact"))
        .map(|h| h.line);
    let mut action: Option<(&crate::doc::ListItem, String)> = None;
    let mut other = Vec::new();
    for item in &doc.items {
        let Some((label, rest)) = item.text.split_once(':') else {
            continue;
        };
        let label = label.trim().trim_matches(['*', '_', '`']).trim();
        if label.is_empty() || label.split_whitespace().count() > 4 {
            continue;
        }
        let rest = rest.trim().to_string();
        let l = label.to_ascii_lowercase();
        if l.contains("action recommendation") || l == "recommendations" {
            if action.is_none() {
                action = Some((item, rest));
            }
        } else if doc
            .section_heading(item.section)
            .is_some_and(|h| h.text.to_ascii_lowercase().contains("contact"))
        {
            other.push((label.to_string(), rest));
        }
    }
    let Some((item, text)) = action else {
        return Err(match contact_section {
            Some(line) => err(
                line,
                format!(
                    "the contact section has no `Action recommendations` line: add `{EXAMPLE_LINE}`"
                ),
            ),
            None => err(
                doc.body_line,
                format!(
                    "no `## Contact Method` section and no `contacts:` front matter: add a `## Contact Method` section with `{EXAMPLE_LINE}`"
                ),
            ),
        });
    };
    // Link targets on the same line carry addresses the plain text hides.
    let link_targets: Vec<&str> = doc
        .links
        .iter()
        .filter(|l| l.line == item.line)
        .map(|l| l.target.as_str())
        .collect();
    let contact = contact_from_text(&text, &link_targets).map_err(|m| err(item.line, m))?;
    Ok(Contract {
        form: Form::FreeForm,
        contacts: vec![contact],
        routes: Vec::new(),
        default: vec!["action-recommendations".into()],
        line: item.line,
        other,
    })
}

/// Read "Email to a@b.org with netstack pattern link, cc: c@d.org" and friends.
fn contact_from_text(text: &str, link_targets: &[&str]) -> Result<Contact, String> {
    let lower = text.to_ascii_lowercase();
    let (main, cc_part) = match lower.find("cc:").or_else(|| lower.find("cc ")) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let cc: Vec<String> = EMAIL
        .find_iter(cc_part)
        .map(|m| m.as_str().to_string())
        .collect();
    let main_lower = main.to_ascii_lowercase();
    let word = |w: &str| {
        main_lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(|t| t == w)
    };
    let method = if word("matrix") {
        Method::Matrix
    } else if word("slack") {
        Method::Slack
    } else if word("webhook") {
        Method::Webhook
    } else if word("issue") || word("issues") || word("ticket") {
        Method::Issue
    } else if word("email") || word("e-mail") || word("mail") || EMAIL.is_match(main) {
        Method::Email
    } else {
        return Err(format!(
            "cannot tell how to send action recommendations from `{}`: start the line with Email, Issue, Matrix, Slack or Webhook, e.g. `{EXAMPLE_LINE}`",
            text.trim()
        ));
    };
    let urls: Vec<String> = link_targets
        .iter()
        .filter(|t| t.starts_with("http"))
        .map(|t| t.to_string())
        .chain(URL.find_iter(main).map(|m| m.as_str().to_string()))
        .collect();
    let address = match method {
        Method::Email => EMAIL
            .find(main)
            .map(|m| m.as_str().to_string())
            .or_else(|| {
                link_targets
                    .iter()
                    .find_map(|t| t.strip_prefix("mailto:"))
                    .map(str::to_string)
            }),
        Method::Matrix => MATRIX_ROOM.find(main).map(|m| m.as_str().to_string()),
        Method::Slack => urls
            .first()
            .cloned()
            .or_else(|| SLACK_CHANNEL.captures(main).map(|c| c[1].to_string())),
        Method::Webhook => urls.first().cloned(),
        Method::Issue => urls.first().cloned().or_else(|| {
            REPO.find_iter(main)
                .map(|m| m.as_str().to_string())
                .find(|r| !r.contains('@'))
        }),
    };
    let Some(address) = address else {
        let wanted = match method {
            Method::Email => "an e-mail address",
            Method::Issue => "a tracker (org/repo or its URL)",
            Method::Matrix => "a Matrix room like #room:example.org",
            Method::Slack => "a Slack channel like #ops or a webhook URL",
            Method::Webhook => "an http(s) URL",
        };
        return Err(format!(
            "the action recommendations contact says {method} but gives no address: add {wanted}"
        ));
    };
    Ok(Contact {
        name: "action-recommendations".into(),
        method,
        address,
        cc,
    })
}

fn parse_structured(doc: &Doc) -> Result<Contract, ContractError> {
    let fm = doc.front_matter.as_ref().expect("checked by caller");
    let line_of = |needle: &str| -> u32 {
        doc.source
            .lines()
            .take(fm.end_line as usize)
            .position(|l| l.contains(needle))
            .map(|i| i as u32 + 1)
            .unwrap_or(1)
    };
    let raw = fm
        .data
        .get("contacts")
        .or_else(|| fm.data.get("contact"))
        .unwrap();
    let entries: Vec<(Option<String>, &serde_json::Map<String, Value>)> = match raw {
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_object().map(|m| (None, m)))
            .collect(),
        Value::Object(map) => {
            // Either one contact (`contact: {method, address}`) or a map name → contact.
            if map.contains_key("method") || map.contains_key("address") {
                vec![(None, map)]
            } else {
                map.iter()
                    .filter_map(|(k, v)| v.as_object().map(|m| (Some(k.clone()), m)))
                    .collect()
            }
        }
        _ => Vec::new(),
    };
    if entries.is_empty() {
        return Err(err(
            line_of("contact"),
            "`contacts:` holds no contacts: list them as `- {name: ops, method: email, address: ops@example.org}`",
        ));
    }
    let mut contacts: Vec<Contact> = Vec::new();
    for (i, (key, map)) in entries.iter().enumerate() {
        let method_raw = map
            .get("method")
            .and_then(scalar_string)
            .unwrap_or_default();
        let address = map
            .get("address")
            .or_else(|| map.get("to"))
            .and_then(scalar_string)
            .unwrap_or_default();
        let name = map
            .get("name")
            .or_else(|| map.get("id"))
            .and_then(scalar_string)
            .or_else(|| key.clone())
            .unwrap_or_else(|| {
                if entries.len() == 1 {
                    method_raw.clone()
                } else {
                    format!("contact-{}", i + 1)
                }
            });
        let Some(method) = Method::parse(&method_raw) else {
            return Err(err(
                line_of(&format!("method: {method_raw}")).max(line_of("method")),
                format!(
                    "contact `{name}` has method `{method_raw}`: use one of email, issue, matrix, slack, webhook"
                ),
            ));
        };
        if address.is_empty() {
            return Err(err(
                line_of(&name),
                format!("contact `{name}` ({method}) has no `address`: add one"),
            ));
        }
        if let Some(problem) = address_problem(method, &address) {
            return Err(err(
                line_of(&address),
                format!("contact `{name}`: {problem}"),
            ));
        }
        let cc = match map.get("cc") {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
            Some(v) => scalar_string(v)
                .map(|s| {
                    s.split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        if let Some(bad) = cc.iter().find(|c| !is_email(c)) {
            return Err(err(
                line_of(bad.lines().next().unwrap_or(bad)),
                format!(
                    "contact `{name}`: cc `{}` is not an e-mail address (expected something like owner@example.org)",
                    bad.escape_debug()
                ),
            ));
        }
        if contacts.iter().any(|c| c.name == name) {
            return Err(err(
                line_of(&name),
                format!("two contacts are named `{name}`: names must be unique"),
            ));
        }
        contacts.push(Contact {
            name,
            method,
            address,
            cc,
        });
    }

    let names_of = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
            Some(v) => scalar_string(v).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let check_names = |names: &[String], what: &str| -> Result<(), ContractError> {
        for n in names {
            if !contacts.iter().any(|c| &c.name == n) {
                let known: Vec<&str> = contacts.iter().map(|c| c.name.as_str()).collect();
                return Err(err(
                    line_of(n),
                    format!(
                        "{what} names contact `{n}`, which is not in `contacts` (known: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    };

    let mut routes = Vec::new();
    let raw_routes = fm.data.get("routes").or_else(|| fm.data.get("routing"));
    if let Some(v) = raw_routes
        && !v.is_array()
        && !v.is_null()
    {
        return Err(err(
            line_of("rout"),
            "`routes:` must be a list, like `routes:\n  - {category: ops/security, severity: [error], to: [noc]}`",
        ));
    }
    if let Some(Value::Array(items)) = raw_routes {
        for item in items {
            let Some(map) = item.as_object() else {
                return Err(err(
                    line_of("routes"),
                    "each route must be a map like `- {category: ops/security, severity: [error], to: [noc]}`",
                ));
            };
            // A misspelt key would silently widen the route to "everything": refuse it.
            if let Some(bad) = map.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "category" | "categories" | "severity" | "severities" | "to"
                )
            }) {
                return Err(err(
                    line_of(&format!("{bad}:")),
                    format!(
                        "a route has the unknown key `{bad}`: routes take `category`, `severity` and `to`"
                    ),
                ));
            }
            let to = names_of(map.get("to"));
            if to.is_empty() {
                return Err(err(
                    line_of("routes"),
                    "a route has no `to:`: name the contact(s) it goes to",
                ));
            }
            check_names(&to, "a route")?;
            let mut severities = Vec::new();
            for s in names_of(map.get("severity").or_else(|| map.get("severities"))) {
                match s.parse::<Severity>() {
                    Ok(sev) => severities.push(sev),
                    Err(e) => return Err(err(line_of(&s), format!("a route's severity: {e}"))),
                }
            }
            routes.push(Route {
                categories: names_of(map.get("category").or_else(|| map.get("categories"))),
                severities,
                to,
            });
        }
    }
    let mut default = names_of(fm.data.get("default"));
    if default.is_empty() {
        if contacts.len() == 1 {
            default = vec![contacts[0].name.clone()];
        } else {
            let known: Vec<&str> = contacts.iter().map(|c| c.name.as_str()).collect();
            return Err(err(
                line_of("contacts"),
                format!(
                    "several contacts but no `default:`: add `default: {}` so recommendations no route matches still reach someone",
                    known[0]
                ),
            ));
        }
    }
    check_names(&default, "`default`")?;
    Ok(Contract {
        form: Form::Structured,
        contacts,
        routes,
        default,
        line: 1,
        other: Vec::new(),
    })
}

/// Is the whole string one e-mail address (nothing before or after it)?
fn is_email(s: &str) -> bool {
    EMAIL
        .find(s)
        .is_some_and(|m| m.start() == 0 && m.end() == s.len())
}

fn address_problem(method: Method, address: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(text: &str) -> Result<Contract, ContractError> {
        parse(&crate::testkit::doc(Some("cf"), ".wip-contract.md", text))
    }

    #[test]
    fn free_form_email_with_cc() {
        let c = contract(
            "# Contract\n\nProse.\n\n## Contact Method\n\n- **Action recommendations:** Email to admin@example.org with netstack pattern link, cc: boss@example.org\n- **Admin actions:** Email to ops@example.org cc: owner@example.org\n- **Issues:** Tracked on [org/site](https://github.com/org/site)\n",
        )
        .unwrap();
        assert_eq!(c.form, Form::FreeForm);
        assert_eq!(c.contacts[0].method, Method::Email);
        assert_eq!(c.contacts[0].address, "admin@example.org");
        assert_eq!(c.contacts[0].cc, vec!["boss@example.org"]);
        assert_eq!(c.line, 7);
        assert_eq!(c.other.len(), 2);
        assert_eq!(
            c.route(Some("ops/backup"), Severity::Error)[0].address,
            "admin@example.org"
        );
    }

    #[test]
    fn free_form_issue_uses_link_target() {
        let c = contract("## Contact Method\n\n- Action recommendations: Issue on [org/site](https://github.com/org/site)\n").unwrap();
        assert_eq!(c.contacts[0].method, Method::Issue);
        assert_eq!(c.contacts[0].address, "https://github.com/org/site");
        let c =
            contract("## Contact\n\n- Action recommendations: Matrix #ops:example.org\n").unwrap();
        assert_eq!(c.contacts[0].address, "#ops:example.org");
    }

    #[test]
    fn free_form_problems_say_what_to_add() {
        let e = contract("# Contract\n\nWe agree to things.\n").unwrap_err();
        assert!(e.message.contains("## Contact Method"), "{}", e.message);
        let e = contract("# C\n\n## Contact Method\n\n- **Admin actions:** Email to a@b.org\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("Action recommendations"),
            "{}",
            e.message
        );
        let e = contract("## Contact Method\n\n- **Action recommendations:** Email to the admin\n")
            .unwrap_err();
        assert!(e.message.contains("no address"), "{}", e.message);
        let e =
            contract("## Contact Method\n\n- **Action recommendations:** ask Bob\n").unwrap_err();
        assert!(e.message.contains("cannot tell"), "{}", e.message);
    }

    const STRUCTURED: &str = "---\nsite: sl\ncontacts:\n  - name: ops\n    method: email\n    address: labops@x.org\n    cc: [pi@x.org]\n  - name: tracker\n    method: issue\n    address: https://github.com/fed/sl\n  - name: noc\n    method: matrix\n    address: \"#sl-noc:example.org\"\nroutes:\n  - category: ops/security\n    severity: [error]\n    to: [noc, ops]\n  - severity: info\n    to: tracker\ndefault: ops\n---\n# Contract\n";

    #[test]
    fn structured_with_routes() {
        let c = contract(STRUCTURED).unwrap();
        assert_eq!(c.form, Form::Structured);
        assert_eq!(c.contacts.len(), 3);
        let names = |v: Vec<&Contact>| v.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(c.route(Some("ops/security"), Severity::Error)),
            vec!["noc", "ops"]
        );
        assert_eq!(
            names(c.route(Some("ops/security/tls"), Severity::Error)),
            vec!["noc", "ops"]
        );
        assert_eq!(
            names(c.route(Some("ops/security"), Severity::Warning)),
            vec!["ops"]
        );
        assert_eq!(names(c.route(Some("wan"), Severity::Info)), vec!["tracker"]);
        assert_eq!(names(c.route(None, Severity::Warning)), vec!["ops"]);
        assert_eq!(c.contacts[0].cc, vec!["pi@x.org"]);
    }

    #[test]
    fn routes_read_the_same_everywhere() {
        let c = contract(STRUCTURED).unwrap();
        assert_eq!(
            c.routes[0].when().as_deref(),
            Some("category ops/security, severity error")
        );
        assert_eq!(
            c.route_lines(),
            vec![
                "category ops/security, severity error → noc, ops",
                "severity info → tracker",
                "otherwise → ops",
            ]
        );
    }

    #[test]
    fn structured_errors_name_the_line() {
        let e =
            contract("---\ncontacts:\n  - name: ops\n    method: pigeon\n    address: x\n---\n")
                .unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("pigeon"));
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\n  - name: b\n    method: email\n    address: b@x.org\n---\n").unwrap_err();
        assert!(e.message.contains("default"), "{}", e.message);
        let e = contract(
            "---\ncontacts:\n  - name: a\n    method: email\n    address: not-an-email\n---\n",
        )
        .unwrap_err();
        assert!(e.message.contains("not a valid email"), "{}", e.message);
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\nroutes:\n  - to: zed\ndefault: a\n---\n").unwrap_err();
        assert!(e.message.contains("zed"), "{}", e.message);
    }

    #[test]
    fn route_index_matching_is_forgiving_about_case_and_docs_prefix() {
        let c = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\n  - name: b\n    method: email\n    address: b@x.org\nroutes:\n  - categories: [docs/Ops/Security]\n    to: b\ndefault: a\n---\n").unwrap();
        assert_eq!(
            c.route_index(Some("ops/security/tls"), Severity::Info),
            Some(0)
        );
        assert_eq!(c.route_index(Some("ops/securityx"), Severity::Info), None);
        assert_eq!(c.route_index(None, Severity::Error), None);
        assert_eq!(c.route(None, Severity::Error)[0].name, "a");
    }

    #[test]
    fn addresses_must_be_exactly_one_address() {
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: \"a@x.org\\nBcc: evil@x.org\"\n---\n").unwrap_err();
        assert!(e.message.contains("line break"), "{}", e.message);
        let e = contract(
            "---\ncontacts:\n  - name: a\n    method: email\n    address: mail a@x.org now\n---\n",
        )
        .unwrap_err();
        assert!(e.message.contains("not a valid email"), "{}", e.message);
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\n    cc: [b@x.org, bob]\n---\n").unwrap_err();
        assert_eq!(e.line, 6);
        assert!(e.message.contains("cc `bob`"), "{}", e.message);
    }

    #[test]
    fn a_misspelt_route_key_is_an_error_not_a_catch_all() {
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\nroutes:\n  - catgory: ops/security\n    to: a\ndefault: a\n---\n").unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.message.contains("`catgory`"), "{}", e.message);
        let e = contract("---\ncontacts:\n  - name: a\n    method: email\n    address: a@x.org\nroutes: {to: a}\ndefault: a\n---\n").unwrap_err();
        assert!(e.message.contains("must be a list"), "{}", e.message);
    }

    #[test]
    fn structured_map_form_and_single_contact() {
        let c =
            contract("---\ncontacts:\n  ops: {method: slack, address: \"#ops\"}\n---\n").unwrap();
        assert_eq!(c.contacts[0].name, "ops");
        assert_eq!(c.default, vec!["ops"]);
    }
}
