//! The opened CMS page: the cursor over its blocks, adding, editing, removing and moving
//! them (each change sends all the blocks), and the table of blocks.

use beeget_client::types;
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Line,
    widgets::{Block, Cell, Paragraph, Row, Table, TableState},
};
use serde_json::{Value, json};

use super::blocks::{block_input, block_kind, block_summary, clip};
use super::{Asking, CmsScreen, Editing};
use crate::action::Command;
use crate::api::Clear;
use crate::context::Ctx;
use crate::theme::Theme;
use crate::widgets::confirm::Confirm;

impl CmsScreen {
    pub(super) fn send_blocks(&mut self, change: impl FnOnce(&mut Vec<Value>), done: String, ctx: &mut Ctx) {
        let Some(page) = &self.page else { return };
        let mut blocks: Vec<Value> = page.content_blocks.iter().map(block_input).collect();
        change(&mut blocks);
        // The last block removed: an empty list, which the typed patch cannot carry.
        let clear = if blocks.is_empty() {
            Clear::default().list("contentBlocks")
        } else {
            Clear::default()
        };
        let id = page.id.clone();
        self.send(id, json!({ "contentBlocks": blocks }), clear, done, ctx);
    }

    pub(super) fn move_block(&mut self, up: bool, ctx: &mut Ctx) {
        let Some(page) = &self.page else { return };
        let from = self.block;
        let to = if up {
            from.checked_sub(1)
        } else {
            Some(from + 1).filter(|&i| i < page.content_blocks.len())
        };
        let Some(to) = to else { return };
        if self.saving.is_some() {
            ctx.info("still saving the last change: a moment");
            return;
        }
        self.block = to;
        self.send_blocks(
            move |blocks| blocks.swap(from, to),
            format!("block moved to position {}", to + 1),
            ctx,
        );
    }

    pub(super) fn page_command(&mut self, command: Command, ctx: &mut Ctx) {
        let Some(page) = &self.page else { return };
        let count = page.content_blocks.len();
        match command {
            Command::Back => {
                self.page = None;
                // The counts may have changed.
                self.load(ctx);
            }
            Command::Refresh => {
                let id = page.id.clone();
                self.open_page(id, ctx);
            }
            Command::Up => self.block = self.block.saturating_sub(1),
            Command::Down => self.block = (self.block + 1).min(count.saturating_sub(1)),
            Command::New => {
                let at = if count == 0 { 0 } else { self.block + 1 };
                self.open_form(Editing::BlockType { at });
            }
            Command::Edit => {
                if let Some(block) = page.content_blocks.get(self.block) {
                    let kind = block_kind(block);
                    self.open_form(Editing::EditBlock {
                        kind,
                        index: self.block,
                    });
                }
            }
            Command::Delete => {
                if let Some(block) = page.content_blocks.get(self.block) {
                    let question = format!(
                        "Remove block {} ({}: {})?",
                        self.block + 1,
                        block_kind(block),
                        clip(&block_summary(block), 30)
                    );
                    self.confirm = Some((
                        Asking::RemoveBlock(self.block),
                        Confirm::new(question, self.block.to_string()),
                    ));
                }
            }
            Command::MoveUp => self.move_block(true, ctx),
            Command::MoveDown => self.move_block(false, ctx),
            Command::Publish => self.toggle_published(ctx),
            Command::Preview => self.preview(ctx),
            _ => {}
        }
    }

    pub(super) fn draw_page(&self, page: &types::AdminPage, frame: &mut Frame, area: Rect, theme: &Theme) {
        let state = if page.published { "published" } else { "draft" };
        let title = format!(
            " {} — /{} · {} · updated {} ",
            page.title,
            page.slug,
            state,
            page.updated_at.format("%Y-%m-%d %H:%M")
        );
        let publish = if page.published { "unpublish" } else { "publish" };
        let block = Block::bordered()
            .title(Line::styled(title, theme.title()))
            .title_bottom(Line::styled(
                format!(" n add · e edit · d remove · K/J move · P {publish} · V preview · Esc back "),
                theme.dim(),
            ));
        if page.content_blocks.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("no blocks yet: n adds one", theme.dim())).block(block),
                area,
            );
            return;
        }
        let rows = page.content_blocks.iter().enumerate().map(|(i, b)| {
            Row::new(vec![
                Cell::from((i + 1).to_string()),
                Cell::from(block_kind(b)),
                Cell::from(block_summary(b)),
            ])
        });
        let table = Table::new(
            rows,
            [Constraint::Length(3), Constraint::Length(12), Constraint::Min(10)],
        )
        .header(Row::new(vec!["#", "Type", "Content"]).style(theme.header()))
        .row_highlight_style(theme.cursor())
        .highlight_symbol("› ")
        .column_spacing(1)
        .block(block);
        let mut table_state = TableState::default().with_selected(Some(self.block));
        frame.render_stateful_widget(table, area, &mut table_state);
    }
}
