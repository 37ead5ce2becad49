use std::fmt;

use super::InvalidField;

/// A URL-safe identifier: lowercase ASCII letters and digits in runs joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 120;
    /// What `parse` accepts, for the API description.
    pub const PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";

    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidField> {
        let invalid = |why: &str| InvalidField::new(field, why);
        if raw.is_empty() {
            return Err(invalid("must not be empty"));
        }
        if raw.len() > Self::MAX_LEN {
            return Err(invalid("must be at most 120 characters"));
        }
        let well_formed = raw
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        if !well_formed {
            return Err(invalid(
                "must be lowercase letters and digits separated by single hyphens",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kebab_case() {
        assert_eq!(
            Slug::parse("slug", "linen-midi-dress-2").unwrap().as_str(),
            "linen-midi-dress-2"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["", "Linen", "a--b", "-a", "a-", "a b", "ä", &"a".repeat(121)] {
            let err = Slug::parse("slug", bad).unwrap_err();
            assert_eq!(err.field, "slug", "{bad:?}");
        }
    }
}
