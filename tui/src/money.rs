//! Money as staff type it (major units, `59.90`) and as the API carries it (integer minor
//! units, `5990`). Two decimal places, as for the store's currencies (EUR, USD, GBP).

/// `"59.9"` → `5990`. Errors name what is wrong, for the form to show.
pub fn parse_major(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return Err("an amount like 59.90".into());
    }
    if fraction.len() > 2 {
        return Err("at most two decimals".into());
    }
    let whole: i64 = whole.parse().map_err(|_| "too large".to_owned())?;
    let cents: i64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents))
        .ok_or_else(|| "too large".to_owned())
}

/// `5990, "EUR"` → `"59.90 EUR"`.
pub fn format(minor: i64, currency: &str) -> String {
    format!("{} {currency}", format_plain(minor))
}

/// `5990` → `"59.90"`, as a form shows it for editing.
pub fn format_plain(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_units_become_minor_units() {
        assert_eq!(parse_major("59"), Ok(5900));
        assert_eq!(parse_major("59.9"), Ok(5990));
        assert_eq!(parse_major(" 0.05 "), Ok(5));
        assert!(parse_major("59.999").is_err());
        assert!(parse_major("-1").is_err());
        assert!(parse_major("12,50").is_err());
        assert!(parse_major("99999999999999999999").is_err());
        assert_eq!(format(5990, "EUR"), "59.90 EUR");
        assert_eq!(format_plain(-5), "-0.05");
    }
}
