//! What a postal address's fields must be, for the address book and for an order's shipping
//! address alike; the spec declares the same rules.

use serde_json::{Value, json};

use super::{InvalidField, country, text::TextRule};

/// A postal address as the shopper gives it: for the address book and for an order's
/// shipping address. [`AddressFields::validated`] turns what was submitted into what is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressFields {
    pub label: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub zip: String,
    /// ISO 3166-1 alpha-2, upper case once validated.
    pub country: String,
    pub phone: Option<String>,
}

impl AddressFields {
    /// Checks every field at once, so the client sees every problem in one answer, and
    /// returns the address trimmed and normalised (country upper-case, empty optional fields
    /// as none). Errors name the fields by their JSON names (`zip`, `line1`…).
    pub fn validated(&self) -> Result<AddressFields, Vec<InvalidField>> {
        let mut errors = Vec::new();
        let label = LABEL.check("label", &self.label, &mut errors);
        let line1 = LINE1.check("line1", &self.line1, &mut errors);
        let line2 = LINE2.check_optional("line2", self.line2.as_deref(), &mut errors);
        let city = CITY.check("city", &self.city, &mut errors);
        let state = STATE.check_optional("state", self.state.as_deref(), &mut errors);
        let zip = ZIP.check("zip", &self.zip, &mut errors);
        check_zip(&zip, &mut errors);
        let country = country::parse("country", &self.country)
            .map_err(|e| errors.push(e))
            .ok();
        let phone = PHONE.check_optional("phone", self.phone.as_deref(), &mut errors);
        if let Some(p) = &phone {
            check_phone(p, &mut errors);
        }
        match country {
            Some(country) if errors.is_empty() => Ok(AddressFields {
                label,
                line1,
                line2,
                city,
                state,
                zip,
                country,
                phone,
            }),
            _ => Err(errors),
        }
    }
}

pub const LABEL: TextRule = TextRule::required(50);
pub const LINE1: TextRule = TextRule::required(200);
pub const LINE2: TextRule = TextRule::optional(200);
pub const CITY: TextRule = TextRule::required(100);
pub const STATE: TextRule = TextRule::optional(100);
pub const ZIP: TextRule = TextRule::required(20);
pub const PHONE: TextRule = TextRule::optional(30);

/// Letters, digits, spaces and `-`, starting and ending with a letter, digit or `-`.
pub const ZIP_PATTERN: &str = "^[A-Za-z0-9-]([A-Za-z0-9 -]*[A-Za-z0-9-])?$";
/// Empty, or at least five digits among spaces and `+ - ( ) .`.
pub const PHONE_PATTERN: &str = r"^([ +().-]*([0-9][ +().-]*){5,})?$";
/// Fewest digits in a phone number.
const PHONE_MIN_DIGITS: usize = 5;

/// Checks a trimmed postal code.
pub fn check_zip(zip: &str, errors: &mut Vec<InvalidField>) {
    if !zip.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-') {
        errors.push(InvalidField::new(
            "zip",
            "may hold only letters, digits, spaces and '-'",
        ));
    }
}

/// Checks a trimmed phone number.
pub fn check_phone(phone: &str, errors: &mut Vec<InvalidField>) {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if digits < PHONE_MIN_DIGITS || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
        errors.push(InvalidField::new(
            "phone",
            "must be a phone number: digits, spaces, + - ( ) .",
        ));
    }
}

/// The spec's keywords for each address field, by its JSON name.
pub fn field_schemas() -> Vec<(&'static str, Value)> {
    let with_pattern = |rule: TextRule, pattern: &str| {
        let mut schema = rule.schema();
        schema["pattern"] = json!(pattern);
        schema
    };
    vec![
        ("label", LABEL.schema()),
        ("line1", LINE1.schema()),
        ("line2", LINE2.schema()),
        ("city", CITY.schema()),
        ("state", STATE.schema()),
        ("zip", with_pattern(ZIP, ZIP_PATTERN)),
        ("country", super::country::schema()),
        ("phone", with_pattern(PHONE, PHONE_PATTERN)),
    ]
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    /// What the declared patterns accept, the checks accept.
    #[test]
    fn patterns_agree_with_the_checks() {
        let zip = Regex::new(ZIP_PATTERN).unwrap();
        for value in ["95014", "SW1A 1AA", "75-001", "a"] {
            assert!(zip.is_match(value), "{value}");
            let mut errors = Vec::new();
            check_zip(value, &mut errors);
            assert!(errors.is_empty(), "{value}");
        }
        for value in ["", " 95014", "950_14", "95014 "] {
            assert!(!zip.is_match(value), "{value}");
        }
        let phone = Regex::new(PHONE_PATTERN).unwrap();
        for value in ["+1 408 555 0100", "(030) 12345", "12345"] {
            assert!(phone.is_match(value), "{value}");
            let mut errors = Vec::new();
            check_phone(value, &mut errors);
            assert!(errors.is_empty(), "{value}");
        }
        assert!(phone.is_match(""), "empty means no phone");
        for value in ["1234", "call me", "12345x"] {
            assert!(!phone.is_match(value), "{value}");
            let mut errors = Vec::new();
            check_phone(value, &mut errors);
            assert!(!errors.is_empty(), "{value}");
        }
    }
}
