//! Checks for free-text fields, collecting every failure so a client sees them all at once.

use crate::domain::InvalidField;

/// A trimmed value of 1 to `max` characters.
pub(super) fn required(field: &str, value: &str, max: usize, errors: &mut Vec<InvalidField>) -> String {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.push(InvalidField::new(field, format!("must be 1 to {max} characters")));
    }
    v.to_owned()
}

/// A trimmed value of at most `max` characters; empty counts as absent.
pub(super) fn optional(field: &str, value: Option<&str>, max: usize, errors: &mut Vec<InvalidField>) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    if v.chars().count() > max {
        errors.push(InvalidField::new(field, format!("must be at most {max} characters")));
    }
    Some(v.to_owned())
}
