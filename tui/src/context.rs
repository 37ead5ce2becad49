//! What a screen may do while it handles an action: ask for calls, report to the status line,
//! ask to write a file, switch screens. `App` turns these into effects after the screen returns.

use crate::action::{Purpose, Ticket};
use crate::api::{Failure, Request};
use crate::screen_id::ScreenId;

/// Something for the runtime to do outside `update`.
#[derive(Debug, Clone)]
pub enum Effect {
    Call { ticket: Ticket, request: Request },
    WriteFile { path: String, contents: String },
    Quit,
}

/// The status line's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Info(String),
    Error(String),
}

/// Collects a screen's requests while it updates.
#[derive(Debug)]
pub struct Ctx {
    pub screen: ScreenId,
    next_ticket: u64,
    pub effects: Vec<Effect>,
    pub status: Option<Status>,
    pub goto: Option<(ScreenId, Option<String>)>,
}

impl Ctx {
    pub fn new(screen: ScreenId, next_ticket: u64) -> Self {
        Self {
            screen,
            next_ticket,
            effects: Vec::new(),
            status: None,
            goto: None,
        }
    }

    /// The ticket number the next call will take (for `App` to carry on counting).
    pub fn next_ticket(&self) -> u64 {
        self.next_ticket
    }

    /// Queues a call; the reply comes back to this screen with the returned ticket id.
    pub fn call(&mut self, purpose: Purpose, request: Request) -> u64 {
        let id = self.next_ticket;
        self.next_ticket += 1;
        let ticket = Ticket {
            id,
            screen: self.screen,
            purpose,
        };
        self.effects.push(Effect::Call { ticket, request });
        id
    }

    pub fn info(&mut self, message: impl Into<String>) {
        self.status = Some(Status::Info(message.into()));
    }

    pub fn error(&mut self, message: impl Into<String>) {
        self.status = Some(Status::Error(message.into()));
    }

    /// A failed call on the status line: code, detail and the request id to quote.
    pub fn failed(&mut self, what: &str, failure: &Failure) {
        self.error(format!("{what}: {failure}"));
    }

    pub fn write_file(&mut self, path: String, contents: String) {
        self.effects.push(Effect::WriteFile { path, contents });
    }

    /// Switches to another screen, with an argument as typed after `:name`.
    pub fn goto(&mut self, screen: ScreenId, argument: Option<String>) {
        self.goto = Some((screen, argument));
    }
}
