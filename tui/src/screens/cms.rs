//! CMS pages: the paged list (`/about` searches titles and slugs through the API), `n` a new
//! page, `e` its title and slug, `d` delete (asks first), `P` publish or unpublish, `V` the
//! page as the storefront shows it. Enter opens a page with its blocks: ↑/↓ pick a block,
//! `n` adds one after it (its type first, then its fields), `e` edits it, `d` removes it
//! (asks first), `K`/`J` move it. Every change of the blocks sends them all
//! (`PATCH contentBlocks`), as the API replaces them together.

use std::fmt::Display;
use std::str::FromStr;

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Line,
    widgets::{Block, Cell, Paragraph, Row, Table, TableState, Wrap},
};
use serde_json::{Value, json};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request, body};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

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

/// The kinds of block, by the API's `type`.
const BLOCK_TYPES: [&str; 6] = ["heading", "paragraph", "list", "image", "faq", "callToAction"];

const HEADING_LEVELS: std::ops::RangeInclusive<i64> = 2..=4;

/// Which form is open, and for what.
enum Editing {
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
    fn block(&self) -> Option<usize> {
        match self {
            Self::NewBlock { at, .. } => Some(*at),
            Self::EditBlock { index, .. } => Some(*index),
            _ => None,
        }
    }
}

/// What the open question is about.
enum Asking {
    DeletePage(String),
    RemoveBlock(usize),
}

struct Preview {
    page: types::Page,
    scroll: u16,
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
    fn send(&mut self, id: String, patch: Value, done: String, ctx: &mut Ctx) {
        if self.saving.is_some() {
            ctx.info("still saving the last change: a moment");
            return;
        }
        match body::<types::AdminPagePatch>(patch) {
            Ok(patch) => {
                let ticket = ctx.call(Purpose::Save, Request::UpdatePage { id, patch });
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
    fn send_blocks(&mut self, change: impl FnOnce(&mut Vec<Value>), done: String, ctx: &mut Ctx) {
        let Some(page) = &self.page else { return };
        let mut blocks: Vec<Value> = page.content_blocks.iter().map(block_input).collect();
        change(&mut blocks);
        if blocks.is_empty() {
            // The generated patch leaves an empty `contentBlocks` out, so the API would keep
            // the blocks: say so rather than pretend.
            ctx.error("a page keeps at least one block here: add another first, or delete the page");
            return;
        }
        let id = page.id.clone();
        self.send(id, json!({ "contentBlocks": blocks }), done, ctx);
    }

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
        self.send(id, json!({ "published": !published }), done, ctx);
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

    fn open_form(&mut self, editing: Editing) {
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

    fn submit(&mut self, ctx: &mut Ctx) {
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
                self.send(id, patch, "page saved".into(), ctx);
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

    fn move_block(&mut self, up: bool, ctx: &mut Ctx) {
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

    fn page_command(&mut self, command: Command, ctx: &mut Ctx) {
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

    fn draw_page(&self, page: &types::AdminPage, frame: &mut Frame, area: Rect, theme: &Theme) {
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

    fn draw_preview(&self, preview: &Preview, frame: &mut Frame, area: Rect, theme: &Theme) {
        let page = &preview.page;
        let block = Block::bordered()
            .title(Line::styled(
                format!(" Preview: {} (/{}) ", page.title, page.slug),
                theme.title(),
            ))
            .title_bottom(Line::styled(" ↑/↓ scroll · Esc close ", theme.dim()));
        frame.render_widget(
            Paragraph::new(preview_lines(page, theme))
                .wrap(Wrap { trim: false })
                .scroll((preview.scroll, 0))
                .block(block),
            area,
        );
    }
}

/// The API's field errors about block `index` (`contentBlocks[2].data.text`) named as the
/// block's form names its fields (`text`).
fn about_block(failure: &Failure, index: usize) -> Failure {
    let mut failure = failure.clone();
    if let Failure::Problem(problem) = &mut failure {
        let prefix = format!("contentBlocks[{index}].data.");
        for error in &mut problem.errors {
            if let Some(field) = error.field.strip_prefix(&prefix) {
                error.field = field.to_owned();
            }
        }
    }
    failure
}

fn block_kind(block: &types::ContentBlock) -> &'static str {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(_) => "heading",
        B::ParagraphBlock(_) => "paragraph",
        B::ImageBlock(_) => "image",
        B::ListBlock(_) => "list",
        B::FaqBlock(_) => "faq",
        B::CallToActionBlock(_) => "callToAction",
    }
}

/// One line about the block, for the list of blocks.
fn block_summary(block: &types::ContentBlock) -> String {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(h) => format!("H{} {}", h.data.level, h.data.text.as_str()),
        B::ParagraphBlock(p) => p
            .data
            .markdown
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("")
            .to_owned(),
        B::ImageBlock(i) => format!("{} ({})", i.data.alt.as_str(), i.data.url.as_str()),
        B::ListBlock(l) => format!(
            "{} {} item(s): {}",
            l.data.items.len(),
            l.data.style,
            l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(" · ")
        ),
        B::FaqBlock(f) => format!(
            "{} question(s): {}",
            f.data.items.len(),
            f.data
                .items
                .iter()
                .map(|e| e.question.as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        ),
        B::CallToActionBlock(c) => format!("[{}] → {}", c.data.label.as_str(), c.data.url.as_str()),
    }
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(chars.saturating_sub(1)).collect::<String>())
    }
}

/// The block as the API takes it back (`ContentBlockInput`): a paragraph is its Markdown
/// alone (the HTML is rendered again when saved); the other kinds carry the same data.
fn block_input(block: &types::ContentBlock) -> Value {
    use types::ContentBlock as B;
    match block {
        B::HeadingBlock(h) => json!({"type": "heading", "data": {"level": h.data.level, "text": h.data.text.as_str()}}),
        B::ParagraphBlock(p) => json!({"type": "paragraph", "data": {"markdown": p.data.markdown}}),
        B::ImageBlock(i) => {
            let mut data = json!({"url": i.data.url.as_str(), "alt": i.data.alt.as_str()});
            if let Some(caption) = &i.data.caption {
                data["caption"] = json!(caption.as_str());
            }
            json!({"type": "image", "data": data})
        }
        B::ListBlock(l) => json!({
            "type": "list",
            "data": {"style": l.data.style, "items": l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>()},
        }),
        B::FaqBlock(f) => json!({
            "type": "faq",
            "data": {"items": f.data.items.iter()
                .map(|e| json!({"question": e.question.as_str(), "answer": e.answer.as_str()}))
                .collect::<Vec<_>>()},
        }),
        B::CallToActionBlock(c) => {
            json!({"type": "callToAction", "data": {"label": c.data.label.as_str(), "url": c.data.url.as_str()}})
        }
    }
}

/// The form of a block of this kind, filled from `existing` when editing.
fn block_form(kind: &str, existing: Option<&types::ContentBlock>) -> Form {
    use types::ContentBlock as B;
    let verb = if existing.is_some() { "Edit the" } else { "New" };
    match (kind, existing) {
        ("heading", b) => {
            let (level, text) = match b {
                Some(B::HeadingBlock(h)) => (h.data.level.to_string(), h.data.text.to_string()),
                _ => ("2".to_owned(), String::new()),
            };
            Form::new(
                format!("{verb} heading (level 2 to 4; the page title is level 1)"),
                vec![
                    Field::new("level", "Level", FieldKind::Integer)
                        .required()
                        .value(&level),
                    Field::new("text", "Text", FieldKind::Text).required().value(&text),
                ],
            )
        }
        ("paragraph", b) => {
            let markdown = match b {
                Some(B::ParagraphBlock(p)) => p.data.markdown.clone(),
                _ => String::new(),
            };
            Form::new(
                format!("{verb} paragraph (Markdown; Enter starts a line, Ctrl-S saves)"),
                vec![
                    Field::new("markdown", "Markdown", FieldKind::Multiline)
                        .required()
                        .value(&markdown),
                ],
            )
        }
        ("list", b) => {
            let (style, items) = match b {
                Some(B::ListBlock(l)) => (
                    l.data.style.to_string(),
                    l.data.items.iter().map(|i| i.as_str()).collect::<Vec<_>>().join("\n"),
                ),
                _ => ("bulleted".to_owned(), String::new()),
            };
            Form::new(
                format!("{verb} list (one item a line; Ctrl-S saves)"),
                vec![
                    Field::new(
                        "style",
                        "Style",
                        FieldKind::Choice {
                            options: vec!["bulleted".into(), "numbered".into()],
                        },
                    )
                    .pick(&[&style]),
                    Field::new("items", "Items", FieldKind::Multiline)
                        .required()
                        .value(&items),
                ],
            )
        }
        ("image", b) => {
            let (url, alt, caption) = match b {
                Some(B::ImageBlock(i)) => (
                    i.data.url.to_string(),
                    i.data.alt.to_string(),
                    i.data.caption.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                ),
                _ => Default::default(),
            };
            Form::new(
                format!("{verb} image"),
                vec![
                    Field::new("url", "Address", FieldKind::Text).required().value(&url),
                    Field::new("alt", "Alt text", FieldKind::Text).required().value(&alt),
                    Field::new("caption", "Caption", FieldKind::Text).value(&caption),
                ],
            )
        }
        ("faq", b) => {
            let items = match b {
                Some(B::FaqBlock(f)) => f
                    .data
                    .items
                    .iter()
                    .map(|e| format!("{}\n{}", e.question.as_str(), e.answer.as_str()))
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                _ => String::new(),
            };
            Form::new(
                format!("{verb} FAQ (question, answer below, blank line between; Ctrl-S saves)"),
                vec![
                    Field::new("items", "Q and A", FieldKind::Multiline)
                        .required()
                        .value(&items),
                ],
            )
        }
        (_, b) => {
            let (label, url) = match b {
                Some(B::CallToActionBlock(c)) => (c.data.label.to_string(), c.data.url.to_string()),
                _ => Default::default(),
            };
            Form::new(
                format!("{verb} call to action"),
                vec![
                    Field::new("label", "Label", FieldKind::Text).required().value(&label),
                    Field::new("url", "Address", FieldKind::Text).required().value(&url),
                ],
            )
        }
    }
}

const LINK_HINT: &str = "an http(s) address or a path on the site (/collections/linen)";

/// Checks a value as the API's schema does; the problem is named for the form's field.
fn check<T>(key: &'static str, value: &str, hint: &str) -> Result<(), (&'static str, String)>
where
    T: FromStr,
    T::Err: Display,
{
    T::from_str(value).map(|_| ()).map_err(|e| {
        let message = e.to_string();
        (
            key,
            if message.contains("pattern") {
                hint.to_owned()
            } else {
                message
            },
        )
    })
}

/// The entries of an FAQ as typed: a question on one line, its answer on the lines below,
/// a blank line before the next question.
fn faq_entries(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut entries = Vec::new();
    for chunk in text.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        let (question, answer) = chunk
            .split_once('\n')
            .ok_or_else(|| format!("\"{}\" needs its answer below it", clip(chunk, 30)))?;
        let answer = answer.lines().map(str::trim).collect::<Vec<_>>().join("\n");
        entries.push((question.trim().to_owned(), answer.trim().to_owned()));
    }
    Ok(entries)
}

/// The block the form describes, as the API takes it; `None` after marking what is wrong on
/// the form.
fn block_from_form(kind: &'static str, form: &mut Form) -> Option<Value> {
    match build_block(kind, form) {
        Ok(block) => Some(block),
        Err((key, message)) => {
            match form.fields.iter_mut().position(|f| f.key == key) {
                Some(i) => {
                    form.fields[i].error = Some(message);
                    form.focus = i;
                    form.message = Some("fix the fields marked below".into());
                }
                None => form.message = Some(message),
            }
            None
        }
    }
}

fn build_block(kind: &'static str, form: &Form) -> Result<Value, (&'static str, String)> {
    let text = |key: &str| form.text(key).unwrap_or_default();
    let data = match kind {
        "heading" => {
            let level = form.integer("level").filter(|l| HEADING_LEVELS.contains(l)).ok_or((
                "level",
                format!(
                    "{} to {} (the page title is level 1)",
                    HEADING_LEVELS.start(),
                    HEADING_LEVELS.end()
                ),
            ))?;
            check::<types::HeadingBlockDataText>("text", &text("text"), "some text")?;
            json!({"level": level, "text": text("text")})
        }
        "paragraph" => {
            let markdown = form.raw("markdown");
            check::<types::ParagraphBlockInputDataMarkdown>("markdown", &markdown, "some text")?;
            json!({"markdown": markdown})
        }
        "list" => {
            let raw = form.raw("items");
            let items: Vec<&str> = raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            if items.is_empty() || items.len() > 50 {
                return Err(("items", "1 to 50 items, one a line".into()));
            }
            for item in &items {
                check::<types::ListBlockDataItemsItem>("items", item, "some text")?;
            }
            json!({"style": form.choice("style").unwrap_or("bulleted"), "items": items})
        }
        "image" => {
            check::<types::ImageBlockDataUrl>("url", &text("url"), LINK_HINT)?;
            check::<types::ImageBlockDataAlt>("alt", &text("alt"), "what the image shows")?;
            let mut data = json!({"url": text("url"), "alt": text("alt")});
            if let Some(caption) = form.text("caption") {
                check::<types::ImageBlockDataCaption>("caption", &caption, "text without control characters")?;
                data["caption"] = json!(caption);
            }
            data
        }
        "faq" => {
            let entries = faq_entries(&form.raw("items")).map_err(|m| ("items", m))?;
            if entries.is_empty() || entries.len() > 50 {
                return Err(("items", "1 to 50 questions".into()));
            }
            for (question, answer) in &entries {
                check::<types::FaqEntryQuestion>("items", question, "a question")?;
                check::<types::FaqEntryAnswer>("items", answer, "an answer")?;
            }
            let items: Vec<Value> = entries
                .iter()
                .map(|(q, a)| json!({"question": q, "answer": a}))
                .collect();
            json!({"items": items})
        }
        _ => {
            check::<types::CallToActionBlockDataLabel>("label", &text("label"), "a short label")?;
            check::<types::CallToActionBlockDataUrl>("url", &text("url"), LINK_HINT)?;
            json!({"label": text("label"), "url": text("url")})
        }
    };
    let block = json!({"type": kind, "data": data});
    serde_json::from_value::<types::ContentBlockInput>(block.clone()).map_err(|e| ("", e.to_string()))?;
    Ok(block)
}

/// Text of HTML as a reader sees it: tags dropped, block ends as line breaks, list items
/// with a bullet, the common entities decoded.
fn html_text(html: &str) -> Vec<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode(&rest[..open].replace('\n', " ")));
        let Some(close) = rest[open..].find('>') else {
            rest = &rest[open..];
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let ending = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        match (name, ending) {
            ("br", _) => out.push('\n'),
            ("li", false) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("• ");
            }
            (
                "p" | "div" | "ul" | "ol" | "li" | "blockquote" | "pre" | "table" | "tr" | "h1" | "h2" | "h3" | "h4"
                | "h5" | "h6",
                true,
            ) => out.push('\n'),
            ("td" | "th", true) => out.push_str("  "),
            _ => {}
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(&decode(rest));
    out.lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn decode(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The page as the storefront would show it, as lines of text.
fn preview_lines(page: &types::Page, theme: &Theme) -> Vec<Line<'static>> {
    use types::ContentBlock as B;
    let mut lines = vec![Line::styled(page.title.clone(), theme.title()), Line::raw("")];
    for block in &page.content_blocks {
        match block {
            B::HeadingBlock(h) => {
                let marks = "#".repeat(usize::from(h.data.level));
                lines.push(Line::styled(
                    format!("{marks} {}", h.data.text.as_str()),
                    theme.header(),
                ));
            }
            B::ParagraphBlock(p) => lines.extend(html_text(&p.data.html).into_iter().map(Line::raw)),
            B::ImageBlock(i) => {
                lines.push(Line::raw(format!(
                    "[image: {}] {}",
                    i.data.alt.as_str(),
                    i.data.url.as_str()
                )));
                if let Some(caption) = &i.data.caption {
                    lines.push(Line::styled(caption.to_string(), theme.dim()));
                }
            }
            B::ListBlock(l) => {
                let numbered = l.data.style == types::ListStyle::Numbered;
                for (n, item) in l.data.items.iter().enumerate() {
                    let mark = if numbered {
                        format!("{}.", n + 1)
                    } else {
                        "•".to_owned()
                    };
                    lines.push(Line::raw(format!("  {mark} {}", item.as_str())));
                }
            }
            B::FaqBlock(f) => {
                for entry in &f.data.items {
                    lines.push(Line::styled(format!("Q: {}", entry.question.as_str()), theme.header()));
                    lines.extend(entry.answer.lines().map(|a| Line::raw(format!("   {a}"))));
                }
            }
            B::CallToActionBlock(c) => {
                lines.push(Line::styled(
                    format!("[ {} ] → {}", c.data.label.as_str(), c.data.url.as_str()),
                    theme.focus(),
                ));
            }
        }
        lines.push(Line::raw(""));
    }
    lines
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
            let last = u16::try_from(preview_lines(&preview.page, &Theme::new(false)).len()).unwrap_or(u16::MAX);
            match command {
                Command::Back => self.preview = None,
                Command::Up => preview.scroll = preview.scroll.saturating_sub(1),
                Command::Down => preview.scroll = (preview.scroll + 1).min(last.saturating_sub(1)),
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
                        let rows = items.items.iter().map(row).collect();
                        self.list.fill(rows, items.total);
                        self.items = items.items;
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
            (Some(preview), _) => self.draw_preview(preview, frame, area, theme),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn block(value: Value) -> types::ContentBlock {
        serde_json::from_value(value).expect("a content block")
    }

    #[test]
    fn every_kind_of_block_goes_back_as_its_input() {
        let blocks = [
            json!({"type": "heading", "data": {"level": 3, "text": "Hi"}}),
            json!({"type": "paragraph", "data": {"markdown": "*a*", "html": "<p><em>a</em></p>"}}),
            json!({"type": "image", "data": {"url": "/media/a.jpg", "alt": "A", "caption": "C"}}),
            json!({"type": "image", "data": {"url": "/media/b.jpg", "alt": "B"}}),
            json!({"type": "list", "data": {"style": "numbered", "items": ["x", "y"]}}),
            json!({"type": "faq", "data": {"items": [{"question": "Q?", "answer": "A."}]}}),
            json!({"type": "callToAction", "data": {"label": "Go", "url": "https://example.com/"}}),
        ];
        let inputs: Vec<Value> = blocks.iter().map(|b| block_input(&block(b.clone()))).collect();
        assert_eq!(inputs[1], json!({"type": "paragraph", "data": {"markdown": "*a*"}}));
        for (input, original) in inputs.iter().zip(&blocks) {
            if original["type"] != "paragraph" {
                assert_eq!(input, original);
            }
            serde_json::from_value::<types::ContentBlockInput>(input.clone()).expect("a valid input");
        }
        let patch: types::AdminPagePatch = body(json!({"contentBlocks": inputs})).expect("a patch");
        assert_eq!(patch.content_blocks.len(), 7);
    }

    #[test]
    fn summaries_name_what_each_block_says() {
        let s = |v: Value| block_summary(&block(v));
        assert_eq!(
            s(json!({"type": "heading", "data": {"level": 2, "text": "Hi"}})),
            "H2 Hi"
        );
        assert_eq!(
            s(json!({"type": "paragraph", "data": {"markdown": "\nFirst\nSecond", "html": ""}})),
            "First"
        );
        assert_eq!(
            s(json!({"type": "list", "data": {"style": "bulleted", "items": ["a", "b"]}})),
            "2 bulleted item(s): a · b"
        );
        assert_eq!(
            s(json!({"type": "faq", "data": {"items": [{"question": "Q?", "answer": "A"}]}})),
            "1 question(s): Q?"
        );
        assert_eq!(
            s(json!({"type": "callToAction", "data": {"label": "Go", "url": "/x"}})),
            "[Go] → /x"
        );
        assert_eq!(
            s(json!({"type": "image", "data": {"url": "/m.jpg", "alt": "Alt"}})),
            "Alt (/m.jpg)"
        );
    }

    #[test]
    fn html_reads_as_text() {
        assert_eq!(
            html_text("<p>We make <em>clothes</em> &amp; bags.</p>\n<p>Two</p>"),
            vec!["We make clothes & bags.", "Two"]
        );
        assert_eq!(
            html_text("<ul>\n<li>a</li>\n<li>b &lt;3</li>\n</ul>"),
            vec!["• a", "• b <3"]
        );
        assert_eq!(html_text("one<br/>two"), vec!["one", "two"]);
    }

    #[test]
    fn faq_text_is_questions_with_answers_below() {
        let entries = faq_entries("Q1?\nA1\nmore\n\n\nQ2?\nA2\n").expect("valid");
        assert_eq!(
            entries,
            vec![
                ("Q1?".to_owned(), "A1\nmore".to_owned()),
                ("Q2?".to_owned(), "A2".to_owned())
            ]
        );
        assert!(faq_entries("Q1?\n\nQ2?\nA2").is_err());
    }

    #[test]
    fn field_errors_about_the_edited_block_name_its_fields() {
        let failure = Failure::Problem(
            serde_json::from_value(json!({
                "type": "about:blank", "title": "t", "status": 422, "code": "validation_failed",
                "errors": [{"field": "contentBlocks[1].data.level", "message": "must be 2 to 4"},
                           {"field": "contentBlocks[0].data.text", "message": "too long"}]
            }))
            .expect("a problem"),
        );
        let Failure::Problem(problem) = about_block(&failure, 1) else {
            panic!("a problem")
        };
        let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["level", "contentBlocks[0].data.text"]);
    }
}
