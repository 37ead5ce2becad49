//! Audit log: who changed what, newest first; `/order` (a target type) narrows it; the
//! details pane shows each changed field before and after (personal data masked by the API).

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Paragraph, Wrap},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::{self, Binding};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

const COLUMNS: &[Column] = &[
    col("When", Constraint::Length(16)),
    col("Action", Constraint::Min(18)),
    col("Target", Constraint::Length(15)),
    col("Actor", Constraint::Length(12)),
    col("Request", Constraint::Length(12)),
];

pub struct AuditScreen {
    list: ListView,
    items: Vec<types::AuditEntry>,
}

impl Default for AuditScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, &[]),
            items: Vec::new(),
        }
    }
}

impl AuditScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        let target_type = match self.list.filter() {
            Some(f) => match f.parse::<types::AuditTargetType>() {
                Ok(t) => Some(t),
                Err(_) => {
                    ctx.error(format!(
                        "filter by a target type (product, order, user, cms_page…), not \"{f}\""
                    ));
                    None
                }
            },
            None => None,
        };
        self.list.loading = Some(ctx.call(
            Purpose::Load,
            Request::Audit {
                paging: self.list.paging,
                target_type,
            },
        ));
    }
}

impl Screen for AuditScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![keys::LIST]
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

    fn reply(&mut self, ticket: u64, _purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        if self.list.loading != Some(ticket) {
            return;
        }
        self.list.loading = None;
        match result {
            Ok(Reply::Audit(page)) => {
                self.items = self.list.fill_with(page.items, page.total, row);
            }
            Ok(_) => {}
            Err(failure) => ctx.failed("audit log", &failure),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, detail_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(6)]).areas(area);
        self.list.draw(frame, list_area, "Audit log", theme);
        let lines: Vec<Line> = self
            .items
            .get(self.list.cursor)
            .map(|e| {
                e.changes
                    .iter()
                    .map(|c| Line::from(format!("{}: {} → {}", c.field, shown(&c.before), shown(&c.after))))
                    .collect()
            })
            .unwrap_or_default();
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Changes ")),
            detail_area,
        );
    }
}

fn shown(value: &Option<serde_json::Value>) -> String {
    match value {
        None => "—".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn row(e: &types::AuditEntry) -> ListRow {
    ListRow {
        id: e.id.clone(),
        cells: vec![
            e.at.format("%Y-%m-%d %H:%M").to_string(),
            e.action.clone(),
            e.target_type.to_string(),
            e.actor_id.chars().take(12).collect(),
            e.request_id.clone().unwrap_or_default(),
        ],
    }
}
