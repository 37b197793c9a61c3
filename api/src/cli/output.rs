//! How the remote commands print what the server answered: `-o table` for people (the default
//! on a terminal), `-o json` for scripts (the default when piped), `-o yaml`. JSON and YAML
//! carry the answer's fields as the API names them; a table shows the columns that matter.

use std::io::IsTerminal as _;

use serde::Serialize;
use serde_json::Value;

use super::remote::Failure;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
    Yaml,
}

impl Output {
    /// `chosen`, else a table on a terminal and JSON otherwise.
    pub fn pick(chosen: Option<Output>) -> Output {
        chosen.unwrap_or(if std::io::stdout().is_terminal() { Output::Table } else { Output::Json })
    }
}

/// The common flags of the remote commands.
#[derive(clap::Args, Clone)]
pub struct RemoteFlags {
    /// The context to use (default: the current one; see `praetor context list`).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// table, json or yaml (default: table on a terminal, json when piped).
    #[arg(short, long, global = true, value_enum)]
    pub output: Option<Output>,
}

/// Rows of a table: a header, then one line per item, columns padded to their widest cell.
pub trait Tabular {
    const HEADER: &'static [&'static str];
    fn cells(&self) -> Vec<String>;
}

/// An enum of the schema (or anything serialized as a string) as the API spells it.
pub fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(Value::Null) => "-".into(),
        Ok(other) => other.to_string(),
        Err(_) => "?".into(),
    }
}

/// An optional cell: `-` when absent.
pub fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_string()
}

/// `value` as JSON (pretty) or YAML.
pub fn document<T: Serialize>(output: Output, value: &T) -> Result<String, Failure> {
    match output {
        Output::Yaml => serde_saphyr::to_string(value).map_err(|e| Failure::local(format!("cannot write YAML: {e}"))),
        _ => serde_json::to_string_pretty(value).map_err(|e| Failure::local(format!("cannot write JSON: {e}"))),
    }
}

/// Prints `items`: a table (or `empty` when there are none), or the list as JSON or YAML.
pub fn list<T: Serialize + Tabular>(output: Output, items: &[T], empty: &str) -> Result<(), Failure> {
    if output != Output::Table {
        println!("{}", document(output, &items)?.trim_end());
        return Ok(());
    }
    if items.is_empty() {
        println!("{empty}");
        return Ok(());
    }
    print!("{}", table(T::HEADER, items.iter().map(Tabular::cells).collect()));
    Ok(())
}

/// Prints one `item`: a table of one row, or the object as JSON or YAML.
pub fn one<T: Serialize + Tabular>(output: Output, item: &T) -> Result<(), Failure> {
    match output {
        Output::Table => print!("{}", table(T::HEADER, vec![item.cells()])),
        other => println!("{}", document(other, item)?.trim_end()),
    }
    Ok(())
}

/// A table of `rows` under `header`.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_each_column_to_its_widest_cell() {
        let text =
            table(&["ID", "NAME"], vec![vec!["prj_1".into(), "web".into()], vec!["p".into(), "payments".into()]]);
        assert_eq!(text, "ID     NAME\nprj_1  web\np      payments\n");
    }

    #[test]
    fn yaml_and_json_carry_the_same_fields() {
        let v = serde_json::json!({"slug": "web", "count": 2});
        assert_eq!(document(Output::Json, &v).unwrap(), "{\n  \"count\": 2,\n  \"slug\": \"web\"\n}");
        let yaml = document(Output::Yaml, &v).unwrap();
        assert_eq!(yaml.trim_end(), "count: 2\nslug: web");
        let back: serde_json::Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(back, v);
    }
}
