//! Collections in the fake: listed, created, changed and deleted (refused while in use,
//! unless another collection takes over its products and promotions).

use beeget_client::types;
use serde_json::json;

use super::taxonomy::{check_name, described, fresh_id, invalid, pick_slug};
use super::{State, from, not_found, problem, unanswered};
use crate::api::{Failure, Reply, Request};

impl State {
    /// Collections: listed, created, changed and deleted in `Taxa`, with the
    /// API's checks (422 naming the field; 409 `in_use`).
    pub(super) fn collections(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let mut errors: Vec<(&str, String)> = Vec::new();
        Ok(match request {
            R::Collections => Reply::Collections(self.taxa.collections.clone()),
            R::CreateCollection(body) => {
                let name = body.name.to_string();
                check_name(&name, &mut errors);
                let taken: Vec<&str> = self.taxa.collections.iter().map(|c| c.slug.as_str()).collect();
                let slug = pick_slug(
                    body.slug.map(|s| s.to_string()),
                    &name,
                    "collection",
                    &taken,
                    &mut errors,
                );
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let created: types::AdminCollection = from(json!({
                    "id": fresh_id("col", self.taxa.collections.iter().map(|c| c.id.as_str())), "name": name.trim(),
                    "slug": slug, "description": described(body.description.map(|d| d.to_string())),
                    "active": body.active, "position": body.position
                }));
                self.taxa.collections.push(created.clone());
                Reply::Collection(created)
            }
            R::UpdateCollection { id, patch } => {
                let Some(at) = self.taxa.collections.iter().position(|c| c.id == id) else {
                    return Err(not_found());
                };
                if let Some(name) = &patch.name {
                    check_name(name, &mut errors);
                }
                if let Some(slug) = &patch.slug
                    && self
                        .taxa
                        .collections
                        .iter()
                        .any(|c| c.id != id && c.slug == slug.as_str())
                {
                    errors.push(("slug", "is taken by another collection".into()));
                }
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let c = &mut self.taxa.collections[at];
                if let Some(name) = patch.name {
                    c.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    c.slug = slug.to_string();
                }
                if let Some(description) = patch.description {
                    c.description = described(Some(description.to_string()));
                }
                if let Some(active) = patch.active {
                    c.active = active;
                }
                if let Some(position) = patch.position {
                    c.position = position;
                }
                Reply::Collection(c.clone())
            }
            R::DeleteCollection { id, reassign_to } => {
                if !self.taxa.collections.iter().any(|c| c.id == id) {
                    return Err(not_found());
                }
                let products = self.products.iter().filter(|p| p.collection_ids.contains(&id)).count();
                let promotions = self
                    .taxa
                    .promotions
                    .iter()
                    .filter(|p| p.scope.collection_id.as_deref() == Some(id.as_str()))
                    .count();
                match reassign_to {
                    None if products + promotions > 0 => {
                        return Err(problem(
                            409,
                            "in_use",
                            &format!(
                                "the collection still has 0 child categories, {products} products and {promotions} \
                                 promotions; pass reassignTo to move them first"
                            ),
                            json!([]),
                        ));
                    }
                    None => {}
                    Some(target) => {
                        if target == id {
                            return Err(problem(
                                409,
                                "category_cycle",
                                "reassignTo cannot be the record itself or one of its descendants",
                                json!([]),
                            ));
                        }
                        if !self.taxa.collections.iter().any(|c| c.id == target) {
                            return Err(invalid(&[("reassignTo", "no such collection".into())]));
                        }
                        for p in self.products.iter_mut().filter(|p| p.collection_ids.contains(&id)) {
                            p.collection_ids.retain(|c| c != &id && c != &target);
                            p.collection_ids.push(target.clone());
                        }
                        for p in self
                            .taxa
                            .promotions
                            .iter_mut()
                            .filter(|p| p.scope.collection_id.as_deref() == Some(id.as_str()))
                        {
                            p.scope.collection_id = Some(target.clone());
                        }
                    }
                }
                self.taxa.collections.retain(|c| c.id != id);
                Reply::Done
            }
            other => return Err(unanswered("the fake's collections", &other)),
        })
    }
}
