//! What the console can be asked to do. Keys become [`Command`]s through the key tables in
//! [`crate::keys`]; everything else that happens (a reply, a tick, a resize) is an [`Action`]
//! too, so `App::update` is the one place state changes.

use crossterm::event::KeyEvent;

use crate::api::{Failure, Reply};
use crate::screen_id::ScreenId;

/// A user's intent, as named in the key tables and the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    CommandLine,
    Back,
    Up,
    Down,
    NextPage,
    PrevPage,
    FirstPage,
    LastPage,
    Filter,
    Sort,
    Open,
    New,
    Edit,
    Delete,
    Refresh,
    ToggleSelect,
    /// Orders: change the status of the order (or of the selected orders).
    ChangeStatus,
    /// Products: add a variant to the open product.
    AddVariant,
    /// Products: adjust the stock of a variant.
    AdjustStock,
    /// Products: change the picked variant (SKU, size, colour, own price).
    EditVariant,
    /// Products: delete the picked variant.
    DeleteVariant,
    /// Products: upload an image file to the open product.
    UploadImage,
    /// Users: erase the account's personal data (GDPR), keeping its orders' figures.
    EraseUser,
    /// Products: the low-stock list from the inventory report.
    LowStock,
    /// Reports: choose the date range and grouping.
    PickRange,
    /// Reports: write the CSV to a file.
    Export,
    /// CMS: publish or unpublish the page.
    Publish,
    /// CMS: the rendered text of the page.
    Preview,
    /// CMS blocks: move the block up or down.
    MoveUp,
    MoveDown,
    /// Contact: mark handled or not.
    ToggleHandled,
    /// Jobs: queue a failed job again.
    Retry,
    /// Users: change the role.
    ChangeRole,
}

/// Which in-flight call a reply answers: the screen that asked, what for, and a number so a
/// stale answer (the filter changed since) is recognised and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    pub id: u64,
    pub screen: ScreenId,
    pub purpose: Purpose,
}

/// What a call was for, as the screen that made it reads the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Load,
    Details,
    Save,
    Delete,
    Status,
    Stock,
    Export,
    Preview,
    Secondary,
}

/// Everything `App::update` reacts to.
// A reply is the largest variant; actions are made and consumed one at a time, so boxing it
// would only add an allocation per call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Action {
    Command(Command),
    /// A key while text is being typed (a form field, the filter, the command line).
    Input(KeyEvent),
    Paste(String),
    Replied {
        ticket: Ticket,
        result: Result<Reply, Failure>,
    },
    /// A file the console was asked to write was written, or not.
    Saved {
        path: String,
        result: Result<(), String>,
    },
    /// The animation clock (spinner); also where tokens are checked.
    Tick,
    Resize,
}
