//! Categories, collections and promotions as the fake holds them, and what their writes
//! share: slugs made and checked, names required, descriptions trimmed, 422s naming fields,
//! and a deletion's 409s and the products and promotions moved by `reassignTo`.

use beeget_client::types;
use serde_json::{Value, json};

use super::{State, from, problem};
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

/// Which link of products and promotions a deletion looks at: to a category or a collection.
#[derive(Clone, Copy)]
pub(super) enum Link {
    Category,
    Collection,
}

impl Link {
    fn of_product(self, p: &types::AdminProduct) -> &Vec<String> {
        match self {
            Link::Category => &p.category_ids,
            Link::Collection => &p.collection_ids,
        }
    }

    fn of_product_mut(self, p: &mut types::AdminProduct) -> &mut Vec<String> {
        match self {
            Link::Category => &mut p.category_ids,
            Link::Collection => &mut p.collection_ids,
        }
    }

    fn of_promotion(self, p: &types::AdminPromotion) -> &Option<String> {
        match self {
            Link::Category => &p.scope.category_id,
            Link::Collection => &p.scope.collection_id,
        }
    }

    fn of_promotion_mut(self, p: &mut types::AdminPromotion) -> &mut Option<String> {
        match self {
            Link::Category => &mut p.scope.category_id,
            Link::Collection => &mut p.scope.collection_id,
        }
    }
}

impl State {
    /// How many products and how many promotions are linked to `id`.
    pub(super) fn uses(&self, link: Link, id: &str) -> (usize, usize) {
        let products = self
            .products
            .iter()
            .filter(|p| link.of_product(p).iter().any(|c| c == id))
            .count();
        let promotions = self
            .taxa
            .promotions
            .iter()
            .filter(|p| link.of_promotion(p).as_deref() == Some(id))
            .count();
        (products, promotions)
    }

    /// Links to `target` the products and promotions linked to `id`.
    pub(super) fn move_uses(&mut self, link: Link, id: &str, target: &str) {
        for p in self.products.iter_mut() {
            let ids = link.of_product_mut(p);
            if ids.iter().any(|c| c == id) {
                ids.retain(|c| c != id && c != target);
                ids.push(target.to_owned());
            }
        }
        for p in self.taxa.promotions.iter_mut() {
            let scoped = link.of_promotion_mut(p);
            if scoped.as_deref() == Some(id) {
                *scoped = Some(target.to_owned());
            }
        }
    }
}

/// The 409 `in_use` of a deletion without `reassignTo`.
pub(super) fn in_use(noun: &str, children: usize, products: usize, promotions: usize) -> Failure {
    problem(
        409,
        "in_use",
        &format!(
            "the {noun} still has {children} child categories, {products} products and {promotions} promotions; \
             pass reassignTo to move them first"
        ),
        json!([]),
    )
}

/// The 409 `category_cycle` of a `reassignTo` naming the record itself or one below it.
pub(super) fn reassign_cycle() -> Failure {
    problem(
        409,
        "category_cycle",
        "reassignTo cannot be the record itself or one of its descendants",
        json!([]),
    )
}
