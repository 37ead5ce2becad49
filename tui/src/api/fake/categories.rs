//! Categories in the fake: the tree listed, created, changed (never under itself) and
//! deleted (refused while in use, unless another category takes over what it holds).

use beeget_client::types;
use serde_json::json;

use super::taxonomy::{Link, check_name, described, fresh_id, in_use, invalid, pick_slug, reassign_cycle};
use super::{State, from, not_found, problem, unanswered};
use crate::api::{Failure, Reply, Request};

/// The ids of the categories below `id`, at any depth.
fn descendants(categories: &[types::AdminCategory], id: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![id.to_owned()];
    while let Some(parent) = frontier.pop() {
        for c in categories
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some(parent.as_str()))
        {
            if c.id != id && !found.contains(&c.id) {
                found.push(c.id.clone());
                frontier.push(c.id.clone());
            }
        }
    }
    found
}

impl State {
    /// Categories: listed, created, changed and deleted in `Taxa`, with the
    /// API's checks (422 naming the field; 409 `in_use`, `category_cycle`).
    pub(super) fn categories(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let mut errors: Vec<(&str, String)> = Vec::new();
        Ok(match request {
            R::Categories => Reply::Categories(self.taxa.categories.clone()),
            R::CreateCategory(body) => {
                let name = body.name.to_string();
                check_name(&name, &mut errors);
                let parent = body.parent_id.map(|p| p.to_string());
                if parent
                    .as_ref()
                    .is_some_and(|p| !self.taxa.categories.iter().any(|c| &c.id == p))
                {
                    errors.push(("parentId", "no such category".into()));
                }
                let taken: Vec<&str> = self.taxa.categories.iter().map(|c| c.slug.as_str()).collect();
                let slug = pick_slug(body.slug.map(|s| s.to_string()), &name, "category", &taken, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let created: types::AdminCategory = from(json!({
                    "id": fresh_id("cat", self.taxa.categories.iter().map(|c| c.id.as_str())), "name": name.trim(),
                    "slug": slug, "parentId": parent, "description": described(body.description.map(|d| d.to_string())),
                    "active": body.active, "position": body.position
                }));
                self.taxa.categories.push(created.clone());
                Reply::Category(created)
            }
            R::UpdateCategory { id, patch, clear } => {
                let Some(at) = self.taxa.categories.iter().position(|c| c.id == id) else {
                    return Err(not_found());
                };
                if let Some(name) = &patch.name {
                    check_name(name, &mut errors);
                }
                if let Some(slug) = &patch.slug
                    && self
                        .taxa
                        .categories
                        .iter()
                        .any(|c| c.id != id && c.slug == slug.as_str())
                {
                    errors.push(("slug", "is taken by another category".into()));
                }
                if let Some(parent) = &patch.parent_id
                    && !self.taxa.categories.iter().any(|c| c.id == parent.as_str())
                {
                    errors.push(("parentId", "no such category".into()));
                }
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                if let Some(parent) = &patch.parent_id
                    && (parent.as_str() == id || descendants(&self.taxa.categories, &id).contains(parent))
                {
                    return Err(problem(
                        409,
                        "category_cycle",
                        "a category cannot move under itself or one of its descendants",
                        json!([]),
                    ));
                }
                let c = &mut self.taxa.categories[at];
                if let Some(name) = patch.name {
                    c.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    c.slug = slug.to_string();
                }
                if clear.names("parentId") {
                    c.parent_id = None;
                } else if let Some(parent) = patch.parent_id {
                    c.parent_id = Some(parent.to_string());
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
                Reply::Category(c.clone())
            }
            R::DeleteCategory { id, reassign_to } => {
                if !self.taxa.categories.iter().any(|c| c.id == id) {
                    return Err(not_found());
                }
                let children = self
                    .taxa
                    .categories
                    .iter()
                    .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
                    .count();
                let (products, promotions) = self.uses(Link::Category, &id);
                match reassign_to {
                    None if children + products + promotions > 0 => {
                        return Err(in_use("category", children, products, promotions));
                    }
                    None => {}
                    Some(target) => {
                        if !self.taxa.categories.iter().any(|c| c.id == target) {
                            return Err(invalid(&[("reassignTo", "no such category".into())]));
                        }
                        if target == id || descendants(&self.taxa.categories, &id).contains(&target) {
                            return Err(reassign_cycle());
                        }
                        for c in self
                            .taxa
                            .categories
                            .iter_mut()
                            .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
                        {
                            c.parent_id = Some(target.clone());
                        }
                        self.move_uses(Link::Category, &id, &target);
                    }
                }
                self.taxa.categories.retain(|c| c.id != id);
                Reply::Done
            }
            other => return Err(unanswered("the fake's categories", &other)),
        })
    }
}
