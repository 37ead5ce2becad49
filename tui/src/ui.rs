//! Drawing: the tab bar, the current screen, the status line (or the command line), and the
//! help overlay. Reads the state, changes nothing.

use ratatui::{
    Frame,
    layout::{Constraint, Layout},
    text::{Line, Span},
    widgets::{Block, Borders, Clear, Paragraph},
};

use crate::app::App;
use crate::context::Status;
use crate::keys;
use crate::screens::ScreenId;
use crate::theme::Theme;
use crate::widgets::centered;

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn draw(app: &App, frame: &mut Frame, theme: &Theme) {
    let [top, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());

    let mut tabs: Vec<Span> = vec![Span::styled(" beeget ", theme.title())];
    if app.screen == ScreenId::Login {
        tabs.push(Span::raw("staff console"));
    } else {
        // Every screen's name when they fit; else only the current one (`:` lists them all).
        let all: usize = ScreenId::NAVIGABLE.iter().map(|s| s.name().len() + 2).sum();
        if all + 8 <= usize::from(top.width) {
            for screen in ScreenId::NAVIGABLE {
                let style = if screen == app.screen {
                    theme.cursor()
                } else {
                    theme.dim()
                };
                tabs.push(Span::styled(format!(" {} ", screen.name()), style));
            }
        } else {
            tabs.push(Span::styled(format!(" {} ", app.screen.title()), theme.cursor()));
            tabs.push(Span::styled("  : to switch screens", theme.dim()));
        }
    }
    frame.render_widget(Line::from(tabs), top);

    app.screen(app.screen).draw(frame, body, theme);

    let spinner = if app.in_flight.is_empty() {
        " "
    } else {
        SPINNER[app.spinner % SPINNER.len()]
    };
    let bottom_line = match (&app.command_line, &app.status) {
        (Some(line), _) => {
            let candidates = line.candidates().join(" ");
            Line::from(vec![
                Span::styled(format!(":{}", line.input.with_cursor()), theme.focus()),
                Span::styled(format!("  {candidates}"), theme.dim()),
            ])
        }
        (None, Some(Status::Error(message))) => Line::from(vec![
            Span::raw(format!("{spinner} ")),
            Span::styled(message.clone(), theme.error()),
        ]),
        (None, Some(Status::Info(message))) => {
            Line::from(vec![Span::raw(format!("{spinner} ")), Span::raw(message.clone())])
        }
        (None, None) => {
            let who = app.user.as_deref().unwrap_or("not signed in");
            Line::from(vec![
                Span::raw(format!("{spinner} ")),
                Span::styled(format!("{who} · ? keys · : go to · q quit"), theme.dim()),
            ])
        }
    };
    frame.render_widget(bottom_line, bottom);

    if app.help {
        let lines: Vec<Line> = keys::help_lines(&app.bindings())
            .into_iter()
            .map(|(keys, help)| {
                Line::from(vec![
                    Span::styled(format!("{keys:>14}  "), theme.header()),
                    Span::raw(help),
                ])
            })
            .collect();
        let area = centered(body, 60, lines.len() as u16 + 2);
        frame.render_widget(Clear, area);
        let title = format!(" Keys — {} (any key closes) ", app.screen.title());
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(Line::styled(title, theme.title())),
            ),
            area,
        );
    }
}
