//! Key bindings as data: one table per scope (global, lists, each screen). The same tables
//! turn keys into commands and write the help overlay, so help cannot disagree with the keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Command;

/// A key as the tables name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Delete,
    Backspace,
}

impl Key {
    /// The key of a terminal event, if it is one the tables can name.
    pub fn of(event: &KeyEvent) -> Option<Self> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        Some(match event.code {
            KeyCode::Char(c) if ctrl => Self::Ctrl(c.to_ascii_lowercase()),
            KeyCode::Char(c) => Self::Char(c),
            KeyCode::Enter => Self::Enter,
            KeyCode::Esc => Self::Esc,
            KeyCode::Tab => Self::Tab,
            KeyCode::BackTab => Self::BackTab,
            KeyCode::Up => Self::Up,
            KeyCode::Down => Self::Down,
            KeyCode::Left => Self::Left,
            KeyCode::Right => Self::Right,
            KeyCode::PageUp => Self::PageUp,
            KeyCode::PageDown => Self::PageDown,
            KeyCode::Home => Self::Home,
            KeyCode::End => Self::End,
            KeyCode::Delete => Self::Delete,
            KeyCode::Backspace => Self::Backspace,
            _ => return None,
        })
    }

    /// How help shows the key.
    pub fn label(self) -> String {
        match self {
            Self::Char(' ') => "Space".into(),
            Self::Char(c) => c.to_string(),
            Self::Ctrl(c) => format!("Ctrl-{c}"),
            Self::Enter => "Enter".into(),
            Self::Esc => "Esc".into(),
            Self::Tab => "Tab".into(),
            Self::BackTab => "Shift-Tab".into(),
            Self::Up => "↑".into(),
            Self::Down => "↓".into(),
            Self::Left => "←".into(),
            Self::Right => "→".into(),
            Self::PageUp => "PgUp".into(),
            Self::PageDown => "PgDn".into(),
            Self::Home => "Home".into(),
            Self::End => "End".into(),
            Self::Delete => "Del".into(),
            Self::Backspace => "Backspace".into(),
        }
    }
}

/// One line of a key table: the keys, what they do, and the words help shows.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub command: Command,
    pub help: &'static str,
}

const fn bind(keys: &'static [Key], command: Command, help: &'static str) -> Binding {
    Binding { keys, command, help }
}

/// Everywhere (when no text is being typed).
pub const GLOBAL: &[Binding] = &[
    bind(&[Key::Char('?')], Command::Help, "show or hide these keys"),
    bind(
        &[Key::Char(':')],
        Command::CommandLine,
        "go to a screen (:orders shipped)",
    ),
    bind(&[Key::Esc], Command::Back, "close, go back"),
    bind(&[Key::Char('r'), Key::Ctrl('r')], Command::Refresh, "refresh"),
    bind(&[Key::Char('q'), Key::Ctrl('c')], Command::Quit, "quit"),
];

/// Every paged list.
pub const LIST: &[Binding] = &[
    bind(&[Key::Up, Key::Char('k')], Command::Up, "previous row"),
    bind(&[Key::Down, Key::Char('j')], Command::Down, "next row"),
    bind(&[Key::PageDown], Command::NextPage, "next page"),
    bind(&[Key::PageUp], Command::PrevPage, "previous page"),
    bind(&[Key::Char('g'), Key::Home], Command::FirstPage, "first page"),
    bind(&[Key::Char('G'), Key::End], Command::LastPage, "last page"),
    bind(&[Key::Char('/')], Command::Filter, "filter (sent to the API)"),
    bind(&[Key::Char('s')], Command::Sort, "next sort order"),
    bind(&[Key::Enter], Command::Open, "details"),
    bind(
        &[Key::Char(' ')],
        Command::ToggleSelect,
        "select the row for a bulk action",
    ),
];

/// Every list that can create, edit and delete.
pub const EDITABLE: &[Binding] = &[
    bind(&[Key::Char('n')], Command::New, "new"),
    bind(&[Key::Char('e')], Command::Edit, "edit"),
    bind(&[Key::Char('d')], Command::Delete, "delete (asks first)"),
];

/// The command a key means in these tables, first table first.
pub fn lookup(tables: &[&[Binding]], key: Key) -> Option<Command> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|b| b.keys.contains(&key))
        .map(|b| b.command)
}

/// Help lines for these tables: (`"↑ k"`, `"previous row"`).
pub fn help_lines(tables: &[&[Binding]]) -> Vec<(String, &'static str)> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .map(|b| {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            (keys.join(" "), b.help)
        })
        .collect()
}
