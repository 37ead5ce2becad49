//! Categories: the whole tree, as `GET /admin/categories` answers it (one flat array with
//! parent ids), drawn as a tree: children under their parent, siblings by position, then by
//! name. The API sends every category at once, so `/` filters here, by name, on what was
//! loaded, without a call (a match is shown with its ancestors, to keep its place in the
//! tree); Esc drops the filter. `:categories shirts` opens the tree filtered.
//!
//! `n` new, `e` or Enter edit (a patch of the form's fields), `d` delete (asks first). The API
//! refuses to delete a category still in use (children, products or promotions: 409
//! `in_use`); the console then offers to move all of it to another category and delete
//! (`reassignTo`). The API's field errors show beside the form's fields.
//!
//! A category cannot be moved back to the top level from here: that takes `parentId: null`,
//! which the generated client's patch type cannot send (it leaves out what is unset).

mod tree;

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
use crate::widgets::record_form::{Reassign, optional, picked, refuse, said, switch, yes_no};
use crate::widgets::table::{Column, ListRow, col};

pub(super) use tree::category_choices;
use tree::{filtered, path, tree};

const COLUMNS: &[Column] = &[
    col("Name", Constraint::Min(20)),
    col("Slug", Constraint::Min(12)),
    col("Active", Constraint::Length(6)),
    col("Pos", Constraint::Length(4)),
];

const TOP_LEVEL: &str = "(top level)";

/// The category form: a new category (`id` is `None`) or a change of one.
struct Editor {
    id: Option<String>,
    /// The parent each option of the parent field stands for (the first: the top level).
    parents: Vec<Option<String>>,
    /// The parent the category has now (a change).
    parent_now: Option<String>,
    form: Form,
}

pub struct CategoriesScreen {
    list: LocalList,
    /// Every category, as the API answered.
    all: Vec<types::AdminCategory>,
    editor: Option<Editor>,
    confirm: Option<Confirm>,
    reassign: Option<Reassign>,
    /// The category whose deletion was asked (its answer may ask where its contents go).
    deleting: Option<String>,
    /// Where the cursor goes once the tree is loaded again (what was just saved).
    focus: Option<String>,
}

impl Default for CategoriesScreen {
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

impl CategoriesScreen {
    fn load(&mut self, ctx: &mut Ctx) {
        self.list.view.loading = Some(ctx.call(Purpose::Load, Request::Categories));
    }

    /// The rows again, from every category and the filter.
    fn rebuild(&mut self) {
        let shown = filtered(&self.all, self.list.filter().as_deref());
        let rows = tree(&shown)
            .into_iter()
            .map(|(c, label)| ListRow {
                id: c.id.clone(),
                cells: vec![
                    label,
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

    fn current(&self) -> Option<&types::AdminCategory> {
        let id = self.list.current()?;
        self.all.iter().find(|c| c.id == id)
    }

    fn open_form(&mut self, category: Option<types::AdminCategory>) {
        let c = category.as_ref();
        let (mut parents, mut labels) = (vec![None], vec![TOP_LEVEL.to_owned()]);
        // Never under itself or below it (the API answers 409 `category_cycle`).
        for (id, path) in category_choices(&self.all, c.map(|c| c.id.as_str())) {
            parents.push(Some(id));
            labels.push(path);
        }
        let parent_now = c.and_then(|c| c.parent_id.clone());
        let mut parent = Field::new("parentId", "Parent", FieldKind::Choice { options: labels });
        parent.choice = parents.iter().position(|p| *p == parent_now).unwrap_or(0);
        let title = match c {
            Some(c) => format!("Edit the category \"{}\"", c.name),
            None => "New category".to_owned(),
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
                parent,
                Field::new("position", "Position", FieldKind::Integer).value(&c.map_or(0, |c| c.position).to_string()),
                switch("active", "Active", c.is_none_or(|c| c.active)),
            ],
        );
        self.editor = Some(Editor {
            id: c.map(|c| c.id.clone()),
            parents,
            parent_now,
            form,
        });
    }

    /// Builds the request from the form; a value the API's schema refuses is shown on the
    /// form without a call. A new category leaves out the slug when empty (the API makes one
    /// from the name); a change sends every field (an empty description clears it).
    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(editor) = &mut self.editor else { return };
        let form = &mut editor.form;
        let parent = editor.parents.get(picked(form, "parentId")).cloned().flatten();
        let active = form.choice("active") == Some("yes");
        let built = match &editor.id {
            None => body(json!({
                "name": form.text("name"), "slug": form.text("slug"), "description": optional(form.raw("description")),
                "parentId": parent, "position": form.integer("position"), "active": active,
            }))
            .map(Request::CreateCategory),
            Some(id) => {
                if parent.is_none() && editor.parent_now.is_some() {
                    refuse(form, "parentId", "moving back to the top level is not possible here");
                    return;
                }
                body(json!({
                    "name": form.text("name"), "slug": form.text("slug"), "description": form.raw("description"),
                    "parentId": parent, "position": form.integer("position"), "active": active,
                }))
                .map(|patch| Request::UpdateCategory { id: id.clone(), patch })
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

    /// The API refused the deletion because the category is in use: offers to move it all.
    fn offer_reassign(&mut self, id: String, failure: &Failure, ctx: &mut Ctx) {
        let name = self
            .all
            .iter()
            .find(|c| c.id == id)
            .map_or(id.clone(), |c| c.name.clone());
        match Reassign::new("category", &name, &id, category_choices(&self.all, Some(&id))) {
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
                    path(&self.all, c),
                    c.slug,
                    if c.active { "shown" } else { "hidden (and all below it)" },
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
            None => vec![Line::styled("no category under the cursor", theme.dim())],
        };
        frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Category ")), area);
    }
}

impl Screen for CategoriesScreen {
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
                None => ctx.info("no category under the cursor"),
            },
            Command::Delete => {
                if let Some(c) = self.current() {
                    self.confirm = Some(Confirm::new(
                        format!("Delete the category \"{}\"?", c.name),
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
                    ctx.call(Purpose::Delete, Request::DeleteCategory { id, reassign_to: None });
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
                            Request::DeleteCategory {
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
                    Ok(Reply::Categories(all)) => {
                        self.all = all;
                        self.rebuild();
                    }
                    Ok(_) => {}
                    Err(failure) => ctx.failed("categories", &failure),
                }
            }
            (Purpose::Save, Ok(Reply::Category(c))) => {
                self.editor = None;
                ctx.info(format!("saved the category \"{}\"", c.name));
                self.focus = Some(c.id);
                self.load(ctx);
            }
            (Purpose::Save, Err(failure)) => match &mut self.editor {
                Some(editor) => editor.form.apply_failure(&failure),
                None => ctx.failed("save", &failure),
            },
            (Purpose::Delete, Ok(_)) => {
                let moved = self.reassign.take().is_some();
                self.deleting = None;
                ctx.info(if moved {
                    "category deleted; what used it was moved"
                } else {
                    "category deleted"
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
        self.list.draw(frame, list_area, "Categories", theme);
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
