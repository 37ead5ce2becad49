//! Collections: a flat list, by position then name, as `GET /admin/collections` answers it
//! (every collection at once, so `/` filters here, by name, on what was loaded; Esc drops the
//! filter). `n` new, `e` or Enter edit, `d` delete (asks first). The API refuses to delete a
//! collection still used by products or promotions (409 `in_use`); the console then offers to
//! move them to another collection and delete (`reassignTo`). The API's field errors show
//! beside the form's fields.

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
use crate::api::{Failure, Reply, Request, body};
use crate::context::Ctx;
use crate::keys::{self, Binding};
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::confirm::{Answer, Confirm};
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};
use crate::widgets::local_list::{self, LocalList};
use crate::widgets::record_form::{Reassign, optional, said, switch, yes_no};
use crate::widgets::table::{Column, ListRow, col};

const COLUMNS: &[Column] = &[
    col("Name", Constraint::Min(20)),
    col("Slug", Constraint::Min(12)),
    col("Active", Constraint::Length(6)),
    col("Pos", Constraint::Length(4)),
];

pub struct CollectionsScreen {
    list: LocalList,
    /// Every collection, as the API answered, by position then name.
    all: Vec<types::AdminCollection>,
    /// The form, and the collection it changes (`None`: a new one).
    editor: Option<(Option<String>, Form)>,
    confirm: Option<Confirm>,
    reassign: Option<Reassign>,
    /// The collection whose deletion was asked (its answer may ask where its products go).
    deleting: Option<String>,
    /// Where the cursor goes once the list is loaded again (what was just saved).
    focus: Option<String>,
}

impl Default for CollectionsScreen {
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

impl CollectionsScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.list.view.loading = Some(ctx.call(Purpose::Load, Request::Collections));
    }

    fn rebuild(&mut self) {
        let filter = self.list.filter();
        let rows = self
            .all
            .iter()
            .filter(|c| filter.as_deref().is_none_or(|f| c.name.to_lowercase().contains(f)))
            .map(|c| ListRow {
                id: c.id.clone(),
                cells: vec![
                    c.name.clone(),
                    c.slug.clone(),
                    yes_no(c.active).to_owned(),
                    c.position.to_string(),
                ],
            })
            .collect();
        self.list.set_rows(rows);
        if let Some(id) = self.focus.take() {
            self.list.select(&id);
        }
    }

    fn current(&self) -> Option<&types::AdminCollection> {
        let id = self.list.current()?;
        self.all.iter().find(|c| c.id == id)
    }

    fn open_form(&mut self, collection: Option<&types::AdminCollection>) {
        let c = collection;
        let title = match c {
            Some(c) => format!("Edit the collection \"{}\"", c.name),
            None => "New collection".to_owned(),
        };
        let form = Form::new(
            title,
            vec![
                Field::new("name", "Name", FieldKind::Text)
                    .required()
                    .value(c.map_or("", |c| c.name.as_str())),
                Field::new("slug", "Slug", FieldKind::Text).value(c.map_or("", |c| c.slug.as_str())),
                Field::new("description", "Description", FieldKind::Multiline)
                    .value(c.and_then(|c| c.description.as_deref()).unwrap_or("")),
                Field::new("position", "Position", FieldKind::Integer).value(&c.map_or(0, |c| c.position).to_string()),
                switch("active", "Active", c.is_none_or(|c| c.active)),
            ],
        );
        self.editor = Some((c.map(|c| c.id.clone()), form));
    }

    /// As for categories: a new collection leaves out an empty slug (the API makes one from
    /// the name); a change sends every field (an empty description clears it).
    fn submit(&mut self, ctx: &mut Ctx) {
        let Some((id, form)) = &mut self.editor else { return };
        let active = form.choice("active") == Some("yes");
        let built = match id {
            None => body(json!({
                "name": form.text("name"), "slug": form.text("slug"), "description": optional(form.raw("description")),
                "position": form.integer("position"), "active": active,
            }))
            .map(Request::CreateCollection),
            Some(id) => body(json!({
                "name": form.text("name"), "slug": form.text("slug"), "description": form.raw("description"),
                "position": form.integer("position"), "active": active,
            }))
            .map(|patch| Request::UpdateCollection { id: id.clone(), patch }),
        };
        match built {
            Ok(request) => {
                form.sending = true;
                ctx.call(Purpose::Save, request);
            }
            Err(message) => form.message = Some(message),
        }
    }

    fn offer_reassign(&mut self, id: String, failure: &Failure, ctx: &mut Ctx) {
        let name = self
            .all
            .iter()
            .find(|c| c.id == id)
            .map_or(id.clone(), |c| c.name.clone());
        let others = self
            .all
            .iter()
            .filter(|c| c.id != id)
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        match Reassign::new("collection", &name, &id, others) {
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
                    c.name,
                    c.slug,
                    if c.active { "shown" } else { "hidden" },
                    c.position
                )),
                Line::styled(
                    c.description
                        .as_deref()
                        .and_then(|d| d.lines().next())
                        .unwrap_or("no description")
                        .to_owned(),
                    theme.dim(),
                ),
            ],
            None => vec![Line::styled("no collection under the cursor", theme.dim())],
        };
        frame.render_widget(
            Paragraph::new(lines).block(Block::bordered().title(" Collection ")),
            area,
        );
    }
}

impl Screen for CollectionsScreen {
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
                Some(c) => self.open_form(Some(&c)),
                None => ctx.info("no collection under the cursor"),
            },
            Command::Delete => {
                if let Some(c) = self.current() {
                    self.confirm = Some(Confirm::new(
                        format!("Delete the collection \"{}\"?", c.name),
                        c.id.clone(),
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
                    ctx.call(Purpose::Delete, Request::DeleteCollection { id, reassign_to: None });
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
                        let id = reassign.id.clone();
                        ctx.call(
                            Purpose::Delete,
                            Request::DeleteCollection {
                                id,
                                reassign_to: Some(target),
                            },
                        );
                    }
                }
                FormOutcome::Cancel if !reassign.form.sending => self.reassign = None,
                _ => {}
            }
            return;
        }
        if let Some((_, form)) = &mut self.editor {
            match form.handle(&key) {
                FormOutcome::Submit => self.submit(ctx),
                FormOutcome::Cancel if !form.sending => self.editor = None,
                _ => {}
            }
            return;
        }
        if self.list.filter_key(&key) {
            self.rebuild();
        }
    }

    fn paste(&mut self, text: &str) {
        if let Some((_, form)) = &mut self.editor {
            form.paste(text);
        } else if let Some(input) = &mut self.list.view.filter_input {
            input.paste(text);
        }
    }

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx) {
        match (purpose, result) {
            (Purpose::Load, result) if self.list.view.loading == Some(ticket) => {
                self.list.view.loading = None;
                match result {
                    Ok(Reply::Collections(mut all)) => {
                        all.sort_by(|a, b| {
                            a.position
                                .cmp(&b.position)
                                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
                        });
                        self.all = all;
                        self.rebuild();
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("collections", &failure),
                }
            }
            (Purpose::Save, Ok(Reply::Collection(c))) => {
                self.editor = None;
                ctx.info(format!("saved the collection \"{}\"", c.name));
                self.focus = Some(c.id);
                self.load(ctx);
            }
            (Purpose::Save, Err(failure)) => match &mut self.editor {
                Some((_, form)) => form.apply_failure(&failure),
                None => ctx.failed("save", &failure),
            },
            (Purpose::Delete, Ok(_)) => {
                let moved = self.reassign.take().is_some();
                self.deleting = None;
                ctx.info(if moved {
                    "collection deleted; what used it was moved"
                } else {
                    "collection deleted"
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
        self.list.draw(frame, list_area, "Collections", theme);
        self.draw_details(frame, details_area, theme);
        if let Some((_, form)) = &self.editor {
            form.draw(frame, area, theme);
        }
        if let Some(reassign) = &self.reassign {
            reassign.form.draw(frame, area, theme);
        }
        if let Some(confirm) = &self.confirm {
            confirm.draw(frame, area, theme);
        }
    }
}
