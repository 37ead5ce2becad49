use super::InvalidField;

/// Free-text search reduced to plain words, so that no user input reaches a full-text query
/// language (FTS5 `MATCH` or PostgreSQL `tsquery`) unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    pub const MAX_TERMS: usize = 8;
    pub const MAX_INPUT: usize = 200;

    /// Splits on anything that is not a letter or digit. Blank input is no search (`None`);
    /// input with no letter or digit at all (`%`, `_`, `***`) is refused rather than read as
    /// "everything", and so is input over [`Self::MAX_INPUT`] characters.
    pub fn parse(field: &str, raw: &str) -> Result<Option<Self>, InvalidField> {
        if raw.chars().count() > Self::MAX_INPUT {
            return Err(InvalidField::new(field, "must be at most 200 characters"));
        }
        if raw.trim().is_empty() {
            return Ok(None);
        }
        if !raw.chars().any(char::is_alphanumeric) {
            return Err(InvalidField::new(field, "must contain at least one letter or digit"));
        }
        let terms: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .take(Self::MAX_TERMS)
            .collect();
        Ok((!terms.is_empty()).then_some(Self(terms)))
    }

    pub fn terms(&self) -> &[String] {
        &self.0
    }

    /// FTS5 query: every term must match, each as a prefix (`"lin"*` finds linen).
    pub fn to_fts5(&self) -> String {
        self.0.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" ")
    }

    /// PostgreSQL `to_tsquery` input with the same meaning as [`Self::to_fts5`].
    pub fn to_tsquery(&self) -> String {
        self.0.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_query_syntax() {
        let s = SearchTerms::parse("search", "Linen \"dress\" OR* (midi) -x")
            .unwrap()
            .unwrap();
        assert_eq!(s.terms(), ["linen", "dress", "or", "midi", "x"]);
        assert_eq!(s.to_fts5(), "\"linen\"* \"dress\"* \"or\"* \"midi\"* \"x\"*");
        assert_eq!(s.to_tsquery(), "linen:* & dress:* & or:* & midi:* & x:*");
    }

    #[test]
    fn blank_is_no_search() {
        assert_eq!(SearchTerms::parse("search", "  ").unwrap(), None);
    }

    #[test]
    fn no_letter_or_digit_is_refused() {
        for raw in ["%", "_", "%_%", " *** ", "--"] {
            let err = SearchTerms::parse("search", raw).unwrap_err();
            assert_eq!(err.field, "search", "{raw}");
        }
    }

    #[test]
    fn too_long_is_rejected() {
        assert!(SearchTerms::parse("search", &"a".repeat(201)).is_err());
    }
}
