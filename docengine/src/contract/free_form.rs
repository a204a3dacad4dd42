//! The free-form contract: a `## Contact Method` section with an `**Action recommendations:**`
//! bullet naming the method and address in prose, read as a person would.

use super::model::*;
use crate::doc::Doc;

pub(super) fn parse_free_form(doc: &Doc) -> Result<Contract, ContractError> {
    let contact_section = doc
        .headings
        .iter()
        .find(|h| h.text.to_ascii_lowercase().contains("contact"))
        .map(|h| h.line);
    // The action line of the contact section wins over one elsewhere: long contracts mention
    // action recommendations in their scope ("may / may not") lists too.
    let mut action: Option<(&crate::doc::ListItem, String)> = None;
    let mut action_elsewhere: Option<(&crate::doc::ListItem, String)> = None;
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
        let in_contact = doc
            .section_heading(item.section)
            .is_some_and(|h| h.text.to_ascii_lowercase().contains("contact"));
        if l.contains("action recommendation") || l == "recommendations" {
            let slot = if in_contact {
                &mut action
            } else {
                &mut action_elsewhere
            };
            if slot.is_none() {
                *slot = Some((item, rest));
            }
        } else if in_contact {
            other.push((label.to_string(), rest));
        }
    }
    let action = action.or(action_elsewhere);
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
pub(super) fn contact_from_text(text: &str, link_targets: &[&str]) -> Result<Contact, String> {
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
