//! The screen categories and collections share: every record loaded at once, `/` filters by
//! name on what was loaded (Esc drops the filter), `n` new, `e` or Enter edit, `d` delete (asks
//! first); when the API refuses a deletion because the record is in use (409 `in_use`), it
//! offers to move what uses it to another record and delete (`reassignTo`). What differs
//! between the two is a [`Kind`]: the requests, the names, the rows, and whether a record has
//! a parent.

use beeget_client::types;
use crossterm::event::KeyEvent;
use ratatui::{
    Frame,
    layout::{Constraint, Layout, Rect},
    text::Line,
    widgets::{Block, Paragraph},
};
use serde_json::json;

use crate::action::{Command, Purpose};
use crate::api::{Clear, Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::{self, Binding};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};
use crate::widgets::local_list::{self, LocalList};
use crate::widgets::record_form::{Reassign, optional, picked, said, switch, yes_no};
use crate::widgets::table::{Column, ListRow, col};

const COLUMNS: &[Column] = &[
    col("Name", Constraint::Min(20)),
    col("Slug", Constraint::Min(12)),
    col("Active", Constraint::Length(6)),
    col("Pos", Constraint::Length(4)),
];

const TOP_LEVEL: &str = "(top level)";

/// A record of the screen, as the API sends it.
pub trait Record: Clone {
    fn id(&self) -> &str;
    fn name(&self) -> &str;
    fn slug(&self) -> &str;
    fn description(&self) -> Option<&str>;
    fn active(&self) -> bool;
    fn position(&self) -> i32;
}

/// Categories and collections have these fields by the same names.
macro_rules! record {
    ($($item:ty),*) => {$(
        impl Record for $item {
            fn id(&self) -> &str {
                &self.id
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn slug(&self) -> &str {
                &self.slug
            }
            fn description(&self) -> Option<&str> {
                self.description.as_deref()
            }
            fn active(&self) -> bool {
                self.active
            }
            fn position(&self) -> i32 {
                self.position
            }
        }
    )*};
}

record!(types::AdminCategory, types::AdminCollection);

/// What differs between the screens over [`TaxonomyScreen`].
pub trait Kind {
    type Item: Record;
    /// One record, in messages (`category`).
    const NOUN: &'static str;
    /// The list's title (`Categories`).
    const TITLE: &'static str;
    /// The details' title (` Category `).
    const HEADING: &'static str;
    /// What an inactive record is, in the details.
    const HIDDEN: &'static str;

    fn load() -> Request;
    /// The records of a load's reply, in the order they are kept.
    fn loaded(reply: Reply) -> Option<Vec<Self::Item>>;
    /// The record of a save's reply.
    fn saved(reply: Reply) -> Option<Self::Item>;
    fn create(fields: serde_json::Value) -> Result<Request, String>;
    /// A change; `clear` names what it empties (a category back to the top level).
    fn update(id: String, fields: serde_json::Value, clear: Clear) -> Result<Request, String>;
    fn delete(id: String, reassign_to: Option<String>) -> Request;

    /// The rows shown under the filter (lowercase), each with the label of its name cell.
    fn shown(all: &[Self::Item], filter: Option<&str>) -> Vec<(Self::Item, String)>;
    /// Where a record is, in the details (its name, or its path).
    fn place(all: &[Self::Item], item: &Self::Item) -> String;
    /// The records what uses `id` can move to, (id, label).
    fn others(all: &[Self::Item], id: &str) -> Vec<(String, String)>;
    /// The parents a record can have, (id, label), but `except` and those below it; `None`
    /// when records have no parent.
    fn parents(_all: &[Self::Item], _except: Option<&str>) -> Option<Vec<(String, String)>> {
        None
    }
    fn parent(_item: &Self::Item) -> Option<String> {
        None
    }
}

/// The form: a new record (`id` is `None`) or a change of one.
struct Editor {
    id: Option<String>,
    /// The parent each option of the parent field stands for (the first: the top level); empty
    /// when records have no parent.
    parents: Vec<Option<String>>,
    /// The parent the record has now (a change).
    parent_now: Option<String>,
    form: Form,
}

pub struct TaxonomyScreen<K: Kind> {
    list: LocalList,
    /// Every record, as the API answered.
    all: Vec<K::Item>,
    editor: Option<Editor>,
    confirm: Option<Confirm>,
    reassign: Option<Reassign>,
    /// The record whose deletion was asked (its answer may ask where its contents go).
    deleting: Option<String>,
    /// Where the cursor goes once the list is loaded again (what was just saved).
    focus: Option<String>,
}

impl<K: Kind> Default for TaxonomyScreen<K> {
    fn default() -> Self {
        Self {
            list: LocalList::new(COLUMNS),
            all: Vec::new(),
            editor: None,
            confirm: None,
            reassign: None,
            deleting: None,
            focus: None,
        }
    }
}

impl<K: Kind> TaxonomyScreen<K> {
    fn load(&mut self, ctx: &mut Ctx) {
        self.list.view.loading = Some(ctx.call(Purpose::Load, K::load()));
    }

    /// The rows again, from every record and the filter.
    fn rebuild(&mut self) {
        let rows = K::shown(&self.all, self.list.filter().as_deref())
            .into_iter()
            .map(|(c, label)| ListRow {
                id: c.id().to_owned(),
                cells: vec![
                    label,
                    c.slug().to_owned(),
                    yes_no(c.active()).to_owned(),
                    c.position().to_string(),
                ],
            })
            .collect();
        self.list.set_rows(rows);
        if let Some(id) = self.focus.take() {
            self.list.select(&id);
        }
    }

    fn current(&self) -> Option<&K::Item> {
        let id = self.list.current()?;
        self.all.iter().find(|c| c.id() == id)
    }

    fn open_form(&mut self, item: Option<K::Item>) {
        let c = item.as_ref();
        let title = match c {
            Some(c) => format!("Edit the {} \"{}\"", K::NOUN, c.name()),
            None => format!("New {}", K::NOUN),
        };
        let mut fields = vec![
            Field::new("name", "Name", FieldKind::Text)
                .required()
                .value(c.map_or("", |c| c.name())),
            Field::new("slug", "Slug", FieldKind::Text).value(c.map_or("", |c| c.slug())),
            Field::new("description", "Description", FieldKind::Multiline)
                .value(c.and_then(|c| c.description()).unwrap_or("")),
            Field::new("position", "Position", FieldKind::Integer).value(&c.map_or(0, |c| c.position()).to_string()),
            switch("active", "Active", c.is_none_or(|c| c.active())),
        ];
        let parent_now = c.and_then(K::parent);
        let mut parents = Vec::new();
        // Never under itself or below it (the API answers 409 `category_cycle`).
        if let Some(choices) = K::parents(&self.all, c.map(|c| c.id())) {
            let mut labels = vec![TOP_LEVEL.to_owned()];
            parents.push(None);
            for (id, path) in choices {
                parents.push(Some(id));
                labels.push(path);
            }
            let mut parent = Field::new("parentId", "Parent", FieldKind::Choice { options: labels });
            parent.choice = parents.iter().position(|p| *p == parent_now).unwrap_or(0);
            fields.insert(3, parent);
        }
        self.editor = Some(Editor {
            id: c.map(|c| c.id().to_owned()),
            parents,
            parent_now,
            form: Form::new(title, fields),
        });
    }

    /// Builds the request from the form; a value the API's schema refuses is shown on the
    /// form without a call. A new record leaves out the slug when empty (the API makes one
    /// from the name); a change sends every field (an empty description clears it). A record
    /// cannot be moved back to the top level from here: that takes `parentId: null`, which the
    /// generated client's patch type cannot send (it leaves out what is unset).
    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(editor) = &mut self.editor else { return };
        let form = &mut editor.form;
        let parent = editor.parents.get(picked(form, "parentId")).cloned().flatten();
        let active = form.choice("active") == Some("yes");
        // `body` leaves out null fields: no `parentId` when there is no parent.
        let built = match &editor.id {
            None => K::create(json!({
                "name": form.text("name"), "slug": form.text("slug"), "description": optional(form.raw("description")),
                "parentId": parent, "position": form.integer("position"), "active": active,
            })),
            Some(id) => {
                // No parent where there was one: back to the top level (`parentId: null`).
                let clear = if parent.is_none() && editor.parent_now.is_some() {
                    Clear::default().null("parentId")
                } else {
                    Clear::default()
                };
                K::update(
                    id.clone(),
                    json!({
                        "name": form.text("name"), "slug": form.text("slug"), "description": form.raw("description"),
                        "parentId": parent, "position": form.integer("position"), "active": active,
                    }),
                    clear,
                )
            }
        };
        match built {
            Ok(request) => {
                form.sending = true;
                ctx.call(Purpose::Save, request);
            }
            Err(message) => form.message = Some(message),
        }
    }

    /// The API refused the deletion because the record is in use: offers to move it all.
    fn offer_reassign(&mut self, id: String, failure: &Failure, ctx: &mut Ctx) {
        let name = self
            .all
            .iter()
            .find(|c| c.id() == id)
            .map_or(id.clone(), |c| c.name().to_owned());
        match Reassign::new(K::NOUN, &name, &id, K::others(&self.all, &id)) {
            Some(reassign) => {
                ctx.error(said(failure));
                self.reassign = Some(reassign);
            }
            None => ctx.failed("delete", failure),
        }
    }

    fn draw_details(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let lines = match self.current() {
            Some(c) => vec![
                Line::from(format!(
                    "{} · /{} · {} · position {}",
                    K::place(&self.all, c),
                    c.slug(),
                    if c.active() { "shown" } else { K::HIDDEN },
                    c.position()
                )),
                Line::styled(
                    c.description()
                        .and_then(|d| d.lines().next())
                        .unwrap_or("no description")
                        .to_owned(),
                    theme.dim(),
                ),
            ],
            None => vec![Line::styled(format!("no {} under the cursor", K::NOUN), theme.dim())],
        };
        frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(K::HEADING)), area);
    }
}

impl<K: Kind> Screen for TaxonomyScreen<K> {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        vec![keys::EDITABLE, local_list::KEYS]
    }

    fn editing(&self) -> bool {
        self.editor.is_some()
            || self.confirm.is_some()
            || self.reassign.is_some()
            || self.list.view.filter_input.is_some()
    }

    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx) {
        if let Some(argument) = argument {
            self.list.set_filter(argument);
        }
        self.load(ctx);
    }

    fn command(&mut self, command: Command, ctx: &mut Ctx) {
        match command {
            Command::Refresh => self.load(ctx),
            Command::Back => {
                if self.list.clear_filter() {
                    self.rebuild();
                }
            }
            Command::New => self.open_form(None),
            Command::Edit | Command::Open => match self.current().cloned() {
                Some(c) => self.open_form(Some(c)),
                None => ctx.info(format!("no {} under the cursor", K::NOUN)),
            },
            Command::Delete => {
                if let Some(c) = self.current() {
                    self.confirm = Some(Confirm::new(
                        format!("Delete the {} \"{}\"?", K::NOUN, c.name()),
                        c.id().to_owned(),
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
                    let id = confirm.target.clone();
                    self.confirm = None;
                    self.deleting = Some(id.clone());
                    ctx.call(Purpose::Delete, K::delete(id, None));
                }
                Answer::No => self.confirm = None,
                Answer::Undecided => {}
            }
            return;
        }
        if let Some(reassign) = &mut self.reassign {
            match reassign.form.handle(&key) {
                FormOutcome::Submit => {
                    if let Some(target) = reassign.target() {
                        reassign.form.sending = true;
                        ctx.call(Purpose::Delete, K::delete(reassign.id.clone(), Some(target)));
                    }
                }
                FormOutcome::Cancel if !reassign.form.sending => self.reassign = None,
                _ => {}
            }
            return;
        }
        if let Some(editor) = &mut self.editor {
            match editor.form.handle(&key) {
                FormOutcome::Submit => self.submit(ctx),
                FormOutcome::Cancel if !editor.form.sending => self.editor = None,
                _ => {}
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
                    Ok(reply) => {
                        if let Some(all) = K::loaded(reply) {
                            self.all = all;
                            self.rebuild();
                        }
                    }
                    Err(failure) => ctx.failed(&K::TITLE.to_lowercase(), &failure),
                }
            }
            (Purpose::Save, Ok(reply)) => {
                if let Some(c) = K::saved(reply) {
                    self.editor = None;
                    ctx.info(format!("saved the {} \"{}\"", K::NOUN, c.name()));
                    self.focus = Some(c.id().to_owned());
                    self.load(ctx);
                }
            }
            (Purpose::Save, Err(failure)) => match &mut self.editor {
                Some(editor) => editor.form.apply_failure(&failure),
                None => ctx.failed("save", &failure),
            },
            (Purpose::Delete, Ok(_)) => {
                let moved = self.reassign.take().is_some();
                self.deleting = None;
                ctx.info(if moved {
                    format!("{} deleted; what used it was moved", K::NOUN)
                } else {
                    format!("{} deleted", K::NOUN)
                });
                self.load(ctx);
            }
            (Purpose::Delete, Err(failure)) => {
                if let Some(reassign) = &mut self.reassign {
                    reassign.form.apply_failure(&failure);
                    return;
                }
                match self.deleting.take() {
                    Some(id) if failure.code() == Some("in_use") => self.offer_reassign(id, &failure, ctx),
                    _ => ctx.failed("delete", &failure),
                }
            }
            _ => {}
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let [list_area, details_area] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
        self.list.draw(frame, list_area, K::TITLE, theme);
        self.draw_details(frame, details_area, theme);
        if let Some(editor) = &self.editor {
            editor.form.draw(frame, area, theme);
        }
        if let Some(reassign) = &self.reassign {
            reassign.form.draw(frame, area, theme);
        }
        if let Some(confirm) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}
