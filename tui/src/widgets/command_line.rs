//! The `:` command line, as in k9s: a screen name and an optional argument (`:orders shipped`),
//! Tab completing the name, `:q` quitting.

use crossterm::event::{KeyCode, KeyEvent};

use crate::screen_id::ScreenId;
use crate::widgets::input::TextInput;

#[derive(Debug, Clone, Default)]
pub struct CommandLine {
    pub input: TextInput,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandLineOutcome {
    Editing,
    Cancel,
    Go(ScreenId, Option<String>),
    Quit,
    Unknown(String),
}

impl CommandLine {
    /// Screen names that start with what is typed (all of them when nothing is).
    pub fn candidates(&self) -> Vec<&'static str> {
        let typed = self.input.value().trim_start();
        if typed.contains(' ') {
            return Vec::new();
        }
        ScreenId::NAVIGABLE
            .iter()
            .map(|s| s.name())
            .filter(|n| n.starts_with(typed))
            .collect()
    }

    /// Completes the name: to the only candidate (and a space), or to what all share.
    pub fn complete(&mut self) {
        let candidates = self.candidates();
        match candidates.as_slice() {
            [] => {}
            [one] => self.input.set(&format!("{one} ")),
            many => {
                let first = many[0];
                let shared = (0..=first.len())
                    .rev()
                    .find(|&n| many.iter().all(|c| c.starts_with(&first[..n])))
                    .unwrap_or(0);
                self.input.set(&first[..shared]);
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        self.input.paste(text);
    }

    pub fn handle(&mut self, key: &KeyEvent) -> CommandLineOutcome {
        match key.code {
            KeyCode::Esc => CommandLineOutcome::Cancel,
            KeyCode::Tab => {
                self.complete();
                CommandLineOutcome::Editing
            }
            KeyCode::Enter => self.run(),
            _ => {
                self.input.handle(key);
                CommandLineOutcome::Editing
            }
        }
    }

    fn run(&self) -> CommandLineOutcome {
        let typed = self.input.value().trim();
        let (name, argument) = typed.split_once(' ').unwrap_or((typed, ""));
        let argument = argument.trim();
        if matches!(name, "q" | "quit") {
            return CommandLineOutcome::Quit;
        }
        if name.is_empty() {
            return CommandLineOutcome::Cancel;
        }
        // A unique prefix is enough: `:ord` opens orders.
        let exact = ScreenId::by_name(name);
        let matches: Vec<ScreenId> = ScreenId::NAVIGABLE
            .into_iter()
            .filter(|s| s.name().starts_with(name))
            .collect();
        let screen = exact.or(if matches.len() == 1 { Some(matches[0]) } else { None });
        match screen {
            Some(screen) => CommandLineOutcome::Go(screen, (!argument.is_empty()).then(|| argument.to_owned())),
            None => CommandLineOutcome::Unknown(name.to_owned()),
        }
    }
}
