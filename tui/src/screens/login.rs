//! Sign in: email and password, sent to `POST /auth/login`. Tokens stay in the API client's
//! memory; nothing is written to disk.

use crossterm::event::KeyEvent;
use ratatui::{Frame, layout::Rect};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply, Request};
use crate::context::Ctx;
use crate::keys::Binding;
use crate::screens::Screen;
use crate::theme::Theme;
use crate::widgets::form::{Field, FieldKind, Form, FormOutcome};

pub struct LoginScreen {
    form: Form,
}

impl Default for LoginScreen {
    fn default() -> Self {
        Self { form: Self::form("") }
    }
}

impl LoginScreen {
    fn form(email: &str) -> Form {
        let mut form = Form::new(
            "Beeget staff console — sign in",
            vec![
                Field::new("email", "Email", FieldKind::Text).required().value(email),
                Field::new("password", "Password", FieldKind::Secret).required(),
            ],
        );
        if !email.is_empty() {
            form.focus = 1;
        }
        form
    }

    /// The session ended: keep the email, ask for the password again.
    pub fn ended(&mut self) {
        let email = self.form.text("email").unwrap_or_default();
        self.form = Self::form(&email);
        self.form.message = Some("the session ended: sign in again".into());
    }
}

impl Screen for LoginScreen {
    fn bindings(&self) -> Vec<&'static [Binding]> {
        Vec::new()
    }

    fn editing(&self) -> bool {
        true
    }

    fn enter(&mut self, _argument: Option<&str>, _ctx: &mut Ctx) {}

    fn command(&mut self, _command: Command, _ctx: &mut Ctx) {}

    fn input(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        match self.form.handle(&key) {
            FormOutcome::Submit => {
                self.form.sending = true;
                self.form.message = None;
                ctx.call(
                    Purpose::Login,
                    Request::Login {
                        email: self.form.text("email").unwrap_or_default(),
                        password: self.form.raw("password"),
                    },
                );
            }
            FormOutcome::Cancel => ctx.effects.push(crate::context::Effect::Quit),
            FormOutcome::Editing => {}
        }
    }

    fn paste(&mut self, text: &str) {
        self.form.paste(text);
    }

    fn reply(&mut self, _ticket: u64, _purpose: Purpose, result: Result<Reply, Failure>, _ctx: &mut Ctx) {
        self.form.sending = false;
        match result {
            Err(failure) => {
                self.form.apply_failure(&failure);
                // The password is typed again, never kept.
                self.form.fields[1].input.set("");
            }
            // The app switches screens; the form starts clean for next time.
            Ok(_) => self.form = Self::form(&self.form.text("email").unwrap_or_default()),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        self.form.draw(frame, area, theme);
    }
}
