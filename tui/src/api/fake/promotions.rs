//! Promotions in the fake: listed, created, changed and deleted, with the API's checks of
//! codes, percentages, dates and what the promotion applies to.

use beeget_client::types;
use serde_json::json;

use super::taxonomy::{check_name, described, fresh_id, invalid, pick_slug};
use super::{State, from, not_found, unanswered};
use crate::api::{Failure, Reply, Request};

/// What a promotion applies to, as the API answers it, from what was sent.
fn scope_of(input: &types::PromotionScopeInput) -> types::PromotionScope {
    let mut scope = json!({"kind": input.kind});
    let key = match input.kind {
        types::PromotionScopeKind::All => None,
        types::PromotionScopeKind::Category => Some("categoryId"),
        types::PromotionScopeKind::Collection => Some("collectionId"),
        types::PromotionScopeKind::Product => Some("productId"),
    };
    if let (Some(key), Some(id)) = (key, &input.id) {
        scope[key] = json!(id.to_string());
    }
    from(scope)
}

fn scope_target(scope: &types::PromotionScope) -> Option<&str> {
    scope
        .category_id
        .as_deref()
        .or(scope.collection_id.as_deref())
        .or(scope.product_id.as_deref())
}

impl State {
    /// Promotions: listed, created, changed and deleted in `Taxa`, with the
    /// API's checks (422 naming the field).
    pub(super) fn promotions(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let mut errors: Vec<(&str, String)> = Vec::new();
        Ok(match request {
            R::Promotions => Reply::Promotions(self.taxa.promotions.clone()),
            R::CreatePromotion(body) => {
                let name = body.name.to_string();
                let taken: Vec<&str> = self.taxa.promotions.iter().map(|p| p.slug.as_str()).collect();
                let slug = pick_slug(
                    body.slug.map(|s| s.to_string()),
                    &name,
                    "promotion",
                    &taken,
                    &mut errors,
                );
                let created: types::AdminPromotion = from(json!({
                    "id": fresh_id("promo", self.taxa.promotions.iter().map(|p| p.id.as_str())), "name": name.trim(),
                    "slug": slug, "code": body.code.map(|c| c.to_uppercase()),
                    "description": described(body.description.map(|d| d.to_string())), "active": body.active,
                    "discountType": body.discount_type, "discountValue": body.discount_value.get(), "currency": "EUR",
                    "order": body.position, "stackable": body.stackable, "scope": scope_of(&body.scope),
                    "startDate": body.start_date, "endDate": body.end_date
                }));
                self.check_promotion(&created, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                self.taxa.promotions.push(created.clone());
                Reply::Promotion(created)
            }
            R::UpdatePromotion { id, patch, clear } => {
                let Some(at) = self.taxa.promotions.iter().position(|p| p.id == id) else {
                    return Err(not_found());
                };
                let mut p = self.taxa.promotions[at].clone();
                if let Some(name) = patch.name {
                    p.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    if self
                        .taxa
                        .promotions
                        .iter()
                        .any(|o| o.id != id && o.slug == slug.as_str())
                    {
                        errors.push(("slug", "is taken by another promotion".into()));
                    }
                    p.slug = slug.to_string();
                }
                if clear.names("code") {
                    p.code = None;
                } else if let Some(code) = patch.code {
                    p.code = Some(code.to_uppercase());
                }
                if let Some(description) = patch.description {
                    p.description = described(Some(description.to_string()));
                }
                if let Some(kind) = patch.discount_type {
                    p.discount_type = kind;
                }
                if let Some(value) = patch.discount_value {
                    p.discount_value = i64::try_from(value.get()).unwrap_or(i64::MAX);
                }
                if let Some(start) = patch.start_date {
                    p.start_date = start;
                }
                if let Some(end) = patch.end_date {
                    p.end_date = end;
                }
                if let Some(stackable) = patch.stackable {
                    p.stackable = stackable;
                }
                if let Some(active) = patch.active {
                    p.active = active;
                }
                if let Some(position) = patch.position {
                    p.order = position;
                }
                if let Some(scope) = &patch.scope {
                    p.scope = scope_of(scope);
                }
                self.check_promotion(&p, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                self.taxa.promotions[at] = p.clone();
                Reply::Promotion(p)
            }
            R::DeletePromotion(id) => {
                let before = self.taxa.promotions.len();
                self.taxa.promotions.retain(|p| p.id != id);
                if self.taxa.promotions.len() == before {
                    return Err(not_found());
                }
                Reply::Done
            }
            other => return Err(unanswered("the fake's promotions", &other)),
        })
    }

    /// The API's checks of a promotion as it would be stored.
    fn check_promotion(&self, p: &types::AdminPromotion, errors: &mut Vec<(&str, String)>) {
        check_name(&p.name, errors);
        if let Some(code) = &p.code
            && self
                .taxa
                .promotions
                .iter()
                .any(|o| o.id != p.id && o.code.as_ref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
        {
            errors.push(("code", "is taken by another promotion".into()));
        }
        if p.discount_type == types::DiscountType::Percent && !(1..=100).contains(&p.discount_value) {
            errors.push(("discountValue", "a percent from 1 to 100".into()));
        }
        if p.end_date <= p.start_date {
            errors.push(("endDate", "must be after startDate".into()));
        }
        let target = scope_target(&p.scope);
        let exists = match (p.scope.kind, target) {
            (types::PromotionScopeKind::All, _) => true,
            (_, None) => {
                errors.push(("scope.id", "is required for this kind".into()));
                true
            }
            (types::PromotionScopeKind::Category, Some(id)) => self.taxa.categories.iter().any(|c| c.id == id),
            (types::PromotionScopeKind::Collection, Some(id)) => self.taxa.collections.iter().any(|c| c.id == id),
            (types::PromotionScopeKind::Product, Some(id)) => self.products.iter().any(|c| c.id == id),
        };
        if !exists {
            errors.push(("scope.id", format!("no such {}", p.scope.kind)));
        }
    }
}
