//! The Beeget staff console (`beeget-admin`): a keyboard-first terminal UI over the admin API.
//!
//! Input becomes an [`action::Action`]; [`app::App::update`] changes state and returns
//! [`context::Effect`]s (calls, files); [`ui::draw`] only renders. The API sits behind
//! [`api::AdminApi`]: the generated client in production, a fake in tests.

// `Failure` is the API's problem document (code, detail, field errors, request id), returned by
// value once per call; boxing every error would only move it to the heap.
#![allow(clippy::result_large_err)]

pub mod action;
pub mod api;
pub mod app;
pub mod config;
pub mod context;
pub mod keys;
pub mod money;
pub mod runtime;
pub mod screen_id;
pub mod screens;
pub mod script;
pub mod theme;
pub mod ui;
pub mod widgets;
