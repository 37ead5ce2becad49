//! A list the API answers whole, in one array (categories, collections, promotions): filtered
//! and paged here, on what was loaded, without a call; drawn by [`ListView`] like the lists
//! the API pages.

use crossterm::event::KeyEvent;
use ratatui::{Frame, layout::Rect};

use crate::action::Command;
use crate::keys::{Binding, Key};
use crate::theme::Theme;
use crate::widgets::table::{Column, ListOutcome, ListRow, ListView};

const fn bind(keys: &'static [Key], command: Command, help: &'static str) -> Binding {
    Binding { keys, command, help }
}

/// The keys of such a list: those of [`crate::keys::LIST`] that apply (the filter is applied
/// here; there is no sort order to choose and no bulk action), and Enter to edit the row.
pub const KEYS: &[Binding] = &[
    bind(&[Key::Up, Key::Char('k')], Command::Up, "previous row"),
    bind(&[Key::Down, Key::Char('j')], Command::Down, "next row"),
    bind(&[Key::PageDown], Command::NextPage, "next page"),
    bind(&[Key::PageUp], Command::PrevPage, "previous page"),
    bind(&[Key::Char('g'), Key::Home], Command::FirstPage, "first page"),
    bind(&[Key::Char('G'), Key::End], Command::LastPage, "last page"),
    bind(&[Key::Char('/')], Command::Filter, "filter by name, in the loaded list"),
    bind(&[Key::Enter], Command::Edit, "edit the row"),
];

#[derive(Debug, Clone)]
pub struct LocalList {
    /// What is drawn: the current page of `rows`, the cursor, the filter being typed.
    pub view: ListView,
    /// Every row that passes the filter, in order.
    rows: Vec<ListRow>,
}

impl LocalList {
    pub fn new(columns: &'static [Column]) -> Self {
        Self {
            view: ListView::new(columns, &[]),
            rows: Vec::new(),
        }
    }

    /// Every row that passes the filter; keeps the page and the cursor in range.
    pub fn set_rows(&mut self, rows: Vec<ListRow>) {
        self.rows = rows;
        self.show();
    }

    /// The applied filter, in lower case; `None` when empty.
    pub fn filter(&self) -> Option<String> {
        self.view.filter().map(|f| f.to_lowercase())
    }

    /// Sets the filter (`:categories shirts`); the screen then filters again.
    pub fn set_filter(&mut self, filter: &str) {
        self.view.filter = filter.to_owned();
        self.view.paging.page = 1;
        self.view.cursor = 0;
    }

    /// The id of the row under the cursor.
    pub fn current(&self) -> Option<&str> {
        self.view.current()
    }

    /// Puts the cursor on the row with this id, turning to its page; false when not shown.
    pub fn select(&mut self, id: &str) -> bool {
        let Some(i) = self.rows.iter().position(|r| r.id == id) else {
            return false;
        };
        let limit = self.limit();
        self.view.paging.page = (i / limit) as u64 + 1;
        self.show();
        self.view.cursor = i % limit;
        true
    }

    /// A list command. Turning pages is done here: `Reload` never comes back.
    pub fn command(&mut self, command: Command) -> ListOutcome {
        match self.view.command(command) {
            ListOutcome::Reload => {
                self.show();
                ListOutcome::Moved
            }
            other => other,
        }
    }

    /// A key while the filter is typed; true when a new filter was applied (Enter), for the
    /// screen to filter again.
    pub fn filter_key(&mut self, key: &KeyEvent) -> bool {
        self.view.filter_key(key) == ListOutcome::Reload
    }

    /// Drops the filter; true when there was one.
    pub fn clear_filter(&mut self) -> bool {
        if self.view.filter.is_empty() {
            return false;
        }
        self.set_filter("");
        true
    }

    fn limit(&self) -> usize {
        usize::try_from(self.view.paging.limit).unwrap_or(usize::MAX).max(1)
    }

    fn show(&mut self) {
        let limit = self.limit();
        let total = self.rows.len();
        let pages = total.div_ceil(limit).max(1);
        let page = usize::try_from(self.view.paging.page).unwrap_or(1).clamp(1, pages);
        self.view.paging.page = page as u64;
        let shown = self.rows.iter().skip((page - 1) * limit).take(limit).cloned().collect();
        self.view.fill(shown, total as u64);
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, title: &str, theme: &Theme) {
        self.view.draw(frame, area, title, theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Constraint;

    use crate::widgets::table::col;

    const COLUMNS: &[Column] = &[col("Name", Constraint::Min(4))];

    fn rows(n: usize) -> Vec<ListRow> {
        (0..n)
            .map(|i| ListRow {
                id: format!("id-{i}"),
                cells: vec![format!("row {i}")],
            })
            .collect()
    }

    #[test]
    fn pages_are_cut_here_and_selecting_turns_to_the_page() {
        let mut list = LocalList::new(COLUMNS);
        list.set_rows(rows(45));
        assert_eq!(list.view.rows.len(), 20);
        assert_eq!(list.view.pages(), 3);
        assert_eq!(list.command(Command::LastPage), ListOutcome::Moved);
        assert_eq!(list.view.rows.len(), 5);
        assert_eq!(list.current(), Some("id-40"));
        assert!(list.select("id-21"));
        assert_eq!(list.view.paging.page, 2);
        assert_eq!(list.current(), Some("id-21"));
        // Fewer rows: the page comes back in range.
        list.set_rows(rows(3));
        assert_eq!(list.view.paging.page, 1);
        assert!(!list.select("id-21"));
    }
}
