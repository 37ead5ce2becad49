//! Categories, collections and promotions as the fake holds them, and what their writes
//! share: slugs made and checked, names required, descriptions trimmed, 422s naming fields.

use beeget_client::types;
use serde_json::{Value, json};

use super::{from, problem};
use crate::api::Failure;

/// Categories, collections and promotions as the fake holds them: the fixed data it starts
/// with, changed by the writes (`State::categories`, `collections` and `promotions`).
pub(super) struct Taxa {
    pub(super) categories: Vec<types::AdminCategory>,
    pub(super) collections: Vec<types::AdminCollection>,
    pub(super) promotions: Vec<types::AdminPromotion>,
}

impl Default for Taxa {
    fn default() -> Self {
        Self {
            categories: from(json!([
                {"id": "cat-1", "name": "Women", "slug": "women", "active": true, "position": 0},
                {"id": "cat-2", "name": "Dresses", "slug": "dresses", "parentId": "cat-1", "active": true, "position": 0},
                {"id": "cat-3", "name": "Men", "slug": "men", "active": true, "position": 1},
                {"id": "cat-4", "name": "Shirts", "slug": "shirts", "parentId": "cat-3", "active": false, "position": 0}
            ])),
            collections: from(json!([
                {"id": "col-1", "name": "Summer", "slug": "summer", "active": true, "position": 0},
                {"id": "col-2", "name": "Essentials", "slug": "essentials", "active": true, "position": 1}
            ])),
            promotions: from(json!([
                {"id": "promo-1", "name": "Summer sale", "slug": "summer-sale", "code": "SUMMER20", "active": true,
                 "discountType": "percent", "discountValue": 20, "currency": "EUR", "order": 0, "stackable": false,
                 "scope": {"kind": "all"}, "startDate": "2026-06-01T00:00:00Z", "endDate": "2026-12-31T23:59:59Z"}
            ])),
        }
    }
}

/// A 422 `validation_failed` naming these `(field, message)` pairs, as the API sends it.
pub(super) fn invalid(errors: &[(&str, String)]) -> Failure {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, message)| json!({"field": field, "message": message}))
        .collect();
    problem(422, "validation_failed", "some fields are not valid", json!(errors))
}

/// A slug made from a name, as the API makes one: lower case, words joined by `-`.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { "item".to_owned() } else { slug }
}

/// `base`, else `base-2`, `base-3`… whichever no other record holds.
fn free_slug(base: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| if n == 1 { base.to_owned() } else { format!("{base}-{n}") })
        .find(|s| !taken.contains(&s.as_str()))
        .unwrap_or_default()
}

/// The next id of the form `prefix-N` after those in use.
pub(super) fn fresh_id<'a>(prefix: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let last = ids
        .filter_map(|id| id.strip_prefix(prefix)?.strip_prefix('-')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}-{}", last + 1)
}

/// The slug to store: the one sent (422 when another record holds it), or one made from
/// the name.
pub(super) fn pick_slug(
    sent: Option<String>,
    name: &str,
    noun: &str,
    taken: &[&str],
    errors: &mut Vec<(&str, String)>,
) -> String {
    match sent {
        Some(slug) => {
            if taken.contains(&slug.as_str()) {
                errors.push(("slug", format!("is taken by another {noun}")));
            }
            slug
        }
        None => free_slug(&slugify(name), taken),
    }
}

pub(super) fn check_name(name: &str, errors: &mut Vec<(&str, String)>) {
    if name.trim().is_empty() {
        errors.push(("name", "is required".into()));
    }
}

/// A description as stored: an empty one clears it.
pub(super) fn described(text: Option<String>) -> Option<String> {
    text.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty())
}
