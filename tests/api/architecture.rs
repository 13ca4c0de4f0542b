//! The shape of the code, checked on every run: the crates point one way, no circle of imports
//! joins the files of a crate, and no source file outgrows 600 lines.
//!
//! The import graph has one node per source file and an edge for every path that names
//! another file's module: `crate::a::b::C` points at the file of `a::b` (or of `a` when `b`
//! is an item), `super::…` likewise from the parent. A module's own declaration of its
//! children (`mod x;`, `pub use x::…`) is the module tree, not an import, and is not an edge.
//! Test code (`tests.rs`, `*_properties.rs` and `#[cfg(test)]` modules) is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be, counted whole (a long test module goes to its own
/// `tests.rs`).
const MAX_LINES: usize = 600;

/// Which of the workspace's crates each crate may depend on: the domain at the bottom, the
/// use cases on it, the adapters beside them, and only the server wiring everything.
const ALLOWED: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("app", &["domain"]),
    ("db", &["domain"]),
    ("search", &["domain"]),
    ("mail", &["domain"]),
    ("jobs", &["domain", "app"]),
    ("web", &["domain", "app"]),
    (
        "server",
        &["domain", "app", "db", "search", "mail", "jobs", "web"],
    ),
];

fn backend() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../backend")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Whether a file holds only tests.
fn test_file(path: &Path) -> bool {
    let name = path.file_name().unwrap().to_string_lossy();
    name == "tests.rs" || name.ends_with("_tests.rs") || name.ends_with("_properties.rs")
}

/// The module path of a file under `src` (`lib.rs` is the root, `a/mod.rs` and `a.rs` are `a`);
/// `None` for the roots of other targets (`src/bin/…`, `main.rs` beside a `lib.rs`).
fn module_of(src: &Path, file: &Path) -> Option<Vec<String>> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        if parts[0] == "main" && src.join("lib.rs").exists() {
            return None;
        }
        return Some(vec![]);
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// The source without comments and without `#[cfg(test)]` modules written inline.
fn code_of(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|n| n.trim_start().starts_with("mod ") && n.trim_end().ends_with('{'))
        {
            // Skip the module: up to the brace that closes it.
            let mut depth = 0i32;
            for l in lines.by_ref() {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                if depth <= 0 && l.contains('}') {
                    break;
                }
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        // A trailing comment goes too (a `//` inside a string is rare in paths we look for).
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip_ws(s: &[u8], i: &mut usize) {
    while *i < s.len() && s[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

/// The paths a use tree starting at `s[i]` names: `a::{b, c::d}` gives `a::b` and `a::c::d`;
/// a glob or `self` ends the path where it stands.
fn paths_at(s: &[u8], i: &mut usize) -> Vec<Vec<String>> {
    skip_ws(s, i);
    if *i >= s.len() {
        return vec![];
    }
    if s[*i] == b'{' {
        *i += 1;
        let mut out = vec![];
        loop {
            skip_ws(s, i);
            if *i >= s.len() {
                return out;
            }
            if s[*i] == b'}' {
                *i += 1;
                return out;
            }
            let before = *i;
            out.extend(paths_at(s, i));
            skip_ws(s, i);
            // Past a rename (`x as y`) to the next comma or the end of the group.
            while *i < s.len() && s[*i] != b',' && s[*i] != b'}' {
                *i += 1;
            }
            if *i < s.len() && s[*i] == b',' {
                *i += 1;
            }
            if *i == before {
                *i += 1;
            }
        }
    }
    if s[*i] == b'*' {
        *i += 1;
        return vec![vec![]];
    }
    let start = *i;
    while *i < s.len() && is_ident(s[*i]) {
        *i += 1;
    }
    if start == *i {
        return vec![];
    }
    let ident = String::from_utf8_lossy(&s[start..*i]).into_owned();
    if ident == "self" {
        return vec![vec![]];
    }
    if s[*i..].starts_with(b"::") {
        *i += 2;
        let rest = paths_at(s, i);
        if rest.is_empty() {
            return vec![vec![ident]];
        }
        return rest
            .into_iter()
            .map(|mut p| {
                p.insert(0, ident.clone());
                p
            })
            .collect();
    }
    vec![vec![ident]]
}

/// The modules a file's code names through `crate::` and `super::` paths, as absolute paths
/// (still possibly ending in an item).
fn named_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let mut out = vec![];
    for kw in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(kw).map(|k| k + from) {
            from = at + kw.len();
            let preceded = at > 0 && (is_ident(s[at - 1]) || s[at - 1] == b':');
            if preceded {
                continue;
            }
            let mut base: Vec<String> = if kw == "crate::" {
                vec![]
            } else {
                module[..module.len().saturating_sub(1)].to_vec()
            };
            let mut i = from;
            while s[i..].starts_with(b"super::") {
                base.pop();
                i += "super::".len();
            }
            for p in paths_at(s, &mut i) {
                let mut full = base.clone();
                full.extend(p);
                out.push(full);
            }
        }
    }
    out
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// The import graph of one crate's `src`.
fn import_graph(src: &Path) -> Graph {
    let files: BTreeMap<Vec<String>, PathBuf> = rust_files(src)
        .into_iter()
        .filter(|f| !test_file(f))
        .filter_map(|f| module_of(src, &f).map(|m| (m, f)))
        .collect();
    let mut graph = Graph::new();
    for (module, file) in &files {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let mut edges = BTreeSet::new();
        for path in named_paths(&code, module) {
            // The file of the longest prefix that is a module.
            let target = (0..=path.len())
                .rev()
                .map(|k| path[..k].to_vec())
                .find(|p| files.contains_key(p))
                .unwrap_or_default();
            if &target != module {
                edges.insert(target);
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

/// The strongly connected parts of more than one node (Tarjan's algorithm): the circles.
fn circles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        graph: &'a Graph,
        next: usize,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(st: &mut State<'a>, v: &'a Vec<String>) {
        st.index.insert(v, st.next);
        st.low.insert(v, st.next);
        st.next += 1;
        st.stack.push(v);
        st.on_stack.insert(v);
        for w in st.graph.get(v).into_iter().flatten() {
            let Some((w, _)) = st.graph.get_key_value(w) else {
                continue;
            };
            if !st.index.contains_key(w) {
                visit(st, w);
                let lw = st.low[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if st.on_stack.contains(w) {
                let iw = st.index[w];
                let lv = st.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if st.low[v] == st.index[v] {
            let mut part = vec![];
            loop {
                let w = st.stack.pop().unwrap();
                st.on_stack.remove(w);
                part.push(w.clone());
                if w == v {
                    break;
                }
            }
            if part.len() > 1 {
                part.sort();
                st.found.push(part);
            }
        }
    }
    let mut st = State {
        graph,
        next: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on_stack: BTreeSet::new(),
        found: vec![],
    };
    for v in graph.keys() {
        if !st.index.contains_key(v) {
            visit(&mut st, v);
        }
    }
    st.found
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("::")
    }
}

fn crates() -> Vec<(String, PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(backend())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").exists())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    out
}

#[test]
fn no_circle_of_imports_joins_the_files_of_any_crate() {
    let mut report = vec![];
    let mut nodes = 0;
    for (krate, dir) in crates() {
        let graph = import_graph(&dir.join("src"));
        nodes += graph.len();
        for part in circles(&graph) {
            let set: BTreeSet<_> = part.iter().collect();
            let arrows: Vec<String> = part
                .iter()
                .map(|m| {
                    let to: Vec<_> = graph[m]
                        .iter()
                        .filter(|t| set.contains(t))
                        .map(|t| name(t))
                        .collect();
                    format!("{} -> {}", name(m), to.join(", "))
                })
                .collect();
            report.push(format!("{krate}: {}", arrows.join("; ")));
        }
    }
    assert!(nodes > 100, "the walk found only {nodes} files");
    assert!(report.is_empty(), "import circles:\n{}", report.join("\n"));
}

#[test]
fn the_import_graph_sees_grouped_nested_and_relative_paths() {
    let module = vec!["a".to_string(), "b".to_string()];
    let code = "use crate::{x::{Y, z::W}, v as u};\nfn f() { super::c::g(); super::super::d(); }\n\
                let s = my_crate::nope::N;";
    let mut got = named_paths(&code_of(code), &module);
    got.sort();
    let want: Vec<Vec<String>> = [
        vec!["a", "c", "g"],
        vec!["d"],
        vec!["v"],
        vec!["x", "Y"],
        vec!["x", "z", "W"],
    ]
    .into_iter()
    .map(|p| p.into_iter().map(String::from).collect())
    .collect();
    assert_eq!(got, want);
    // A test module and comments are not code.
    let code = "// crate::q::Q\nfn f() {}\n#[cfg(test)]\nmod tests {\n    use crate::r::R;\n}\n";
    assert!(named_paths(&code_of(code), &module).is_empty());
}

#[test]
fn the_circle_finder_finds_a_circle_and_only_a_circle() {
    let m = |s: &str| vec![s.to_string()];
    let mut g = Graph::new();
    g.insert(m("a"), [m("b")].into());
    g.insert(m("b"), [m("c")].into());
    g.insert(m("c"), [m("a"), m("d")].into());
    g.insert(m("d"), BTreeSet::new());
    assert_eq!(circles(&g), vec![vec![m("a"), m("b"), m("c")]]);
    g.insert(m("c"), [m("d")].into());
    assert!(circles(&g).is_empty());
}

#[test]
fn no_source_file_is_over_600_lines_test_files_aside() {
    let mut long = vec![];
    for (_, dir) in crates() {
        for f in rust_files(&dir.join("src")) {
            if test_file(&f) {
                continue;
            }
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            if n > MAX_LINES {
                let shown = f
                    .strip_prefix(backend())
                    .unwrap_or(&f)
                    .display()
                    .to_string();
                long.push(format!("backend/{shown} ({n} lines)"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_crates_point_one_way_and_only_the_server_wires_them() {
    let ours: BTreeSet<&str> = ALLOWED.iter().map(|(c, _)| *c).collect();
    let found: BTreeSet<String> = crates().into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        found,
        ours.iter().map(|c| c.to_string()).collect(),
        "a crate was added or removed: give it its place in ALLOWED"
    );
    for (krate, allowed) in ALLOWED {
        let manifest = std::fs::read_to_string(backend().join(krate).join("Cargo.toml")).unwrap();
        let deps: BTreeSet<&str> = dependency_names(&manifest)
            .into_iter()
            .filter(|d| ours.contains(d))
            .collect();
        let allowed: BTreeSet<&str> = allowed.iter().copied().collect();
        assert!(
            deps.is_subset(&allowed),
            "{krate} depends on {:?}, beyond {allowed:?}",
            deps.difference(&allowed).collect::<Vec<_>>()
        );
    }
}

/// The names in a manifest's `[dependencies]` (not dev- or build-dependencies).
fn dependency_names(manifest: &str) -> Vec<&str> {
    let mut in_deps = false;
    let mut out = vec![];
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_deps = t == "[dependencies]";
            continue;
        }
        if in_deps && let Some((k, _)) = t.split_once('=') {
            let k = k.trim();
            out.push(k.split('.').next().unwrap_or(k));
        }
    }
    out
}
