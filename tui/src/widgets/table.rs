//! The paged list every list screen shows: rows as text cells with an id, a cursor, a set of
//! selected ids for bulk actions, the page, the filter (sent to the API) and the sort order.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::{
    Frame,
    layout::{Constraint, Rect},
    text::Line,
    widgets::{Block, Borders, Cell, Row, Table, TableState},
};

use crate::action::Command;
use crate::api::Paging;
use crate::theme::Theme;
use crate::widgets::input::TextInput;

/// A column: its heading and width.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub width: Constraint,
}

pub const fn col(title: &'static str, width: Constraint) -> Column {
    Column { title, width }
}

/// A row: the id of what it shows and its cells, in column order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub id: String,
    pub cells: Vec<String>,
}

/// What a list command asks of its screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOutcome {
    /// Nothing to load (the cursor moved, a row was selected).
    Moved,
    /// The query changed (page, filter, sort): load again.
    Reload,
    /// A command the list does not handle.
    Unhandled,
}

#[derive(Debug, Clone)]
pub struct ListView {
    pub columns: &'static [Column],
    pub rows: Vec<ListRow>,
    pub cursor: usize,
    pub selected: BTreeSet<String>,
    pub paging: Paging,
    pub total: u64,
    /// The applied filter (what the API was asked).
    pub filter: String,
    /// The filter being typed, while `/` is open.
    pub filter_input: Option<TextInput>,
    /// Sort orders the API offers, by name; `sort` indexes it.
    pub sorts: &'static [&'static str],
    pub sort: usize,
    /// The ticket of the load in flight; a reply with another ticket is stale.
    pub loading: Option<u64>,
    pub loaded: bool,
}

impl ListView {
    pub fn new(columns: &'static [Column], sorts: &'static [&'static str]) -> Self {
        Self {
            columns,
            rows: Vec::new(),
            cursor: 0,
            selected: BTreeSet::new(),
            paging: Paging::default(),
            total: 0,
            filter: String::new(),
            filter_input: None,
            sorts,
            sort: 0,
            loading: None,
            loaded: false,
        }
    }

    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.paging.limit.max(1)).max(1)
    }

    /// The id of the row under the cursor.
    pub fn current(&self) -> Option<&str> {
        self.rows.get(self.cursor).map(|r| r.id.as_str())
    }

    /// The selected ids, or the row under the cursor when none is selected.
    pub fn targets(&self) -> Vec<String> {
        if self.selected.is_empty() {
            self.current().map(|id| vec![id.to_owned()]).unwrap_or_default()
        } else {
            self.selected.iter().cloned().collect()
        }
    }

    /// The filter, `None` when empty.
    pub fn filter(&self) -> Option<String> {
        let f = self.filter.trim();
        (!f.is_empty()).then(|| f.to_owned())
    }

    pub fn sort_name(&self) -> Option<&'static str> {
        self.sorts.get(self.sort).copied()
    }

    /// Replaces the rows with a page the API answered; keeps the cursor in range.
    pub fn fill(&mut self, rows: Vec<ListRow>, total: u64) {
        self.rows = rows;
        self.total = total;
        self.loaded = true;
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    /// [`fill`](Self::fill) with a page's items, each drawn as a row by `row`; hands the items
    /// back, for the screen to keep.
    pub fn fill_with<T>(&mut self, items: Vec<T>, total: u64, row: impl Fn(&T) -> ListRow) -> Vec<T> {
        self.fill(items.iter().map(row).collect(), total);
        items
    }

    pub fn command(&mut self, command: Command) -> ListOutcome {
        let last = self.pages();
        match command {
            Command::Up => self.cursor = self.cursor.saturating_sub(1),
            Command::Down => {
                if self.cursor + 1 < self.rows.len() {
                    self.cursor += 1;
                }
            }
            Command::NextPage if self.paging.page < last => return self.page(self.paging.page + 1),
            Command::PrevPage if self.paging.page > 1 => return self.page(self.paging.page - 1),
            Command::FirstPage => return self.page(1),
            Command::LastPage => return self.page(last),
            Command::NextPage | Command::PrevPage => {}
            Command::Sort if !self.sorts.is_empty() => {
                // Another order: from the first page, even when already on it.
                self.sort = (self.sort + 1) % self.sorts.len();
                self.paging.page = 1;
                self.cursor = 0;
                return ListOutcome::Reload;
            }
            Command::ToggleSelect => {
                if let Some(id) = self.current().map(str::to_owned) {
                    if !self.selected.remove(&id) {
                        self.selected.insert(id);
                    }
                    self.command(Command::Down);
                }
            }
            Command::Filter => self.filter_input = Some(TextInput::new(&self.filter)),
            _ => return ListOutcome::Unhandled,
        }
        ListOutcome::Moved
    }

    fn page(&mut self, page: u64) -> ListOutcome {
        if page == self.paging.page && self.loaded {
            return ListOutcome::Moved;
        }
        self.paging.page = page;
        self.cursor = 0;
        ListOutcome::Reload
    }

    /// The filter typed after the screen's name (`:jobs failed`), from page 1; none keeps
    /// the filter the list had.
    pub fn filter_from(&mut self, argument: Option<&str>) {
        if let Some(argument) = argument {
            self.filter = argument.to_owned();
            self.paging.page = 1;
        }
    }

    /// Applies the filter being typed (Enter): back to page 1.
    pub fn apply_filter(&mut self) -> ListOutcome {
        if let Some(input) = self.filter_input.take() {
            self.filter = input.value().to_owned();
            self.paging.page = 1;
            self.cursor = 0;
            self.selected.clear();
            return ListOutcome::Reload;
        }
        ListOutcome::Moved
    }

    /// A key while the filter is open: Enter applies it (reload), Esc closes it, others edit.
    pub fn filter_key(&mut self, key: &KeyEvent) -> ListOutcome {
        match key.code {
            KeyCode::Esc => self.filter_input = None,
            KeyCode::Enter => return self.apply_filter(),
            _ => {
                if let Some(input) = &mut self.filter_input {
                    input.handle(key);
                }
            }
        }
        ListOutcome::Moved
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, title: &str, theme: &Theme) {
        let rows = self.rows.iter().map(|r| {
            let mark = if self.selected.contains(&r.id) { "●" } else { " " };
            let mut cells = vec![Cell::from(mark)];
            cells.extend(r.cells.iter().map(|c| Cell::from(c.as_str())));
            let row = Row::new(cells);
            if self.selected.contains(&r.id) {
                row.style(theme.selected())
            } else {
                row
            }
        });
        let mut widths = vec![Constraint::Length(1)];
        widths.extend(self.columns.iter().map(|c| c.width));
        let mut header_cells = vec![Cell::from(" ")];
        header_cells.extend(self.columns.iter().map(|c| Cell::from(c.title)));
        let header = Row::new(header_cells).style(theme.header());
        let mut caption = format!(
            " {title} — page {}/{} · {} in all",
            self.paging.page,
            self.pages(),
            self.total
        );
        if let Some(sort) = self.sort_name() {
            caption.push_str(&format!(" · sort {sort}"));
        }
        if let Some(f) = self.filter() {
            caption.push_str(&format!(" · filter \"{f}\""));
        }
        if !self.selected.is_empty() {
            caption.push_str(&format!(" · {} selected", self.selected.len()));
        }
        caption.push(' ');
        let mut block = Block::default()
            .borders(Borders::ALL)
            .title(Line::styled(caption, theme.title()));
        if let Some(input) = &self.filter_input {
            block = block.title_bottom(Line::from(format!(" / {}▏ (Enter apply, Esc cancel) ", input.value())));
        } else if self.loaded && self.rows.is_empty() {
            block = block.title_bottom(Line::styled(" nothing matches ", theme.dim()));
        }
        let table = Table::new(rows, widths)
            .header(header)
            .block(block)
            .row_highlight_style(theme.cursor())
            .column_spacing(1);
        let mut state = TableState::default().with_selected((!self.rows.is_empty()).then_some(self.cursor));
        frame.render_stateful_widget(table, area, &mut state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_of(total: u64, on_page: usize) -> ListView {
        const COLUMNS: &[Column] = &[col("Name", Constraint::Min(4))];
        let mut list = ListView::new(COLUMNS, &["newest", "oldest"]);
        let rows = (0..on_page)
            .map(|i| ListRow {
                id: format!("r{i}"),
                cells: vec![format!("row {i}")],
            })
            .collect();
        list.fill(rows, total);
        list
    }

    #[test]
    fn paging_keys_move_between_pages_and_stop_at_the_ends() {
        let mut list = list_of(45, 20);
        assert_eq!(list.pages(), 3);
        assert_eq!(
            list.command(Command::PrevPage),
            ListOutcome::Moved,
            "no page before the first"
        );
        assert_eq!(list.command(Command::NextPage), ListOutcome::Reload);
        assert_eq!(list.paging.page, 2);
        assert_eq!(list.command(Command::LastPage), ListOutcome::Reload);
        assert_eq!(list.paging.page, 3);
        assert_eq!(
            list.command(Command::NextPage),
            ListOutcome::Moved,
            "no page after the last"
        );
        assert_eq!(list.command(Command::LastPage), ListOutcome::Moved, "already there");
        assert_eq!(list.command(Command::FirstPage), ListOutcome::Reload);
        assert_eq!((list.paging.page, list.cursor), (1, 0));
    }

    #[test]
    fn sort_cycles_back_to_the_first_page_and_the_cursor_stays_on_rows() {
        let mut list = list_of(45, 20);
        assert_eq!(
            list.command(Command::Sort),
            ListOutcome::Reload,
            "on the first page too"
        );
        list.command(Command::Sort);
        list.command(Command::NextPage);
        assert_eq!(list.sort_name(), Some("newest"));
        assert_eq!(list.command(Command::Sort), ListOutcome::Reload);
        assert_eq!((list.sort_name(), list.paging.page), (Some("oldest"), 1));
        list.command(Command::Sort);
        assert_eq!(list.sort_name(), Some("newest"));
        for _ in 0..30 {
            list.command(Command::Down);
        }
        assert_eq!(list.cursor, 19);
        list.fill(
            vec![ListRow {
                id: "only".into(),
                cells: vec!["x".into()],
            }],
            1,
        );
        assert_eq!(
            (list.cursor, list.current()),
            (0, Some("only")),
            "a shorter page keeps the cursor on a row"
        );
    }

    #[test]
    fn space_selects_rows_for_bulk_actions_and_a_new_filter_clears_them() {
        let mut list = list_of(3, 3);
        assert_eq!(
            list.targets(),
            vec!["r0"],
            "without a selection, the row under the cursor"
        );
        list.command(Command::ToggleSelect);
        list.command(Command::ToggleSelect);
        assert_eq!(list.targets(), vec!["r0", "r1"]);
        list.command(Command::Up);
        list.command(Command::ToggleSelect);
        assert_eq!(list.targets(), vec!["r0"], "Space again unselects");
        list.command(Command::Filter);
        list.filter_input.as_mut().unwrap().paste("linen");
        assert_eq!(list.apply_filter(), ListOutcome::Reload);
        assert_eq!((list.filter(), list.selected.len()), (Some("linen".to_owned()), 0));
    }
}
