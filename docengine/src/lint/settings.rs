//! `[lint]` settings: the table as written (`LintConfig`, part of `netstack.toml` or a file of
//! its own) and resolved (`Settings`: defaults filled in, rule levels checked, exclude globs
//! compiled). Depends only on rule ids, so `config` can hold it without knowing any rule.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::rule::{self, Rule};
use crate::error::{Error, Result, toml_message};
use crate::front_matter::line_of;
use crate::problem::Severity;

/// Default of `[lint] similarity_threshold`.
pub const DEFAULT_SIMILARITY_THRESHOLD: f64 = 0.4;
/// Default of `[lint] min_block_words`.
pub const DEFAULT_MIN_BLOCK_WORDS: usize = 30;
/// Default of `[lint] procedure_min_steps`.
pub const DEFAULT_PROCEDURE_MIN_STEPS: usize = 4;

/// `[lint]` resolved: defaults filled in, rule levels checked, exclude globs compiled.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Lowest severity that fails the run.
    pub fail_on: Severity,
    pub similarity_threshold: f64,
    pub min_block_words: usize,
    pub procedure_min_steps: usize,
    /// Configured level per rule; `None` = off. Rules not present use their default.
    levels: BTreeMap<Rule, Option<Severity>>,
    exclude: globset::GlobSet,
    /// The exclude globs as written.
    pub exclude_patterns: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::from_config(&LintConfig::default()).expect("defaults are valid")
    }
}

impl Settings {
    /// Resolve a `[lint]` table. Unknown rule ids and bad globs are errors naming the key.
    pub fn from_config(c: &LintConfig) -> Result<Settings> {
        let mut levels = BTreeMap::new();
        for (id, level) in &c.rules {
            let rule = Rule::from_id(id).ok_or_else(|| {
                Error::Invalid(format!("[lint.rules] {}", rule::unknown_rule_message(id)))
            })?;
            levels.insert(rule, level.severity());
        }
        let mut b = globset::GlobSetBuilder::new();
        for g in &c.exclude {
            let glob = globset::GlobBuilder::new(g.trim_start_matches("./"))
                .literal_separator(false)
                .build()
                .map_err(|e| Error::Invalid(format!("[lint] exclude: `{g}` is not a glob: {e}")))?;
            b.add(glob);
            // `docs/old` also excludes everything below it.
            if let Ok(glob) = globset::Glob::new(&format!(
                "{}/**",
                g.trim_start_matches("./").trim_end_matches('/')
            )) {
                b.add(glob);
            }
        }
        let exclude = b
            .build()
            .map_err(|e| Error::Invalid(format!("[lint] exclude: {e}")))?;
        Ok(Settings {
            fail_on: c.fail_on.unwrap_or(Severity::Error),
            similarity_threshold: c
                .similarity_threshold
                .unwrap_or(DEFAULT_SIMILARITY_THRESHOLD),
            min_block_words: c.min_block_words.unwrap_or(DEFAULT_MIN_BLOCK_WORDS),
            procedure_min_steps: c
                .procedure_min_steps
                .unwrap_or(DEFAULT_PROCEDURE_MIN_STEPS)
                .max(1),
            levels,
            exclude,
            exclude_patterns: c.exclude.clone(),
        })
    }

    /// The severity a rule reports at, `None` when it is off.
    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        match self.levels.get(&rule) {
            Some(level) => *level,
            None => Some(rule.default_severity()),
        }
    }

    pub fn enabled(&self, rule: Rule) -> bool {
        self.severity(rule).is_some()
    }

    /// Is this repo-relative path excluded?
    pub fn excluded(&self, path: &str) -> bool {
        !self.exclude.is_empty() && self.exclude.is_match(path)
    }
}

/// `[lint]`: how strict lint is. Defaults live with the rules in the lint module; `None`
/// means "use the rule's default".
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct LintConfig {
    /// Lowest severity that makes `netstack lint` exit 1.
    pub fail_on: Option<Severity>,
    /// Similarity (0..1) above which a copied block is reported.
    pub similarity_threshold: Option<f64>,
    /// Blocks with fewer words than this are never reported as duplicates.
    pub min_block_words: Option<usize>,
    /// Numbered steps / shell blocks that make a doc a procedure (`unlinked-procedure`).
    pub procedure_min_steps: Option<usize>,
    /// Per-rule level: `error`, `warning`, `info` or `off`.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    /// Glob patterns (relative to a site repo root) of files lint skips.
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl LintConfig {
    /// Read lint settings from a TOML file: its `[lint]` table (so a `netstack.toml` works),
    /// or, without one, the file's top-level keys. Unknown keys and rule ids are errors that
    /// name the file.
    pub fn load_file(path: &Path) -> Result<LintConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            let line = e.span().map(|s| line_of(&text, s.start));
            Error::config(path, line, toml_message(&e))
        })?;
        let lint = match table.get("lint") {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err(Error::config(path, None, "`lint` must be a table")),
            None => table,
        };
        let cfg: LintConfig = toml::Value::Table(lint)
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(path, None, toml_message(&e)))?;
        cfg.check(path, &text)?;
        Ok(cfg)
    }
    /// Everything a `[lint]` table must satisfy, checked where it is read (`netstack.toml` or
    /// a lint settings file) so each error names `file` and, for a rule id, its line in `text`.
    pub fn check(&self, file: &Path, text: &str) -> Result<()> {
        for id in self.rules.keys() {
            if Rule::from_id(id).is_none() {
                return Err(Error::config(
                    file,
                    lint_rule_line(text, id),
                    format!(
                        "[lint.rules] {}; remove or correct that key",
                        rule::unknown_rule_message(id)
                    ),
                ));
            }
        }
        if let Some(t) = self.similarity_threshold
            && !(0.0..=1.0).contains(&t)
        {
            return Err(Error::config(
                file,
                None,
                format!(
                    "[lint] similarity_threshold = {t} is out of range: use a number between 0 and 1 (default {DEFAULT_SIMILARITY_THRESHOLD})"
                ),
            ));
        }
        Settings::from_config(self).map_err(|e| Error::config(file, None, e.to_string()))?;
        Ok(())
    }
}

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleLevel {
    /// The severity this level reports at, or `None` when the rule is off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Off => None,
        }
    }
}

/// The line of a key of `[lint.rules]` (or of `rules = { … }` under `[lint]`), if found.
fn lint_rule_line(text: &str, key: &str) -> Option<usize> {
    let mut in_rules = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_rules = t.trim_start_matches('[').trim_end_matches(']').trim() == "lint.rules";
            continue;
        }
        let quoted = format!("\"{key}\"");
        let names_key = |s: &str| {
            let s = s.trim_start();
            (s.starts_with(key) && s[key.len()..].trim_start().starts_with('='))
                || (s.starts_with(&quoted) && s[quoted.len()..].trim_start().starts_with('='))
        };
        if in_rules && names_key(t) {
            return Some(i + 1);
        }
        if t.starts_with("rules") && t.contains(key) {
            return Some(i + 1);
        }
    }
    None
}
