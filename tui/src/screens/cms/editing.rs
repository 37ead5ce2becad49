//! The forms of the CMS screen: which one is open, how it opens filled in, and what
//! submitting it sends (a new page, a page's title and slug, a block's type, then its fields).

use beeget_client::types;
use serde_json::json;

use super::CmsScreen;
use super::block_form::{block_form, block_from_form};
use super::blocks::BLOCK_TYPES;
use crate::action::Purpose;
use crate::api::{Clear, Request, body};
use crate::context::Ctx;
use crate::widgets::form::{Field, FieldKind, Form};

/// Which form is open, and for what.
pub(super) enum Editing {
    NewPage,
    /// The title and slug of a page.
    PageMeta(String),
    /// The type of the block to add at this position.
    BlockType {
        at: usize,
    },
    NewBlock {
        kind: &'static str,
        at: usize,
    },
    EditBlock {
        kind: &'static str,
        index: usize,
    },
}

impl Editing {
    /// The position of the block the form writes, for the API's field errors about it.
    pub(super) fn block(&self) -> Option<usize> {
        match self {
            Self::NewBlock { at, .. } => Some(*at),
            Self::EditBlock { index, .. } => Some(*index),
            _ => None,
        }
    }
}

impl CmsScreen {
    pub(super) fn open_form(&mut self, editing: Editing) {
        let form = match &editing {
            Editing::NewPage => Form::new(
                "New page",
                vec![
                    Field::new("title", "Title", FieldKind::Text).required(),
                    Field::new("slug", "Slug", FieldKind::Text),
                ],
            ),
            Editing::PageMeta(_) => {
                let Some(p) = self.current_summary() else { return };
                Form::new(
                    format!("Edit \"{}\"", p.title),
                    vec![
                        Field::new("title", "Title", FieldKind::Text).required().value(&p.title),
                        Field::new("slug", "Slug", FieldKind::Text).required().value(&p.slug),
                    ],
                )
            }
            Editing::BlockType { .. } => Form::new(
                "Add a block",
                vec![Field::new(
                    "type",
                    "Type",
                    FieldKind::Choice {
                        options: BLOCK_TYPES.map(String::from).to_vec(),
                    },
                )],
            ),
            Editing::NewBlock { kind, .. } => block_form(kind, None),
            Editing::EditBlock { kind, index } => {
                let Some(existing) = self.page.as_ref().and_then(|p| p.content_blocks.get(*index)) else {
                    return;
                };
                block_form(kind, Some(existing))
            }
        };
        self.form = Some((editing, form));
    }

    pub(super) fn submit(&mut self, ctx: &mut Ctx) {
        let Some((editing, form)) = &mut self.form else { return };
        match editing {
            Editing::NewPage => {
                let built = body::<types::NewAdminPage>(json!({
                    "title": form.text("title"), "slug": form.text("slug"), "contentBlocks": [],
                }));
                match built {
                    Ok(page) => {
                        form.sending = true;
                        let ticket = ctx.call(Purpose::Save, Request::CreatePage(page));
                        self.saving = Some((ticket, "page created: n adds its first block".into()));
                    }
                    Err(message) => form.message = Some(message),
                }
            }
            Editing::PageMeta(id) => {
                let patch = json!({ "title": form.text("title"), "slug": form.text("slug") });
                let id = id.clone();
                self.send(id, patch, Clear::default(), "page saved".into(), ctx);
            }
            Editing::BlockType { at } => {
                let at = *at;
                let kind = form
                    .choice("type")
                    .and_then(|k| BLOCK_TYPES.iter().find(|t| **t == k))
                    .copied();
                if let Some(kind) = kind {
                    self.open_form(Editing::NewBlock { kind, at });
                }
            }
            Editing::NewBlock { kind, at } => {
                let (kind, at) = (*kind, *at);
                let Some(block) = block_from_form(kind, form) else {
                    return;
                };
                self.block = at;
                self.send_blocks(
                    move |blocks| blocks.insert(at.min(blocks.len()), block),
                    format!("{kind} block added"),
                    ctx,
                );
            }
            Editing::EditBlock { kind, index } => {
                let (kind, index) = (*kind, *index);
                let Some(block) = block_from_form(kind, form) else {
                    return;
                };
                self.send_blocks(
                    move |blocks| {
                        if let Some(slot) = blocks.get_mut(index) {
                            *slot = block;
                        }
                    },
                    format!("{kind} block {} saved", index + 1),
                    ctx,
                );
            }
        }
    }
}
