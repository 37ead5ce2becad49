//! Categories: the whole tree, as `GET /admin/categories` answers it (one flat array with
//! parent ids), drawn as a tree: children under their parent, siblings by position, then by
//! name. The API sends every category at once, so `/` filters here, by name, on what was
//! loaded, without a call (a match is shown with its ancestors, to keep its place in the
//! tree); Esc drops the filter. `:categories shirts` opens the tree filtered.
//!
//! `n` new, `e` or Enter edit (a patch of the form's fields), `d` delete (asks first). The API
//! refuses to delete a category still in use (children, products or promotions: 409
//! `in_use`); the console then offers to move all of it to another category and delete
//! (`reassignTo`). The API's field errors show beside the form's fields.
//!
//! Choosing "(top level)" for a category that had a parent sends `parentId: null` beside the
//! typed patch ([`crate::api::Clear`]), which cannot carry a null.

mod tree;

use beeget_client::types;

use crate::api::{Clear, Reply, Request, body};
use crate::screens::taxonomy::{Kind, TaxonomyScreen};

pub(super) use tree::category_choices;
use tree::{filtered, path, tree};

pub type CategoriesScreen = TaxonomyScreen<Categories>;

pub struct Categories;

impl Kind for Categories {
    type Item = types::AdminCategory;
    const NOUN: &'static str = "category";
    const TITLE: &'static str = "Categories";
    const HEADING: &'static str = " Category ";
    const HIDDEN: &'static str = "hidden (and all below it)";

    fn load() -> Request {
        Request::Categories
    }

    fn loaded(reply: Reply) -> Option<Vec<Self::Item>> {
        match reply {
            Reply::Categories(all) => Some(all),
            _ => None,
        }
    }

    fn saved(reply: Reply) -> Option<Self::Item> {
        match reply {
            Reply::Category(c) => Some(c),
            _ => None,
        }
    }

    fn create(fields: serde_json::Value) -> Result<Request, String> {
        body(fields).map(Request::CreateCategory)
    }

    fn update(id: String, fields: serde_json::Value, clear: Clear) -> Result<Request, String> {
        body(fields).map(|patch| Request::UpdateCategory { id, patch, clear })
    }

    fn delete(id: String, reassign_to: Option<String>) -> Request {
        Request::DeleteCategory { id, reassign_to }
    }

    /// The tree, a match shown with its ancestors.
    fn shown(all: &[Self::Item], filter: Option<&str>) -> Vec<(Self::Item, String)> {
        let shown = filtered(all, filter);
        tree(&shown).into_iter().map(|(c, label)| (c.clone(), label)).collect()
    }

    fn place(all: &[Self::Item], item: &Self::Item) -> String {
        path(all, item)
    }

    fn others(all: &[Self::Item], id: &str) -> Vec<(String, String)> {
        category_choices(all, Some(id))
    }

    fn parents(all: &[Self::Item], except: Option<&str>) -> Option<Vec<(String, String)>> {
        Some(category_choices(all, except))
    }

    fn parent(item: &Self::Item) -> Option<String> {
        item.parent_id.clone()
    }
}
