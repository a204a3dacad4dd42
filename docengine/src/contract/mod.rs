//! Contracts: a site's `.wip-contract.md` says who receives action recommendations and how.
//! Two forms are understood: the free-form convention (a `## Contact Method` section with an
//! `**Action recommendations:**` bullet) and structured YAML front matter with contacts and
//! optional routing by category and severity.

//!
//! A facade: the model in `model`, the two readers in `free_form` and `structured`.

mod free_form;
mod model;
mod structured;

pub use model::*;

use free_form::parse_free_form;
use structured::parse_structured;

use crate::doc::Doc;

/// The command that writes a site's contract skeleton (`netstack new contract`), as the
/// `missing-contract` finding and the site page print it.
pub fn new_command(site: &str) -> String {
    format!("netstack new contract --site {site} --email ADDR")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;

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

    /// Issue 12 item 5: a real contract is long (owner, scope, "may / may not" lists, a
    /// communication table), `## Contact Method` comes after several `---` separators, the
    /// action line may name a bare address, and other sections may mention action
    /// recommendations in list items of their own.
    const LONG: &str = "# Riverside — service agreement\n\nOwner: Pat Lee (site owner)\n\n---\n\n## Scope\n\nThe federation runs the network edge and the NAS.\n\n### The federation may\n\n- restart services after hours\n- **Action recommendations:** are sent for anything that changes a device\n\n### The federation may not\n\n- order hardware\n- change user accounts\n\n---\n\n## Communication\n\n| what | how | when |\n|---|---|---|\n| planned work | e-mail | 3 days ahead |\n| outage | phone | at once |\n\n---\n\n## Contact Method\n\n- **Action recommendations:** ops@example.org cc: boss@example.org\n- **Admin actions:** Email to admin@example.org\n- **Field coordination:** Call Sam on +1 555 0100 before visiting\n\n---\n\n## Review\n\nReviewed yearly.\n";

    #[test]
    fn long_contracts_with_separators_and_a_bare_address_parse() {
        let doc = crate::testkit::doc(Some("cf"), ".wip-contract.md", LONG);
        assert_eq!(doc.title, "Riverside — service agreement");
        let c = contract(LONG).unwrap();
        assert_eq!(c.form, Form::FreeForm);
        assert_eq!(c.contacts.len(), 1);
        assert_eq!(c.contacts[0].method, Method::Email);
        assert_eq!(c.contacts[0].address, "ops@example.org");
        assert_eq!(c.contacts[0].cc, vec!["boss@example.org"]);
        let line = LONG
            .lines()
            .position(|l| l.contains("ops@example.org"))
            .unwrap() as u32
            + 1;
        assert_eq!(c.line, line, "the line in the Contact Method section");
        let labels: Vec<&str> = c.other.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["Admin actions", "Field coordination"]);
        assert_eq!(c.other[1].1, "Call Sam on +1 555 0100 before visiting");
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
