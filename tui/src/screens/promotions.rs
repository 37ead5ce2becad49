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

use beeget_client::types;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Paragraph},
};
use serde_json::{Value, json};

use super::categories::{category_choices, optional, picked, refuse, switch};
use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request, body};
use crate::context::Ctx;
use crate::keys::{self, Binding};
use crate::money;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};
use crate::widgets::local_list::{self, LocalList};
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

const DISCOUNT_TYPES: [&str; 2] = ["percent", "fixed"];
const SCOPES: [&str; 4] = ["all", "category", "collection", "product"];
/// The currency of a new promotion when no promotion tells the store's.
const DEFAULT_CURRENCY: &str = "EUR";

/// The promotion form, with what its changing fields offer.
struct Editor {
    /// The promotion changed (`None`: a new one).
    original: Option<types::AdminPromotion>,
    currency: String,
    /// (id, label) of the categories and collections a scope can name.
    categories: Vec<(String, String)>,
    collections: Vec<(String, String)>,
    form: Form,
}

impl Editor {
    /// Fits the value field to the discount type and the target field to the scope.
    fn sync(&mut self) {
        let fixed = self.form.choice("discountType") == Some("fixed");
        let scope = self.form.choice("scope").unwrap_or("all").to_owned();
        let names = |list: &[(String, String)], none: &str| {
            if list.is_empty() {
                vec![none.to_owned()]
            } else {
                list.iter().map(|(_, name)| name.clone()).collect()
            }
        };
        for field in &mut self.form.fields {
            let (kind, label, required) = match field.key {
                "discountValue" if fixed => (
                    FieldKind::Money {
                        currency: self.currency.clone(),
                    },
                    "Amount off",
                    true,
                ),
                "discountValue" => (FieldKind::Integer, "Percent off", true),
                "scope.id" => match scope.as_str() {
                    "category" => (
                        FieldKind::Choice {
                            options: names(&self.categories, "(no category)"),
                        },
                        "Category",
                        true,
                    ),
                    "collection" => (
                        FieldKind::Choice {
                            options: names(&self.collections, "(no collection)"),
                        },
                        "Collection",
                        true,
                    ),
                    "product" => (FieldKind::Text, "Product id", true),
                    _ => (
                        FieldKind::Choice {
                            options: vec!["(every product)".into()],
                        },
                        "Target",
                        false,
                    ),
                },
                _ => continue,
            };
            if field.kind != kind {
                field.kind = kind;
                field.label = label;
                field.required = required;
                field.choice = 0;
                field.error = None;
            }
        }
    }

    /// The scope as the API takes it, or the message for the target field.
    fn scope(&self) -> Result<Value, &'static str> {
        let kind = self.form.choice("scope").unwrap_or("all");
        let at = picked(&self.form, "scope.id");
        let id = match kind {
            "all" => return Ok(json!({"kind": "all"})),
            "category" => self
                .categories
                .get(at)
                .map(|(id, _)| id.clone())
                .ok_or("no category to pick")?,
            "collection" => self
                .collections
                .get(at)
                .map(|(id, _)| id.clone())
                .ok_or("no collection to pick")?,
            _ => self.form.text("scope.id").ok_or("required")?,
        };
        Ok(json!({"kind": kind, "id": id}))
    }
}

fn day(form: &Form, key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&form.text(key)?, "%Y-%m-%d").ok()
}

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
                    named(&scope.category_id, category_choices(&self.categories))
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
                    super::categories::yes_no(p.active).to_owned(),
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

    fn open_form(&mut self, promotion: Option<types::AdminPromotion>) {
        let p = promotion.as_ref();
        let currency = p
            .map(|p| p.currency.clone())
            .or_else(|| self.all.first().map(|p| p.currency.clone()))
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
        let value = p.map_or(String::new(), |p| match p.discount_type {
            types::DiscountType::Percent => p.discount_value.to_string(),
            types::DiscountType::Fixed => money::format_plain(p.discount_value),
        });
        let date = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d").to_string();
        let options = |all: &[&str]| all.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let title = match p {
            Some(p) => format!("Edit the promotion \"{}\"", p.name),
            None => "New promotion".to_owned(),
        };
        let form = Form::new(
            title,
            vec![
                Field::new("name", "Name", FieldKind::Text)
                    .required()
                    .value(p.map_or("", |p| p.name.as_str())),
                Field::new("code", "Code", FieldKind::Text).value(p.and_then(|p| p.code.as_deref()).unwrap_or("")),
                Field::new("description", "Description", FieldKind::Multiline)
                    .value(p.and_then(|p| p.description.as_deref()).unwrap_or("")),
                Field::new(
                    "discountType",
                    "Discount",
                    FieldKind::Choice {
                        options: options(&DISCOUNT_TYPES),
                    },
                )
                .pick(&[&p.map_or("percent".to_owned(), |p| p.discount_type.to_string())]),
                Field::new("discountValue", "Percent off", FieldKind::Integer)
                    .required()
                    .value(&value),
                Field::new("startDate", "Starts", FieldKind::Date)
                    .required()
                    .value(&p.map(|p| date(p.start_date)).unwrap_or_default()),
                Field::new("endDate", "Ends", FieldKind::Date)
                    .required()
                    .value(&p.map(|p| date(p.end_date)).unwrap_or_default()),
                switch("stackable", "Stackable", p.is_some_and(|p| p.stackable)),
                switch("active", "Active", p.is_none_or(|p| p.active)),
                Field::new("position", "Position", FieldKind::Integer).value(&p.map_or(0, |p| p.order).to_string()),
                Field::new(
                    "scope",
                    "Applies to",
                    FieldKind::Choice {
                        options: options(&SCOPES),
                    },
                )
                .pick(&[&p.map_or("all".to_owned(), |p| p.scope.kind.to_string())]),
                Field::new("scope.id", "Target", FieldKind::Text),
            ],
        );
        let mut editor = Editor {
            original: promotion.clone(),
            currency,
            categories: category_choices(&self.categories),
            collections: self.collection_choices(),
            form,
        };
        // A target the lists do not hold stays offered, by id, rather than another taking its
        // place unseen.
        if let Some(scope) = p.map(|p| &p.scope) {
            for (target, choices) in [
                (&scope.category_id, &mut editor.categories),
                (&scope.collection_id, &mut editor.collections),
            ] {
                if let Some(id) = target
                    && !choices.iter().any(|(known, _)| known == id)
                {
                    choices.insert(0, (id.clone(), format!("{id} (not loaded)")));
                }
            }
        }
        editor.sync();
        if let Some(scope) = p.map(|p| &p.scope) {
            let choices = match scope.kind {
                types::PromotionScopeKind::Category => &editor.categories,
                _ => &editor.collections,
            };
            let target = scope.category_id.as_ref().or(scope.collection_id.as_ref());
            if let Some(field) = editor.form.fields.iter_mut().find(|f| f.key == "scope.id") {
                field.choice = target
                    .and_then(|t| choices.iter().position(|(id, _)| id == t))
                    .unwrap_or(0);
                if let Some(product) = &scope.product_id {
                    field.input.set(product);
                }
            }
        }
        self.editor = Some(editor);
    }

    /// Builds the request from the form, after the checks the field kinds cannot make (the
    /// percent's range, the end after the start, a target for the scope).
    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(editor) = &mut self.editor else { return };
        let fixed = editor.form.choice("discountType") == Some("fixed");
        let value = if fixed {
            editor.form.money("discountValue")
        } else {
            editor.form.integer("discountValue")
        };
        match value {
            Some(v) if !fixed && !(1..=100).contains(&v) => {
                return refuse(&mut editor.form, "discountValue", "a whole percent from 1 to 100");
            }
            Some(v) if fixed && v <= 0 => return refuse(&mut editor.form, "discountValue", "more than zero"),
            None => return refuse(&mut editor.form, "discountValue", "required"),
            Some(_) => {}
        }
        let (Some(start), Some(end)) = (day(&editor.form, "startDate"), day(&editor.form, "endDate")) else {
            return;
        };
        if end < start {
            return refuse(&mut editor.form, "endDate", "on or after the start date");
        }
        let scope = match editor.scope() {
            Ok(scope) => scope,
            Err(message) => return refuse(&mut editor.form, "scope.id", message),
        };
        if editor.original.as_ref().is_some_and(|p| p.code.is_some()) && editor.form.text("code").is_none() {
            return refuse(&mut editor.form, "code", "removing the code is not possible here");
        }
        let form = &editor.form;
        let mut fields = json!({
            "name": form.text("name"), "code": form.text("code"), "discountType": form.choice("discountType"),
            "discountValue": value, "startDate": format!("{start}T00:00:00Z"), "endDate": format!("{end}T23:59:59Z"),
            "stackable": form.choice("stackable") == Some("yes"), "active": form.choice("active") == Some("yes"),
            "position": form.integer("position"), "scope": scope,
        });
        let built = match &editor.original {
            None => {
                fields["description"] = json!(optional(form.raw("description")));
                body(fields).map(Request::CreatePromotion)
            }
            Some(p) => {
                fields["description"] = json!(form.raw("description"));
                if start == p.start_date.date_naive() {
                    fields["startDate"] = Value::Null;
                }
                if end == p.end_date.date_naive() {
                    fields["endDate"] = Value::Null;
                }
                let id = p.id.clone();
                body(fields).map(|patch| Request::UpdatePromotion { id, patch })
            }
        };
        match built {
            Ok(request) => {
                editor.form.sending = true;
                ctx.call(Purpose::Save, request);
            }
            Err(message) => editor.form.message = Some(message),
        }
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
