//! Contact inbox: messages from the storefront's contact form, newest first; `/open` or
//! `/handled` narrows it; `h` marks the message handled (or open again).

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    widgets::{Block, Paragraph, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

const COLUMNS: &[Column] = &[
    col("Received", Constraint::Length(16)),
    col("From", Constraint::Min(18)),
    col("Subject", Constraint::Min(16)),
    col("State", Constraint::Length(8)),
];

const KEYS: &[Binding] = &[Binding {
    keys: &[Key::Char('h')],
    command: Command::ToggleHandled,
    help: "mark handled / open",
}];

pub struct ContactScreen {
    list: ListView,
    items: Vec<types::ContactMessage>,
}

impl Default for ContactScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, &[]),
            items: Vec::new(),
        }
    }
}

impl ContactScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        let handled = match self.list.filter().as_deref() {
            None => None,
            Some("handled") => Some(true),
            Some("open") => Some(false),
            Some(other) => {
                ctx.error(format!("filter by \"open\" or \"handled\", not \"{other}\""));
                None
            }
        };
        self.list.loading = Some(ctx.call(
            Purpose::Load,
            Request::ContactMessages {
                paging: self.list.paging,
                handled,
            },
        ));
    }
}

impl Screen for ContactScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![KEYS, keys::LIST]
    }

    fn editing(&self) -> bool {
        self.list.filter_input.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        self.list.filter_from(argument);
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => self.load(ctx),
            Command::ToggleHandled => {
                if let Some(m) = self.items.get(self.list.cursor) {
                    ctx.call(
                        Purpose::Save,
                        Request::SetContactHandled {
                            id: m.id.clone(),
                            handled: !m.handled,
                        },
                    );
                }
            }
            other => {
                if self.list.command(other) == ListOutcome::Reload {
                    self.load(ctx);
                }
            }
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if self.list.filter_key(&key) == ListOutcome::Reload {
            self.load(ctx);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match (purpose, result) {
            (Purpose::Load, Ok(Reply::ContactMessages(page))) if self.list.loading == Some(ticket) => {
                self.list.loading = None;
                self.items = self.list.fill_with(page.items, page.total, row);
            }
            (Purpose::Save, Ok(Reply::ContactMessage(m))) => {
                ctx.info(if m.handled { "marked handled" } else { "marked open" });
                if let Some(i) = self.items.iter().position(|x| x.id == m.id) {
                    self.list.rows[i] = row(&m);
                    self.items[i] = m;
                }
            }
            (_, Err(failure)) => ctx.failed("contact", &failure),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, detail_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(7)]).areas(area);
        self.list.draw(frame, list_area, "Contact inbox", theme);
        let text = self
            .items
            .get(self.list.cursor)
            .map(|m| m.message.clone())
            .unwrap_or_default();
        frame.render_widget(
            Paragraph::new(text)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Message ")),
            detail_area,
        );
    }
}

fn row(m: &types::ContactMessage) -> ListRow {
    ListRow {
        id: m.id.clone(),
        cells: vec![
            m.received_at.format("%Y-%m-%d %H:%M").to_string(),
            format!("{} <{}>", m.name, m.email),
            m.subject.clone(),
            if m.handled { "handled" } else { "open" }.into(),
        ],
    }
}
