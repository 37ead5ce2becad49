use std::fmt;

use super::InvalidField;

/// An email address, trimmed and lowercased so that uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address, in characters.
    pub const MAX_CHARS: usize = 254;
    /// What the spec declares: a local part of 1 to 64 of the characters an unquoted address
    /// may hold (RFC 5322 `atext` and dots), a domain of dot-separated labels of letters,
    /// digits and hyphens, maybe surrounded by whitespace (trimmed). [`Email::parse`] also
    /// refuses the few matches no mail server takes (a dot at either end of the local part or
    /// twice in a row, a hyphen at either end of a label), as the mail library does.
    pub fn pattern() -> String {
        let ws = super::text::WHITESPACE;
        let local = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}";
        let label = r"[A-Za-z0-9-]+";
        format!(r"^[{ws}]*{local}@{label}(\.{label})+[{ws}]*$")
    }

    /// The spec's keywords for an email field.
    pub fn schema() -> serde_json::Value {
        serde_json::json!({ "maxLength": Self::MAX_CHARS, "pattern": Self::pattern() })
    }

    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
        let normalised = raw.trim().to_lowercase();
        let invalid = || InvalidField::new(field, "not a valid email address");
        if normalised.len() > 254 || normalised.chars().any(char::is_whitespace) {
            return Err(invalid());
        }
        let (local, domain) = normalised.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        // An address the mail library cannot send to would register and then never receive
        // its verification email.
        if lettre::Address::new(local, domain).is_err() {
            return Err(InvalidField::new(field, "is not an address email can be sent to"));
        }
        Ok(Self(normalised))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the declared pattern matches, `parse` accepts; what it refuses, clients are told.
    #[test]
    fn the_declared_pattern_is_within_the_rule() {
        let pattern = regex::Regex::new(&Email::pattern()).unwrap();
        for good in [
            "ada@example.com",
            " Ada@Example.COM ",
            "a.b+c@mail.example.co.uk",
            "x@y.z",
        ] {
            assert!(pattern.is_match(good), "{good}");
            assert!(Email::parse("email", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ada",
            "ada@example",
            "ada@.example.com",
            "ada@example..com",
            "a da@example.com",
            "ada@@example.com",
        ] {
            assert!(!pattern.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn normalises_case_and_whitespace() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@.example.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad:?}");
        }
    }

    /// Every address `parse` accepts, the mailer can send to; the undeliverable ones the old
    /// rule let in are refused.
    #[test]
    fn accepted_addresses_can_receive_mail() {
        for undeliverable in [
            "a(b@example.com",
            "a,b@example.com",
            "a:b@example.com",
            ".ada@example.com",
            "ada.@example.com",
            "a..da@example.com",
            "ada@-example.com",
            "a\"b@example.com",
        ] {
            assert!(Email::parse("email", undeliverable).is_err(), "{undeliverable:?}");
        }
        for fine in [
            "o'neil+shop@example.co.uk",
            "x_y-z@mail-1.example.com",
            "a!#$%&*/=?^`{|}~@example.com",
        ] {
            let email = Email::parse("email", fine).unwrap();
            assert!(email.as_str().parse::<lettre::Address>().is_ok(), "{fine}");
        }
    }
}
