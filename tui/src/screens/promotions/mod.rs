//! Promotions: every promotion, switched on or not, past, running or future, as
//! `GET /admin/promotions` answers it (all at once, so `/` filters here, by name or code, on
//! what was loaded; Esc drops the filter), by position then start. The discount shows as
//! `20 %` (a whole percent) or as money (`5.00 EUR`: a fixed amount, in minor units of the
//! promotion's currency). `n` new, `e` or Enter edit, `d` delete (asks first).
//!
//! The form's value field follows the discount type: a whole number of percent (1 to 100) for
//! `percent`, an amount in major units (`5.50`) for `fixed`, sent in minor units (`550`); the
//! target field follows the scope: a category or collection picked from those loaded on
//! entering the screen, or a product id typed. Dates are days (UTC): the promotion starts at
//! 00:00:00 of the first and ends at 23:59:59 of the last, sent as RFC 3339. A change sends
//! the dates only when they were changed (an end stored at another time of day is kept).
//!
//! A code cannot be removed from here: that takes `code: null`, which the generated client's
//! patch type cannot send (it leaves out what is unset).

mod editor;

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Paragraph},
};

use super::categories::category_choices;
use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::{self, Binding};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::FormOutcome;
use crate::widgets::local_list::{self, LocalList};
use crate::widgets::record_form::yes_no;
use crate::widgets::table::{Column, ListRow, col};

const COLUMNS: &[Column] = &[
    col("Name", Constraint::Max(20)),
    col("Code", Constraint::Length(9)),
    col("Discount", Constraint::Length(11)),
    col("Active", Constraint::Length(6)),
    col("Starts", Constraint::Length(10)),
    col("Ends", Constraint::Length(10)),
    // The rest: a category's path can be long.
    col("Applies to", Constraint::Min(10)),
];

use editor::Editor;

/// `20 %`, or `5.00 EUR` for a fixed amount.
fn discount(p: &types::AdminPromotion) -> String {
    match p.discount_type {
        types::DiscountType::Percent => format!("{} %", p.discount_value),
        types::DiscountType::Fixed => money::format(p.discount_value, &p.currency),
    }
}

pub struct PromotionsScreen {
    list: LocalList,
    /// Every promotion, by position then start.
    all: Vec<types::AdminPromotion>,
    /// What scopes name, for the list and the form's pickers.
    categories: Vec<types::AdminCategory>,
    collections: Vec<types::AdminCollection>,
    editor: Option<Editor>,
    confirm: Option<Confirm>,
    /// Where the cursor goes once the list is loaded again (what was just saved).
    focus: Option<String>,
}

impl Default for PromotionsScreen {
    fn default() -> Self {
        Self {
            list: LocalList::new(COLUMNS),
            all: Vec::new(),
            categories: Vec::new(),
            collections: Vec::new(),
            editor: None,
            confirm: None,
            focus: None,
        }
    }
}

impl PromotionsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.list.view.loading = Some(ctx.call(Purpose::Load, Request::Promotions));
    }

    /// `category Men › Shirts`: what the promotion applies to, by name where known.
    fn scope_label(&self, scope: &types::PromotionScope) -> String {
        let named = |id: &Option<String>, names: Vec<(String, String)>| {
            let id = id.clone().unwrap_or_default();
            names.into_iter().find(|(i, _)| *i == id).map_or(id, |(_, name)| name)
        };
        match scope.kind {
            types::PromotionScopeKind::All => "everything".to_owned(),
            types::PromotionScopeKind::Category => {
                format!(
                    "category {}",
                    named(&scope.category_id, category_choices(&self.categories, None))
                )
            }
            types::PromotionScopeKind::Collection => {
                format!("collection {}", named(&scope.collection_id, self.collection_choices()))
            }
            types::PromotionScopeKind::Product => format!("product {}", scope.product_id.as_deref().unwrap_or("")),
        }
    }

    fn collection_choices(&self) -> Vec<(String, String)> {
        self.collections
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect()
    }

    fn rebuild(&mut self) {
        let filter = self.list.filter();
        let rows = self
            .all
            .iter()
            .filter(|p| {
                filter.as_deref().is_none_or(|f| {
                    p.name.to_lowercase().contains(f) || p.code.as_deref().is_some_and(|c| c.to_lowercase().contains(f))
                })
            })
            .map(|p| ListRow {
                id: p.id.clone(),
                cells: vec![
                    p.name.clone(),
                    p.code.clone().unwrap_or_else(|| "—".into()),
                    discount(p),
                    yes_no(p.active).to_owned(),
                    p.start_date.format("%Y-%m-%d").to_string(),
                    p.end_date.format("%Y-%m-%d").to_string(),
                    self.scope_label(&p.scope),
                ],
            })
            .collect();
        self.list.set_rows(rows);
        if let Some(id) = self.focus.take() {
            self.list.select(&id);
        }
    }

    fn current(&self) -> Option<&types::AdminPromotion> {
        let id = self.list.current()?;
        self.all.iter().find(|p| p.id == id)
    }

    fn draw_details(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let (title, lines) = match self.current() {
            Some(p) => (
                format!(" {} ", p.name),
                vec![
                    Line::from(format!(
                        "{} off {} · {} · {} · position {}",
                        discount(p),
                        self.scope_label(&p.scope),
                        match &p.code {
                            Some(code) => format!("code {code}"),
                            None => "applies by itself".to_owned(),
                        },
                        if p.stackable { "stacks" } else { "does not stack" },
                        p.order
                    )),
                    Line::styled(
                        format!(
                            "{} → {} UTC · {}",
                            p.start_date.format("%Y-%m-%d %H:%M"),
                            p.end_date.format("%Y-%m-%d %H:%M"),
                            p.description
                                .as_deref()
                                .and_then(|d| d.lines().next())
                                .unwrap_or("no description")
                        ),
                        theme.dim(),
                    ),
                ],
            ),
            None => (
                " Promotion ".to_owned(),
                vec![Line::styled("no promotion under the cursor", theme.dim())],
            ),
        };
        frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(title)), area);
    }
}

impl Screen for PromotionsScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![keys::EDITABLE, local_list::KEYS]
    }

    fn editing(&self) -> bool {
        self.editor.is_some() || self.confirm.is_some() || self.list.view.filter_input.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(argument) = argument {
            self.list.set_filter(argument);
        }
        // The scope pickers, and the names in the list, come from these.
        ctx.call(Purpose::Secondary, Request::Categories);
        ctx.call(Purpose::Secondary, Request::Collections);
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => {
                ctx.call(Purpose::Secondary, Request::Categories);
                ctx.call(Purpose::Secondary, Request::Collections);
                self.load(ctx);
            }
            Command::Back => {
                if self.list.clear_filter() {
                    self.rebuild();
                }
            }
            Command::New => self.open_form(None),
            Command::Edit | Command::Open => match self.current().cloned() {
                Some(p) => self.open_form(Some(p)),
                None => ctx.info("no promotion under the cursor"),
            },
            Command::Delete => {
                if let Some(p) = self.current() {
                    self.confirm = Some(Confirm::new(
                        format!("Delete the promotion \"{}\"?", p.name),
                        p.id.clone(),
                    ));
                }
            }
            other => {
                self.list.command(other);
            }
        }
    }

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if let Some(confirm) = &self.confirm {
            match confirm.handle(&key) {
                Answer::Yes => {
                    ctx.call(Purpose::Delete, Request::DeletePromotion(confirm.target.clone()));
                    self.confirm = None;
                }
                Answer::No => self.confirm = None,
                Answer::Undecided => {}
            }
            return;
        }
        if let Some(editor) = &mut self.editor {
            match editor.form.handle(&key) {
                FormOutcome::Submit => self.submit(ctx),
                FormOutcome::Cancel if !editor.form.sending => self.editor = None,
                _ => editor.sync(),
            }
            return;
        }
        if self.list.filter_key(&key) {
            self.rebuild();
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some(editor) = &mut self.editor {
            editor.form.paste(text);
        } else if let Some(input) = &mut self.list.view.filter_input {
            input.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match (purpose, result) {
            (Purpose::Load, result) if self.list.view.loading == Some(ticket) => {
                self.list.view.loading = None;
                match result {
                    Ok(Reply::Promotions(mut all)) => {
                        all.sort_by(|a, b| {
                            a.order
                                .cmp(&b.order)
                                .then(a.start_date.cmp(&b.start_date))
                                .then(a.name.cmp(&b.name))
                        });
                        self.all = all;
                        self.rebuild();
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("promotions", &failure),
                }
            }
            (Purpose::Secondary, Ok(Reply::Categories(categories))) => {
                self.categories = categories;
                self.rebuild();
            }
            (Purpose::Secondary, Ok(Reply::Collections(collections))) => {
                self.collections = collections;
                self.rebuild();
            }
            (Purpose::Secondary, Err(failure)) => ctx.failed("the scope pickers", &failure),
            (Purpose::Save, Ok(Reply::Promotion(p))) => {
                self.editor = None;
                ctx.info(format!("saved the promotion \"{}\"", p.name));
                self.focus = Some(p.id);
                self.load(ctx);
            }
            (Purpose::Save, Err(failure)) => match &mut self.editor {
                Some(editor) => editor.form.apply_failure(&failure),
                None => ctx.failed("save", &failure),
            },
            (Purpose::Delete, Ok(_)) => {
                ctx.info("promotion deleted");
                self.load(ctx);
            }
            (Purpose::Delete, Err(failure)) => ctx.failed("delete", &failure),
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, details_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
        self.list.draw(frame, list_area, "Promotions", theme);
        self.draw_details(frame, details_area, theme);
        if let Some(editor) = &self.editor {
            editor.form.draw(frame, area, theme);
        }
        if let Some(confirm) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}
