//! `praetor scaffold …`: starting points for what integration developers and operators write,
//! each valid as generated (`praetor policy validate` and `verify` find nothing; a handler's own
//! tests pass). Nothing existing is overwritten without `--force`; `--dry-run` prints the files
//! instead of writing them.
//!
//! Exit codes: 0 written (or printed); 1 a file exists (nothing written); 2 usage.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand)]
pub enum ScaffoldCommand {
    /// An Action document: parameters as a JSON Schema, a built-in handler, cost, risk, aliases.
    #[command(after_help = "Example:\n  praetor scaffold action inventory.restock --org acme")]
    Action {
        /// The action's name: lowercase words joined by dots (`inventory.restock`).
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// A Policy document: a deny rule, an approval rule, a rate limit and a budget.
    #[command(after_help = "Example:\n  praetor scaffold policy baseline --org acme")]
    Policy {
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// A PlanTemplate document: a named runbook of steps with parameters.
    #[command(after_help = "Example:\n  praetor scaffold template close-item --org acme")]
    Template {
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// A folder for a project's policy: its documents, a README and a CI workflow that
    /// validates and verifies them.
    #[command(after_help = "Example:\n  praetor scaffold project web --org acme --dir repos/")]
    Project {
        /// The project's slug.
        name: String,
        #[command(flatten)]
        common: Common,
    },
    /// A folder with an external action handler: it verifies Praetor's signature, checks the
    /// parameters against the action's schema and answers JSON; with its tests, a Dockerfile,
    /// a README and the Action document that calls it. Python and Node.js need no package;
    /// Rust uses hmac, sha2, base64 and serde_json.
    #[command(
        after_help = "Example:\n  praetor scaffold handler tickets.open --lang python --org acme --url http://tickets:8080/"
    )]
    Handler {
        /// The action it handles (`tickets.open`).
        name: String,
        #[arg(long, value_enum)]
        lang: Lang,
        /// Where Praetor reaches it (`spec.handler.external.url`).
        #[arg(long, default_value = "http://127.0.0.1:8080/")]
        url: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Args)]
pub struct Common {
    /// The organization the documents belong to (`metadata.org`).
    #[arg(long, default_value = "demo")]
    org: String,
    /// Where to write (a file or folder is made in it).
    #[arg(long, default_value = ".")]
    dir: PathBuf,
    /// Print the files instead of writing them.
    #[arg(long)]
    dry_run: bool,
    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Lang {
    Python,
    Node,
    Rust,
}

const ACTION: &str = include_str!("scaffold/action.yaml");
const POLICY: &str = include_str!("scaffold/policy.yaml");
const TEMPLATE: &str = include_str!("scaffold/template.yaml");
const PROJECT_POLICY: &str = include_str!("scaffold/project-policy.yaml");
const PROJECT_README: &str = include_str!("scaffold/project-README.md");
const PROJECT_CI: &str = include_str!("scaffold/project-ci.yml");
const HANDLER_README: &str = include_str!("scaffold/handler-README.md");
const PYTHON_HANDLER: &str = include_str!("scaffold/handler.py");
const PYTHON_TEST: &str = include_str!("scaffold/test_handler.py");
const PYTHON_DOCKERFILE: &str = include_str!("scaffold/python.Dockerfile");
const NODE_HANDLER: &str = include_str!("scaffold/handler.mjs");
const NODE_TEST: &str = include_str!("scaffold/handler.test.mjs");
const NODE_PACKAGE: &str = include_str!("scaffold/package.json");
const NODE_DOCKERFILE: &str = include_str!("scaffold/node.Dockerfile");
const RUST_MANIFEST: &str = include_str!("scaffold/Cargo.toml.tmpl");
const RUST_MAIN: &str = include_str!("scaffold/main.rs.tmpl");
const RUST_DOCKERFILE: &str = include_str!("scaffold/rust.Dockerfile");

const BUILTIN_HANDLER: &str = "  handler:\n    builtin: state.set\n    with:\n      key: \"__SNAKE__.{{ params.item }}\"\n      value: \"{{ params.count }}\"";

/// The words a generated file is filled with.
struct Names {
    name: String,
    org: String,
}

impl Names {
    fn fill(&self, template: &str, file: &str) -> String {
        let words: Vec<String> =
            self.name.split(['.', '-', '_']).filter(|w| !w.is_empty()).map(str::to_string).collect();
        let mut title = words.join(" ");
        if let Some(first) = title.get(..1) {
            title = first.to_uppercase() + &title[1..];
        }
        template
            .replace("__NAME_DASHED__", &self.name.replace(['.', '_'], "-"))
            .replace("__NAME__", &self.name)
            .replace("__ORG__", &self.org)
            .replace("__SNAKE__", &self.name.replace(['.', '-'], "_"))
            .replace("__WORDS_LOWER__", &words.join(" "))
            .replace("__WORDS__", &title)
            .replace("__FILE__", file)
    }
}

/// A name of lowercase words (`a-z`, digits, `_`, `-`) joined by dots.
fn check_name(what: &str, name: &str, dots: bool) -> Result<(), String> {
    let parts: Vec<&str> = name.split('.').collect();
    let ok = !name.is_empty()
        && name.len() <= 64
        && (dots || parts.len() == 1)
        && parts.iter().all(|p| {
            p.starts_with(|c: char| c.is_ascii_lowercase())
                && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        });
    if ok {
        Ok(())
    } else if dots {
        Err(format!("{what} `{name}`: lowercase words (a-z, 0-9, _ and -) joined by dots, like inventory.restock"))
    } else {
        Err(format!("{what} `{name}`: lowercase letters, digits, _ and -, starting with a letter"))
    }
}

/// A file to write: its path relative to `--dir`, and its contents.
type File = (PathBuf, String);

/// The files a command makes, and its common options.
fn files(command: &ScaffoldCommand) -> Result<(Vec<File>, &Common), String> {
    let out = match command {
        ScaffoldCommand::Action { name, common } => {
            check_name("the action", name, true)?;
            let n = Names { name: name.clone(), org: common.org.clone() };
            let file = format!("{name}.action.yaml");
            let body = ACTION.replace("__HANDLER__", BUILTIN_HANDLER);
            (vec![(PathBuf::from(&file), n.fill(&body, &file))], common)
        }
        ScaffoldCommand::Policy { name, common } => {
            check_name("the policy", name, false)?;
            let n = Names { name: name.clone(), org: common.org.clone() };
            let file = format!("{name}.policy.yaml");
            (vec![(PathBuf::from(&file), n.fill(POLICY, &file))], common)
        }
        ScaffoldCommand::Template { name, common } => {
            check_name("the template", name, false)?;
            let n = Names { name: name.clone(), org: common.org.clone() };
            let file = format!("{name}.template.yaml");
            (vec![(PathBuf::from(&file), n.fill(TEMPLATE, &file))], common)
        }
        ScaffoldCommand::Project { name, common } => {
            check_name("the project", name, false)?;
            let n = Names { name: name.clone(), org: common.org.clone() };
            let dir = PathBuf::from(name);
            let policy = format!("policies/{name}.yaml");
            (
                vec![
                    (dir.join(&policy), n.fill(PROJECT_POLICY, &policy)),
                    (dir.join("README.md"), n.fill(PROJECT_README, "README.md")),
                    (dir.join(".github/workflows/praetor-policy.yml"), n.fill(PROJECT_CI, "praetor-policy.yml")),
                ],
                common,
            )
        }
        ScaffoldCommand::Handler { name, lang, url, common } => {
            check_name("the action", name, true)?;
            let url = reqwest::Url::parse(url).map_err(|e| format!("--url {url}: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("--url {url}: an http or https address"));
            }
            let n = Names { name: name.clone(), org: common.org.clone() };
            let dir = PathBuf::from(format!("{}-handler", name.replace(['.', '_'], "-")));
            let external = format!("  handler:\n    external:\n      url: {url}\n      timeoutSeconds: 10");
            let action = ACTION.replace("__HANDLER__", &external);
            let (test, run, lang_name) = match lang {
                Lang::Python => ("python3 -m unittest", "python3 handler.py", "Python"),
                Lang::Node => ("npm test", "node handler.mjs", "Node.js"),
                Lang::Rust => ("cargo test", "cargo run --release", "Rust"),
            };
            let readme =
                HANDLER_README.replace("__TEST__", test).replace("__RUN__", run).replace("__LANG__", lang_name);
            let mut out = vec![
                (dir.join("action.yaml"), n.fill(&action, "action.yaml")),
                (dir.join("README.md"), n.fill(&readme, "README.md")),
            ];
            let code: &[(&str, &str)] = match lang {
                Lang::Python => &[
                    ("handler.py", PYTHON_HANDLER),
                    ("test_handler.py", PYTHON_TEST),
                    ("Dockerfile", PYTHON_DOCKERFILE),
                ],
                Lang::Node => &[
                    ("handler.mjs", NODE_HANDLER),
                    ("handler.test.mjs", NODE_TEST),
                    ("package.json", NODE_PACKAGE),
                    ("Dockerfile", NODE_DOCKERFILE),
                ],
                Lang::Rust => {
                    &[("Cargo.toml", RUST_MANIFEST), ("src/main.rs", RUST_MAIN), ("Dockerfile", RUST_DOCKERFILE)]
                }
            };
            out.extend(code.iter().map(|(f, t)| (dir.join(f), n.fill(t, f))));
            (out, common)
        }
    };
    Ok(out)
}

/// Runs a scaffold command.
pub fn run(command: ScaffoldCommand) -> ExitCode {
    let (files, common) = match files(&command) {
        Ok(f) => f,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let target = |p: &Path| common.dir.join(p);
    if common.dry_run {
        for (path, text) in &files {
            println!("==> {} <==\n{text}", target(path).display());
        }
        return ExitCode::SUCCESS;
    }
    if !common.force {
        let existing: Vec<String> =
            files.iter().map(|(p, _)| target(p)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if !existing.is_empty() {
            eprintln!("error: {} exist(s) already; nothing was written (--force overwrites)", existing.join(", "));
            return ExitCode::FAILURE;
        }
    }
    for (path, text) in &files {
        let path = target(path);
        let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|_| std::fs::write(&path, text));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_filled_in() {
        assert!(check_name("the action", "inventory.restock", true).is_ok());
        assert!(check_name("the action", "Inventory", true).is_err());
        assert!(check_name("the project", "a.b", false).is_err());
        assert!(check_name("the action", "a..b", true).is_err());
        let n = Names { name: "inventory.re-stock".into(), org: "acme".into() };
        assert_eq!(
            n.fill("__NAME__|__SNAKE__|__WORDS__|__WORDS_LOWER__|__NAME_DASHED__|__ORG__", "f"),
            "inventory.re-stock|inventory_re_stock|Inventory re stock|inventory re stock|inventory-re-stock|acme"
        );
    }
}
