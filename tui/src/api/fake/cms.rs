//! CMS pages in the fake: two to start with (a published one and a draft with a block of
//! every kind), listed, created, changed, previewed and deleted, with the API's checks.

use beeget_client::types;
use serde_json::{Value, json};

use super::{AT, State, from, not_found, page, problem, unanswered};
use crate::api::{Failure, Reply, Request};

impl State {
    /// CMS pages: listed (searched by title and slug), created, changed (title, slug,
    /// `published`, the blocks all at once) and deleted in `pages`, with the API's checks of
    /// slugs and heading levels. The pages start as two: a published one and a draft with a
    /// block of every kind.
    pub(super) fn cms(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let pages = self.pages.get_or_insert_with(|| {
            vec![
                from(json!({
                    "id": "page-1", "slug": "about", "title": "About us", "published": true, "createdAt": AT, "updatedAt": AT,
                    "contentBlocks": [
                        {"type": "heading", "data": {"level": 2, "text": "About Beeget"}},
                        {"type": "paragraph", "data": {"markdown": "We make *clothes*.", "html": "<p>We make <em>clothes</em>.</p>"}}
                    ]
                })),
                from(json!({
                    "id": "page-2", "slug": "shipping", "title": "Shipping & returns", "published": false,
                    "createdAt": AT, "updatedAt": AT,
                    "contentBlocks": [
                        {"type": "heading", "data": {"level": 2, "text": "Delivery"}},
                        {"type": "paragraph", "data": {"markdown": "We ship within **2 days**.\nFree over 50 EUR.",
                                                       "html": "<p>We ship within <strong>2 days</strong>.<br>\nFree over 50 EUR.</p>"}},
                        {"type": "list", "data": {"style": "bulleted", "items": ["Ireland: 2 days", "EU: 3 to 5 days", "UK: 4 days"]}},
                        {"type": "image", "data": {"url": "/media/parcel.jpg", "alt": "A parcel on a doorstep",
                                                   "caption": "Packed in recycled paper"}},
                        {"type": "faq", "data": {"items": [
                            {"question": "Can I return a sale item?", "answer": "Yes, within 30 days."},
                            {"question": "Who pays for the return?", "answer": "We do."}
                        ]}},
                        {"type": "callToAction", "data": {"label": "Start a return", "url": "/account/returns"}}
                    ]
                })),
            ]
        });
        let slug_taken = || {
            problem(
                422,
                "validation_failed",
                "the page could not be saved",
                json!([{"field": "slug", "message": "already used by another page"}]),
            )
        };
        Ok(match request {
            R::Pages { paging, search } => {
                let search = search.map(|s| s.to_lowercase());
                let items = pages
                    .iter()
                    .filter(|p| search.as_deref().is_none_or(|s| p.title.to_lowercase().contains(s) || p.slug.contains(s)))
                    .map(|p| {
                        json!({"id": p.id, "slug": p.slug, "title": p.title, "published": p.published,
                               "blockCount": p.content_blocks.len(), "createdAt": p.created_at, "updatedAt": p.updated_at})
                    })
                    .collect();
                Reply::Pages(from(page(items, paging.page, paging.limit)))
            }
            R::Page(id) => Reply::Page(pages.iter().find(|p| p.id == id).cloned().ok_or_else(not_found)?),
            R::CreatePage(body) => {
                let title = body.title.to_string();
                let slug = body
                    .slug
                    .map_or_else(|| title.to_lowercase().replace(' ', "-"), |s| s.to_string());
                if pages.iter().any(|p| p.slug == slug) {
                    return Err(slug_taken());
                }
                let blocks = stored_blocks(&body.content_blocks)?;
                // Above every page's number, so no two pages share an id.
                let n = pages
                    .iter()
                    .filter_map(|p| p.id.strip_prefix("page-")?.parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
                    + 1;
                let created: types::AdminPage = from(json!({
                    "id": format!("page-{n}"), "slug": slug, "title": title, "published": body.published,
                    "contentBlocks": blocks, "createdAt": AT, "updatedAt": AT
                }));
                pages.push(created.clone());
                Reply::Page(created)
            }
            R::UpdatePage { id, patch, clear } => {
                if let Some(slug) = &patch.slug
                    && pages.iter().any(|p| p.id != id && p.slug == slug.as_str())
                {
                    return Err(slug_taken());
                }
                let stored = pages.iter_mut().find(|p| p.id == id).ok_or_else(not_found)?;
                let mut value = serde_json::to_value(&*stored).expect("page as JSON");
                if let Some(title) = patch.title {
                    value["title"] = json!(title.as_str());
                }
                if let Some(slug) = patch.slug {
                    value["slug"] = json!(slug.as_str());
                }
                if let Some(published) = patch.published {
                    value["published"] = json!(published);
                }
                if clear.names("contentBlocks") {
                    value["contentBlocks"] = json!([]);
                } else if !patch.content_blocks.is_empty() {
                    value["contentBlocks"] = json!(stored_blocks(&patch.content_blocks)?);
                }
                *stored = from(value);
                Reply::Page(stored.clone())
            }
            R::DeletePage(id) => {
                let at = pages.iter().position(|p| p.id == id).ok_or_else(not_found)?;
                pages.remove(at);
                Reply::Done
            }
            R::PreviewPage(id) => {
                let p = pages.iter().find(|p| p.id == id).ok_or_else(not_found)?;
                Reply::Preview(from(json!({
                    "slug": p.slug, "title": p.title, "updatedAt": p.updated_at, "contentBlocks": p.content_blocks
                })))
            }
            other => return Err(unanswered("the fake's CMS", &other)),
        })
    }
}

/// Blocks as stored from blocks as written: a paragraph gets its HTML (a plain rendering,
/// enough for the console); a heading's level is checked as the API does (2 to 4).
fn stored_blocks(inputs: &[types::ContentBlockInput]) -> Result<Vec<Value>, Failure> {
    let mut blocks = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut block = serde_json::to_value(input).expect("block as JSON");
        if block["type"] == "heading" && !(2..=4).contains(&block["data"]["level"].as_u64().unwrap_or(0)) {
            return Err(problem(
                422,
                "validation_failed",
                "the page could not be saved",
                json!([{"field": format!("contentBlocks[{i}].data.level"), "message": "must be 2 to 4"}]),
            ));
        }
        if block["type"] == "paragraph" {
            let markdown = block["data"]["markdown"].as_str().unwrap_or_default().to_owned();
            let escaped = markdown.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            block["data"]["html"] = json!(format!("<p>{}</p>", escaped.replace('\n', "<br>\n")));
        }
        blocks.push(block);
    }
    Ok(blocks)
}
