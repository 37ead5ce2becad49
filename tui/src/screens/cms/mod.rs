//! CMS pages: the paged list (`/about` searches titles and slugs through the API), `n` a new
//! page, `e` its title and slug, `d` delete (asks first), `P` publish or unpublish, `V` the
//! page as the storefront shows it. Enter opens a page with its blocks: ↑/↓ pick a block,
//! `n` adds one after it (its type first, then its fields), `e` edits it, `d` removes it
//! (asks first), `K`/`J` move it. Every change of the blocks sends them all
//! (`PATCH contentBlocks`), as the API replaces them together.

mod block_form;
mod blocks;
mod editing;
mod page;
mod preview;

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
};
use serde_json::{Value, json};

use crate::action::{Command, Purpose};
use crate::api::{Clear, Failure, Reply, Request, body};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Form, FormOutcome};
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

use block_form::about_block;
use editing::Editing;
use preview::Preview;

const COLUMNS: &[Column] = &[
    col("Title", Constraint::Min(16)),
    col("Slug", Constraint::Min(12)),
    col("State", Constraint::Length(9)),
    col("Blocks", Constraint::Length(6)),
    col("Updated", Constraint::Length(10)),
];

const KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('P')],
        command: Command::Publish,
        help: "publish or unpublish the page",
    },
    Binding {
        keys: &[Key::Char('V')],
        command: Command::Preview,
        help: "preview as the storefront shows it",
    },
];

const BLOCK_KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('K')],
        command: Command::MoveUp,
        help: "move the block up",
    },
    Binding {
        keys: &[Key::Char('J')],
        command: Command::MoveDown,
        help: "move the block down",
    },
];

/// What the open question is about.
enum Asking {
    DeletePage(String),
    RemoveBlock(usize),
}

pub struct CmsScreen {
    list: ListView,
    items: Vec<types::AdminPageSummary>,
    /// The page opened with its blocks.
    page: Option<types::AdminPage>,
    /// The block under the cursor.
    block: usize,
    page_loading: Option<u64>,
    form: Option<(Editing, Form)>,
    confirm: Option<(Asking, Confirm)>,
    preview: Option<Preview>,
    preview_loading: Option<u64>,
    /// The write in flight, and what the status line says when it lands.
    saving: Option<(u64, String)>,
}

impl Default for CmsScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, &[]),
            items: Vec::new(),
            page: None,
            block: 0,
            page_loading: None,
            form: None,
            confirm: None,
            preview: None,
            preview_loading: None,
            saving: None,
        }
    }
}

impl CmsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.list.loading = Some(ctx.call(
            Purpose::Load,
            Request::Pages {
                paging: self.list.paging,
                search: self.list.filter(),
            },
        ));
    }

    fn open_page(&mut self, id: String, ctx: &mut Ctx) {
        self.page_loading = Some(ctx.call(Purpose::Details, Request::Page(id)));
    }

    fn current_summary(&self) -> Option<&types::AdminPageSummary> {
        let id = self.list.current()?;
        self.items.iter().find(|p| p.id == id)
    }

    /// Sends a change of the page; `done` is what the status line says once it is saved.
    fn send(&mut self, id: String, patch: Value, clear: Clear, done: String, ctx: &mut Ctx) {
        if self.saving.is_some() {
            ctx.info("still saving the last change: a moment");
            return;
        }
        match body::<types::AdminPagePatch>(patch) {
            Ok(patch) => {
                let ticket = ctx.call(Purpose::Save, Request::UpdatePage { id, patch, clear });
                self.saving = Some((ticket, done));
                if let Some((_, form)) = &mut self.form {
                    form.sending = true;
                }
            }
            Err(message) => match &mut self.form {
                Some((_, form)) => form.message = Some(message),
                None => ctx.error(message),
            },
        }
    }

    /// Sends the open page's blocks as `change` leaves them (as inputs: a paragraph without
    /// its HTML).
    fn toggle_published(&mut self, ctx: &mut Ctx) {
        let target = match &self.page {
            Some(p) => Some((p.id.clone(), p.title.clone(), p.published)),
            None => self
                .current_summary()
                .map(|p| (p.id.clone(), p.title.clone(), p.published)),
        };
        let Some((id, title, published)) = target else { return };
        let done = if published {
            format!("\"{title}\" is a draft again")
        } else {
            format!("\"{title}\" is published")
        };
        self.send(id, json!({ "published": !published }), Clear::default(), done, ctx);
    }

    fn preview(&mut self, ctx: &mut Ctx) {
        let id = match &self.page {
            Some(p) => Some(p.id.clone()),
            None => self.list.current().map(str::to_owned),
        };
        if let Some(id) = id {
            self.preview_loading = Some(ctx.call(Purpose::Preview, Request::PreviewPage(id)));
        }
    }

    fn answer(&mut self, asking: Asking, ctx: &mut Ctx) {
        match asking {
            Asking::DeletePage(id) => {
                ctx.call(Purpose::Delete, Request::DeletePage(id));
            }
            Asking::RemoveBlock(index) => {
                self.send_blocks(
                    move |blocks| {
                        if index < blocks.len() {
                            blocks.remove(index);
                        }
                    },
                    format!("block {} removed", index + 1),
                    ctx,
                );
            }
        }
    }

    fn list_command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => self.load(ctx),
            Command::New => self.open_form(Editing::NewPage),
            Command::Edit => {
                if let Some(id) = self.list.current().map(str::to_owned) {
                    self.open_form(Editing::PageMeta(id));
                }
            }
            Command::Delete => {
                if let Some(p) = self.current_summary() {
                    let question = format!(
                        "Delete the page \"{}\" (/{}, {} block(s))?",
                        p.title, p.slug, p.block_count
                    );
                    self.confirm = Some((Asking::DeletePage(p.id.clone()), Confirm::new(question, p.id.clone())));
                }
            }
            Command::Open => {
                if let Some(id) = self.list.current().map(str::to_owned) {
                    self.block = 0;
                    self.open_page(id, ctx);
                }
            }
            Command::Publish => self.toggle_published(ctx),
            Command::Preview => self.preview(ctx),
            other => {
                if self.list.command(other) == ListOutcome::Reload {
                    self.load(ctx);
                }
            }
        }
    }

    fn saved(&mut self, ticket: u64, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        let Some((waiting, done)) = self.saving.take() else {
            return;
        };
        if waiting != ticket {
            self.saving = Some((waiting, done));
            return;
        }
        match result {
            Ok(Reply::Page(page)) => {
                let created = matches!(self.form, Some((Editing::NewPage, _)));
                self.form = None;
                ctx.info(done);
                if created || self.page.as_ref().is_some_and(|p| p.id == page.id) {
                    if created {
                        self.block = 0;
                    }
                    self.block = self.block.min(page.content_blocks.len().saturating_sub(1));
                    self.page = Some(page);
                } else {
                    self.load(ctx);
                }
            }
            Ok(_) => self.form = None,
            Err(failure) => match &mut self.form {
                Some((editing, form)) => {
                    let failure = match editing.block() {
                        Some(index) => about_block(&failure, index),
                        None => failure,
                    };
                    form.apply_failure(&failure);
                }
                None => {
                    ctx.failed("could not save the page", &failure);
                    // Show the page as it is now.
                    if let Some(id) = self.page.as_ref().map(|p| p.id.clone()) {
                        self.open_page(id, ctx);
                    }
                }
            },
        }
    }
}

fn row(p: &types::AdminPageSummary) -> ListRow {
    ListRow {
        id: p.id.clone(),
        cells: vec![
            p.title.clone(),
            format!("/{}", p.slug),
            if p.published { "published" } else { "draft" }.to_owned(),
            p.block_count.to_string(),
            p.updated_at.format("%Y-%m-%d").to_string(),
        ],
    }
}

impl Screen for CmsScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        if self.preview.is_some() {
            vec![&keys::LIST[..2]]
        } else if self.page.is_some() {
            vec![KEYS, BLOCK_KEYS, keys::EDITABLE, &keys::LIST[..2]]
        } else {
            vec![KEYS, keys::EDITABLE, keys::LIST]
        }
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.confirm.is_some() || self.list.filter_input.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(argument) = argument {
            self.page = None;
            self.preview = None;
            self.list.filter = argument.to_owned();
            self.list.paging.page = 1;
        }
        match self.page.as_ref().map(|p| p.id.clone()) {
            Some(id) => self.open_page(id, ctx),
            None => self.load(ctx),
        }
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        if let Some(preview) = &mut self.preview {
            match command {
                Command::Back => self.preview = None,
                Command::Up => preview.scroll_line(false),
                Command::Down => preview.scroll_line(true),
                _ => {}
            }
            return;
        }
        if self.page.is_some() {
            self.page_command(command, ctx);
        } else {
            self.list_command(command, ctx);
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some((_, confirm)) = &self.confirm {
            match confirm.handle(&key) {
                Answer::Yes => {
                    if let Some((asking, _)) = self.confirm.take() {
                        self.answer(asking, ctx);
                    }
                }
                Answer::No => self.confirm = None,
                Answer::Undecided => {}
            }
            return;
        }
        if let Some((_, form)) = &mut self.form {
            match form.handle(&key) {
                FormOutcome::Submit => self.submit(ctx),
                FormOutcome::Cancel if !form.sending => self.form = None,
                _ => {}
            }
            return;
        }
        if self.list.filter_key(&key) == ListOutcome::Reload {
            self.load(ctx);
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some((_, form)) = &mut self.form {
            form.paste(text);
        } else if let Some(input) = &mut self.list.filter_input {
            input.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match purpose {
            Purpose::Load if self.list.loading == Some(ticket) => {
                self.list.loading = None;
                match result {
                    Ok(Reply::Pages(items)) => {
                        self.items = self.list.fill_with(items.items, items.total, row);
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("CMS pages", &failure),
                }
            }
            Purpose::Details if self.page_loading == Some(ticket) => {
                self.page_loading = None;
                match result {
                    Ok(Reply::Page(page)) => {
                        self.block = self.block.min(page.content_blocks.len().saturating_sub(1));
                        self.page = Some(page);
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("CMS page", &failure),
                }
            }
            Purpose::Preview if self.preview_loading == Some(ticket) => {
                self.preview_loading = None;
                match result {
                    Ok(Reply::Preview(page)) => self.preview = Some(Preview { page, scroll: 0 }),
                    Ok(_) => {}
                    Err(failure) => ctx.failed("preview", &failure),
                }
            }
            Purpose::Save => self.saved(ticket, result, ctx),
            Purpose::Delete => match result {
                Ok(_) => {
                    ctx.info("page deleted");
                    self.load(ctx);
                }
                Err(failure) => ctx.failed("could not delete the page", &failure),
            },
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        match (&self.preview, &self.page) {
            (Some(preview), _) => preview.draw(frame, area, theme),
            (None, Some(page)) => self.draw_page(page, frame, area, theme),
            (None, None) => self.list.draw(frame, area, "CMS pages", theme),
        }
        if let Some((_, form)) = &self.form {
            form.draw(frame, area, theme);
        }
        if let Some((_, confirm)) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}
