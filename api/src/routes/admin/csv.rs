//! CSV downloads of staff lists and reports: RFC 4180 text with a header row, cells that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the start) prefixed with
//! `'` (OWASP's advice against CSV injection); numbers are written as they are.

use poem_openapi::{ApiResponse, ResponseContent, payload::Json, payload::PlainText};

/// One cell: text from outside (an email, a title) or a number.
pub enum Cell {
    Text(String),
    Number(i64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

fn defused(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// The rows under `header`, as CSV text.
pub fn write(header: &[&str], rows: impl IntoIterator<Item = Vec<Cell>>) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = out.write_record(header);
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| match c {
                Cell::Text(t) => defused(t),
                Cell::Number(n) => n.to_string(),
            })
            .collect();
        let _ = out.write_record(&cells);
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Whether the caller asked for CSV: `?format=csv`, or an `Accept` header preferring
/// `text/csv` (listed, and not after `application/json`).
pub fn wanted(format: Option<Format>, accept: Option<&str>) -> bool {
    match format {
        Some(Format::Csv) => true,
        Some(Format::Json) => false,
        None => accept.is_some_and(|a| {
            let csv = a.find("text/csv");
            let json = a.find("application/json");
            matches!((csv, json), (Some(c), j) if j.is_none_or(|j| c < j))
        }),
    }
}

/// How a list or report is answered.
#[derive(poem_openapi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ExportFormat", rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
}

/// A JSON document, or the same rows as CSV.
#[derive(ResponseContent)]
pub enum JsonOrCsv<T: poem_openapi::types::ToJSON + Send + Sync> {
    Json(Json<T>),
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(PlainText<String>),
}

#[derive(ApiResponse)]
pub enum Export<T: poem_openapi::types::ToJSON + Send + Sync> {
    /// JSON, or CSV when asked for (`format=csv` or `Accept: text/csv`).
    #[oai(status = 200)]
    Ok(JsonOrCsv<T>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let text = write(
            &["email", "total"],
            [
                vec![Cell::from("=HYPERLINK(\"x\")@evil.example"), Cell::from(-5)],
                vec![Cell::from("a,b"), Cell::from(7)],
            ],
        );
        assert_eq!(
            text,
            "email,total\n\"'=HYPERLINK(\"\"x\"\")@evil.example\",-5\n\"a,b\",7\n"
        );
    }

    #[test]
    fn csv_is_chosen_by_format_or_accept() {
        assert!(wanted(Some(Format::Csv), Some("application/json")));
        assert!(!wanted(Some(Format::Json), Some("text/csv")));
        assert!(wanted(None, Some("text/csv")));
        assert!(wanted(None, Some("text/csv, application/json;q=0.5")));
        assert!(!wanted(None, Some("application/json, text/csv")));
        assert!(!wanted(None, Some("*/*")));
        assert!(!wanted(None, None));
    }
}
