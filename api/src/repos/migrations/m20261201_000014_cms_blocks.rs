//! CMS blocks become typed: `{"type": ..., "data": {...}}` (see `domain::cms`). Pages stored
//! in the first shape (`{"type": "paragraph", "text": ...}`) are rewritten: a paragraph's text
//! is its Markdown and gets its sanitised HTML, headings are held to levels 2 to 4, an image's
//! `src` (a key in the media folder) becomes a `/media/...` URL and lists are bulleted.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use sea_orm_migration::prelude::*;
use serde_json::{Value, json};

use crate::{domain::cms, repos::entities::cms_pages};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000014_cms_blocks"
    }
}

/// One block of the first shape in the typed shape; a typed block stays as it is.
fn typed(block: &Value) -> Value {
    if block.get("data").is_some() {
        return block.clone();
    }
    let text = |key: &str| block.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let items = block.get("items").cloned().unwrap_or_else(|| json!([]));
    match block.get("type").and_then(Value::as_str).unwrap_or_default() {
        "heading" => {
            let level = block.get("level").and_then(Value::as_u64).unwrap_or(2).clamp(2, 4);
            json!({"type": "heading", "data": {"level": level, "text": text("text")}})
        }
        "paragraph" => {
            let markdown = text("text");
            json!({"type": "paragraph", "data": {"html": cms::render_markdown(&markdown), "markdown": markdown}})
        }
        "image" => {
            let src = text("src");
            let url = if cms::is_link(&src) {
                src
            } else {
                format!("/media/{}", src.trim_start_matches('/'))
            };
            json!({"type": "image", "data": {"url": url, "alt": text("alt"), "caption": null}})
        }
        "list" => json!({"type": "list", "data": {"style": "bulleted", "items": items}}),
        "faq" => json!({"type": "faq", "data": {"items": items}}),
        // Nothing else was ever written; kept as a paragraph rather than lost.
        other => {
            let markdown = format!("{other}: {}", text("text"));
            json!({"type": "paragraph", "data": {"html": cms::render_markdown(&markdown), "markdown": markdown}})
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for page in cms_pages::Entity::find().all(conn).await? {
            let blocks = page.content_blocks.as_array().cloned().unwrap_or_default();
            let rewritten = Value::Array(blocks.iter().map(typed).collect());
            if rewritten != page.content_blocks {
                let mut row = page.into_active_model();
                row.content_blocks = Set(rewritten);
                row.update(conn).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_shape_blocks_become_typed_blocks_that_read_back() {
        let old = json!([
            {"type": "heading", "level": 1, "text": "About"},
            {"type": "paragraph", "text": "We make *linen*."},
            {"type": "image", "src": "collections/summer.svg", "alt": "Summer"},
            {"type": "list", "items": ["a", "b"]},
            {"type": "faq", "items": [{"question": "Q?", "answer": "A."}]},
        ]);
        let new: Vec<Value> = old.as_array().unwrap().iter().map(typed).collect();
        let blocks: Vec<cms::Block> = serde_json::from_value(Value::Array(new.clone())).unwrap();
        assert_eq!(
            blocks[0],
            cms::Block::Heading {
                level: 2,
                text: "About".into()
            }
        );
        assert_eq!(
            blocks[2],
            cms::Block::Image {
                url: "/media/collections/summer.svg".into(),
                alt: "Summer".into(),
                caption: None
            }
        );
        assert!(matches!(&blocks[1], cms::Block::Paragraph { html, .. } if html.contains("<em>linen</em>")));
        assert_eq!(new.iter().map(typed).collect::<Vec<_>>(), new, "typed blocks stay");
    }
}
