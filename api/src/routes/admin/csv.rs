//! CSV downloads of staff lists and reports: how a caller asks for CSV, and the response
//! that carries either form. The text itself is written by `crate::tabular`.

use poem_openapi::{ApiResponse, ResponseContent, payload::Json, payload::PlainText};

pub use crate::tabular::{Cell, write};

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
