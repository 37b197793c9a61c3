//! Reading policy documents: files and folders, YAML parsing with locations, and the map from
//! a document path (`spec.rules[2].when`) to its position, so semantic errors found later can
//! point at `file:line:column` too.
//!
//! Hostile input gets a clear error quickly: sources are capped in size, and the YAML parser
//! runs under a budget (depth, nodes, aliases) that stops anchor expansion bombs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::granit_parser::{Event, Parser};

use crate::diag::{Diagnostic, Location, Severity};
use crate::document::{API_VERSION, ActionDoc, Document, PolicyDoc, TemplateDoc};

/// Largest source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;
/// Deepest YAML nesting accepted.
pub const MAX_DEPTH: usize = 32;

/// One YAML text and the name it is reported under (usually its path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// Positions of every node of a document, by document path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathMap {
    positions: BTreeMap<String, (u32, u32)>,
}

impl PathMap {
    /// The position of `path`, or of its nearest recorded ancestor.
    pub fn position(&self, path: &str) -> (u32, u32) {
        let mut p = path.to_string();
        loop {
            if let Some(pos) = self.positions.get(&p) {
                return *pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return self.positions.get("").copied().unwrap_or((1, 1)),
            }
        }
    }
}

/// A parsed document with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub document: Document,
    pub file: String,
    pub paths: PathMap,
}

impl Parsed {
    pub fn location(&self, path: &str) -> Location {
        let (line, column) = self.paths.position(path);
        Location { file: self.file.clone(), line, column, path: path.to_string() }
    }

    pub fn diag(&self, severity: Severity, code: &'static str, path: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity, code, message: message.into(), location: self.location(path) }
    }
}

fn diag(file: &str, line: u32, column: u32, code: &'static str, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code,
        message: message.into(),
        location: Location { file: file.to_string(), line, column, path: String::new() },
    }
}

/// Collects `*.yaml`/`*.yml` files from files and folders (recursively, sorted).
pub fn load_paths(paths: &[PathBuf]) -> (Vec<Source>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for p in paths {
        collect(p, &mut files, &mut diags);
    }
    files.sort();
    files.dedup();
    let mut sources = Vec::new();
    for f in files {
        let name = f.display().to_string();
        match std::fs::metadata(&f) {
            Ok(m) if m.len() as usize > MAX_SOURCE_BYTES => {
                diags.push(diag(
                    &name,
                    1,
                    1,
                    "PV002",
                    format!("the file is {} bytes; the limit is {MAX_SOURCE_BYTES}", m.len()),
                ));
                continue;
            }
            Err(e) => {
                diags.push(diag(&name, 1, 1, "PV001", format!("cannot read: {e}")));
                continue;
            }
            Ok(_) => {}
        }
        match std::fs::read_to_string(&f) {
            Ok(text) => sources.push(Source::new(name, text)),
            Err(e) => diags.push(diag(&name, 1, 1, "PV001", format!("cannot read: {e}"))),
        }
    }
    (sources, diags)
}

fn collect(p: &Path, files: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    if p.is_dir() {
        let Ok(entries) = std::fs::read_dir(p) else {
            diags.push(diag(&p.display().to_string(), 1, 1, "PV001", "cannot read the folder"));
            return;
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for c in children {
            if c.is_dir() {
                collect(&c, files, diags);
            } else if c.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(c);
            }
        }
    } else if p.exists() {
        files.push(p.to_path_buf());
    } else {
        diags.push(diag(&p.display().to_string(), 1, 1, "PV001", "no such file or folder"));
    }
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = 200;
    budget.max_anchors = 200;
    budget.max_nodes = 100_000;
    budget.max_events = 400_000;
    budget.max_documents = 256;
    budget.max_recorded_anchor_events = 20_000;
    budget.max_recorded_anchor_bytes = 1024 * 1024;
    budget.max_total_scalar_bytes = 2 * MAX_SOURCE_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// One document's slice of a file.
struct Slice {
    start: usize,
    end: usize,
    /// Line of the slice's first character in the file, 1-based.
    line: u32,
    paths: PathMap,
}

/// Walks the YAML events once: splits documents and records every node's position.
fn scan(text: &str, file: &str) -> Result<Vec<Slice>, Diagnostic> {
    enum Frame {
        Map { key: Option<String>, expecting_key: bool },
        Seq { index: usize },
    }
    let mut slices = Vec::new();
    let mut stack: Vec<(Frame, String)> = Vec::new();
    let mut current: Option<Slice> = None;
    let to_pos = |m: &serde_saphyr::granit_parser::Marker| (m.line() as u32, m.col() as u32 + 1);
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            let m = e.marker();
            diag(file, m.line() as u32, m.col() as u32 + 1, "PV001", format!("YAML syntax: {}", e.info()))
        })?;
        let offset = |m: &serde_saphyr::granit_parser::Marker| m.byte_offset().unwrap_or(m.index()).min(text.len());
        match event {
            Event::DocumentStart(..) => {
                let mut paths = PathMap::default();
                paths.positions.insert(String::new(), to_pos(&span.start));
                current =
                    Some(Slice { start: offset(&span.start), end: text.len(), line: span.start.line() as u32, paths });
                stack.clear();
            }
            Event::DocumentEnd => {
                if let Some(mut s) = current.take() {
                    s.end = offset(&span.end).max(s.start);
                    slices.push(s);
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) | Event::Scalar(..) | Event::Alias(..) => {
                let Some(slice) = current.as_mut() else { continue };
                // Is this scalar a mapping key?
                if let (Event::Scalar(value, ..), Some((Frame::Map { key, expecting_key }, base))) =
                    (&event, stack.last_mut())
                    && *expecting_key
                {
                    let path = if base.is_empty() { value.to_string() } else { format!("{base}.{value}") };
                    slice.paths.positions.entry(path).or_insert(to_pos(&span.start));
                    *key = Some(value.to_string());
                    *expecting_key = false;
                    continue;
                }
                // A value: its path comes from the parent.
                let path = match stack.last() {
                    None => String::new(),
                    Some((Frame::Map { key, .. }, base)) => {
                        let k = key.clone().unwrap_or_default();
                        if base.is_empty() { k } else { format!("{base}.{k}") }
                    }
                    Some((Frame::Seq { index }, base)) => format!("{base}[{index}]"),
                };
                slice.paths.positions.entry(path.clone()).or_insert(to_pos(&span.start));
                match event {
                    Event::MappingStart(..) => stack.push((Frame::Map { key: None, expecting_key: true }, path)),
                    Event::SequenceStart(..) => stack.push((Frame::Seq { index: 0 }, path)),
                    _ => finish_value(&mut stack),
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                finish_value(&mut stack);
            }
            _ => {}
        }
    }
    fn finish_value(stack: &mut [(Frame, String)]) {
        match stack.last_mut() {
            Some((Frame::Map { expecting_key, .. }, _)) => *expecting_key = true,
            Some((Frame::Seq { index }, _)) => *index += 1,
            None => {}
        }
    }
    if let Some(s) = current.take() {
        slices.push(s);
    }
    Ok(slices)
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    kind: Option<String>,
}

fn yaml_error(file: &str, line_offset: u32, e: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = match e.location() {
        Some(l) => (l.line() as u32 + line_offset.saturating_sub(1), l.column() as u32),
        None => (line_offset.max(1), 1),
    };
    let text = e.without_snippet().to_string();
    let first = text.lines().next().unwrap_or("invalid YAML");
    // The position is reported separately; drop the parser's own " at line N, column M".
    let message = match first.find(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    };
    let limit_hit = matches!(
        e,
        serde_saphyr::Error::Budget { .. }
            | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
            | serde_saphyr::Error::AliasReplayLimitExceeded { .. }
            | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. }
    ) || message.starts_with("budget breached");
    let code = if limit_hit { "PV002" } else { "PV001" };
    diag(file, line.max(1), column.max(1), code, message)
}

/// Parses every document of `src`. All problems are reported, one per document at most.
pub fn parse(src: &Source) -> Result<Vec<Parsed>, Vec<Diagnostic>> {
    if src.text.len() > MAX_SOURCE_BYTES {
        return Err(vec![diag(
            &src.name,
            1,
            1,
            "PV002",
            format!("the source is {} bytes; the limit is {MAX_SOURCE_BYTES}", src.text.len()),
        )]);
    }
    // The budgeted parse first: it refuses bombs before anything else walks the input.
    if let Err(e) = serde_saphyr::from_multiple_with_options::<serde::de::IgnoredAny>(&src.text, options()) {
        return Err(vec![yaml_error(&src.name, 1, &e)]);
    }
    let slices = scan(&src.text, &src.name).map_err(|d| vec![d])?;
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for slice in slices {
        let text = &src.text[slice.start..slice.end];
        if text.trim().trim_start_matches("---").trim().is_empty() {
            continue;
        }
        let probe: Probe = match serde_saphyr::from_str_with_options(text, options()) {
            Ok(p) => p,
            Err(e) => {
                diags.push(yaml_error(&src.name, slice.line, &e));
                continue;
            }
        };
        let (line, col) = slice.paths.position("");
        if probe.api_version.as_deref() != Some(API_VERSION) {
            let (l, c) = slice.paths.position("apiVersion");
            diags.push(Diagnostic {
                severity: Severity::Error,
                code: "PV003",
                message: format!(
                    "apiVersion must be `{API_VERSION}`, found {:?}",
                    probe.api_version.unwrap_or_default()
                ),
                location: Location {
                    file: src.name.clone(),
                    line: if l == line { line } else { l },
                    column: c,
                    path: "apiVersion".into(),
                },
            });
            continue;
        }
        let document = match probe.kind.as_deref() {
            Some("Policy") => serde_saphyr::from_str_with_options::<KindStripped<PolicyDoc>>(text, options())
                .map(|d| Document::Policy(d.0)),
            Some("Action") => serde_saphyr::from_str_with_options::<KindStripped<ActionDoc>>(text, options())
                .map(|d| Document::Action(d.0)),
            Some("PlanTemplate") => serde_saphyr::from_str_with_options::<KindStripped<TemplateDoc>>(text, options())
                .map(|d| Document::PlanTemplate(d.0)),
            other => {
                let (l, c) = slice.paths.position("kind");
                let _ = (line, col);
                diags.push(Diagnostic {
                    severity: Severity::Error,
                    code: "PV003",
                    message: format!(
                        "kind must be Policy, Action or PlanTemplate, found {:?}",
                        other.unwrap_or_default()
                    ),
                    location: Location { file: src.name.clone(), line: l, column: c, path: "kind".into() },
                });
                continue;
            }
        };
        match document {
            Ok(document) => out.push(Parsed { document, file: src.name.clone(), paths: slice.paths }),
            Err(e) => diags.push(yaml_error(&src.name, slice.line, &e)),
        }
    }
    if diags.is_empty() { Ok(out) } else { Err(diags) }
}

/// Deserializes `T` from a document that also has a `kind` key (which `T` does not declare, and
/// which `deny_unknown_fields` would otherwise refuse).
struct KindStripped<T>(T);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for KindStripped<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Reading through a map visitor keeps the deserializer's own positions for errors in
        // the remaining fields.
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a document mapping")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(SkipKind { inner: map })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData)).map(KindStripped)
    }
}

/// A map access that hides the `kind` entry.
struct SkipKind<A> {
    inner: A,
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for SkipKind<A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        loop {
            // Peek the key as a string; `kind` is skipped, anything else is replayed to `seed`.
            let Some(key) = self.inner.next_key::<String>()? else { return Ok(None) };
            if key == "kind" {
                self.inner.next_value::<serde::de::IgnoredAny>()?;
                continue;
            }
            return seed.deserialize(serde::de::value::StringDeserializer::new(key)).map(Some);
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        self.inner.next_value_seed(seed)
    }
}

impl<'de, A: serde::de::MapAccess<'de>> serde::Deserializer<'de> for SkipKind<A> {
    type Error = A::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_lines() {
        let src = Source::new(
            "p.yaml",
            "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata:\n  name: x\n  org: acme\nspec:\n  rules:\n    - name: a\n      actions: [\"*\"]\n      effect: allow\n    - name: b\n      actions: [\"deploy.*\"]\n      when: 'params.env == \"prod\"'\n      effect: deny\n",
        );
        let parsed = parse(&src).unwrap();
        assert_eq!(parsed.len(), 1);
        let loc = parsed[0].location("spec.rules[1].when");
        assert_eq!((loc.line, loc.column), (13, 7));
        let loc = parsed[0].location("spec.rules[1]");
        assert_eq!(loc.line, 11);
        // An unknown path falls back to its nearest ancestor.
        assert_eq!(parsed[0].location("spec.rules[1].nope").line, 11);
    }

    #[test]
    fn several_documents_keep_their_own_lines() {
        let src = Source::new(
            "multi.yaml",
            "apiVersion: praetor.dev/v1\nkind: Action\nmetadata: {name: a.b, org: acme}\nspec:\n  handler: {builtin: state.set}\n---\napiVersion: praetor.dev/v1\nkind: Action\nmetadata: {name: c.d, org: acme}\nspec:\n  handler: {builtin: state.set}\n  risk: extreme\n",
        );
        let err = parse(&src).unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].location.line, 12, "{:?}", err[0]);
        assert_eq!(err[0].code, "PV001");
    }

    #[test]
    fn unknown_fields_are_errors_with_their_line() {
        let src = Source::new(
            "u.yaml",
            "apiVersion: praetor.dev/v1\nkind: Policy\nmetadata: {name: x, org: acme}\nspec:\n  rulez: []\n",
        );
        let err = parse(&src).unwrap_err();
        assert_eq!(err[0].code, "PV001", "{:?}", err[0]);
        assert_eq!(err[0].location.line, 5, "{:?}", err[0]);
        assert!(err[0].message.contains("rulez"), "{}", err[0].message);
    }

    #[test]
    fn hostile_yaml_is_refused_quickly() {
        let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            bomb.push_str(&format!(
                "l{i}: &l{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let err = parse(&Source::new("bomb.yaml", bomb)).unwrap_err();
        assert_eq!(err[0].code, "PV002", "{:?}", err[0]);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));

        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let err = parse(&Source::new("deep.yaml", deep)).unwrap_err();
        assert!(err[0].code == "PV002" || err[0].code == "PV001", "{:?}", err[0]);

        let huge = "x".repeat(MAX_SOURCE_BYTES + 1);
        assert_eq!(parse(&Source::new("huge.yaml", huge)).unwrap_err()[0].code, "PV002");
    }

    #[test]
    fn wrong_api_version_and_kind() {
        let err = parse(&Source::new("v.yaml", "apiVersion: v2\nkind: Policy\n")).unwrap_err();
        assert_eq!((err[0].code, err[0].location.line), ("PV003", 1));
        let err = parse(&Source::new("k.yaml", "apiVersion: praetor.dev/v1\nkind: Poilcy\n")).unwrap_err();
        assert_eq!((err[0].code, err[0].location.line), ("PV003", 2));
    }
}
