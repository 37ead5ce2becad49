//! A yes/no question before something that cannot be undone: `y` confirms, `n` or Esc
//! cancels.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::{
    Frame,
    layout::Rect,
    text::Line,
    widgets::{Block, Borders, Clear, Paragraph, Wrap},
};

use crate::theme::Theme;
use crate::widgets::centered;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub question: String,
    /// What the question is about (an id), for the screen to act on.
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    Undecided,
}

impl Confirm {
    pub fn new(question: impl Into<String>, target: impl Into<String>) -> Self {
        Self {
            question: question.into(),
            target: target.into(),
        }
    }

    pub fn handle(&self, key: &KeyEvent) -> Answer {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Answer::Yes,
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Answer::No,
            _ => Answer::Undecided,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let popup = centered(area, 56, 5);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(" Are you sure? ", theme.error()))
            .title_bottom(Line::styled(" y yes · n no ", theme.dim()));
        frame.render_widget(
            Paragraph::new(self.question.clone())
                .wrap(Wrap { trim: true })
                .block(block),
            popup,
        );
    }
}
