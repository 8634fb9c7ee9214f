//! The layers hold: imports run tui/cli -> core -> aws and never back up,
//! and no two modules of one folder import each other, directly or round a
//! circle. Read from the source, so the plan in ARCHITECTURE.md stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's module path: `src/tui/app/state/mod.rs` -> `tui::app::state`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text of a file that is compiled outside tests (tests may reach anywhere).
fn non_test_text(text: &str) -> &str {
    match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(path: &str) -> Vec<String> {
    let Some(open) = path.find('{') else {
        return vec![path.trim().trim_end_matches("::").to_string()];
    };
    let prefix = &path[..open];
    // The matching close brace.
    let mut depth = 0;
    let mut close = path.len();
    for (i, c) in path.char_indices().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = &path[open + 1..close];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .flat_map(|i| expand(&format!("{prefix}{i}")))
        .collect()
}

/// The paths a file names: `crate::…` and `super::…`, resolved to segments
/// from the crate root.
fn referenced(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    for start_word in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = text[from..].find(start_word) {
            let begin = from + at;
            from = begin + start_word.len();
            // A whole word: not `foo_crate::`.
            if begin > 0 && (bytes[begin - 1].is_ascii_alphanumeric() || bytes[begin - 1] == b'_') {
                continue;
            }
            // The path runs over identifiers, `::`, braces, commas and spaces
            // inside braces.
            let mut end = begin;
            let mut depth = 0;
            for (i, c) in text[begin..].char_indices() {
                let ok = c.is_ascii_alphanumeric()
                    || c == '_'
                    || c == ':'
                    || c == '{'
                    || c == '*'
                    || (depth > 0 && (c == '}' || c == ',' || c.is_whitespace()));
                if c == '{' {
                    depth += 1;
                }
                if c == '}' {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                if !ok {
                    break;
                }
                end = begin + i + c.len_utf8();
            }
            for path in expand(&text[begin..end]) {
                let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                let mut base: Vec<String> = Vec::new();
                match segs.first() {
                    Some(&"crate") => {
                        segs.remove(0);
                    }
                    Some(&"super") => {
                        // The parent module (of a file or of a folder's mod.rs alike).
                        base = module.to_vec();
                        base.pop();
                        segs.remove(0);
                        while segs.first() == Some(&"super") {
                            base.pop();
                            segs.remove(0);
                        }
                    }
                    _ => continue,
                }
                base.extend(segs.iter().map(|s| s.to_string()));
                out.push(base);
            }
        }
    }
    out
}

struct Graph {
    /// module -> the modules it names (longest known prefix of each path).
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let mut to = BTreeSet::new();
        for path in referenced(module, non_test_text(&text)) {
            for k in (1..=path.len()).rev() {
                if modules.contains_key(&path[..k]) {
                    if path[..k] != module[..] {
                        to.insert(path[..k].to_vec());
                    }
                    break;
                }
            }
        }
        edges.insert(module.clone(), to);
    }
    Graph { edges }
}

fn name(m: &[String]) -> String {
    m.join("::")
}

#[test]
fn imports_run_down_the_layers() {
    let g = graph();
    let mut wrong = Vec::new();
    for (from, tos) in &g.edges {
        let Some(layer) = from.first().map(String::as_str) else {
            continue;
        };
        for to in tos {
            let target = to.first().map(String::as_str).unwrap_or("");
            let allowed = match layer {
                "aws" => target == "aws",
                "core" => matches!(target, "core" | "aws"),
                "cli" => matches!(target, "cli" | "core" | "aws"),
                "tui" => matches!(target, "tui" | "core" | "aws"),
                // main.rs wires everything.
                _ => true,
            };
            if !allowed {
                wrong.push(format!("{} -> {}", name(from), name(to)));
            }
        }
    }
    assert!(wrong.is_empty(), "imports that go up a layer: {wrong:#?}");
}

#[test]
fn no_two_modules_of_a_folder_import_each_other_round_a_circle() {
    let g = graph();
    // For each folder: its direct children, each standing for everything
    // below it; an edge when something under one names something under
    // another. The folder's own mod.rs (the parent) is left out: a child
    // using its parent's types is how Rust modules are built.
    let folders: BTreeSet<Vec<String>> = g
        .edges
        .keys()
        .flat_map(|m| (0..m.len()).map(move |k| m[..k].to_vec()))
        .collect();
    let mut circles = Vec::new();
    for folder in folders {
        let child_of = |m: &Vec<String>| -> Option<String> {
            (m.len() > folder.len() && m[..folder.len()] == folder[..])
                .then(|| m[folder.len()].clone())
        };
        let mut sib: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, tos) in &g.edges {
            let Some(a) = child_of(from) else { continue };
            for to in tos {
                if let Some(b) = child_of(to)
                    && a != b
                {
                    sib.entry(a.clone()).or_default().insert(b);
                }
            }
        }
        // A circle: some child reaches itself.
        for start in sib.keys() {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<String> = sib[start].iter().cloned().collect();
            while let Some(n) = stack.pop() {
                if &n == start {
                    circles.push(format!("{}: {start} is in a circle", name(&folder)));
                    break;
                }
                if seen.insert(n.clone()) {
                    stack.extend(sib.get(&n).into_iter().flatten().cloned());
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_checker_sees_what_it_checks() {
    // The parser finds plain, nested and relative paths (else the tests
    // above would pass on nothing).
    let m = vec!["tui".to_string(), "app".to_string(), "update".to_string()];
    let found = referenced(
        &m,
        "use crate::core::{plan::{self, MutationKind}, journal};\nuse super::state::State;\nlet x = crate::aws::text::escape(s);",
    );
    let found: Vec<String> = found.iter().map(|p| name(p)).collect();
    for want in [
        "core::plan::self",
        "core::plan::MutationKind",
        "core::journal",
        "tui::app::state::State",
        "aws::text::escape",
    ] {
        assert!(found.iter().any(|f| f == want), "{want} not in {found:?}");
    }
    let g = graph();
    assert!(g.edges.len() > 50, "{} modules", g.edges.len());
    assert!(
        g.edges[&vec!["tui".to_string(), "runtime".to_string()]]
            .iter()
            .any(|t| t.first().map(String::as_str) == Some("core"))
    );
}
