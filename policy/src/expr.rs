//! CEL conditions and templates, bounded.
//!
//! The `cel` crate has no cost limit of its own, so bounds are enforced here, before and
//! around evaluation: expressions are capped in length, nesting and chained operators (a chain
//! nests the parse tree as deeply as brackets, and parsing recurses per level), at most one level of
//! comprehension (`all`, `exists`, `map`, `filter`) is allowed so evaluation is linear in its
//! inputs, and inputs come from documents that are themselves size-capped. Programs are
//! compiled once (per policy set) and shared. An evaluation error is returned as an error value:
//! callers deny (fail closed); nothing here panics.

use std::collections::BTreeSet;
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr};
use cel::{Context, IdedExpr, Program, Value as CelValue};
use chrono::{DateTime, Utc};
use serde_json::Value;

pub const MAX_EXPR_CHARS: usize = 4096;
pub const MAX_NESTING: usize = 32;
pub const MAX_COMPREHENSIONS: usize = 4;
/// Operators and member accesses (`a.b`, `x.size()`) in one expression.
pub const MAX_OPERATORS: usize = 100;

/// The variables a condition may use.
pub const VARIABLES: &[&str] = &["params", "state", "principal", "plan", "now", "usage"];

/// A compiled expression, shareable across threads.
#[derive(Clone)]
pub struct Compiled {
    pub source: String,
    program: Arc<Program>,
    /// Variables (from [`VARIABLES`] or others) the expression reads.
    pub variables: BTreeSet<String>,
    /// Field paths read from variables: `params.env` is `("params", ["env"])`.
    pub fields: Vec<(String, Vec<String>)>,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({:?})", self.source)
    }
}

/// How deep `src` nests brackets, and how many operators and member accesses it chains
/// outside string literals. The parser and the evaluator recurse once per level of the parse
/// tree, and a chain (`1+1+…`, `a.b.c…`, `x.size().size()…`) nests it as deeply as brackets do:
/// both are capped, so no expression can overflow a thread's stack.
///
/// A string literal is skipped only as far as cel's lexer would read it as one: a backslash
/// that starts no CEL escape ends the scan of the literal there, since the lexer rejects the
/// literal and the parser goes on over what follows as code (brackets hidden behind `'\{`
/// would otherwise go uncounted). A line break ends a literal that is not triple-quoted the same
/// way. This reading serves the error message; [`parse`] makes a mistake in it harmless.
fn shape(src: &str) -> (usize, usize) {
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut operators = 0usize;
    let mut in_str: Option<char> = None;
    // A raw string (`r'…'`, `br'…'`) has no escapes: a backslash is just a character.
    let mut raw = false;
    // A triple-quoted string (`'''…'''`) may hold line breaks and lone quotes.
    let mut triple = false;
    let mut escaped = false;
    let mut word = String::new();
    let mut chars = src.chars().peekable();
    // Whether the next two characters are `q` too.
    let tripled = |chars: &std::iter::Peekable<std::str::Chars<'_>>, q: char| {
        let mut ahead = chars.clone();
        ahead.next() == Some(q) && ahead.next() == Some(q)
    };
    while let Some(c) = chars.next() {
        if let Some(q) = in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' && !raw {
                let next = chars.peek().copied();
                match next {
                    Some(n) if is_escape(n) && hex_follows(n, &chars) => escaped = true,
                    _ => in_str = None,
                }
            } else if (c == '\n' || c == '\r') && !triple {
                in_str = None;
            } else if c == q && (!triple || tripled(&chars, q)) {
                if triple {
                    chars.nth(1);
                }
                in_str = None;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if word == "in" {
            operators += 1;
        }
        let prefix = std::mem::take(&mut word);
        match c {
            '"' | '\'' => {
                in_str = Some(c);
                raw = matches!(prefix.to_ascii_lowercase().as_str(), "r" | "br" | "rb");
                triple = tripled(&chars, c);
                if triple {
                    chars.nth(1);
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '.' | '+' | '-' | '*' | '/' | '%' | '?' | '!' | '<' | '>' => operators += 1,
            '=' | '&' | '|' => {
                // `==`, `&&`, `||` are one operator each.
                if chars.peek() == Some(&c) {
                    chars.next();
                }
                operators += 1;
            }
            _ => {}
        }
    }
    if word == "in" {
        operators += 1;
    }
    (max, operators)
}

/// Whether `c` may follow a backslash in a CEL string literal (`\n`, `\x41`, `\u00e9`, `\101`, …).
/// Whether the escape that `n` starts (the iterator is at `n`) has the hex digits it needs:
/// four after `u`, eight after `U`, two after `x`/`X`, none after the others. cel's lexer
/// rejects `\u{…` and the like, and reads what follows as code.
fn hex_follows(n: char, chars: &std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let digits = match n {
        'u' => 4,
        'U' => 8,
        'x' | 'X' => 2,
        _ => return true,
    };
    let mut ahead = chars.clone();
    ahead.next();
    ahead.take(digits).filter(|c| c.is_ascii_hexdigit()).count() == digits
}

fn is_escape(c: char) -> bool {
    matches!(c, '\\' | '?' | '"' | '\'' | '`' | 'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | 'x' | 'X' | 'u' | 'U')
        || c.is_digit(8)
}

/// Compiles `src`, refusing what could make evaluation unbounded.
pub fn compile(src: &str) -> Result<Compiled, String> {
    let chars = src.chars().count();
    if chars > MAX_EXPR_CHARS {
        return Err(format!("the expression has {chars} characters; the limit is {MAX_EXPR_CHARS}"));
    }
    let (nesting, operators) = shape(src);
    if nesting > MAX_NESTING {
        return Err(format!("the expression nests deeper than {MAX_NESTING} levels"));
    }
    if operators > MAX_OPERATORS {
        return Err(format!(
            "the expression chains {operators} operators and member accesses; the limit is {MAX_OPERATORS}"
        ));
    }
    let program = parse(src)?;
    let mut walk = Walk::default();
    walk.expr(program.expression(), &mut Vec::new(), 0)?;
    if walk.comprehensions > MAX_COMPREHENSIONS {
        return Err(format!(
            "at most {MAX_COMPREHENSIONS} comprehension macros (all, exists, map, filter) per expression"
        ));
    }
    Ok(Compiled { source: src.to_string(), program: Arc::new(program), variables: walk.variables, fields: walk.fields })
}

/// The deepest parse tree [`compile`] accepts. The checks in [`shape`] keep an expression well
/// below it (brackets nest at most [`MAX_NESTING`] deep, chains add at most [`MAX_OPERATORS`]
/// levels); this holds whatever [`shape`]'s reading of string literals misses, so evaluation,
/// which recurses once per level on the caller's stack, stays bounded.
pub const MAX_TREE_DEPTH: usize = MAX_NESTING + MAX_OPERATORS + 32;

/// The stack cel's parser runs on. It recurses several frames per level of its input, and the
/// checks before it bound the levels only as well as [`shape`] knows cel's lexer, so it gets
/// room for the deepest input [`MAX_EXPR_CHARS`] allows. This is address space: only the pages
/// a parse touches take memory.
const PARSE_STACK: usize = 256 << 20;

/// Parses `src` on a stack of its own and refuses a tree deeper than [`MAX_TREE_DEPTH`]. A
/// refused tree is measured and dropped on that stack too (both recurse per level).
fn parse(src: &str) -> Result<Program, String> {
    stacker::grow(PARSE_STACK, || {
        let program =
            Program::compile(src).map_err(|e| e.to_string().lines().next().unwrap_or("does not parse").to_string())?;
        let depth = tree_depth(program.expression());
        if depth > MAX_TREE_DEPTH {
            return Err(format!("the expression nests {depth} levels deep; the limit is {MAX_TREE_DEPTH}"));
        }
        Ok(program)
    })
}

/// How many levels deep the parse tree under `e` goes.
fn tree_depth(e: &IdedExpr) -> usize {
    let children: Vec<&IdedExpr> = match &e.expr {
        Expr::Select(sel) => vec![&sel.operand],
        Expr::Call(call) => call.target.as_deref().into_iter().chain(&call.args).collect(),
        Expr::List(list) => list.elements.iter().collect(),
        Expr::Map(map) => map.entries.iter().flat_map(entry_exprs).collect(),
        Expr::Struct(s) => s.entries.iter().flat_map(entry_exprs).collect(),
        Expr::Comprehension(c) => vec![&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    };
    1 + children.into_iter().map(tree_depth).max().unwrap_or(0)
}

fn entry_exprs(entry: &cel::common::ast::IdedEntryExpr) -> Vec<&IdedExpr> {
    match &entry.expr {
        EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

#[derive(Default)]
struct Walk {
    variables: BTreeSet<String>,
    fields: Vec<(String, Vec<String>)>,
    comprehensions: usize,
}

impl Walk {
    fn expr(&mut self, e: &IdedExpr, scope: &mut Vec<String>, comp_depth: usize) -> Result<(), String> {
        match &e.expr {
            Expr::Ident(name) => {
                if !scope.contains(name) {
                    self.variables.insert(name.clone());
                }
            }
            Expr::Select(sel) => {
                // A chain a.b.c rooted at a variable: record the whole path.
                let mut path = vec![sel.field.clone()];
                let mut cur = &sel.operand.expr;
                loop {
                    match cur {
                        Expr::Select(inner) if !inner.test => {
                            path.push(inner.field.clone());
                            cur = &inner.operand.expr;
                        }
                        Expr::Ident(root) => {
                            if !scope.contains(root) {
                                path.reverse();
                                self.variables.insert(root.clone());
                                self.fields.push((root.clone(), path));
                            }
                            return Ok(());
                        }
                        _ => return self.expr(&sel.operand, scope, comp_depth),
                    }
                }
            }
            Expr::Call(call) => {
                if let Some(t) = &call.target {
                    self.expr(t, scope, comp_depth)?;
                }
                for a in &call.args {
                    self.expr(a, scope, comp_depth)?;
                }
            }
            Expr::List(list) => {
                for el in &list.elements {
                    self.expr(el, scope, comp_depth)?;
                }
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(m) => {
                            self.expr(&m.key, scope, comp_depth)?;
                            self.expr(&m.value, scope, comp_depth)?;
                        }
                        EntryExpr::StructField(f) => self.expr(&f.value, scope, comp_depth)?,
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.expr(&f.value, scope, comp_depth)?;
                    }
                }
            }
            Expr::Comprehension(c) => {
                if comp_depth >= 1 {
                    return Err(
                        "comprehension macros cannot be nested (evaluation must stay linear in its inputs)".into()
                    );
                }
                self.comprehensions += 1;
                self.expr(&c.iter_range, scope, comp_depth)?;
                self.expr(&c.accu_init, scope, comp_depth)?;
                let before = scope.len();
                scope.push(c.iter_var.clone());
                if let Some(v2) = &c.iter_var2 {
                    scope.push(v2.clone());
                }
                scope.push(c.accu_var.clone());
                self.expr(&c.loop_cond, scope, comp_depth + 1)?;
                self.expr(&c.loop_step, scope, comp_depth + 1)?;
                self.expr(&c.result, scope, comp_depth + 1)?;
                scope.truncate(before);
            }
            Expr::Literal(_) | Expr::Unspecified => {}
        }
        Ok(())
    }
}

/// The values a condition or template is evaluated against.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub params: &'a Value,
    pub state: &'a Value,
    pub principal: &'a Value,
    pub plan: &'a Value,
    pub now: DateTime<Utc>,
    pub usage: &'a Value,
}

fn to_cel(v: &Value) -> Result<CelValue, String> {
    cel::to_value(v).map_err(|e| format!("cannot pass a value to CEL: {e}"))
}

thread_local! {
    /// The standard functions, registered once per thread; evaluations use child scopes of it.
    static ROOT: Context<'static, 'static> = Context::default();
}

/// Runs `f` with a context binding `vars` from `input` (each converted once).
pub fn with_scope<R>(
    input: &Input<'_>,
    vars: &BTreeSet<String>,
    f: impl FnOnce(&Context<'_, '_>) -> R,
) -> Result<R, String> {
    ROOT.with(|root| {
        let mut ctx = root.new_inner_scope();
        for var in vars {
            let value = match var.as_str() {
                "params" => to_cel(input.params)?,
                "state" => to_cel(input.state)?,
                "principal" => to_cel(input.principal)?,
                "plan" => to_cel(input.plan)?,
                "usage" => to_cel(input.usage)?,
                "now" => CelValue::Timestamp(input.now.fixed_offset()),
                // Unknown names are left unbound; evaluation reports them.
                _ => continue,
            };
            ctx.add_variable_from_value(var.clone(), value);
        }
        Ok(f(&ctx))
    })
}

/// Evaluates a condition in a prepared scope (see [`with_scope`]).
pub fn eval_bool_in(c: &Compiled, ctx: &Context<'_, '_>) -> Result<bool, String> {
    match c.program.execute(ctx).map_err(|e| e.to_string())? {
        CelValue::Bool(b) => Ok(b),
        other => Err(format!("the condition gave {:?}, not a boolean", other.type_of())),
    }
}

/// Evaluates to a CEL value. Only variables the expression reads are converted.
fn eval(c: &Compiled, input: &Input<'_>) -> Result<CelValue, String> {
    with_scope(input, &c.variables, |ctx| c.program.execute(ctx).map_err(|e| e.to_string()))?
}

/// Evaluates a condition. Anything but a boolean is an error.
pub fn eval_bool(c: &Compiled, input: &Input<'_>) -> Result<bool, String> {
    match eval(c, input)? {
        CelValue::Bool(b) => Ok(b),
        other => Err(format!("the condition gave {:?}, not a boolean", other.type_of())),
    }
}

/// Evaluates to JSON.
pub fn eval_json(c: &Compiled, input: &Input<'_>) -> Result<Value, String> {
    let v = eval(c, input)?;
    v.json().map_err(|e| format!("the result cannot be represented as JSON: {e}"))
}

/// Evaluates to a number (for computed costs).
pub fn eval_number(c: &Compiled, input: &Input<'_>) -> Result<f64, String> {
    match eval(c, input)? {
        CelValue::Int(i) => Ok(i as f64),
        CelValue::UInt(u) => Ok(u as f64),
        CelValue::Float(f) if f.is_finite() => Ok(f),
        other => Err(format!("the expression gave {:?}, not a number", other.type_of())),
    }
}

/// The `{{ … }}` expressions inside a template string.
pub fn template_exprs(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim());
        rest = &after[end + 2..];
    }
    out
}

/// Every template expression found in a JSON value (strings at any depth).
pub fn template_exprs_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.extend(template_exprs(s).into_iter().map(str::to_string)),
        Value::Array(a) => a.iter().for_each(|x| template_exprs_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| template_exprs_in(x, out)),
        _ => {}
    }
}

/// Renders a template value: a string that is exactly one `{{ expr }}` becomes the typed value;
/// otherwise each `{{ expr }}` is replaced by its text. `lookup` gives compiled expressions.
pub fn render(
    v: &Value,
    input: &Input<'_>,
    lookup: &dyn Fn(&str) -> Result<Compiled, String>,
) -> Result<Value, String> {
    match v {
        Value::String(s) => {
            let exprs = template_exprs(s);
            if exprs.is_empty() {
                return Ok(v.clone());
            }
            let trimmed = s.trim();
            if exprs.len() == 1
                && trimmed.starts_with("{{")
                && trimmed.ends_with("}}")
                && trimmed[2..trimmed.len() - 2].find("{{").is_none()
            {
                return eval_json(&lookup(exprs[0])?, input);
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find("}}") else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let value = eval_json(&lookup(after[..end].trim())?, input)?;
                match value {
                    Value::String(t) => out.push_str(&t),
                    other => out.push_str(&other.to_string()),
                }
                rest = &after[end + 2..];
            }
            out.push_str(rest);
            Ok(Value::String(out))
        }
        Value::Array(a) => a.iter().map(|x| render(x, input, lookup)).collect::<Result<Vec<_>, _>>().map(Value::Array),
        Value::Object(o) => {
            let mut m = serde_json::Map::new();
            for (k, x) in o {
                m.insert(k.clone(), render(x, input, lookup)?);
            }
            Ok(Value::Object(m))
        }
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input<'a>(params: &'a Value, state: &'a Value, empty: &'a Value) -> Input<'a> {
        Input { params, state, principal: empty, plan: empty, now: DateTime::UNIX_EPOCH, usage: empty }
    }

    #[test]
    fn conditions_evaluate_against_params_and_state() {
        let c = compile("params.env == 'prod' && state.freeze != true").unwrap();
        assert_eq!(c.variables, ["params", "state"].iter().map(|s| s.to_string()).collect());
        assert!(c.fields.contains(&("params".into(), vec!["env".into()])));
        let empty = json!({});
        assert!(eval_bool(&c, &input(&json!({"env": "prod"}), &json!({"freeze": false}), &empty)).unwrap());
        assert!(!eval_bool(&c, &input(&json!({"env": "prod"}), &json!({"freeze": true}), &empty)).unwrap());
    }

    #[test]
    fn errors_are_values_not_panics() {
        let empty = json!({});
        let c = compile("params.missing.deeper == 1").unwrap();
        assert!(eval_bool(&c, &input(&json!({}), &empty, &empty)).is_err());
        let c = compile("1 + 1").unwrap();
        assert!(eval_bool(&c, &input(&empty, &empty, &empty)).unwrap_err().contains("not a boolean"));
        let c = compile("1 / 0 == 1").unwrap();
        assert!(eval_bool(&c, &input(&empty, &empty, &empty)).is_err());
    }

    #[test]
    fn unbounded_shapes_are_refused() {
        assert!(compile(&"1 + ".repeat(30_000)).unwrap_err().contains("limit"));
        assert!(compile(&format!("{}1{}", "(".repeat(40), ")".repeat(40))).unwrap_err().contains("nests"));
        assert!(compile("params.xs.all(x, params.ys.exists(y, x == y))").unwrap_err().contains("nested"));
        assert!(compile("params.xs.all(x, x > 0)").is_ok());
        assert!(compile("params.env ==").is_err());
        // A `\u` without its four hex digits ends the literal for cel's lexer, and the brackets
        // after it are code (the fuzzer overflowed the parser's stack this way).
        let hidden = format!("'\\u{}00e9' + r'x'", "{".repeat(200));
        assert!(compile(&hidden).unwrap_err().contains("nests"), "{hidden}");
        assert!(compile("'caf\\u00e9' == params.env").is_ok());
        assert!(compile("'\\x41\\U0001F600' == params.env").is_ok());
    }

    #[test]
    fn parse_refuses_trees_deeper_than_the_limit() {
        // n terms added up are n levels: `((1 + 1) + 1) …`. `shape` refuses such a chain long
        // before (it counts the operators); `parse` holds whatever it misses.
        let chain = |n: usize| vec!["1"; n].join("+");
        assert_eq!(parse(&chain(MAX_TREE_DEPTH)).map(|_| ()), Ok(()));
        let refused = parse(&chain(MAX_TREE_DEPTH + 1)).map(|_| ()).unwrap_err();
        assert!(refused.contains(&format!("nests {} levels deep", MAX_TREE_DEPTH + 1)), "{refused}");
    }

    #[test]
    fn comprehension_variables_are_not_free() {
        let c = compile("params.tags.exists(t, t == 'prod')").unwrap();
        assert_eq!(c.variables, ["params"].iter().map(|s| s.to_string()).collect());
    }

    #[test]
    fn templates_render_typed_or_interpolated() {
        let params = json!({"service": "web", "n": 3});
        let empty = json!({});
        let inp = input(&params, &empty, &empty);
        let look = |s: &str| compile(s);
        assert_eq!(render(&json!("{{ params.n }}"), &inp, &look).unwrap(), json!(3));
        assert_eq!(
            render(&json!("deploy {{ params.service }} x{{ params.n }}"), &inp, &look).unwrap(),
            json!("deploy web x3")
        );
        assert_eq!(render(&json!({"k": ["{{ params.service }}", 1]}), &inp, &look).unwrap(), json!({"k": ["web", 1]}));
        assert_eq!(template_exprs("a {{ x }} b {{y}}"), vec!["x", "y"]);
    }
}
