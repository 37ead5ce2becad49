//! Free-text fields: trimmed, bounded in characters (Unicode scalar values, as JSON Schema's
//! `maxLength` counts them), and declared in the spec from these same rules.

use serde_json::{Value, json};

use super::InvalidField;

/// What `str::trim` removes (Unicode `White_Space`), spelled out as a character class so that
/// a pattern means the same in every regex dialect that reads the spec: ECMA-262, Python's
/// `re` (whose `\s` also takes U+001C–U+001F) and Rust's `regex`.
pub const WHITESPACE: &str = r"\t\n\x0b\x0c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// Text every backend can store: no NUL character (PostgreSQL's `text` cannot hold U+0000).
/// Declared on every string the API takes that has no stricter pattern.
pub const STORABLE_PATTERN: &str = r"^[^\x00]*$";

/// Whether every backend can store `text` (see [`STORABLE_PATTERN`]).
pub fn is_storable(text: &str) -> bool {
    !text.contains('\0')
}

/// A text field's rule: how many characters, and whether it may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub max_chars: usize,
    pub required: bool,
}

impl TextRule {
    /// 1 to `max_chars` characters once trimmed.
    pub const fn required(max_chars: usize) -> Self {
        Self {
            max_chars,
            required: true,
        }
    }

    /// At most `max_chars` characters; blank counts as absent.
    pub const fn optional(max_chars: usize) -> Self {
        Self {
            max_chars,
            required: false,
        }
    }

    /// The trimmed value, or a failure naming `field` pushed to `errors`.
    pub fn check(&self, field: &str, value: &str, errors: &mut Vec<InvalidField>) -> String {
        let v = value.trim();
        if self.required && (v.is_empty() || v.chars().count() > self.max_chars) {
            errors.push(InvalidField::new(
                field,
                format!("must be 1 to {} characters", self.max_chars),
            ));
        } else if v.chars().count() > self.max_chars {
            errors.push(InvalidField::new(
                field,
                format!("must be at most {} characters", self.max_chars),
            ));
        }
        v.to_owned()
    }

    /// An optional value trimmed, `None` when absent or blank.
    pub fn check_optional(&self, field: &str, value: Option<&str>, errors: &mut Vec<InvalidField>) -> Option<String> {
        let v = self.check(field, value?, errors);
        (!v.is_empty()).then_some(v)
    }

    /// The JSON Schema keywords that declare this rule. The spec counts the raw value, the
    /// check the trimmed one, so what the spec allows the check accepts. The pattern also
    /// keeps NUL out ([`STORABLE_PATTERN`]); a required value needs a visible character.
    pub fn schema(&self) -> Value {
        if self.required {
            json!({
                "minLength": 1,
                "maxLength": self.max_chars,
                "pattern": format!("^[^\\x00]*[^{WHITESPACE}\\x00][^\\x00]*$"),
            })
        } else {
            json!({ "maxLength": self.max_chars, "pattern": STORABLE_PATTERN })
        }
    }
}

/// A person's name as shown to staff and in emails.
pub const PERSON_NAME: TextRule = TextRule::required(100);
/// The contact form.
pub const CONTACT_SUBJECT: TextRule = TextRule::required(200);
pub const CONTACT_MESSAGE: TextRule = TextRule::required(5000);
/// A staff status change.
pub const CARRIER: TextRule = TextRule::optional(100);
pub const TRACKING_NUMBER: TextRule = TextRule::optional(100);
pub const TRACKING_URL: TextRule = TextRule::optional(500);
pub const STATUS_NOTE: TextRule = TextRule::optional(1000);
/// Why a staff member moved stock ("recount", "damaged in transit"), kept with the movement.
pub const STOCK_REASON: TextRule = TextRule::required(200);
/// What a tracking link starts with.
pub const HTTP_URL_PATTERN: &str = r"^https?://[^\x00]*$";

/// Whether a trimmed value is a link [`HTTP_URL_PATTERN`] accepts.
pub fn is_http_url(value: &str) -> bool {
    value.starts_with("https://") || value.starts_with("http://")
}

/// A payment method token from the storefront (Stripe's are ASCII, well under this).
pub const PAYMENT_METHOD: TextRule = TextRule::required(255);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        let mut errors = Vec::new();
        assert_eq!(PERSON_NAME.check("name", "  Ada  ", &mut errors), "Ada");
        assert!(errors.is_empty());
        PERSON_NAME.check("name", " \u{3000} ", &mut errors);
        PERSON_NAME.check("name", &"x".repeat(101), &mut errors);
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn blank_optional_text_is_absent() {
        let mut errors = Vec::new();
        assert_eq!(CARRIER.check_optional("carrier", Some("  "), &mut errors), None);
        assert_eq!(CARRIER.check_optional("carrier", None, &mut errors), None);
        assert_eq!(
            CARRIER.check_optional("carrier", Some(" UPS "), &mut errors).as_deref(),
            Some("UPS")
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn the_declared_pattern_finds_what_trim_keeps() {
        let pattern = regex::Regex::new(PERSON_NAME.schema()["pattern"].as_str().unwrap()).unwrap();
        for blank in ["", " ", "\t\n", "\u{3000}\u{a0}", "\u{2028}"] {
            assert!(!pattern.is_match(blank), "{blank:?}");
            assert!(blank.trim().is_empty());
        }
        for text in ["a", " a ", "\u{1c}", "two\nlines"] {
            assert!(pattern.is_match(text), "{text:?}");
            assert!(!text.trim().is_empty());
        }
        for stored_badly in ["a\u{0}", "\u{0}a", "\u{0}"] {
            assert!(!pattern.is_match(stored_badly), "{stored_badly:?}");
            assert!(!is_storable(stored_badly));
        }
        let storable = regex::Regex::new(STORABLE_PATTERN).unwrap();
        assert!(storable.is_match("") && storable.is_match("any\ntext"));
        assert!(!storable.is_match("a\u{0}b"));
    }
}
