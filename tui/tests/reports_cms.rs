//! The reports and CMS screens through their keys, against the fake API: the calls each key
//! makes (the range asked for, the blocks sent back), the file written, and what the screen
//! then shows.

mod support;

use beeget_admin::api::FakeApi;
use beeget_admin::api::{Failure, Request};
use beeget_admin::app::App;
use beeget_client::types;
use crossterm::event::KeyCode;
use serde_json::{Value, json};
use support::{ctrl, goto, key, press, render, signed_in, type_text};

/// Replaces the text of the focused field.
async fn retype(app: &mut App, api: &FakeApi, text: &str) {
    press(app, api, ctrl('u')).await;
    type_text(app, api, text).await;
}

fn last_sales_request(api: &FakeApi) -> (String, String, types::SalesGrouping) {
    api.requests()
        .into_iter()
        .rev()
        .find_map(|r| match r {
            Request::SalesReport { start, end, group_by } => Some((start, end, group_by)),
            _ => None,
        })
        .expect("a sales report was asked for")
}

/// The page changes sent so far, as JSON (the patch as it goes on the wire).
fn page_updates(api: &FakeApi) -> Vec<(String, Value)> {
    api.requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::UpdatePage { id, patch, .. } => Some((id, serde_json::to_value(&patch).expect("patch as JSON"))),
            _ => None,
        })
        .collect()
}

fn heading(level: u8, text: &str) -> Value {
    json!({"type": "heading", "data": {"level": level, "text": text}})
}

fn paragraph(markdown: &str) -> Value {
    json!({"type": "paragraph", "data": {"markdown": markdown}})
}

/// A temporary file path no other test uses.
fn temp_path(name: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!("beeget-admin-{}-{nanos}-{name}", std::process::id()))
}

#[tokio::test]
async fn the_range_typed_in_the_picker_is_the_report_asked_for() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "reports 2026-11-28 2026-11-30").await;
    assert_eq!(
        last_sales_request(&api),
        ("2026-11-28".into(), "2026-11-30".into(), types::SalesGrouping::Day)
    );

    press(&mut app, &api, key(KeyCode::Char('p'))).await;
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("dates and grouping") && screen.contains("2026-11-28"),
        "{screen}"
    );
    retype(&mut app, &api, "2026-11-01").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    retype(&mut app, &api, "2026-11-15").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;

    assert_eq!(
        last_sales_request(&api),
        ("2026-11-01".into(), "2026-11-15".into(), types::SalesGrouping::Week)
    );
    let screen = render(&app, 80, 24);
    assert!(!screen.contains("dates and grouping"), "the picker closes:\n{screen}");
    assert!(
        screen.contains("Net revenue by week (EUR), 2026-11-01 to 2026-11-15"),
        "{screen}"
    );
    assert!(
        screen.contains("590.00 EUR") && screen.contains("Linen Shirt"),
        "{screen}"
    );

    // Refresh asks for the same range again.
    let before = api.requests().len();
    press(&mut app, &api, key(KeyCode::Char('r'))).await;
    assert_eq!(api.requests().len(), before + 1);
    assert_eq!(
        last_sales_request(&api),
        ("2026-11-01".into(), "2026-11-15".into(), types::SalesGrouping::Week)
    );
}

#[tokio::test]
async fn a_range_the_api_refuses_keeps_the_picker_open_with_the_field_error() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "reports 2026-11-28 2026-11-30").await;
    press(&mut app, &api, key(KeyCode::Char('p'))).await;
    // Not a date: checked before sending.
    retype(&mut app, &api, "2026-13-01").await;
    let before = api.requests().len();
    press(&mut app, &api, ctrl('s')).await;
    assert_eq!(api.requests().len(), before);
    assert!(render(&app, 80, 24).contains("✗ a date like 2026-11-30"));

    // After the end: the API's 422 names `start`, shown beside it.
    retype(&mut app, &api, "2026-12-05").await;
    press(&mut app, &api, ctrl('s')).await;
    assert_eq!(last_sales_request(&api).0, "2026-12-05");
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("✗ must not be after end") && screen.contains("validation_failed"),
        "{screen}"
    );
    // The report shown is still the one for the range that was valid.
    press(&mut app, &api, key(KeyCode::Esc)).await;
    let screen = render(&app, 80, 24);
    assert!(
        screen.contains("by day (EUR), 2026-11-28 to 2026-11-30") && !screen.contains("✗"),
        "{screen}"
    );
}

#[tokio::test]
async fn export_writes_the_csv_to_the_path_typed() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "reports 2026-11-28 2026-11-30 week").await;
    press(&mut app, &api, key(KeyCode::Char('x'))).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("sales-2026-11-28-2026-11-30.csv"),
        "the default file name:\n{screen}"
    );

    let path = temp_path("sales.csv");
    let shown = path.display().to_string();
    retype(&mut app, &api, &shown).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;

    let csv = api.requests().into_iter().rev().find_map(|r| match r {
        Request::SalesCsv { start, end, group_by } => Some((start, end, group_by)),
        _ => None,
    });
    assert_eq!(
        csv,
        Some(("2026-11-28".into(), "2026-11-30".into(), types::SalesGrouping::Week))
    );
    let written = std::fs::read_to_string(&path).expect("the CSV file is written");
    std::fs::remove_file(&path).expect("clean up");
    assert_eq!(written, "start,end,orders,net_revenue\n2026-11-28,2026-11-28,2,12000\n");
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains(&format!("saved {shown}")) && !screen.contains("Export CSV"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_csv_that_cannot_be_written_asks_for_another_path() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "reports 2026-11-28 2026-11-30").await;
    press(&mut app, &api, key(KeyCode::Char('x'))).await;
    let path = temp_path("no-such-directory").join("sales.csv");
    retype(&mut app, &api, &path.display().to_string()).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(!path.exists());
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Export CSV") && screen.contains("could not write"),
        "{screen}"
    );

    let path = temp_path("second-try.csv");
    retype(&mut app, &api, &path.display().to_string()).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    let written = std::fs::read_to_string(&path).expect("written the second time");
    std::fs::remove_file(&path).expect("clean up");
    assert!(written.starts_with("start,end,orders"));
}

#[tokio::test]
async fn a_heading_added_after_the_picked_block_sends_every_block() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(render(&app, 100, 30).contains("About us — /about · published"));

    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    assert!(render(&app, 100, 30).contains("Add a block"));
    // Heading is the first type offered.
    press(&mut app, &api, key(KeyCode::Enter)).await;
    // A level the API does not take is caught on the form.
    retype(&mut app, &api, "1").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "Our story").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(page_updates(&api).is_empty());
    assert!(render(&app, 100, 30).contains("✗ 2 to 4 (the page title is level 1)"));
    press(&mut app, &api, key(KeyCode::BackTab)).await;
    retype(&mut app, &api, "3").await;
    press(&mut app, &api, ctrl('s')).await;

    let updates = page_updates(&api);
    assert_eq!(updates.len(), 1);
    let (id, patch) = &updates[0];
    assert_eq!(id, "page-1");
    // The paragraph goes back as its Markdown alone.
    assert_eq!(
        patch,
        &json!({"contentBlocks": [heading(2, "About Beeget"), heading(3, "Our story"), paragraph("We make *clothes*.")]})
    );
    let screen = render(&app, 100, 30);
    assert!(screen.contains("heading block added"), "{screen}");
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains('│') && (l.contains("heading") || l.contains("paragraph")))
        .collect();
    assert_eq!(rows.len(), 3, "{screen}");
    assert!(
        rows[0].contains("H2 About Beeget") && rows[1].contains("› 2") && rows[1].contains("H3 Our story"),
        "{screen}"
    );
    assert!(rows[2].contains("We make *clothes*."), "{screen}");
}

#[tokio::test]
async fn blocks_move_are_removed_and_the_page_is_published() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;

    // J moves the picked block (the heading) down; the cursor follows it.
    press(&mut app, &api, key(KeyCode::Char('J'))).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(
        patch,
        json!({"contentBlocks": [paragraph("We make *clothes*."), heading(2, "About Beeget")]})
    );
    let screen = render(&app, 100, 30);
    let row = |n: usize| {
        screen
            .lines()
            .find(|l| l.contains(&format!(" {n}   ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        row(1).contains("paragraph") && row(2).contains("› 2") && row(2).contains("heading"),
        "{screen}"
    );
    // Already last: J sends nothing.
    press(&mut app, &api, key(KeyCode::Char('J'))).await;
    assert_eq!(page_updates(&api).len(), 1);
    press(&mut app, &api, key(KeyCode::Char('K'))).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(
        patch,
        json!({"contentBlocks": [heading(2, "About Beeget"), paragraph("We make *clothes*.")]})
    );

    // d asks first; n keeps the block.
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    assert!(render(&app, 100, 30).contains("Remove block 2 (paragraph: We make *clothes*.)?"));
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    assert_eq!(page_updates(&api).len(), 2);
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(patch, json!({"contentBlocks": [heading(2, "About Beeget")]}));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("block 2 removed") && !screen.contains("We make"),
        "{screen}"
    );

    // The last block too: an explicit empty list beside the typed patch.
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert_eq!(page_updates(&api).len(), 4);
    let cleared = api.requests().into_iter().rev().find_map(|r| match r {
        Request::UpdatePage { clear, .. } => Some(clear),
        _ => None,
    });
    assert!(cleared.is_some_and(|c| c.names("contentBlocks")));
    assert!(
        render(&app, 100, 30).contains("block 1 removed"),
        "{}",
        render(&app, 100, 30)
    );

    // P toggles `published`, and only that.
    press(&mut app, &api, key(KeyCode::Char('P'))).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(patch, json!({"published": false}));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("About us — /about · draft") && screen.contains("P publish"),
        "{screen}"
    );
    press(&mut app, &api, key(KeyCode::Char('P'))).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(patch, json!({"published": true}));

    // Back in the list, the counts are the fake's now.
    press(&mut app, &api, key(KeyCode::Esc)).await;
    let screen = render(&app, 100, 30);
    let about = screen.lines().find(|l| l.contains("About us")).expect("the about page");
    assert!(about.contains("published 0 "), "the page has no block left: {screen}");
}

#[tokio::test]
async fn a_block_is_edited_with_its_fields_and_the_api_errors_land_on_them() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Edit the paragraph") && screen.contains("We make *clothes*."),
        "{screen}"
    );
    retype(&mut app, &api, "Hand-made in Cork.").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    type_text(&mut app, &api, "Since 2019.").await;
    press(&mut app, &api, ctrl('s')).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(patch["contentBlocks"][1], paragraph("Hand-made in Cork.\nSince 2019."));
    assert!(render(&app, 100, 30).contains("Hand-made in Cork."));

    // A field error about this block (`contentBlocks[0].data.text`) goes beside its field.
    press(&mut app, &api, key(KeyCode::Up)).await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    let problem: types::Problem = serde_json::from_value(json!({
        "type": "about:blank", "title": "Unprocessable", "status": 422, "code": "validation_failed",
        "errors": [{"field": "contentBlocks[0].data.text", "message": "must not repeat the page title"}]
    }))
    .expect("a problem");
    api.fail_next(Failure::Problem(problem));
    press(&mut app, &api, ctrl('s')).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Edit the heading") && screen.contains("✗ must not repeat the page title"),
        "{screen}"
    );
    let text_line = screen
        .lines()
        .position(|l| l.contains("Text*"))
        .expect("the text field");
    assert!(
        screen
            .lines()
            .nth(text_line + 1)
            .is_some_and(|l| l.contains("✗ must not repeat")),
        "{screen}"
    );
}

#[tokio::test]
async fn every_kind_of_block_is_written_from_its_fields() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Down)).await;

    // A numbered list: one item a line.
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    for _ in 0..2 {
        press(&mut app, &api, key(KeyCode::Right)).await;
    }
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "Cut").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    type_text(&mut app, &api, "Sew").await;
    press(&mut app, &api, ctrl('s')).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(
        patch["contentBlocks"][2],
        json!({"type": "list", "data": {"style": "numbered", "items": ["Cut", "Sew"]}})
    );

    // An FAQ: a question, its answer below, a blank line between entries.
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    for _ in 0..4 {
        press(&mut app, &api, key(KeyCode::Right)).await;
    }
    press(&mut app, &api, key(KeyCode::Enter)).await;
    for line in ["Do you ship abroad?", "Yes.", "", "How fast?", "Two days."] {
        type_text(&mut app, &api, line).await;
        press(&mut app, &api, key(KeyCode::Enter)).await;
    }
    press(&mut app, &api, ctrl('s')).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(
        patch["contentBlocks"][3],
        json!({"type": "faq", "data": {"items": [
            {"question": "Do you ship abroad?", "answer": "Yes."}, {"question": "How fast?", "answer": "Two days."}
        ]}})
    );

    // A call to action with an address the API would refuse: caught on the form.
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    press(&mut app, &api, key(KeyCode::Left)).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    type_text(&mut app, &api, "Shop linen").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "collections/linen").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(render(&app, 100, 30).contains("✗ an http(s) address or a path on the site"));
    press(&mut app, &api, key(KeyCode::Home)).await;
    type_text(&mut app, &api, "/").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    let (_, patch) = page_updates(&api).pop().expect("an update");
    assert_eq!(
        patch["contentBlocks"][4],
        json!({"type": "callToAction", "data": {"label": "Shop linen", "url": "/collections/linen"}})
    );
    assert_eq!(patch["contentBlocks"].as_array().map(Vec::len), Some(5));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("2 numbered item(s): Cut · Sew") && screen.contains("[Shop linen] → /collections/linen"),
        "{screen}"
    );
}

#[tokio::test]
async fn a_new_page_opens_empty_and_a_page_is_deleted_after_asking() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("✗ required"));
    type_text(&mut app, &api, "Size guide").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    let created = api.requests().into_iter().rev().find_map(|r| match r {
        Request::CreatePage(body) => Some(serde_json::to_value(body).expect("JSON")),
        _ => None,
    });
    assert_eq!(
        created,
        Some(json!({"title": "Size guide", "contentBlocks": [], "published": false}))
    );
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Size guide — /size-guide · draft") && screen.contains("no blocks yet"),
        "{screen}"
    );

    press(&mut app, &api, key(KeyCode::Esc)).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("3 in all") && screen.contains("/size-guide"),
        "{screen}"
    );

    // The slug is taken: the API's error goes beside the field.
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "About again").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "about").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert!(render(&app, 100, 30).contains("✗ already used by another page"));
    press(&mut app, &api, key(KeyCode::Esc)).await;

    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Delete the page \"About us\" (/about, 2 block(s))?"),
        "{screen}"
    );
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::DeletePage(id) if id == "page-1"))
    );
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("page deleted") && screen.contains("2 in all") && !screen.contains("/about "),
        "{screen}"
    );
}

#[tokio::test]
async fn the_preview_reads_as_the_storefront_shows_the_page() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "cms shipping").await;
    let Some(Request::Pages { search, .. }) = api.requests().pop() else {
        panic!("the pages were asked for")
    };
    assert_eq!(search.as_deref(), Some("shipping"));
    press(&mut app, &api, key(KeyCode::Enter)).await;
    press(&mut app, &api, key(KeyCode::Char('V'))).await;
    assert!(matches!(api.requests().pop(), Some(Request::PreviewPage(id)) if id == "page-2"));
    let screen = render(&app, 100, 30);
    for text in [
        "Preview: Shipping & returns (/shipping)",
        "## Delivery",
        "We ship within 2 days.",
        "Free over 50 EUR.",
        "• Ireland: 2 days",
        "[image: A parcel on a doorstep] /media/parcel.jpg",
        "Q: Can I return a sale item?",
        "[ Start a return ] → /account/returns",
    ] {
        assert!(screen.contains(text), "the preview shows \"{text}\":\n{screen}");
    }
    assert!(!screen.contains("<p>") && !screen.contains("**"), "{screen}");
    // ↓ scrolls; Esc goes back to the blocks.
    press(&mut app, &api, key(KeyCode::Down)).await;
    assert!(!render(&app, 100, 30).contains("│Shipping & returns"));
    press(&mut app, &api, key(KeyCode::Esc)).await;
    assert!(render(&app, 100, 30).contains("6   callToAction"));
}
