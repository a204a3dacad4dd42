//! The modules of both crates layer (ARCHITECTURE.md, "Layers"): no `use crate::…` cycle among
//! the files of `docengine/src` (crate root `lib.rs`) nor among those of the binary's `src/`
//! (crate root `main.rs`). The checker reads a crate's sources, draws an edge from each file to
//! every file it names through `crate::` or `super::` paths (test modules left out), and fails
//! on any cycle, printing it. The engine's modules also keep to their layers (`LAYERS`): none
//! uses a module of a higher layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`lint::checks`) of every `.rs` file under `src`, the crate root (`root`:
/// `lib` or `main`) left out.
fn modules(src: &Path, root: &str) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                let name = parts.join("::");
                if name != root {
                    out.insert(name, p);
                }
            }
        }
    }
    out
}

/// The source without `#[cfg(test)]` modules (they may use anything) and comments.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i32> = None;
    let mut depth = 0i32;
    let mut pending_test = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("//") {
            continue;
        }
        if skip_depth.is_none() && t.starts_with("#[cfg(test)]") {
            pending_test = true;
            continue;
        }
        let opens = line.matches('{').count() as i32;
        let closes = line.matches('}').count() as i32;
        if pending_test && skip_depth.is_none() {
            if opens > 0 {
                skip_depth = Some(depth);
            } else if t.ends_with(';') {
                // `#[cfg(test)] mod tests;` or a test-only item on one line
                pending_test = false;
                continue;
            }
        }
        depth += opens - closes;
        if let Some(d) = skip_depth {
            if depth <= d {
                skip_depth = None;
                pending_test = false;
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A module's `use` paths (`pub` or not) and the rest of its code.
type Uses = (Vec<(bool, String)>, String);

/// `a::{b, c::{d, e as f}}` → `a::b`, `a::c::d`, `a::c::e` (aliases dropped, `self` folded).
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        let path = path.strip_suffix("::self").unwrap_or(path);
        return vec![path.to_string()];
    };
    let prefix = tree[..open].trim().trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.to_string()
            } else {
                format!("{prefix}::{p}")
            }
        })
        .collect()
}

/// The `use` statements of a module (`pub` or not), expanded, and the rest of its code.
fn uses(code: &str) -> Uses {
    let mut found = Vec::new();
    let mut rest = String::new();
    let mut text = code;
    while let Some(i) = text.find("use ") {
        let before = &text[..i];
        let boundary = before
            .chars()
            .last()
            .is_none_or(|c| c.is_whitespace() || c == ';' || c == '{' || c == '}' || c == ')');
        let Some(end) = text[i..].find(';') else {
            break;
        };
        let tree = &text[i + 4..i + end];
        let is_path = |c: char| c.is_alphanumeric() || "_:{}, *\n\t".contains(c);
        if !boundary || !tree.chars().all(is_path) {
            rest.push_str(&text[..i + 4]);
            text = &text[i + 4..];
            continue;
        }
        let public = before.trim_end().ends_with("pub") || before.trim_end().ends_with(')');
        rest.push_str(before);
        for p in expand(tree) {
            found.push((public, p));
        }
        text = &text[i + end + 1..];
    }
    rest.push_str(text);
    (found, rest)
}

/// Segments of `path` made absolute from module `here` (`crate::`, `super::`, `self::`, or a
/// child module's name); `None` for paths into other crates.
fn absolute<'a>(
    path: &'a str,
    here: &[&'a str],
    known: &BTreeMap<String, PathBuf>,
) -> Option<Vec<&'a str>> {
    let segs: Vec<&str> = path
        .split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut base: Vec<&str> = here.to_vec();
    let mut rel = segs.as_slice();
    match rel.first() {
        Some(&"crate") => {
            base.clear();
            rel = &rel[1..];
        }
        Some(&"super") => {
            while rel.first() == Some(&"super") {
                base.pop();
                rel = &rel[1..];
            }
        }
        Some(&"self") => rel = &rel[1..],
        Some(first) => {
            let mut child = base.clone();
            child.push(first);
            if !known.contains_key(&child.join("::")) {
                return None;
            }
        }
        None => return None,
    }
    base.extend(rel);
    Some(base)
}

/// The module a path names: the deepest known module on it, or, when the next segment is an
/// item that module re-exports (`pub use rule::Rule`), the module defining it.
fn resolve(
    path: &[&str],
    known: &BTreeMap<String, PathBuf>,
    reexports: &BTreeMap<(String, String), String>,
) -> Option<String> {
    let n = (1..=path.len())
        .rev()
        .find(|&n| known.contains_key(&path[..n].join("::")))?;
    let module = path[..n].join("::");
    if let Some(item) = path.get(n)
        && let Some(def) = reexports.get(&(module.clone(), item.to_string()))
    {
        return Some(def.clone());
    }
    Some(module)
}

fn edges(known: &BTreeMap<String, PathBuf>) -> BTreeMap<String, BTreeSet<String>> {
    let parsed: BTreeMap<&String, Uses> = known
        .iter()
        .map(|(name, file)| (name, uses(&code(&std::fs::read_to_string(file).unwrap()))))
        .collect();
    // (module, item) → module defining the item, for `pub use` re-exports.
    let mut reexports = BTreeMap::new();
    for (name, (found, _)) in &parsed {
        let here: Vec<&str> = name.split("::").collect();
        for (public, p) in found {
            if !public {
                continue;
            }
            if let Some(abs) = absolute(p, &here, known)
                && let Some(def) = resolve(&abs, known, &BTreeMap::new())
                && let Some(item) = abs.last()
            {
                reexports.insert(((*name).clone(), item.to_string()), def);
            }
        }
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, (found, rest)) in &parsed {
        let here: Vec<&str> = name.split("::").collect();
        // A re-export of a child's item (`pub use model::Doc` in a facade) is how the parent
        // presents its children, not a use of them; a private `use` of a child is.
        let is_child = |target: &str| target.starts_with(&format!("{name}::"));
        let mut paths: Vec<(bool, &str)> = found.iter().map(|(p, s)| (*p, s.as_str())).collect();
        for (i, _) in rest
            .match_indices("crate::")
            .chain(rest.match_indices("super::"))
        {
            let path = rest[i..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("");
            paths.push((false, path));
        }
        let targets = out.entry((*name).clone()).or_default();
        for (public, p) in paths {
            if let Some(abs) = absolute(p, &here, known)
                && let Some(target) = resolve(&abs, known, &reexports)
                && target != **name
                && !(public && is_child(&target))
            {
                targets.insert(target);
            }
        }
    }
    out
}

/// Every strongly connected component with more than one module (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                s.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// The import cycles among the modules of the crate whose sources are in `src`, each shown
/// with the edges that close it; `must_have` is a module the walk has to find (a guard against
/// checking an empty or wrong folder).
fn cycles_in(src: &Path, root: &str, must_have: &str) -> Vec<String> {
    let known = modules(src, root);
    assert!(
        known.contains_key(must_have),
        "{must_have} not in {known:?}"
    );
    let g = edges(&known);
    cycles(&g)
        .iter()
        .map(|c| {
            let detail: Vec<String> = c
                .iter()
                .map(|m| {
                    let inside: Vec<&str> = g[m]
                        .iter()
                        .filter(|t| c.contains(t))
                        .map(String::as_str)
                        .collect();
                    format!("  {m} -> {}", inside.join(", "))
                })
                .collect();
            format!("cycle:\n{}", detail.join("\n"))
        })
        .collect()
}

#[test]
fn docengine_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let shown = cycles_in(&src, "lib", "lint::rules");
    assert!(
        shown.is_empty(),
        "docengine modules import each other in a cycle; move the shared part down a layer \
         (see ARCHITECTURE.md, Layers):\n{}",
        shown.join("\n")
    );
}

/// The layers of ARCHITECTURE.md, lowest first: a module may use its own layer and the ones
/// below. A module is placed by the longest prefix listed (`doc::markdown` before `doc`).
const LAYERS: &[&[&str]] = &[
    &["limits", "error", "problem", "paths"],
    &["source", "publication"],
    &["front_matter"],
    &["doc::markdown"],
    &["values"],
    &["doc"],
    &["refs", "contract"],
    &[
        "lint::rule",
        "lint::settings",
        "publish::settings",
        "recommend::settings",
    ],
    &["config"],
    &["kb", "routes"],
    &[
        "lint",
        "index",
        "render",
        "browse",
        "coverage",
        "recommend",
        "summary",
        "scaffold",
        "testkit",
        "publish",
    ],
];

fn layer(module: &str) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, names) in LAYERS.iter().enumerate() {
        for n in *names {
            let fits = module == *n || module.starts_with(&format!("{n}::"));
            if fits && best.is_none_or(|(len, _)| n.len() > len) {
                best = Some((n.len(), i));
            }
        }
    }
    best.map(|(_, i)| i)
}

#[test]
fn docengine_modules_use_only_their_layer_and_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src, "lib");
    // The most specific prefix places a module.
    assert!(layer("doc::markdown") < layer("values") && layer("values") < layer("doc::model"));
    assert!(layer("lint::settings") < layer("config") && layer("config") < layer("lint::rules"));
    let g = edges(&known);
    let mut wrong = Vec::new();
    for (from, targets) in &g {
        let Some(lf) = layer(from) else {
            wrong.push(format!("  {from} is in no layer: add it to LAYERS"));
            continue;
        };
        for to in targets {
            let lt = layer(to).unwrap_or(usize::MAX);
            if lt > lf {
                wrong.push(format!("  {from} (layer {lf}) uses {to} (layer {lt})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "docengine modules reach up a layer (see ARCHITECTURE.md, Layers):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn binary_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    let shown = cycles_in(&src, "main", "web::pages::search");
    assert!(
        shown.is_empty(),
        "the netstack binary's modules import each other in a cycle; move the shared part \
         into a module both use (in src/web: the page frame `web::pages` or `web::pages::parts`):\n{}",
        shown.join("\n")
    );
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    g.entry("d".into()).or_default().insert("a".into());
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::z;\n}\nfn f() { crate::b::g(); }\n";
    let kept = code(text);
    assert!(kept.contains("crate::a") && kept.contains("crate::b") && !kept.contains("crate::z"));
    assert_eq!(
        expand("crate::a::{b, c::{d, e as f}, self}"),
        vec![
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::a"
        ]
    );
}

#[test]
fn a_facade_reexport_is_not_a_use_but_a_private_use_of_a_child_is() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("facade/mod.rs", "mod model;\npub use model::Thing;\n");
    write("facade/model.rs", "use super::super::leaf::L;\n");
    write("leaf.rs", "pub struct L;\n");
    write("tangled/mod.rs", "mod part;\nuse part::f;\npub struct T;\n");
    write("tangled/part.rs", "use super::T;\npub fn f() {}\n");
    let g = edges(&modules(dir.path(), "lib"));
    assert!(!g["facade"].contains("facade::model"), "{g:?}");
    assert_eq!(cycles(&g), vec![vec!["tangled", "tangled::part"]]);
}

/// The checker on a binary's layout (crate root `main.rs`, a folder module with `mod.rs`):
/// the `web/pages` ↔ `web/search` cycle this crate once had is found, through `super::`
/// from a `mod.rs`, `crate::` from a child, and a path in code rather than a `use`; with the
/// search page moved under the page frame, none is.
#[test]
fn the_checker_reads_a_binary_crate() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        "main.rs",
        "mod web;\nuse crate::web::serve;\nfn main() { serve(); }\n",
    );
    write(
        "web/mod.rs",
        "mod pages;\nmod search;\npub fn serve() { pages::home::home(); }\n",
    );
    write(
        "web/pages/mod.rs",
        "pub mod home;\npub fn missing() -> Vec<String> { super::search::hits() }\n",
    );
    write(
        "web/pages/home.rs",
        "use crate::web::pages::missing;\npub fn home() { missing(); }\n",
    );
    write(
        "web/search.rs",
        "use crate::web::pages::home;\npub fn hits() -> Vec<String> { vec![] }\n#[cfg(test)]\nmod tests {\n    use crate::web::pages;\n}\n",
    );
    let shown = cycles_in(src, "main", "web::pages::home");
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(
        shown[0],
        "cycle:\n  web::pages -> web::search\n  web::pages::home -> web::pages\n  \
         web::search -> web::pages::home"
    );
    // The fix: the shared part in a frame both use, no import back.
    write("web/search.rs", "pub fn hits() -> Vec<String> { vec![] }\n");
    assert_eq!(cycles_in(src, "main", "web::search"), Vec::<String>::new());
}
