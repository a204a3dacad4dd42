//! The structured contract: contacts, routes and escalation in front matter, every error
//! naming its line.

use super::model::*;
use crate::doc::Doc;
use crate::front_matter::scalar_string;
use crate::problem::Severity;
use serde_json::Value;

pub(super) fn parse_structured(doc: &Doc) -> Result<Contract, ContractError> {
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
