//! Staff edits of the two ways products are grouped: the category tree and the flat
//! collections. Both have a name, a slug, a description, a switch and a position; categories
//! also have a parent, and may never end up under themselves.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use uuid::Uuid;

use super::{audit::AuditTarget, text::TextRule};

pub const NAME: TextRule = TextRule::required(100);
pub const DESCRIPTION: TextRule = TextRule::optional(2_000);

/// Which grouping a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    Category,
    Collection,
}

impl Taxonomy {
    /// The resource's name in errors (`NotFound("category")`).
    pub fn noun(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Collection => "collection",
        }
    }

    pub fn audit_target(self) -> AuditTarget {
        match self {
            Self::Category => AuditTarget::Category,
            Self::Collection => AuditTarget::Collection,
        }
    }
}

/// A category or collection's own fields, as staff edit them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxonFields {
    /// Always `None` for a collection.
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub active: bool,
    pub position: i32,
}

impl TaxonFields {
    /// The fields as the audit log records them.
    pub fn snapshot(&self, kind: Taxonomy) -> Value {
        let mut value = json!({
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "active": self.active,
            "position": self.position,
        });
        if kind == Taxonomy::Category {
            value["parentId"] = json!(self.parent_id);
        }
        value
    }
}

/// A partial change: `None` leaves a field; `parent_id: Some(None)` moves a category to the
/// top level, `description: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaxonPatch {
    pub parent_id: Option<Option<Uuid>>,
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<Option<String>>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

impl TaxonPatch {
    pub fn apply(&self, current: &TaxonFields) -> TaxonFields {
        TaxonFields {
            parent_id: self.parent_id.unwrap_or(current.parent_id),
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            slug: self.slug.clone().unwrap_or_else(|| current.slug.clone()),
            description: self.description.clone().unwrap_or_else(|| current.description.clone()),
            active: self.active.unwrap_or(current.active),
            position: self.position.unwrap_or(current.position),
        }
    }
}

/// What an edit came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonEdit {
    Applied,
    NotFound,
    /// The new parent does not exist.
    NoSuchParent,
    /// The new parent is the category itself or lies below it.
    Cycle,
}

/// What a delete came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonRemoval {
    Deleted,
    NotFound,
    /// It still has these; pass a category or collection to reassign them to.
    InUse {
        children: u64,
        products: u64,
        promotions: u64,
    },
    /// The reassignment target does not exist.
    NoSuchTarget,
    /// The reassignment target is the record itself or lies below it.
    Cycle,
}

/// Whether making `parent` the parent of `id` would put `id` under itself. `parents` maps
/// every category to its parent.
pub fn would_cycle(parents: &HashMap<Uuid, Option<Uuid>>, id: Uuid, parent: Option<Uuid>) -> bool {
    let mut seen = HashSet::new();
    let mut current = parent;
    while let Some(node) = current {
        if node == id || !seen.insert(node) {
            return true;
        }
        current = parents.get(&node).copied().flatten();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_cannot_move_under_itself_or_its_descendants() {
        let (root, child, grandchild, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let parents = HashMap::from([
            (root, None),
            (child, Some(root)),
            (grandchild, Some(child)),
            (other, None),
        ]);
        assert!(would_cycle(&parents, root, Some(grandchild)));
        assert!(would_cycle(&parents, root, Some(root)));
        assert!(would_cycle(&parents, child, Some(grandchild)));
        assert!(!would_cycle(&parents, grandchild, Some(root)));
        assert!(!would_cycle(&parents, root, Some(other)));
        assert!(!would_cycle(&parents, child, None));
    }
}
