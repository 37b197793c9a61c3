//! Diagnostics: what is wrong, where (`file:line:column` and the document path such as
//! `spec.rules[2].when`), with a stable code, and the renderers for people, JSON and SARIF.

use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// The document path, e.g. `spec.rules[2].when` (empty for the whole file).
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub location: Location,
}

/// Every code with a one-line meaning (also listed in `policies/README.md`).
pub const CODES: &[(&str, &str)] = &[
    ("PV001", "the YAML does not parse, or a field has the wrong type or is unknown"),
    ("PV002", "the input is too large, too deep or expands too much (anchors)"),
    ("PV003", "unsupported apiVersion or kind"),
    ("PV004", "a name is missing, malformed or used twice"),
    ("PV005", "a CEL expression does not compile or is too long or complex"),
    ("PV006", "a CEL expression uses an unknown variable"),
    ("PV007", "a CEL expression reads a field its schema does not have"),
    ("PV008", "a parameters or state schema is not a valid JSON Schema, or its `x-synonyms` are wrong"),
    ("PV009", "require_approval without approval stages, or stages on another effect"),
    ("PV010", "a time, duration or time zone does not parse"),
    ("PV011", "an alias or a title names a placeholder that is not a parameter"),
    ("PV012", "a handler is not exactly one of builtin or external, or names an unknown built-in"),
    ("PV013", "a template step or compensation names an action that does not exist"),
    ("PV014", "a number is out of range (counts, limits, budgets, costs)"),
    ("PV015", "a project policy names an organization other than its set's"),
    ("PV101", "an action name or glob matches no registered action"),
    ("PV102", "a rule can never decide: an earlier rule of higher precedence covers it"),
    ("PV103", "allow and deny rules conflict on the same actions and condition"),
    ("PV104", "an approval stage names an unknown group"),
    ("PV105", "an approval stage needs more approvers than its groups have members"),
    ("PV106", "an approval stage can only be satisfied by the proposer"),
    ("PV107", "a window never opens"),
    ("PV108", "a project limit or budget is looser than its organization's"),
    ("PV109", "a role may edit the policy that governs it (escalation path)"),
];

pub fn describe(code: &str) -> &'static str {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, d)| *d).unwrap_or("")
}

/// `file:line:column: severity[CODE]: message (at path)`, one per line.
pub fn render_human(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let at = if d.location.path.is_empty() { String::new() } else { format!(" (at {})", d.location.path) };
        out.push_str(&format!(
            "{}:{}:{}: {}[{}]: {}{at}\n",
            d.location.file,
            d.location.line,
            d.location.column,
            d.severity.as_str(),
            d.code,
            d.message
        ));
    }
    out
}

pub fn render_json(diags: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(&json!({ "diagnostics": diags })).unwrap_or_else(|_| "{}".into())
}

/// SARIF 2.1.0, for code-scanning tools in CI.
pub fn render_sarif(diags: &[Diagnostic]) -> String {
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| json!({"id": c, "shortDescription": {"text": describe(c)}, "helpUri": "https://github.com/praetor/praetor/blob/main/policies/README.md"}))
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "ruleId": d.code,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning", Severity::Info => "note" },
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": d.location.file},
                        "region": {"startLine": d.location.line.max(1), "startColumn": d.location.column.max(1)}
                    },
                    "logicalLocations": [{"fullyQualifiedName": d.location.path}]
                }]
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "praetor policy", "informationUri": "https://github.com/praetor/praetor", "rules": rules}},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into())
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}
