//! What staff change on a product and its variants, checked before storage sees it, and the
//! snapshot the audit log compares before and after.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    InvalidField,
    catalogue::{NewVariant, ProductStatus},
    money::Money,
    slug::Slug,
    stock::MAX_STOCK,
    text::{self, TextRule},
};

pub const TITLE: TextRule = TextRule::required(200);
pub const DESCRIPTION: TextRule = TextRule::optional(10_000);
pub const TAG: TextRule = TextRule::required(50);
pub const MAX_TAGS: usize = 30;
pub const SKU_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";
pub const SIZE: TextRule = TextRule::required(20);
pub const COLOR: TextRule = TextRule::required(40);

/// A product's own fields and links, as staff edit them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFields {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub price: Money,
    pub sale_price: Option<Money>,
    pub status: ProductStatus,
    pub tags: Vec<String>,
    pub category_ids: BTreeSet<Uuid>,
    pub collection_ids: BTreeSet<Uuid>,
}

impl ProductFields {
    /// The fields as the audit log records them (camelCase, minor units).
    pub fn snapshot(&self) -> Value {
        json!({
            "title": self.title,
            "slug": self.slug,
            "description": self.description,
            "price": self.price.minor(),
            "salePrice": self.sale_price.map(Money::minor),
            "status": self.status.as_str(),
            "tags": self.tags,
            "categoryIds": self.category_ids,
            "collectionIds": self.collection_ids,
        })
    }
}

/// A partial change of a product: `None` leaves a field as it is; `sale_price: Some(None)`
/// removes the sale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub title: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub price: Option<Money>,
    pub sale_price: Option<Option<Money>>,
    pub status: Option<ProductStatus>,
    pub tags: Option<Vec<String>>,
    pub category_ids: Option<BTreeSet<Uuid>>,
    pub collection_ids: Option<BTreeSet<Uuid>>,
}

impl ProductPatch {
    /// `current` with the patch applied, or the rules the result breaks (a sale price not
    /// below the price, an active product without variants).
    pub fn apply(&self, current: &ProductFields, variant_count: usize) -> Result<ProductFields, Vec<InvalidField>> {
        let next = ProductFields {
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            slug: self.slug.clone().unwrap_or_else(|| current.slug.clone()),
            description: self.description.clone().unwrap_or_else(|| current.description.clone()),
            price: self.price.unwrap_or(current.price),
            sale_price: self.sale_price.unwrap_or(current.sale_price),
            status: self.status.unwrap_or(current.status),
            tags: self.tags.clone().unwrap_or_else(|| current.tags.clone()),
            category_ids: self
                .category_ids
                .clone()
                .unwrap_or_else(|| current.category_ids.clone()),
            collection_ids: self
                .collection_ids
                .clone()
                .unwrap_or_else(|| current.collection_ids.clone()),
        };
        let mut errors = Vec::new();
        check_prices(next.price, next.sale_price, &mut errors);
        if next.status == ProductStatus::Active && variant_count == 0 {
            errors.push(InvalidField::new(
                "status",
                "an active product needs at least one variant",
            ));
        }
        if errors.is_empty() { Ok(next) } else { Err(errors) }
    }
}

/// A sale price must be below the price it discounts.
pub fn check_prices(price: Money, sale_price: Option<Money>, errors: &mut Vec<InvalidField>) {
    if sale_price.is_some_and(|s| s >= price) {
        errors.push(InvalidField::new("salePrice", "must be below price"));
    }
}

/// Tags trimmed and lowercased, duplicates dropped, in first-seen order.
pub fn check_tags(field: &str, tags: &[String], errors: &mut Vec<InvalidField>) -> Vec<String> {
    if tags.len() > MAX_TAGS {
        errors.push(InvalidField::new(field, format!("must have at most {MAX_TAGS} tags")));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let tag = TAG.check(&format!("{field}[{i}]"), tag, errors).to_lowercase();
        if seen.insert(tag.clone()) {
            out.push(tag);
        }
    }
    out
}

/// A title checked (1 to 200 characters).
pub fn check_title(field: &str, title: &str, errors: &mut Vec<InvalidField>) -> String {
    TITLE.check(field, title, errors)
}

/// An explicit slug checked; `None` when it is malformed (the error is pushed).
pub fn check_slug(field: &str, slug: &str, errors: &mut Vec<InvalidField>) -> Option<String> {
    match Slug::parse(field, slug.trim()) {
        Ok(s) => Some(s.as_str().to_owned()),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// The slug a title gives: transliterated to ASCII ("Café Crème" → "cafe-creme"), lowercase
/// letters and digits joined by single hyphens, at most 100 characters (room for a suffix);
/// `"product"` when nothing is left.
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut slug = String::new();
    for word in words {
        if slug.len() + word.len() + 1 > 100 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() { "product".to_owned() } else { slug }
}

/// `base`, or `base-2`, `base-3`… : the first not in `taken`.
pub fn first_free_slug(base: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range has a free suffix")
}

/// A new variant checked: `field` is where it sits in the request (`variants[2]`, or empty).
pub fn check_variant(
    field: &str,
    sku: &str,
    size: &str,
    color: &str,
    price: Option<i64>,
    inventory_count: i64,
    errors: &mut Vec<InvalidField>,
) -> NewVariant {
    let name = |f: &str| {
        if field.is_empty() {
            f.to_owned()
        } else {
            format!("{field}.{f}")
        }
    };
    let sku = check_sku(&name("sku"), sku, errors);
    let size = SIZE.check(&name("size"), size, errors);
    let color = COLOR.check(&name("color"), color, errors);
    let price = price.and_then(|p| Money::from_minor(&name("price"), p).map_err(|e| errors.push(e)).ok());
    if !(0..=MAX_STOCK).contains(&inventory_count) {
        errors.push(InvalidField::new(
            name("inventoryCount"),
            format!("must be between 0 and {MAX_STOCK}"),
        ));
    }
    NewVariant {
        sku,
        size,
        color,
        price,
        inventory_count: inventory_count.clamp(0, MAX_STOCK) as i32,
    }
}

/// A SKU: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`; upper-cased,
/// so `vt-m` and `VT-M` are one SKU (labels and scanners do not tell case apart).
pub fn check_sku(field: &str, sku: &str, errors: &mut Vec<InvalidField>) -> String {
    let sku = sku.trim();
    let mut chars = sku.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && sku.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !well_formed {
        errors.push(InvalidField::new(
            field,
            "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    sku.to_ascii_uppercase()
}

/// A partial change of a variant's own fields; stock moves only by adjustments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantPatch {
    pub sku: Option<String>,
    pub size: Option<String>,
    pub color: Option<String>,
    /// `Some(None)` removes the variant's own price (it follows the product's again).
    pub price: Option<Option<Money>>,
}

/// What deleting a product came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductRemoval {
    Deleted,
    /// Orders name it, so it was archived instead (orders keep their snapshot).
    Archived,
    NotFound,
}

/// Whether `text` is storable and within `rule`, for optional free text.
pub fn check_description(field: &str, value: &str, errors: &mut Vec<InvalidField>) -> String {
    let checked = DESCRIPTION.check(field, value, errors);
    if !text::is_storable(&checked) {
        errors.push(InvalidField::new(field, "must not contain NUL characters"));
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_titles_are_transliterated_and_bounded() {
        assert_eq!(slugify("Café Crème — Linen Shirt!"), "cafe-creme-linen-shirt");
        assert_eq!(slugify("Straße 42"), "strasse-42");
        assert_eq!(slugify("北京 Jacket"), "bei-jing-jacket");
        assert_eq!(slugify("!!!"), "product");
        let long = slugify(&"word ".repeat(60));
        assert!(long.len() <= 100 && !long.ends_with('-'), "{long}");
        assert!(Slug::parse("slug", &long).is_ok());
    }

    #[test]
    fn the_first_free_suffix_is_taken() {
        let taken: BTreeSet<String> = ["shirt", "shirt-2", "shirt-4"].map(String::from).into();
        assert_eq!(first_free_slug("shirt", &taken), "shirt-3");
        assert_eq!(first_free_slug("dress", &taken), "dress");
    }

    #[test]
    fn patches_keep_what_they_do_not_name_and_check_the_result() {
        let current = ProductFields {
            title: "Shirt".into(),
            slug: "shirt".into(),
            description: String::new(),
            price: Money::from_minor("price", 5000).unwrap(),
            sale_price: Some(Money::from_minor("salePrice", 4000).unwrap()),
            status: ProductStatus::Draft,
            tags: vec![],
            category_ids: BTreeSet::new(),
            collection_ids: BTreeSet::new(),
        };
        let patch = ProductPatch {
            price: Some(Money::from_minor("price", 3000).unwrap()),
            ..ProductPatch::default()
        };
        let fields = |r: Result<ProductFields, Vec<InvalidField>>| {
            r.unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(patch.apply(&current, 1)), ["salePrice"]);
        let patch = ProductPatch {
            sale_price: Some(None),
            status: Some(ProductStatus::Active),
            ..patch
        };
        assert_eq!(fields(patch.apply(&current, 0)), ["status"]);
        let next = patch.apply(&current, 1).unwrap();
        assert_eq!((next.title.as_str(), next.sale_price), ("Shirt", None));
    }

    #[test]
    fn skus_are_checked() {
        let mut errors = Vec::new();
        check_sku("sku", "LIN-SHIRT_01.M", &mut errors);
        assert!(errors.is_empty());
        for bad in ["", "-x", "a b", &"x".repeat(65)] {
            let mut errors = Vec::new();
            check_sku("sku", bad, &mut errors);
            assert_eq!(errors.len(), 1, "{bad:?}");
        }
    }
}
