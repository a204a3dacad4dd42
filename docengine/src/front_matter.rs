//! Front matter: the optional YAML (`---`) or TOML (`+++`) block at the top of a doc.
//! Split by hand so every error carries the exact line in the file, then parsed with
//! `yaml-rust2` / `toml` into JSON-like values.

use serde::Serialize;
use serde_json::{Map, Value};

/// Which syntax the front matter used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Yaml,
    Toml,
}

/// Parsed front matter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrontMatter {
    pub format: Format,
    /// The key/value pairs (empty for an empty block).
    pub data: Map<String, Value>,
    /// Line of the closing delimiter (the opening one is line 1).
    pub end_line: u32,
}

impl FrontMatter {
    /// A string value, trimmed, if present and non-empty.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.data
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A list of strings from a YAML list or a comma-separated string.
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.data.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_string).collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A scalar as a string (`null`, lists and maps give `None`).
pub fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Why front matter could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: u32,
    pub message: String,
}

/// The result of splitting a file into front matter and markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// Parsed front matter, or why it could not be parsed. `None` when there is none.
    pub front_matter: Option<Result<FrontMatter, FrontMatterError>>,
    /// Byte offset of the markdown body in the source.
    pub body_offset: usize,
}

/// Split a source file. On any error the body starts after the closing delimiter when
/// there is one, else at the top (so no content is hidden).
pub fn split(source: &str) -> Split {
    let bom = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let text = &source[bom..];
    let first_end = text.find('\n').unwrap_or(text.len());
    let first = text[..first_end].trim_end();
    let (format, closers): (Format, &[&str]) = match first {
        "---" => (Format::Yaml, &["---", "..."]),
        "+++" => (Format::Toml, &["+++"]),
        _ => {
            return Split {
                front_matter: None,
                body_offset: 0,
            };
        }
    };
    let content_start = (bom + first_end + 1).min(source.len());
    // A `---` with nothing that looks like YAML after it is a thematic break, not front
    // matter (e.g. a file that starts with a horizontal rule).
    let looks_like_matter = source[content_start..]
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| {
            let l = l.trim_start();
            if closers.contains(&l.trim_end()) {
                return true;
            }
            match format {
                Format::Yaml => l.contains(':') || l.starts_with('#'),
                Format::Toml => l.contains('=') || l.starts_with('[') || l.starts_with('#'),
            }
        })
        .unwrap_or(false);
    if !looks_like_matter {
        return Split {
            front_matter: None,
            body_offset: 0,
        };
    }
    // Find the closing delimiter.
    let mut offset = content_start;
    let mut line_no: u32 = 2;
    while offset < source.len() {
        let end = source[offset..]
            .find('\n')
            .map(|i| offset + i)
            .unwrap_or(source.len());
        let line = source[offset..end].trim_end();
        if closers.contains(&line) {
            let content = &source[content_start..offset];
            let body_offset = (end + 1).min(source.len());
            return Split {
                front_matter: Some(parse(format, content, line_no)),
                body_offset,
            };
        }
        offset = end + 1;
        line_no += 1;
    }
    let delim = if format == Format::Yaml { "---" } else { "+++" };
    Split {
        front_matter: Some(Err(FrontMatterError {
            line: 1,
            message: format!(
                "front matter opened with `{delim}` on line 1 is never closed: add a `{delim}` line after the last key (the whole file was read as markdown)"
            ),
        })),
        body_offset: 0,
    }
}

fn parse(format: Format, content: &str, end_line: u32) -> Result<FrontMatter, FrontMatterError> {
    // Line 1 is the opening delimiter, so content line N is file line N + 1.
    let data = match format {
        Format::Yaml => parse_yaml(content)?,
        Format::Toml => parse_toml(content)?,
    };
    Ok(FrontMatter {
        format,
        data,
        end_line,
    })
}

fn parse_yaml(content: &str) -> Result<Map<String, Value>, FrontMatterError> {
    if content.trim().is_empty() {
        return Ok(Map::new());
    }
    check_aliases(content)?;
    let docs = yaml_rust2::YamlLoader::load_from_str(content).map_err(|e| FrontMatterError {
        line: e.marker().line() as u32 + 1,
        message: format!(
            "front matter is not valid YAML: {} (column {})",
            e.info(),
            e.marker().col() + 1
        ),
    })?;
    match docs.into_iter().next().map(yaml_to_json) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(FrontMatterError {
            line: 2,
            message: format!(
                "front matter must be `key: value` pairs, found a {}",
                kind_name(&other)
            ),
        }),
    }
}

/// What the alias guard counted in one YAML block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AliasWork {
    /// Nodes the YAML loader will build: every node written plus every node aliases copy.
    nodes: u64,
    /// Nodes copied by aliases.
    alias_nodes: u64,
    /// Scalar bytes copied by aliases.
    alias_bytes: u64,
}

/// Refuse YAML whose aliases would expand beyond [`limits::MAX_YAML_ALIAS_NODES`] nodes or
/// [`limits::MAX_YAML_ALIAS_BYTES`] bytes, BEFORE anything is expanded: one pass over the
/// parser's events (linear in the text) that knows the expanded size of every anchor. The
/// loader clones an anchor's whole value for every alias, so this is what bounds its work.
/// Syntax errors are left to the loader, which reports them with their line.
///
/// [`limits::MAX_YAML_ALIAS_NODES`]: crate::limits::MAX_YAML_ALIAS_NODES
/// [`limits::MAX_YAML_ALIAS_BYTES`]: crate::limits::MAX_YAML_ALIAS_BYTES
fn check_aliases(content: &str) -> Result<AliasWork, FrontMatterError> {
    use crate::limits::{MAX_YAML_ALIAS_BYTES, MAX_YAML_ALIAS_NODES};
    use yaml_rust2::Event;
    use yaml_rust2::parser::Parser;

    let mut work = AliasWork::default();
    let mut bytes: u64 = 0;
    // Expanded (nodes, bytes) of every anchor seen so far; open collections on a stack with
    // the counters at their start.
    let mut anchors: rustc_hash::FxHashMap<usize, (u64, u64)> = Default::default();
    let mut open: Vec<(usize, u64, u64)> = Vec::new();
    let mut parser = Parser::new_from_str(content);
    loop {
        let Ok((event, mark)) = parser.next_token() else {
            return Ok(work);
        };
        match event {
            Event::StreamEnd => return Ok(work),
            Event::DocumentStart => anchors.clear(),
            Event::Scalar(value, _, anchor, _) => {
                work.nodes += 1;
                bytes += value.len() as u64;
                if anchor > 0 {
                    anchors.insert(anchor, (1, value.len() as u64));
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, work.nodes, bytes));
                work.nodes += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, nodes0, bytes0)) = open.pop()
                    && anchor > 0
                {
                    anchors.insert(anchor, (work.nodes - nodes0, bytes - bytes0));
                }
            }
            Event::Alias(id) => {
                // An alias of an anchor still open (or unknown) copies nothing: the loader
                // gives it a bad value.
                let (n, b) = anchors.get(&id).copied().unwrap_or((1, 0));
                work.nodes = work.nodes.saturating_add(n);
                work.alias_nodes = work.alias_nodes.saturating_add(n);
                bytes = bytes.saturating_add(b);
                work.alias_bytes = work.alias_bytes.saturating_add(b);
                if work.alias_nodes > MAX_YAML_ALIAS_NODES
                    || work.alias_bytes > MAX_YAML_ALIAS_BYTES
                {
                    return Err(FrontMatterError {
                        line: mark.line() as u32 + 1,
                        message: format!(
                            "front matter YAML aliases (`*name`) expand to more than {MAX_YAML_ALIAS_NODES} nodes or {} KiB (an alias bomb?): the front matter was not loaded; write the values out instead of repeating aliases (column {})",
                            MAX_YAML_ALIAS_BYTES / 1024,
                            mark.col() + 1
                        ),
                    });
                }
            }
            _ => {}
        }
    }
}

fn parse_toml(content: &str) -> Result<Map<String, Value>, FrontMatterError> {
    match toml::from_str::<toml::Table>(content) {
        Ok(table) => match serde_json::to_value(table) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Ok(Map::new()),
        },
        Err(e) => {
            let line = e
                .span()
                .map(|s| line_of(content, s.start) as u32 + 1)
                .unwrap_or(2);
            Err(FrontMatterError {
                line,
                message: format!("front matter is not valid TOML: {}", e.message().trim()),
            })
        }
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "plain string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

fn yaml_to_json(y: yaml_rust2::Yaml) -> Value {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::String(s)),
        Yaml::Integer(i) => Value::Number(i.into()),
        Yaml::String(s) => Value::String(s),
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Array(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) | Yaml::Real(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Null => "null".into(),
                    _ => continue,
                };
                map.insert(key, yaml_to_json(v));
            }
            Value::Object(map)
        }
        _ => Value::Null,
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_front_matter() {
        let s = split("# Title\n\ntext\n");
        assert!(s.front_matter.is_none());
        assert_eq!(s.body_offset, 0);
    }

    #[test]
    fn yaml_front_matter() {
        let src = "---\ntitle: Backups\ntags: [a, b]\nvalues:\n  - target\n---\n# Body\n";
        let s = split(src);
        let fm = s.front_matter.unwrap().unwrap();
        assert_eq!(fm.format, Format::Yaml);
        assert_eq!(fm.str("title"), Some("Backups"));
        assert_eq!(fm.list("tags"), vec!["a", "b"]);
        assert_eq!(fm.end_line, 6);
        assert_eq!(&src[s.body_offset..], "# Body\n");
    }

    #[test]
    fn toml_front_matter() {
        let src = "+++\ntitle = \"T\"\ntags = [\"x\"]\n+++\nbody";
        let s = split(src);
        let fm = s.front_matter.unwrap().unwrap();
        assert_eq!(fm.format, Format::Toml);
        assert_eq!(fm.str("title"), Some("T"));
        assert_eq!(&src[s.body_offset..], "body");
    }

    #[test]
    fn invalid_yaml_reports_file_line() {
        let src = "---\ntitle: ok\ntags: [a, b\nsummary: x\n---\nbody\n";
        let err = split(src).front_matter.unwrap().unwrap_err();
        assert!(err.line >= 3 && err.line <= 5, "line {}", err.line);
        assert!(err.message.contains("YAML"), "{}", err.message);
    }

    #[test]
    fn invalid_toml_reports_file_line() {
        let src = "+++\ntitle = \"T\"\nbroken = \n+++\nbody";
        let err = split(src).front_matter.unwrap().unwrap_err();
        assert_eq!(err.line, 3, "{}", err.message);
    }

    #[test]
    fn unterminated_front_matter_keeps_body() {
        let src = "---\ntitle: x\n# Heading\n\ntext\n";
        let s = split(src);
        let err = s.front_matter.unwrap().unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("never closed"));
        assert_eq!(s.body_offset, 0);
    }

    #[test]
    fn leading_thematic_break_is_not_front_matter() {
        let s = split("---\n\nSome text here.\n");
        assert!(s.front_matter.is_none());
    }

    #[test]
    fn list_front_matter_is_an_error() {
        let err = split("---\n# a list\n- a\n- b\n---\n")
            .front_matter
            .unwrap()
            .unwrap_err();
        assert!(err.message.contains("key: value"), "{}", err.message);
    }

    #[test]
    fn two_thematic_breaks_are_not_front_matter() {
        assert!(split("---\nSome text\n\n---\n").front_matter.is_none());
    }

    /// Nine levels of nine aliases each: 9^9 (387 million) nodes once expanded, in ~300 bytes.
    fn alias_bomb() -> String {
        let mut yaml = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for w in names.windows(2) {
            let refs = vec![format!("*{}", w[0]); 9].join(",");
            yaml.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
        }
        yaml
    }

    #[test]
    fn yaml_alias_bomb_is_refused_before_expansion_with_its_line() {
        let src = format!("---\ntitle: Bomb\n{}---\n# Body\n", alias_bomb());
        assert!(src.len() < 400, "{}", src.len());
        let s = split(&src);
        let err = s.front_matter.unwrap().unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);
        // The first alias over the bound: within the lines of the bomb (3..=11).
        assert!((3..=11).contains(&err.line), "line {}", err.line);
        // The body is still there.
        assert_eq!(&src[s.body_offset..], "# Body\n");
    }

    #[test]
    fn yaml_alias_guard_does_bounded_work() {
        // The guard stops at the first alias over the bound: the nodes it accounted for are
        // at most the bound plus one anchor's worth, never the 387 million of the expansion.
        let err = check_aliases(&alias_bomb()).unwrap_err();
        assert!(err.message.contains("alias"));
        let bound = crate::limits::MAX_YAML_ALIAS_NODES;
        // Just under the bound is accepted, and the count is exact.
        let mut ok = String::from("a: &a [1, 2, 3, 4]\nb: [");
        let n = (bound / 5) as usize;
        ok.push_str(&vec!["*a"; n].join(","));
        ok.push_str("]\n");
        let work = check_aliases(&ok).unwrap();
        assert_eq!(work.alias_nodes, 5 * n as u64);
        assert!(work.nodes <= bound + 10, "{work:?}");
        // One more alias of the same anchor is over the bound.
        let over = ok.replace("b: [", "b: [*a,*a,");
        assert!(check_aliases(&over).is_err());
    }

    #[test]
    fn yaml_alias_of_a_long_string_is_bounded_in_bytes() {
        let long = "x".repeat(100_000);
        let yaml = format!("a: &a \"{long}\"\nb: [{}]\n", vec!["*a"; 20].join(","));
        let err = check_aliases(&yaml).unwrap_err();
        assert_eq!(err.line, 3, "{}", err.message);
    }

    #[test]
    fn ordinary_yaml_aliases_still_load() {
        let src = "---\ndefaults: &d\n  owner: ops\n  tier: 2\nbackup: *d\ntags: &t [a, b]\nalso: *t\n---\nbody\n";
        let fm = split(src).front_matter.unwrap().unwrap();
        assert_eq!(fm.data["backup"]["owner"], "ops");
        assert_eq!(fm.list("also"), vec!["a", "b"]);
    }

    #[test]
    fn empty_front_matter_is_empty_map() {
        let fm = split("---\n---\nbody").front_matter.unwrap().unwrap();
        assert!(fm.data.is_empty());
    }
}
