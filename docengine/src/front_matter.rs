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

fn parse_toml(content: &str) -> Result<Map<String, Value>, FrontMatterError> {
    match toml::from_str::<toml::Table>(content) {
        Ok(table) => match serde_json::to_value(table) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Ok(Map::new()),
        },
        Err(e) => {
            let line = e
                .span()
                .map(|s| crate::config::line_of(content, s.start) as u32 + 1)
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

    #[test]
    fn empty_front_matter_is_empty_map() {
        let fm = split("---\n---\nbody").front_matter.unwrap().unwrap();
        assert!(fm.data.is_empty());
    }
}
