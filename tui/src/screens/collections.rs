//! Collections: a flat list, by position then name, as `GET /admin/collections` answers it
//! (every collection at once, so `/` filters here, by name, on what was loaded; Esc drops the
//! filter). `n` new, `e` or Enter edit, `d` delete (asks first). The API refuses to delete a
//! collection still used by products or promotions (409 `in_use`); the console then offers to
//! move them to another collection and delete (`reassignTo`). The API's field errors show
//! beside the form's fields.

use beeget_client::types;

use crate::api::{Clear, Reply, Request, body};
use crate::screens::taxonomy::{Kind, TaxonomyScreen};

pub type CollectionsScreen = TaxonomyScreen<Collections>;

pub struct Collections;

impl Kind for Collections {
    type Item = types::AdminCollection;
    const NOUN: &'static str = "collection";
    const TITLE: &'static str = "Collections";
    const HEADING: &'static str = " Collection ";
    const HIDDEN: &'static str = "hidden";

    fn load() -> Request {
        Request::Collections
    }

    /// By position, then name.
    fn loaded(reply: Reply) -> Option<Vec<Self::Item>> {
        let Reply::Collections(mut all) = reply else {
            return None;
        };
        all.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        Some(all)
    }

    fn saved(reply: Reply) -> Option<Self::Item> {
        match reply {
            Reply::Collection(c) => Some(c),
            _ => None,
        }
    }

    fn create(fields: serde_json::Value) -> Result<Request, String> {
        body(fields).map(Request::CreateCollection)
    }

    /// Collections have nothing to clear beyond their patch (no parent).
    fn update(id: String, fields: serde_json::Value, _clear: Clear) -> Result<Request, String> {
        body(fields).map(|patch| Request::UpdateCollection { id, patch })
    }

    fn delete(id: String, reassign_to: Option<String>) -> Request {
        Request::DeleteCollection { id, reassign_to }
    }

    fn shown(all: &[Self::Item], filter: Option<&str>) -> Vec<(Self::Item, String)> {
        all.iter()
            .filter(|c| filter.is_none_or(|f| c.name.to_lowercase().contains(f)))
            .map(|c| (c.clone(), c.name.clone()))
            .collect()
    }

    fn place(_all: &[Self::Item], item: &Self::Item) -> String {
        item.name.clone()
    }

    fn others(all: &[Self::Item], id: &str) -> Vec<(String, String)> {
        all.iter()
            .filter(|c| c.id != id)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect()
    }
}
