//! One file per screen. Each screen owns its state, its key table, how it reads replies and
//! how it draws; [`Screen`] is what `App` needs from each.

mod audit;
mod categories;
mod cms;
mod collections;
mod contact;
mod dashboard;
mod jobs;
pub mod login;
mod orders;
mod products;
mod promotions;
mod reports;
mod taxonomy;
mod users;

pub use audit::AuditScreen;
pub use categories::CategoriesScreen;
pub use cms::CmsScreen;
pub use collections::CollectionsScreen;
pub use contact::ContactScreen;
pub use dashboard::DashboardScreen;
pub use jobs::JobsScreen;
pub use login::LoginScreen;
pub use orders::OrdersScreen;
pub use products::ProductsScreen;
pub use promotions::PromotionsScreen;
pub use reports::ReportsScreen;
pub use users::UsersScreen;

use crossterm::event::KeyEvent;
use ratatui::{Frame, layout::Rect};

use crate::action::{Command, Purpose};
use crate::api::{Failure, Reply};
use crate::context::Ctx;
use crate::keys::Binding;
pub use crate::screen_id::ScreenId;
use crate::theme::Theme;

/// What `App` asks of every screen.
pub trait Screen {
    /// Keys of this screen beyond the global ones (lists include [`crate::keys::LIST`]).
    fn bindings(&self) -> Vec<&'static [Binding]>;

    /// True while the screen takes typed text (a form, a filter): keys go to [`Screen::input`].
    fn editing(&self) -> bool {
        false
    }

    /// Shown, with an optional argument (`:orders shipped` gives `shipped`). Loads what it shows.
    fn enter(&mut self, argument: Option<&str>, ctx: &mut Ctx);

    fn command(&mut self, command: Command, ctx: &mut Ctx);

    /// A key while [`Screen::editing`].
    fn input(&mut self, _key: KeyEvent, _ctx: &mut Ctx) {}

    fn paste(&mut self, _text: &str) {}

    fn reply(&mut self, ticket: u64, purpose: Purpose, result: Result<Reply, Failure>, ctx: &mut Ctx);

    /// The file write it asked for finished.
    fn saved(&mut self, _path: &str, _result: &Result<(), String>, _ctx: &mut Ctx) {}

    fn draw(&self, frame: &mut Frame, area: Rect, theme: &Theme);
}
