//! The loop that connects the app to the world: terminal events and replies in, frames and
//! calls out. Calls run as tasks, so the screen keeps drawing and taking keys while they run.
//! [`settle`] runs the same effects one after another, for tests.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::{Terminal, backend::Backend};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::action::Action;
use crate::api::AdminApi;
use crate::app::App;
use crate::context::Effect;
use crate::theme::Theme;
use crate::ui;

/// Runs until the user quits. Errors: the terminal could not be drawn on.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    api: Arc<dyn AdminApi>,
    theme: Theme,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    // SIGTERM and SIGHUP (the terminal closed) end the loop like `q`, so the caller restores
    // the terminal instead of the process dying in raw mode.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    loop {
        terminal.draw(|frame| ui::draw(app, frame, &theme))?;
        let action = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => app.action_for(key),
                Some(Ok(Event::Paste(text))) => Some(Action::Paste(text)),
                Some(Ok(Event::Resize(..))) => Some(Action::Resize),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(action) = rx.recv() => Some(action),
            _ = tick.tick() => Some(Action::Tick),
            _ = terminate.recv() => return Ok(()),
            _ = hangup.recv() => return Ok(()),
        };
        let Some(action) = action else { continue };
        for effect in app.update(action) {
            match effect {
                Effect::Quit => return Ok(()),
                Effect::Call { ticket, request } => {
                    let (api, tx) = (api.clone(), tx.clone());
                    tracing::debug!(ticket = ticket.id, screen = ticket.screen.name(), "call");
                    tokio::spawn(async move {
                        let result = api.send(request).await;
                        if let Err(failure) = &result {
                            tracing::info!(ticket = ticket.id, %failure, "call failed");
                        }
                        let _ = tx.send(Action::Replied { ticket, result });
                    });
                }
                Effect::WriteFile { path, contents } => {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let result = tokio::fs::write(&path, contents).await.map_err(|e| e.to_string());
                        let _ = tx.send(Action::Saved { path, result });
                    });
                }
            }
        }
    }
}

/// Feeds `action` to the app, then makes every call it asks for (and the calls their replies
/// ask for) one at a time until none is left. Files are written for real. For tests and
/// scripted use: the same effects as [`run`], without a terminal.
pub async fn settle(app: &mut App, api: &dyn AdminApi, action: Action) {
    let mut queue: std::collections::VecDeque<Effect> = app.update(action).into();
    while let Some(effect) = queue.pop_front() {
        let next = match effect {
            Effect::Quit => continue,
            Effect::Call { ticket, request } => Action::Replied {
                ticket,
                result: api.send(request).await,
            },
            Effect::WriteFile { path, contents } => {
                let result = tokio::fs::write(&path, contents).await.map_err(|e| e.to_string());
                Action::Saved { path, result }
            }
        };
        queue.extend(app.update(next));
    }
}
