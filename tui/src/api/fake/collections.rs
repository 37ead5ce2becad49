//! Collections in the fake: listed, created, changed and deleted (refused while in use,
//! unless another collection takes over its products and promotions).

use beeget_client::types;
use serde_json::json;

use super::taxonomy::{Link, check_name, described, fresh_id, in_use, invalid, pick_slug, reassign_cycle};
use super::{State, from, not_found, unanswered};
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
                let (products, promotions) = self.uses(Link::Collection, &id);
                match reassign_to {
                    None if products + promotions > 0 => {
                        return Err(in_use("collection", 0, products, promotions));
                    }
                    None => {}
                    Some(target) => {
                        if target == id {
                            return Err(reassign_cycle());
                        }
                        if !self.taxa.collections.iter().any(|c| c.id == target) {
                            return Err(invalid(&[("reassignTo", "no such collection".into())]));
                        }
                        self.move_uses(Link::Collection, &id, &target);
                    }
                }
                self.taxa.collections.retain(|c| c.id != id);
                Reply::Done
            }
            other => return Err(unanswered("the fake's collections", &other)),
        })
    }
}
