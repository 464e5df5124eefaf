//! Issue 11: the CLI's modules import in one direction, main -> plan ->
//! connect -> families -> output, with no import loops among its top-level
//! modules. Read from the sources: every `crate::NAME` a non-test file (or
//! the non-test part of a file, before its `#[cfg(test)] mod tests`) names
//! is an edge from the file's top-level module to NAME.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, outermost first: a module may name only later ones.
const LAYERS: [&str; 5] = ["main", "plan", "connect", "families", "output"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`main` for main.rs).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a file without its unit tests and comments (a doc link
/// is no import).
fn non_test(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::NAME` in `code`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `ipmi_crate::`
        }
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            refs.insert(name);
        }
    }
    // `use crate::{a, b}` forms.
    for (i, _) in code.match_indices("use crate::{") {
        let rest = &code[i + "use crate::{".len()..];
        let list = &rest[..rest.find('}').unwrap_or(0)];
        for item in list.split(',') {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                refs.insert(name);
            }
        }
    }
    refs
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let module = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let targets = edges.entry(module.clone()).or_default();
        for name in crate_refs(&non_test(&text)) {
            if name != module {
                targets.insert(name);
            }
        }
    }
    edges
}

#[test]
fn layers_import_in_one_direction() {
    let edges = graph();
    for (from, targets) in &edges {
        let Some(layer) = LAYERS.iter().position(|l| l == from) else {
            continue;
        };
        for to in targets {
            if let Some(other) = LAYERS.iter().position(|l| l == to) {
                assert!(
                    other > layer,
                    "{from} imports {to}: the direction is {}",
                    LAYERS.join(" -> ")
                );
            }
        }
    }
    // The chain is there at all (a renamed module would pass vacuously).
    for pair in LAYERS.windows(2) {
        assert!(
            edges.contains_key(pair[0]) && edges.contains_key(pair[1]),
            "{pair:?}"
        );
    }
}

#[test]
fn no_import_loops() {
    let edges = graph();
    // Depth-first search for a back edge; reports the loop.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import loop: {} -> {node}", path[at..].join(" -> "));
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if edges.contains_key(next) {
                visit(next, edges, path, done);
            }
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done);
    }
}

/// The check itself: a loop and a wrong direction are found.
#[test]
fn the_checks_see_what_they_look_for() {
    let code = "use crate::plan::X;\nfn f() { crate::output::json::line(1); }\n\
                /// [`crate::main`]\nuse crate::{exit, families::mc};\n#[cfg(test)]\nmod tests { use crate::run; }";
    let refs = crate_refs(&non_test(code));
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["exit", "families", "output", "plan"]
    );
}
