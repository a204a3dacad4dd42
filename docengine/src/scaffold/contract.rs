//! `netstack new contract`: a site's `.wip-contract.md` in the free form real federations
//! use (a `## Contact Method` section with an `**Action recommendations:**` line) or in the
//! structured form (front matter `contacts:`), written so that `contract::parse` reads back
//! exactly the contact it was given. Never overwrites.

use crate::config::Config;
use crate::contract::is_email;
use crate::error::{Error, Result};
use crate::source::CONTRACT_FILE;

use super::Skeleton;

/// What `netstack new contract` was told.
#[derive(Debug, Clone, Default)]
pub struct ContractOptions {
    /// The site, as named in `netstack.toml`.
    pub site: String,
    /// Who receives action recommendations.
    pub email: String,
    /// Who is copied.
    pub cc: Vec<String>,
    /// Front matter `contacts:` instead of a `## Contact Method` section.
    pub structured: bool,
}

/// The contract of `opts.site` as text and the path it belongs at; refuses an unknown site,
/// a missing site folder, an address that is not one, and an existing contract.
pub fn new_contract(config: &Config, opts: &ContractOptions) -> Result<Skeleton> {
    let Some(site) = config.sites.iter().find(|s| s.name == opts.site) else {
        let known: Vec<&str> = config.sites.iter().map(|s| s.name.as_str()).collect();
        return Err(Error::Invalid(format!(
            "--site `{}` is not a site of this KB ({}): use one of {} or add it to netstack.toml",
            opts.site,
            config.root.join(crate::config::CONFIG_FILE).display(),
            if known.is_empty() {
                "(none yet)".to_string()
            } else {
                known.join(", ")
            }
        )));
    };
    if !site.path.is_dir() {
        return Err(Error::Invalid(format!(
            "the folder of site `{}` does not exist ({}): clone the site repo there first",
            site.name,
            site.path.display()
        )));
    }
    for (flag, addr) in
        std::iter::once(("--email", &opts.email)).chain(opts.cc.iter().map(|c| ("--cc", c)))
    {
        if !is_email(addr.trim()) {
            return Err(Error::Invalid(format!(
                "{flag} `{addr}` is not an e-mail address: write it like admin@example.org"
            )));
        }
    }
    let path = site.path.join(CONTRACT_FILE);
    if path.exists() || path.is_symlink() {
        return Err(Error::Invalid(format!(
            "{} already exists: netstack never overwrites a contract; edit it instead",
            path.display()
        )));
    }
    let email = opts.email.trim();
    let cc: Vec<&str> = opts.cc.iter().map(|c| c.trim()).collect();
    let name = &site.name;
    let text = if opts.structured {
        let cc_line = if cc.is_empty() {
            String::new()
        } else {
            format!("    cc: [{}]\n", cc.join(", "))
        };
        format!(
            "---\nsite: {name}\ncontacts:\n  - name: admin\n    method: email\n    address: {email}\n{cc_line}default: admin\n---\n# {name} contract\n\n{ABOUT}\n\n{SECTIONS}"
        )
    } else {
        let cc_text = if cc.is_empty() {
            String::new()
        } else {
            format!(", cc: {}", cc.join(", "))
        };
        format!(
            "# {name} contract\n\n{ABOUT}\n\n## Contact Method\n\n- **Action recommendations:** Email to {email} with netstack pattern link{cc_text}\n\n{SECTIONS}"
        )
    };
    Ok(Skeleton { path, text })
}

const ABOUT: &str = "Who receives action recommendations for this site, and how. Every \
recommendation links the pattern it is based on and lists the site values it touches.";

const SECTIONS: &str = "## Scope\n\nWhat the federation looks after at this site, and what stays with the site.\n\n\
## Owner\n\nWho decides for the site, and who approves anything that costs money.\n";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{self, Form, Method};

    fn kb_dir() -> (tempfile::TempDir, Config) {
        let d = tempfile::tempdir().unwrap();
        crate::testkit::write_files(
            d.path(),
            &[
                (
                    "netstack.toml",
                    "[patterns]\npath = \"netstack\"\n\n[[sites]]\nname = \"wf\"\npath = \"wf\"\n\n[[sites]]\nname = \"gone\"\npath = \"gone\"\n",
                ),
                ("netstack/docs/README.md", "# N\n"),
                ("wf/docs/a.md", "# A\n"),
            ],
        );
        let c = Config::load(d.path()).unwrap();
        (d, c)
    }

    fn parsed(s: &Skeleton) -> contract::Contract {
        let doc = crate::testkit::doc(Some("wf"), CONTRACT_FILE, &s.text);
        contract::parse(&doc).unwrap()
    }

    #[test]
    fn both_forms_read_back_as_the_contact_given() {
        let (_d, c) = kb_dir();
        for structured in [false, true] {
            let s = new_contract(
                &c,
                &ContractOptions {
                    site: "wf".into(),
                    email: "ops@wf.example.org".into(),
                    cc: vec!["boss@wf.example.org".into(), "hq@example.org".into()],
                    structured,
                },
            )
            .unwrap();
            assert!(s.path.ends_with("wf/.wip-contract.md"), "{:?}", s.path);
            let k = parsed(&s);
            let want = if structured {
                Form::Structured
            } else {
                Form::FreeForm
            };
            assert_eq!(k.form, want, "{}", s.text);
            assert_eq!(k.contacts.len(), 1);
            assert_eq!(k.contacts[0].method, Method::Email);
            assert_eq!(k.contacts[0].address, "ops@wf.example.org");
            assert_eq!(
                k.contacts[0].cc,
                vec!["boss@wf.example.org", "hq@example.org"]
            );
        }
        let free = new_contract(
            &c,
            &ContractOptions {
                site: "wf".into(),
                email: "ops@wf.example.org".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(free.text.contains("## Contact Method\n\n- **Action recommendations:** Email to ops@wf.example.org with netstack pattern link\n"), "{}", free.text);
        assert!(parsed(&free).contacts[0].cc.is_empty());
    }

    #[test]
    fn refuses_unknown_sites_missing_folders_bad_addresses_and_existing_contracts() {
        let (d, c) = kb_dir();
        let opts = |site: &str, email: &str| ContractOptions {
            site: site.into(),
            email: email.into(),
            ..Default::default()
        };
        let e = new_contract(&c, &opts("nope", "a@b.org"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--site `nope`") && e.contains("wf, gone"), "{e}");
        let e = new_contract(&c, &opts("gone", "a@b.org"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        let e = new_contract(&c, &opts("wf", "not an address"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--email `not an address`"), "{e}");
        let mut o = opts("wf", "a@b.org");
        o.cc = vec!["x".into()];
        let e = new_contract(&c, &o).unwrap_err().to_string();
        assert!(e.contains("--cc `x`"), "{e}");
        std::fs::write(d.path().join("wf/.wip-contract.md"), "# mine\n").unwrap();
        let e = new_contract(&c, &opts("wf", "a@b.org"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("already exists"), "{e}");
    }
}
