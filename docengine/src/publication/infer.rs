//! Where a pattern repo says it is published, read from the repo itself: `CNAME`,
//! `mkdocs.yml` (`site_url`, `repo_url`) and the git `origin` remote (worktrees included).

use std::path::Path;

use url::Url;

/// What a pattern repo checkout says about its own publication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inferred {
    pub base_urls: Vec<String>,
    pub forge_urls: Vec<String>,
    pub names: Vec<String>,
    /// Where each value came from, for `netstack init` to show.
    pub notes: Vec<String>,
}

/// Read the published base URL from `CNAME` (repo root or `docs/`) and `mkdocs.yml`
/// (`site_url`, `repo_url`), and the forge URL from the git `origin` remote.
pub fn infer(repo: &Path) -> Inferred {
    let mut out = Inferred::default();
    for cname in [repo.join("CNAME"), repo.join("docs/CNAME")] {
        if let Some(text) = crate::source::read_side_file(&cname)
            && let Some(host) = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let url = cname_url(host);
            if Url::parse(&url).is_ok() && !out.base_urls.contains(&url) {
                out.notes
                    .push(format!("base URL {url} from {}", cname.display()));
                out.base_urls.push(url);
            }
        }
    }
    for name in ["mkdocs.yml", "mkdocs.yaml"] {
        let path = repo.join(name);
        let Some(text) = crate::source::read_side_file(&path) else {
            continue;
        };
        for (key, target) in [("site_url", 0), ("repo_url", 1)] {
            if let Some(value) = yaml_top_level_string(&text, key)
                && Url::parse(&value).is_ok()
            {
                let list = if target == 0 {
                    &mut out.base_urls
                } else {
                    &mut out.forge_urls
                };
                let value = if target == 0 && !value.ends_with('/') {
                    format!("{value}/")
                } else {
                    value
                };
                if !list.contains(&value) {
                    out.notes.push(format!(
                        "{} {value} from {} `{key}`",
                        if target == 0 { "base URL" } else { "forge URL" },
                        path.display()
                    ));
                    list.push(value);
                }
            }
        }
    }
    if let Some(remote) = origin_remote(repo) {
        if !out.forge_urls.contains(&remote) {
            out.notes
                .push(format!("forge URL {remote} from the git `origin` remote"));
            out.forge_urls.push(remote.clone());
        }
        if let Some(name) = remote.rsplit('/').next() {
            out.names.push(name.to_string());
        }
    }
    out
}

/// The base URL a `CNAME` line names. GitHub Pages wants a bare host (`docs.example.org`), but
/// a URL (`https://docs.example.org/`) is taken as meant, never as `https://https://…`.
pub(super) fn cname_url(line: &str) -> String {
    let line = line.trim();
    if let Some((scheme, rest)) = line.split_once("://")
        && (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
    {
        let host = rest.trim_end_matches('/');
        return format!("{}://{host}/", scheme.to_ascii_lowercase());
    }
    format!("https://{}/", line.trim_end_matches('/'))
}

pub(super) fn yaml_top_level_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.trim_start().strip_prefix(':')?;
        let v = rest
            .split(" #")
            .next()?
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// The `origin` remote of a git checkout as an https URL without `.git`, if any. Reads
/// `.git/config` directly: no `git` binary needed.
pub fn origin_remote(repo: &Path) -> Option<String> {
    let dot_git = repo.join(".git");
    let config = if dot_git.is_dir() {
        dot_git.join("config")
    } else {
        let text = crate::source::read_side_file(&dot_git)?;
        let gitdir = text.trim().strip_prefix("gitdir:")?.trim();
        let gitdir = repo.join(gitdir);
        let common = crate::source::read_side_file(&gitdir.join("commondir"))
            .map(|c| gitdir.join(c.trim()))
            .unwrap_or(gitdir);
        common.join("config")
    };
    let text = crate::source::read_side_file(&config)?;
    let mut in_origin = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_origin = l.replace(' ', "") == "[remote\"origin\"]";
            continue;
        }
        if in_origin
            && let Some(v) = l
                .strip_prefix("url")
                .map(str::trim_start)
                .and_then(|r| r.strip_prefix('='))
        {
            return remote_to_https(v.trim());
        }
    }
    None
}

/// `git@host:org/repo.git`, `ssh://git@host/org/repo.git`, `https://user@host/org/repo.git`
/// → `https://host/org/repo`.
pub fn remote_to_https(remote: &str) -> Option<String> {
    let r = remote.trim();
    let (host, path) = if let Some(rest) = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
    {
        let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
        rest.split_once('/')?
    } else if let Some(rest) = r
        .strip_prefix("ssh://")
        .or_else(|| r.strip_prefix("git://"))
    {
        let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
        let (hostport, path) = rest.split_once('/')?;
        (hostport.split(':').next()?, path)
    } else if let Some((userhost, path)) = r.split_once(':') {
        let host = userhost
            .rsplit_once('@')
            .map(|(_, h)| h)
            .unwrap_or(userhost);
        if host.contains('/') {
            return None;
        }
        (host, path)
    } else {
        return None;
    };
    let path = path.trim_matches('/').trim_end_matches(".git");
    if host.is_empty() || path.split('/').count() < 2 {
        return None;
    }
    Some(format!("https://{host}/{path}"))
}
