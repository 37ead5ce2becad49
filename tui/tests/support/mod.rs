//! Shared by the console's tests: an app signed in to the fake API, and the key helpers of
//! `beeget_admin::script`.

#![allow(dead_code, unused_imports)]

use beeget_admin::api::FakeApi;
use beeget_admin::app::App;
pub use beeget_admin::script::{command, ctrl, goto, key, press, render, type_text};

/// The password the fake API accepts.
pub const PASSWORD: &str = "correct horse";

/// A console signed in to a fresh fake API, on the dashboard.
pub async fn signed_in() -> (App, FakeApi) {
    let api = FakeApi::new();
    let mut app = App::new();
    beeget_admin::script::sign_in(&mut app, &api, "admin@beeget.test", PASSWORD).await;
    assert_eq!(app.user.as_deref(), Some("admin@beeget.test"));
    (app, api)
}
