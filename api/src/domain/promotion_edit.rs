//! What staff change on a promotion, and the rules the result must keep: the window ends after
//! it starts, a percentage is 1 to 100, an amount is positive, a code is short and plain.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{
    InvalidField,
    catalogue::{DiscountType, NewPromotion, Promotion, PromotionScope},
    money::Money,
    text::TextRule,
};

pub const NAME: TextRule = TextRule::required(100);
pub const DESCRIPTION: TextRule = TextRule::optional(2_000);
/// A promotion code: 3 to 32 letters, digits, `-` or `_`; stored in upper case, so codes are
/// unique and entered whatever their case.
pub const CODE_PATTERN: &str = "^[A-Za-z0-9_-]{3,32}$";

/// A code checked and upper-cased.
pub fn check_code(field: &str, code: &str, errors: &mut Vec<InvalidField>) -> String {
    let code = code.trim();
    let ok = (3..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        errors.push(InvalidField::new(field, "must be 3 to 32 letters, digits, '-' or '_'"));
    }
    code.to_ascii_uppercase()
}

/// The rules a whole promotion keeps, each failure naming its field.
pub fn check(p: &NewPromotion) -> Vec<InvalidField> {
    let mut errors = Vec::new();
    if p.end_date <= p.start_date {
        errors.push(InvalidField::new("endDate", "must be after startDate"));
    }
    match p.discount_type {
        DiscountType::Percent if !(1..=100).contains(&p.discount_value) => {
            errors.push(InvalidField::new("discountValue", "a percentage must be 1 to 100"));
        }
        DiscountType::Fixed if !(1..=Money::MAX_MINOR).contains(&p.discount_value) => {
            errors.push(InvalidField::new(
                "discountValue",
                format!("an amount must be 1 to {} minor units", Money::MAX_MINOR),
            ));
        }
        _ => {}
    }
    errors
}

/// A partial change: `None` leaves a field; `code: Some(None)` makes it automatic (no code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromotionPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
    pub discount_type: Option<DiscountType>,
    pub discount_value: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub code: Option<Option<String>>,
    pub scope: Option<PromotionScope>,
    pub stackable: Option<bool>,
}

impl PromotionPatch {
    /// `current` with the patch applied, or the rules the result breaks.
    pub fn apply(&self, current: &Promotion) -> Result<NewPromotion, Vec<InvalidField>> {
        let next = NewPromotion {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            slug: self.slug.clone().unwrap_or_else(|| current.slug.clone()),
            description: self.description.clone().unwrap_or_else(|| current.description.clone()),
            image: current.image.clone(),
            active: self.active.unwrap_or(current.active),
            position: self.position.unwrap_or(current.position),
            discount_type: self.discount_type.unwrap_or(current.discount_type),
            discount_value: self.discount_value.unwrap_or(current.discount_value),
            start_date: self.start_date.unwrap_or(current.start_date),
            end_date: self.end_date.unwrap_or(current.end_date),
            code: self.code.clone().unwrap_or_else(|| current.code.clone()),
            scope: self.scope.unwrap_or(current.scope),
            stackable: self.stackable.unwrap_or(current.stackable),
        };
        let errors = check(&next);
        if errors.is_empty() { Ok(next) } else { Err(errors) }
    }
}

/// The fields as the audit log records them.
pub fn snapshot(p: &NewPromotion) -> Value {
    let (scope, target) = match p.scope {
        PromotionScope::All => ("all", None),
        PromotionScope::Category(id) => ("category", Some(id)),
        PromotionScope::Collection(id) => ("collection", Some(id)),
        PromotionScope::Product(id) => ("product", Some(id)),
    };
    json!({
        "name": p.name, "slug": p.slug, "description": p.description, "active": p.active,
        "position": p.position, "discountType": p.discount_type.as_str(), "discountValue": p.discount_value,
        "startDate": p.start_date, "endDate": p.end_date, "code": p.code, "scope": scope,
        "scopeId": target, "stackable": p.stackable,
    })
}

/// A stored promotion as the input that would recreate it.
pub fn as_new(p: &Promotion) -> NewPromotion {
    NewPromotion {
        name: p.name.clone(),
        slug: p.slug.clone(),
        description: p.description.clone(),
        image: p.image.clone(),
        active: p.active,
        position: p.position,
        discount_type: p.discount_type,
        discount_value: p.discount_value,
        start_date: p.start_date,
        end_date: p.end_date,
        code: p.code.clone(),
        scope: p.scope,
        stackable: p.stackable,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn promotion() -> NewPromotion {
        let start = Utc::now();
        NewPromotion {
            name: "Spring".into(),
            slug: "spring".into(),
            description: None,
            image: None,
            active: true,
            position: 0,
            discount_type: DiscountType::Percent,
            discount_value: 20,
            start_date: start,
            end_date: start + Duration::days(7),
            code: None,
            scope: PromotionScope::All,
            stackable: false,
        }
    }

    #[test]
    fn windows_and_values_are_checked() {
        assert!(check(&promotion()).is_empty());
        let mut p = promotion();
        p.end_date = p.start_date;
        p.discount_value = 101;
        let fields: Vec<String> = check(&p).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["endDate", "discountValue"]);
        p.discount_type = DiscountType::Fixed;
        p.end_date = p.start_date + Duration::hours(1);
        assert!(check(&p).is_empty());
    }

    #[test]
    fn codes_are_plain_and_upper_cased() {
        let mut errors = Vec::new();
        assert_eq!(check_code("code", " spring-25 ", &mut errors), "SPRING-25");
        assert!(errors.is_empty());
        check_code("code", "no spaces", &mut errors);
        check_code("code", "ab", &mut errors);
        assert_eq!(errors.len(), 2);
    }
}
