//! What a password must be: 10 to 128 characters, not one of the most common choices, not the
//! account's own email address.

use std::{collections::HashSet, sync::OnceLock};

use super::InvalidField;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;
const COMMON: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// The spec's keywords: the length. That it is not a common password nor the email cannot
/// be said in JSON Schema; those refusals are 422s the spec's descriptions name.
pub fn schema() -> serde_json::Value {
    serde_json::json!({ "minLength": MIN_CHARS, "maxLength": MAX_CHARS })
}

/// Checks `password` for the account `email`, naming the rule it breaks.
pub fn check(field: &str, password: &str, email: &str) -> Result<(), InvalidField> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(InvalidField::new(
            field,
            format!("must be at least {MIN_CHARS} characters"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(InvalidField::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    let lowered = password.to_lowercase();
    if common().contains(&lowered) || lowered.chars().all(|c| lowered.starts_with(c)) {
        return Err(InvalidField::new(
            field,
            "is too common; choose a less predictable password",
        ));
    }
    if lowered.trim() == email.trim().to_lowercase() {
        return Err(InvalidField::new(field, "must not be your email address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn names_the_rule_broken() {
        let msg = |p: &str| check("password", p, "ada@example.com").unwrap_err().message;
        assert!(msg("short").contains("at least 10"));
        assert!(msg(&"x".repeat(129)).contains("at most 128"));
        assert!(msg("Password123").contains("too common"));
        assert!(msg("qwertyuiop").contains("too common"));
        assert!(msg("zzzzzzzzzzzz").contains("too common"));
        assert!(msg("ADA@example.com").contains("email"));
        assert!(check("password", "correct horse battery", "ada@example.com").is_ok());
    }
}
