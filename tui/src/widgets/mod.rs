//! Pieces the screens are drawn with.

pub mod command_line;
pub mod confirm;
pub mod form;
pub mod input;
pub mod local_list;
pub(crate) mod record_form;
pub mod table;

use ratatui::layout::Rect;

/// A `width`×`height` box centred in `area`, clipped to it.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
