//! Key handling on the app state, against the fake API: what each key does, which calls it
//! makes, and what the screen then shows.

mod support;

use beeget_admin::action::Command;
use beeget_admin::api::{Failure, Request};
use beeget_admin::keys;
use beeget_admin::screens::ScreenId;
use beeget_client::types;
use crossterm::event::KeyCode;
use support::{PASSWORD, command, ctrl, goto, key, press, render, signed_in, type_text};

#[tokio::test]
async fn a_wrong_password_stays_on_the_login_form_with_the_problem() {
    let api = beeget_admin::api::FakeApi::new();
    let mut app = beeget_admin::app::App::new();
    type_text(&mut app, &api, "admin@beeget.test").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    type_text(&mut app, &api, "wrong").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert_eq!(app.screen, ScreenId::Login);
    assert!(app.user.is_none());
    let screen = render(&app, 100, 30);
    assert!(screen.contains("invalid_credentials"), "{screen}");
    // The password is not kept: typing it again signs in.
    type_text(&mut app, &api, PASSWORD).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert_eq!(app.screen, ScreenId::Dashboard);
}

#[tokio::test]
async fn help_lists_the_keys_of_the_current_screen_from_its_key_table() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders").await;
    press(&mut app, &api, key(KeyCode::Char('?'))).await;
    assert!(app.help);
    let screen = render(&app, 100, 30);
    for (keys, help) in keys::help_lines(&app.bindings()) {
        assert!(screen.contains(help), "help shows \"{help}\" ({keys}):\n{screen}");
    }
    assert!(screen.contains("change status"), "{screen}");
    // Any key closes help, and does nothing else.
    press(&mut app, &api, key(KeyCode::Char('q'))).await;
    assert!(!app.help && !app.quit);
}

#[tokio::test]
async fn the_command_line_completes_screen_names_and_passes_the_argument() {
    let (mut app, api) = signed_in().await;
    press(&mut app, &api, key(KeyCode::Char(':'))).await;
    type_text(&mut app, &api, "co").await;
    let line = app.command_line.as_ref().expect("command line open");
    assert_eq!(line.candidates(), vec!["collections", "contact"]);
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "n").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    assert_eq!(app.command_line.as_ref().unwrap().input.value(), "contact ");
    press(&mut app, &api, key(KeyCode::Esc)).await;
    assert!(app.command_line.is_none());
    assert_eq!(app.screen, ScreenId::Dashboard);

    goto(&mut app, &api, "orders shipped").await;
    assert_eq!(app.screen, ScreenId::Orders);
    let last = api.requests().pop().expect("a request");
    let Request::Orders(query) = last else {
        panic!("orders were asked for, not {last:?}")
    };
    assert_eq!(query.status, Some(types::OrderStatus::Shipped));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("linus@example.com") && !screen.contains("ada@example.com"),
        "{screen}"
    );

    goto(&mut app, &api, "nowhere").await;
    assert_eq!(app.screen, ScreenId::Orders);
    assert!(render(&app, 100, 30).contains("no screen \"nowhere\""));
}

#[tokio::test]
async fn the_filter_is_sent_to_the_api_and_paging_keys_page() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders").await;
    press(&mut app, &api, key(KeyCode::Char('/'))).await;
    type_text(&mut app, &api, "grace payment:succeeded").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    let Some(Request::Orders(query)) = api.requests().pop() else {
        panic!("an orders request")
    };
    assert_eq!(query.q.as_deref(), Some("grace"));
    assert_eq!(query.payment_status, Some(types::PaymentStatus::Succeeded));
    assert_eq!(query.paging.page, 1);
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("grace@example.com") && screen.contains("1 in all"),
        "{screen}"
    );

    // One page only: PgDn asks for nothing more.
    let before = api.requests().len();
    press(&mut app, &api, key(KeyCode::PageDown)).await;
    assert_eq!(api.requests().len(), before);
    // A bad word is refused before any call.
    press(&mut app, &api, key(KeyCode::Char('/'))).await;
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "status:lost").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert_eq!(api.requests().len(), before);
    assert!(render(&app, 100, 30).contains("no order status \"lost\""));
}

#[tokio::test]
async fn the_status_dialog_offers_only_the_lifecycle_and_ships_with_tracking() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders").await;
    // Second row: BG-00000002, processing.
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(render(&app, 100, 30).contains("t: move to shipped, cancelled, refunded"));
    press(&mut app, &api, key(KeyCode::Char('t'))).await;
    let screen = render(&app, 100, 30);
    assert!(screen.contains("◀ shipped ▶"), "{screen}");
    // Shipping without the parcel's details is refused on the form, with no call.
    let before = api.requests().len();
    press(&mut app, &api, ctrl('s')).await;
    assert_eq!(api.requests().len(), before);
    assert!(render(&app, 100, 30).contains("required when shipping"));
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "DHL").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "JD0001").await;
    press(&mut app, &api, ctrl('s')).await;
    let order = api.order("ord-2").expect("order");
    assert_eq!(order.order_status, types::OrderStatus::Shipped);
    assert_eq!(order.tracking_number.as_deref(), Some("JD0001"));
    let screen = render(&app, 100, 30);
    assert!(screen.contains("1 order(s) moved to shipped"), "{screen}");
    assert!(screen.contains("Shipped  DHL JD0001"), "{screen}");
}

#[tokio::test]
async fn space_selects_orders_for_one_bulk_status_change() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders").await;
    // Row 1 is paid, row 2 processing: both may be cancelled or refunded, only one may ship.
    press(&mut app, &api, key(KeyCode::Char(' '))).await;
    press(&mut app, &api, key(KeyCode::Char(' '))).await;
    assert!(render(&app, 100, 30).contains("2 selected"));
    press(&mut app, &api, key(KeyCode::Char('t'))).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Change the status of 2 orders") && screen.contains("◀ cancelled ▶"),
        "{screen}"
    );
    press(&mut app, &api, ctrl('s')).await;
    for id in ["ord-1", "ord-2"] {
        assert_eq!(
            api.order(id).unwrap().order_status,
            types::OrderStatus::Cancelled,
            "{id}"
        );
    }
    assert_eq!(api.order("ord-3").unwrap().order_status, types::OrderStatus::Shipped);
    assert!(render(&app, 100, 30).contains("2 order(s) moved to cancelled"));
}

#[tokio::test]
async fn a_product_form_shows_the_api_field_errors_beside_the_fields() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    // Client-side checks first: nothing is sent without a title and a valid price.
    press(&mut app, &api, ctrl('s')).await;
    let screen = render(&app, 100, 30);
    assert!(screen.contains("✗ required"), "{screen}");
    type_text(&mut app, &api, "Linen Shirt").await;
    for _ in 0..2 {
        press(&mut app, &api, key(KeyCode::Tab)).await;
    }
    type_text(&mut app, &api, "59.999").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("at most two decimals"));
    press(&mut app, &api, key(KeyCode::Backspace)).await;
    // The fake refuses a title already used, naming the `slug` field.
    press(&mut app, &api, ctrl('s')).await;
    let Some(Request::CreateProduct(body)) = api.requests().pop() else {
        panic!("a create request")
    };
    assert_eq!(body.price, 5999);
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("validation_failed") && screen.contains("slug:") && screen.contains("already used by another"),
        "{screen}"
    );
}

#[tokio::test]
async fn stock_is_adjusted_on_the_picked_variant_with_a_reason() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Char('a'))).await;
    type_text(&mut app, &api, "-20").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "stocktake").await;
    press(&mut app, &api, ctrl('s')).await;
    // 14 in stock: the fake refuses going below zero on the `delta` field.
    assert!(render(&app, 100, 30).contains("would take the stock below zero"));
    press(&mut app, &api, key(KeyCode::BackTab)).await;
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "+6").await;
    press(&mut app, &api, ctrl('s')).await;
    assert_eq!(api.product("prod-1").unwrap().variants[0].inventory_count, 20);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("stock changed by +6: now 20 (stocktake)"), "{screen}");
}

#[tokio::test]
async fn a_session_that_ends_returns_to_the_same_screen_and_filter_after_signing_in() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders processing").await;
    api.fail_next(Failure::Other {
        status: Some(401),
        message: "session ended".into(),
    });
    command(&mut app, &api, Command::Refresh).await;
    assert_eq!(app.screen, ScreenId::Login);
    assert!(render(&app, 100, 30).contains("the session ended"));
    // The email is kept; the password is asked again.
    type_text(&mut app, &api, PASSWORD).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert_eq!(app.screen, ScreenId::Orders);
    let Some(Request::Orders(query)) = api.requests().pop() else {
        panic!("the orders are loaded again")
    };
    assert_eq!(query.status, Some(types::OrderStatus::Processing));
}

#[tokio::test]
async fn delete_asks_first_and_no_sends_nothing() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    assert!(render(&app, 100, 30).contains("Delete \"Linen Shirt\"?"));
    let before = api.requests().len();
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    assert_eq!(api.requests().len(), before);
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::DeleteProduct(id) if id == "prod-1"))
    );
}

#[tokio::test]
async fn errors_reach_the_status_line_with_the_request_id() {
    let (mut app, api) = signed_in().await;
    let problem: types::Problem = serde_json::from_value(serde_json::json!({
        "type": "about:blank", "title": "Service Unavailable", "status": 503, "code": "service_unavailable",
        "detail": "the database did not answer in time", "requestId": "req-42"
    }))
    .unwrap();
    api.fail_next(Failure::Problem(problem));
    goto(&mut app, &api, "jobs").await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("service_unavailable") && screen.contains("req-42"),
        "{screen}"
    );
    // Still usable: refresh works.
    press(&mut app, &api, key(KeyCode::Char('r'))).await;
    assert!(render(&app, 100, 30).contains("sendEmail"));
}

#[tokio::test]
async fn quit_from_anywhere_and_ctrl_c_even_while_typing() {
    let (mut app, api) = signed_in().await;
    press(&mut app, &api, key(KeyCode::Char(':'))).await;
    press(&mut app, &api, ctrl('c')).await;
    assert!(app.quit);
}

#[tokio::test]
async fn without_colour_nothing_but_modifiers_is_styled() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "orders").await;
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| beeget_admin::ui::draw(&app, f, &beeget_admin::theme::Theme::new(false)))
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "NO_COLOR: no foreground or background colour anywhere"
    );
    terminal
        .draw(|f| beeget_admin::ui::draw(&app, f, &beeget_admin::theme::Theme::new(true)))
        .unwrap();
    assert!(
        terminal
            .backend()
            .buffer()
            .content
            .iter()
            .any(|c| c.fg != ratatui::style::Color::Reset)
    );
}

#[tokio::test]
async fn editing_a_product_sends_a_patch_with_the_changed_price_and_status() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Edit Linen Shirt") && screen.contains("59.00 EUR"),
        "{screen}"
    );
    // Price is the third field, status the fifth.
    for _ in 0..2 {
        press(&mut app, &api, key(KeyCode::Tab)).await;
    }
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "49.5").await;
    for _ in 0..2 {
        press(&mut app, &api, key(KeyCode::Tab)).await;
    }
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, ctrl('s')).await;
    let Some(Request::UpdateProduct { id, patch }) = api
        .requests()
        .into_iter()
        .rev()
        .find(|r| matches!(r, Request::UpdateProduct { .. }))
    else {
        panic!("an update request")
    };
    assert_eq!(
        (id.as_str(), patch.price, patch.status),
        ("prod-1", Some(4950), Some(types::ProductStatus::Archived))
    );
    let product = api.product("prod-1").unwrap();
    assert_eq!((product.price, product.status), (4950, types::ProductStatus::Archived));
    assert!(render(&app, 100, 30).contains("saved \"Linen Shirt\""));
}

#[tokio::test]
async fn a_role_change_asks_first() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "users").await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('R'))).await;
    assert!(render(&app, 100, 30).contains("Make ada@example.com an admin?"));
    let before = api.requests().len();
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    assert_eq!(api.requests().len(), before);
    press(&mut app, &api, key(KeyCode::Char('R'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::SetUserRole { id, role: types::Role::Admin } if id == "usr-2"))
    );
}

#[tokio::test]
async fn a_variant_is_edited_deleted_after_asking_and_an_image_uploaded() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Char('w'))).await;
    assert!(render(&app, 100, 30).contains("Edit variant SKU-1-M"));
    press(&mut app, &api, key(KeyCode::Tab)).await;
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "L").await;
    press(&mut app, &api, ctrl('s')).await;
    assert_eq!(api.product("prod-1").unwrap().variants[0].size, "L");
    assert!(render(&app, 100, 30).contains("variant SKU-1-M saved"));

    // An image: a file the API cannot read as an image is refused on the form's field.
    press(&mut app, &api, key(KeyCode::Char('i'))).await;
    type_text(&mut app, &api, "/tmp/notes.txt").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("not a PNG, JPEG, WebP or AVIF image"));
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "/tmp/shirt.png").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("image added (800×1000)"));
    assert!(api.requests().iter().any(
        |r| matches!(r, Request::UploadImage { product_id, path } if product_id == "prod-1" && path == "/tmp/shirt.png")
    ));

    press(&mut app, &api, key(KeyCode::Char('X'))).await;
    assert!(render(&app, 100, 30).contains("Delete variant SKU-1-M (14 in stock)?"));
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(api.product("prod-1").unwrap().variants.is_empty());
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("variant deleted") && screen.contains("across 0 variant(s)"),
        "{screen}"
    );
}

#[tokio::test]
async fn erasing_a_user_asks_first_and_says_it_cannot_be_undone() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "users").await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('D'))).await;
    assert!(render(&app, 100, 30).contains("cannot be undone"));
    let before = api.requests().len();
    press(&mut app, &api, key(KeyCode::Esc)).await;
    assert_eq!(api.requests().len(), before);
    press(&mut app, &api, key(KeyCode::Char('D'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::EraseUser(id) if id == "usr-2"))
    );
    assert!(render(&app, 100, 30).contains("personal data was erased"));
}

#[tokio::test]
async fn s_sends_the_next_sort_order_and_r_refreshes_the_form_pickers() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "products").await;
    let pickers = |api: &beeget_admin::api::FakeApi| {
        api.requests()
            .iter()
            .filter(|r| matches!(r, Request::Categories))
            .count()
    };
    assert_eq!(pickers(&api), 1);
    goto(&mut app, &api, "orders").await;
    goto(&mut app, &api, "products").await;
    assert_eq!(pickers(&api), 1, "asked once, not on every visit");
    press(&mut app, &api, key(KeyCode::Char('s'))).await;
    let Some(Request::Products(query)) = api.requests().pop() else {
        panic!("the products again")
    };
    assert_eq!(query.sort, Some(types::AdminProductSort::RecentlyUpdated));
    assert!(render(&app, 100, 30).contains("sort recently_updated"));
    press(&mut app, &api, key(KeyCode::Char('r'))).await;
    assert_eq!(pickers(&api), 2);
}
