//! Tables as CSV text (RFC 4180, a header row), for downloads and email attachments. Cells a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) are prefixed with
//! `'`, as OWASP advises against CSV injection; numbers are written as they are.

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
}
