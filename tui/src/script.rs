//! Driving the console from code, key by key, as a terminal would: for tests (against the
//! fake or a real server) and scripted checks. Every call a key causes finishes before the
//! next key ([`crate::runtime::settle`]).

pub use crossterm::event::KeyCode;
use crossterm::event::{KeyEvent, KeyModifiers};

use crate::action::{Action, Command};
use crate::api::AdminApi;
use crate::app::App;
use crate::runtime::settle;

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Presses one key, and lets every call it causes finish.
pub async fn press(app: &mut App, api: &dyn AdminApi, event: KeyEvent) {
    if let Some(action) = app.action_for(event) {
        settle(app, api, action).await;
    }
}

/// Types text, one key per character.
pub async fn type_text(app: &mut App, api: &dyn AdminApi, text: &str) {
    for c in text.chars() {
        press(app, api, key(KeyCode::Char(c))).await;
    }
}

/// Runs a command as if its key was pressed.
pub async fn command(app: &mut App, api: &dyn AdminApi, command: Command) {
    settle(app, api, Action::Command(command)).await;
}

/// Signs in through the login form.
pub async fn sign_in(app: &mut App, api: &dyn AdminApi, email: &str, password: &str) {
    type_text(app, api, email).await;
    press(app, api, key(KeyCode::Enter)).await;
    type_text(app, api, password).await;
    press(app, api, key(KeyCode::Enter)).await;
}

/// Goes to a screen through the command line, as staff do (`:orders shipped`).
pub async fn goto(app: &mut App, api: &dyn AdminApi, line: &str) {
    press(app, api, key(KeyCode::Char(':'))).await;
    type_text(app, api, line).await;
    press(app, api, key(KeyCode::Enter)).await;
}

/// The screen as text, `width`×`height`, without colour.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| crate::ui::draw(app, frame, &crate::theme::Theme::new(false)))
        .expect("draw");
    terminal.backend().to_string()
}
