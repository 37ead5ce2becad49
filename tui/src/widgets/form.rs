//! Forms: typed fields, checks before sending, and the API's field errors shown beside the
//! fields they name. Keys: Tab/↓ next field, Shift-Tab/↑ previous, ←/→ or Space choose in
//! pickers, Enter next field (a new line in multi-line text), Ctrl-S send, Esc cancel.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{
    Frame,
    layout::Rect,
    text::{Line, Span},
    widgets::{Block, Borders, Clear, Paragraph, Wrap},
};

use crate::api::Failure;
use crate::money;
use crate::theme::Theme;
use crate::widgets::{centered, input::TextInput};

/// What a field holds and how it is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Enter starts a new line.
    Multiline,
    /// Shown as dots.
    Secret,
    /// Major units (`59.90`), shown with the currency; read as minor units.
    Money {
        currency: String,
    },
    Integer,
    /// `YYYY-MM-DD`.
    Date,
    /// One of these values (←/→).
    Choice {
        options: Vec<String>,
    },
    /// Any of these (id, label) options (←/→ move, Space toggles).
    Multi {
        options: Vec<(String, String)>,
    },
    /// Comma-separated words.
    Tags,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// The API's name for the field, as problem documents name it (`price`, `trackingNumber`).
    pub key: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    pub input: TextInput,
    pub choice: usize,
    pub chosen: BTreeSet<usize>,
    /// The option under the cursor of a multi-select.
    pub option_cursor: usize,
    pub error: Option<String>,
}

impl Field {
    pub fn new(key: &'static str, label: &'static str, kind: FieldKind) -> Self {
        Self {
            key,
            label,
            kind,
            required: false,
            input: TextInput::default(),
            choice: 0,
            chosen: BTreeSet::new(),
            option_cursor: 0,
            error: None,
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn value(mut self, value: &str) -> Self {
        self.input.set(value);
        self
    }

    /// Picks the option with this value (choices) or these ids (multi-select).
    pub fn pick(mut self, values: &[&str]) -> Self {
        match &self.kind {
            FieldKind::Choice { options } => {
                if let Some(i) = values.first().and_then(|v| options.iter().position(|o| o == v)) {
                    self.choice = i;
                }
            }
            FieldKind::Multi { options } => {
                self.chosen = options
                    .iter()
                    .enumerate()
                    .filter(|(_, (id, _))| values.contains(&id.as_str()))
                    .map(|(i, _)| i)
                    .collect();
            }
            _ => {}
        }
        self
    }

    fn is_text(&self) -> bool {
        !matches!(self.kind, FieldKind::Choice { .. } | FieldKind::Multi { .. })
    }

    /// The check made before sending, as the API would make it.
    fn check(&self) -> Option<String> {
        let text = self.input.value().trim();
        if self.is_text() && text.is_empty() {
            return self.required.then(|| "required".to_owned());
        }
        match &self.kind {
            FieldKind::Money { .. } => money::parse_major(text).err(),
            FieldKind::Integer => text.parse::<i64>().err().map(|_| "a whole number".to_owned()),
            FieldKind::Date => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .err()
                .map(|_| "a date like 2026-11-30".to_owned()),
            FieldKind::Multi { .. } if self.required && self.chosen.is_empty() => Some("choose at least one".into()),
            _ => None,
        }
    }

    fn display(&self, focused: bool) -> String {
        let shown = |s: String| if focused { s } else { s.replace('▏', "") };
        match &self.kind {
            FieldKind::Secret => {
                let dots = "•".repeat(self.input.value().chars().count());
                if focused { format!("{dots}▏") } else { dots }
            }
            FieldKind::Money { currency } => format!("{} {currency}", shown(self.input.with_cursor())),
            FieldKind::Choice { options } => {
                let value = options.get(self.choice).map_or("", String::as_str);
                if focused {
                    format!("◀ {value} ▶")
                } else {
                    value.to_owned()
                }
            }
            FieldKind::Multi { options } => options
                .iter()
                .enumerate()
                .map(|(i, (_, label))| {
                    let mark = if self.chosen.contains(&i) { "[x]" } else { "[ ]" };
                    let here = if focused && i == self.option_cursor { ">" } else { "" };
                    format!("{here}{mark} {label}")
                })
                .collect::<Vec<_>>()
                .join("  "),
            _ => shown(self.input.with_cursor()),
        }
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormOutcome {
    Editing,
    /// Ctrl-S, or Enter on the last field, with every check passed.
    Submit,
    Cancel,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A problem that names no field of this form, or the problem's detail.
    pub message: Option<String>,
    /// Sent and waiting for the answer.
    pub sending: bool,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        Self {
            title: title.into(),
            fields,
            focus: 0,
            message: None,
            sending: false,
        }
    }

    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Trimmed text, `None` when empty.
    pub fn text(&self, key: &str) -> Option<String> {
        let v = self.field(key)?.input.value().trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Text as typed, line breaks kept, trailing blanks dropped.
    pub fn raw(&self, key: &str) -> String {
        self.field(key)
            .map(|f| f.input.value().trim_end().to_owned())
            .unwrap_or_default()
    }

    /// Minor units of a money field.
    pub fn money(&self, key: &str) -> Option<i64> {
        money::parse_major(self.field(key)?.input.value()).ok()
    }

    pub fn integer(&self, key: &str) -> Option<i64> {
        self.field(key)?.input.value().trim().parse().ok()
    }

    pub fn choice(&self, key: &str) -> Option<&str> {
        match &self.field(key)?.kind {
            FieldKind::Choice { options } => options.get(self.field(key)?.choice).map(String::as_str),
            _ => None,
        }
    }

    /// The ids picked in a multi-select.
    pub fn chosen(&self, key: &str) -> Vec<String> {
        let Some(field) = self.field(key) else {
            return Vec::new();
        };
        match &field.kind {
            FieldKind::Multi { options } => field
                .chosen
                .iter()
                .filter_map(|&i| options.get(i))
                .map(|(id, _)| id.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn tags(&self, key: &str) -> Vec<String> {
        self.field(key)
            .map(|f| {
                f.input
                    .value()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs every field's check; true when all pass. Failing fields get their message and
    /// the first of them gets the focus.
    pub fn validate(&mut self) -> bool {
        for field in &mut self.fields {
            field.error = field.check();
        }
        match self.fields.iter().position(|f| f.error.is_some()) {
            Some(i) => {
                self.focus = i;
                false
            }
            None => true,
        }
    }

    /// Puts the API's field errors beside their fields (`variants[0].sku` goes to `variants`
    /// when no field is named so); the rest, and the detail, become the form's message.
    pub fn apply_failure(&mut self, failure: &Failure) {
        self.sending = false;
        for field in &mut self.fields {
            field.error = None;
        }
        let mut unplaced = Vec::new();
        if let Failure::Problem(problem) = failure {
            for error in &problem.errors {
                let base = error.field.split(['.', '[']).next().unwrap_or("");
                match self.fields.iter_mut().find(|f| f.key == error.field || f.key == base) {
                    Some(field) => field.error = Some(error.message.clone()),
                    None => unplaced.push(format!("{}: {}", error.field, error.message)),
                }
            }
        }
        if let Some(i) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = i;
        }
        let mut message = failure.to_string();
        if !unplaced.is_empty() {
            message = format!("{message} — {}", unplaced.join("; "));
        }
        self.message = Some(message);
    }

    pub fn handle(&mut self, key: &KeyEvent) -> FormOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let last = self.fields.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            KeyCode::Char('s') if ctrl => return self.submit(),
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(last),
            KeyCode::BackTab | KeyCode::Up => self.focus = self.focus.saturating_sub(1),
            KeyCode::Enter => {
                let field = &mut self.fields[self.focus];
                if field.kind == FieldKind::Multiline {
                    field.input.paste_newline();
                } else if self.focus == last {
                    return self.submit();
                } else {
                    self.focus += 1;
                }
            }
            _ => {
                let Some(field) = self.fields.get_mut(self.focus) else {
                    return FormOutcome::Editing;
                };
                match &field.kind {
                    FieldKind::Choice { options } => match key.code {
                        KeyCode::Left => field.choice = (field.choice + options.len() - 1) % options.len().max(1),
                        KeyCode::Right | KeyCode::Char(' ') => field.choice = (field.choice + 1) % options.len().max(1),
                        _ => {}
                    },
                    FieldKind::Multi { options } => match key.code {
                        KeyCode::Left => field.option_cursor = field.option_cursor.saturating_sub(1),
                        KeyCode::Right => {
                            field.option_cursor = (field.option_cursor + 1).min(options.len().saturating_sub(1))
                        }
                        KeyCode::Char(' ') if !options.is_empty() => {
                            let option = field.option_cursor;
                            if !field.chosen.remove(&option) {
                                field.chosen.insert(option);
                            }
                        }
                        _ => {}
                    },
                    _ => {
                        field.input.handle(key);
                        field.error = None;
                    }
                }
            }
        }
        FormOutcome::Editing
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(field) = self.fields.get_mut(self.focus).filter(|f| f.is_text()) {
            field.input.paste(text);
        }
    }

    fn submit(&mut self) -> FormOutcome {
        if self.sending {
            return FormOutcome::Editing;
        }
        if self.validate() {
            self.message = None;
            FormOutcome::Submit
        } else {
            self.message = Some("fix the fields marked below".into());
            FormOutcome::Editing
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let mut lines: Vec<Line> = Vec::new();
        if let Some(message) = &self.message {
            lines.push(Line::styled(message.clone(), theme.error()));
            lines.push(Line::raw(""));
        }
        for (i, field) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let label = format!("{:>12}{} ", field.label, if field.required { "*" } else { " " });
            let value_style = if focused {
                theme.focus()
            } else {
                ratatui::style::Style::new()
            };
            let mut value_lines = field
                .display(focused)
                .split('\n')
                .map(str::to_owned)
                .collect::<Vec<_>>()
                .into_iter();
            let first = value_lines.next().unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(label, theme.header()),
                Span::styled(first, value_style),
            ]));
            for more in value_lines {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(14)),
                    Span::styled(more, value_style),
                ]));
            }
            if let Some(error) = &field.error {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(14)),
                    Span::styled(format!("✗ {error}"), theme.error()),
                ]));
            }
        }
        let footer = if self.sending {
            " sending… "
        } else {
            " Tab next · Ctrl-S save · Esc cancel "
        };
        let height = (lines.len() as u16 + 2).min(area.height);
        let popup = centered(area, area.width.saturating_sub(4).min(90), height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(format!(" {} ", self.title), theme.title()))
            .title_bottom(Line::styled(footer, theme.dim()));
        frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), popup);
    }
}
