//! Jobs: the queue's jobs, newest first, filtered by status (`/failed`, `:jobs failed`);
//! `R` queues a failed job again (`POST /admin/jobs/{id}/retry`).

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
    col("Name", Constraint::Min(16)),
    col("Queue", Constraint::Length(10)),
    col("Status", Constraint::Length(8)),
    col("Tries", Constraint::Length(5)),
    col("When", Constraint::Length(16)),
];

const KEYS: &[Binding] = &[Binding {
    keys: &[Key::Char('R')],
    command: Command::Retry,
    help: "retry the failed job",
}];

pub struct JobsScreen {
    list: ListView,
    items: Vec<types::Job>,
}

impl Default for JobsScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, &[]),
            items: Vec::new(),
        }
    }
}

impl JobsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        let status = match self.list.filter() {
            Some(f) => match f.parse::<types::JobStatus>() {
                Ok(s) => Some(s),
                Err(_) => {
                    ctx.error(format!(
                        "filter jobs by status: queued, running, failed or done, not \"{f}\""
                    ));
                    None
                }
            },
            None => None,
        };
        self.list.loading = Some(ctx.call(
            Purpose::Load,
            Request::Jobs {
                paging: self.list.paging,
                status,
            },
        ));
    }

    fn current(&self) -> Option<&types::Job> {
        self.items.get(self.list.cursor)
    }
}

impl Screen for JobsScreen {
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
            Command::Retry => match self.current() {
                Some(job) if job.status == types::JobStatus::Failed => {
                    ctx.call(Purpose::Save, Request::RetryJob(job.id.clone()));
                }
                Some(_) => ctx.info("only failed jobs can be retried"),
                None => {}
            },
            Command::Open => {}
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
            (Purpose::Load, Ok(Reply::Jobs(page))) if self.list.loading == Some(ticket) => {
                self.list.loading = None;
                self.items = self.list.fill_with(page.items, page.total, row);
            }
            (Purpose::Save, Ok(_)) => {
                ctx.info("job queued again");
                self.load(ctx);
            }
            (_, Err(failure)) => ctx.failed("jobs", &failure),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, detail_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
        self.list.draw(frame, list_area, "Jobs", theme);
        let detail = self.current().and_then(|j| j.last_error.clone()).unwrap_or_default();
        frame.render_widget(
            Paragraph::new(detail)
                .wrap(Wrap { trim: true })
                .style(theme.error())
                .block(Block::bordered().title(" Last error ")),
            detail_area,
        );
    }
}

fn row(j: &types::Job) -> ListRow {
    let when = j
        .done_at
        .or(j.run_at)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    ListRow {
        id: j.id.clone(),
        cells: vec![
            j.name.clone(),
            j.queue.clone(),
            j.status.to_string(),
            format!("{}/{}", j.attempts, j.max_attempts),
            when,
        ],
    }
}
