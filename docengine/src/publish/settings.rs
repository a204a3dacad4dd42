//! `[publish]` in `netstack.toml`: which site repos `netstack build` may show besides the
//! pattern repo. A leaf (config reads it; it knows no other module), checked against the
//! configured sites with the line of a name that is not one.

use serde::Deserialize;

/// `[publish]`: site repos are private unless named here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// Names of the `[[sites]]` a build shows (default: none).
    #[serde(default)]
    pub sites: Vec<toml::Spanned<String>>,
}

impl PublishConfig {
    /// The names of the sites a build may show.
    pub fn site_names(&self) -> impl Iterator<Item = &str> {
        self.sites.iter().map(|s| s.get_ref().as_str())
    }

    /// The first name that is no configured site (`is_site` says which are), with the byte
    /// offset of its entry in the file, for the error message.
    pub fn unknown_site(&self, is_site: impl Fn(&str) -> bool) -> Option<(&str, usize)> {
        self.sites
            .iter()
            .find(|s| !is_site(s.get_ref()))
            .map(|s| (s.get_ref().as_str(), s.span().start))
    }
}
