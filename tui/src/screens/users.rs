//! Users: accounts, filtered by email or name (sent to the API), sorted by age or email;
//! Enter shows orders and spend; `R` switches the role between `user` and `admin`, after a
//! confirmation (an admin can change the whole store).

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Paragraph},
};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request, UserQuery};
use crate::context::Ctx;
use crate::keys::{self, Binding, Key};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView, col};

const COLUMNS: &[Column] = &[
    col("Email", Constraint::Min(22)),
    col("Name", Constraint::Min(14)),
    col("Role", Constraint::Length(6)),
    col("Verified", Constraint::Length(8)),
    col("Joined", Constraint::Length(10)),
];

const SORTS: &[&str] = &["newest", "oldest", "email_asc", "email_desc"];

/// What a confirmed change does to the account.
#[derive(Clone, Copy)]
enum UserChange {
    Role(types::Role),
    Erase,
}

const KEYS: &[Binding] = &[
    Binding {
        keys: &[Key::Char('D')],
        command: Command::EraseUser,
        help: "erase the account's personal data (GDPR; asks first)",
    },
    Binding {
        keys: &[Key::Char('R')],
        command: Command::ChangeRole,
        help: "switch role user ⇄ admin",
    },
];

pub struct UsersScreen {
    list: ListView,
    items: Vec<types::User>,
    details: Option<types::AdminUserView>,
    /// The change waiting for a yes.
    confirm: Option<(Confirm, UserChange)>,
}

impl Default for UsersScreen {
    fn default() -> Self {
        Self {
            list: ListView::new(COLUMNS, SORTS),
            items: Vec::new(),
            details: None,
            confirm: None,
        }
    }
}

impl UsersScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        let query = UserQuery {
            paging: self.list.paging,
            search: self.list.filter(),
            role: None,
            sort: self.list.sort_name().and_then(|s| s.parse().ok()),
        };
        self.list.loading = Some(ctx.call(Purpose::Load, Request::Users(query)));
    }
}

impl Screen for UsersScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![KEYS, keys::LIST]
    }

    fn editing(&self) -> bool {
        self.list.filter_input.is_some() || self.confirm.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        self.list.filter_from(argument);
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        let current = self.items.get(self.list.cursor).cloned();
        match command {
            Command::Refresh => self.load(ctx),
            Command::Open => {
                if let Some(u) = current {
                    ctx.call(Purpose::Details, Request::User(u.id));
                }
            }
            Command::Back => self.details = None,
            Command::EraseUser => {
                if let Some(u) = current {
                    let question = format!(
                        "Erase every personal detail of {}? Their orders keep lines and totals, not who they went to. This cannot be undone.",
                        u.email
                    );
                    self.confirm = Some((Confirm::new(question, u.id), UserChange::Erase));
                }
            }
            Command::ChangeRole => {
                if let Some(u) = current {
                    let (role, question) = if u.role == "admin" {
                        (types::Role::User, format!("Take the admin role from {}?", u.email))
                    } else {
                        (
                            types::Role::Admin,
                            format!("Make {} an admin? Admins can change the whole store.", u.email),
                        )
                    };
                    self.confirm = Some((Confirm::new(question, u.id), UserChange::Role(role)));
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
        if let Some((confirm, change)) = &self.confirm {
            match confirm.handle(&key) {
                Answer::Yes => {
                    let id = confirm.target.clone();
                    match *change {
                        UserChange::Role(role) => ctx.call(Purpose::Save, Request::SetUserRole { id, role }),
                        UserChange::Erase => ctx.call(Purpose::Delete, Request::EraseUser(id)),
                    };
                    self.confirm = None;
                }
                Answer::No => self.confirm = None,
                Answer::Undecided => {}
            }
            return;
        }
        if self.list.filter_key(&key) == ListOutcome::Reload {
            self.load(ctx);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match (purpose, result) {
            (Purpose::Load, Ok(Reply::Users(page))) if self.list.loading == Some(ticket) => {
                self.list.loading = None;
                self.items = self.list.fill_with(page.items, page.total, row);
            }
            (Purpose::Details, Ok(Reply::User(view))) => self.details = Some(view),
            (Purpose::Save, Ok(Reply::User(view))) => {
                ctx.info(format!("{} is now {}", view.user.email, view.user.role));
                self.details = Some(view);
                self.load(ctx);
            }
            (Purpose::Delete, Ok(_)) => {
                ctx.info("the account's personal data was erased");
                self.details = None;
                self.load(ctx);
            }
            (_, Err(failure)) => ctx.failed("users", &failure),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, detail_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
        self.list.draw(frame, list_area, "Users", theme);
        let lines = match &self.details {
            Some(d) => vec![
                Line::from(format!("{} <{}> · {}", d.user.name, d.user.email, d.user.role)),
                Line::from(format!(
                    "{} orders · {} spent",
                    d.order_count,
                    money::format(d.total_spent, &d.currency)
                )),
            ],
            None => vec![Line::styled("Enter: orders and spend of the user", theme.dim())],
        };
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Customer ")),
            detail_area,
        );
        if let Some((confirm, _)) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}

fn row(u: &types::User) -> ListRow {
    ListRow {
        id: u.id.clone(),
        cells: vec![
            u.email.clone(),
            u.name.clone(),
            u.role.clone(),
            if u.email_verified { "yes" } else { "no" }.into(),
            u.created_at.format("%Y-%m-%d").to_string(),
        ],
    }
}
