//! Categories, collections and promotions, key by key against the fake API: the requests the
//! forms send, the confirmation before a delete, the API's field errors on the form, and the
//! tree as drawn.

mod support;

use beeget_admin::api::Request;
use crossterm::event::KeyCode;
use serde_json::json;
use support::{ctrl, goto, key, press, render, signed_in, type_text};

async fn keys(app: &mut beeget_admin::app::App, api: &beeget_admin::api::FakeApi, code: KeyCode, times: usize) {
    for _ in 0..times {
        press(app, api, key(code)).await;
    }
}

/// The index and text of the first line of `screen` that contains `text`.
fn line_with<'a>(screen: &'a str, text: &str) -> (usize, &'a str) {
    screen
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains(text))
        .unwrap_or_else(|| panic!("no line with \"{text}\" in:\n{screen}"))
}

fn category_deletes(api: &beeget_admin::api::FakeApi) -> Vec<(String, Option<String>)> {
    api.requests()
        .into_iter()
        .filter_map(|r| match r {
            Request::DeleteCategory { id, reassign_to } => Some((id, reassign_to)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_new_category_goes_under_the_parent_picked_and_is_drawn_indented_under_it() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Linen").await;
    // Name, slug, description, then the parent: (top level), Women, Women › Dresses, Men,
    // Men › Shirts.
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    keys(&mut app, &api, KeyCode::Right, 4).await;
    assert!(render(&app, 100, 30).contains("◀ Men › Shirts ▶"));
    press(&mut app, &api, ctrl('s')).await;

    let created = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::CreateCategory(body) => Some(body),
            _ => None,
        })
        .expect("a CreateCategory request");
    assert_eq!(created.name.as_str(), "Linen");
    assert_eq!(created.parent_id.as_ref().map(|p| p.as_str()), Some("cat-4"));
    assert!(created.slug.is_none(), "an empty slug is left for the API to make");
    assert!(created.active);

    let screen = render(&app, 100, 30);
    assert!(!screen.contains("New category"), "the form closes:\n{screen}");
    let (shirts, shirts_line) = line_with(&screen, "└─ Shirts");
    let (linen, linen_line) = line_with(&screen, "Linen");
    assert_eq!(linen, shirts + 1, "Linen is drawn right under Shirts:\n{screen}");
    let column = |line: &str, text: &str| line.find(text).expect("in the line");
    assert!(
        column(linen_line, "Linen") > column(shirts_line, "Shirts"),
        "Linen is indented deeper than its parent:\n{screen}"
    );
    assert!(linen_line.contains("   └─ Linen"), "{linen_line}");
    // The cursor is on what was saved: the details show its path.
    assert!(screen.contains("Men › Shirts › Linen"), "{screen}");
}

#[tokio::test]
async fn editing_a_category_sends_a_patch_of_the_prefilled_form() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Edit the category \"Dresses\""), "{screen}");
    let (_, parent) = line_with(&screen, "Parent");
    assert!(parent.contains("Women"), "the parent it has is picked: {parent}");
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "Gowns").await;
    press(&mut app, &api, ctrl('s')).await;

    let (id, patch) = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::UpdateCategory { id, patch, .. } => Some((id, patch)),
            _ => None,
        })
        .expect("an UpdateCategory request");
    assert_eq!(id, "cat-2");
    assert_eq!(patch.name.as_ref().map(|n| n.as_str()), Some("Gowns"));
    assert_eq!(patch.slug.as_ref().map(|s| s.as_str()), Some("dresses"));
    assert_eq!(
        patch.parent_id.as_ref().map(|p| p.as_str()),
        Some("cat-1"),
        "the parent it had is kept"
    );
    assert_eq!(patch.position, Some(0));
    assert_eq!(patch.active, Some(true));

    let screen = render(&app, 100, 30);
    assert!(screen.contains("└─ Gowns"), "{screen}");
    assert!(!screen.contains("Dresses"), "{screen}");
}

#[tokio::test]
async fn a_category_moves_back_to_the_top_level_with_an_explicit_null_parent() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    press(&mut app, &api, key(KeyCode::Left)).await;
    assert!(render(&app, 100, 30).contains("(top level)"));
    press(&mut app, &api, ctrl('s')).await;
    let (id, clear) = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::UpdateCategory { id, clear, .. } => Some((id, clear)),
            _ => None,
        })
        .expect("an UpdateCategory request");
    assert_eq!((id.as_str(), clear.names("parentId")), ("cat-2", true));
    let mut sent = serde_json::json!({});
    clear.apply(&mut sent);
    assert_eq!(
        sent,
        serde_json::json!({"parentId": null}),
        "what the request adds to the typed patch"
    );
    // Dresses is drawn at the top level now, not under Women.
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("└─ Dresses") && screen.contains("Dresses"), "{screen}");
}

#[tokio::test]
async fn a_delete_asks_first_n_sends_nothing_and_y_deletes() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    press(&mut app, &api, key(KeyCode::Down)).await;
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Delete the category \"Dresses\"?"), "{screen}");

    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    assert!(category_deletes(&api).is_empty(), "n sends no request");
    assert!(!render(&app, 100, 30).contains("Are you sure?"));
    assert!(render(&app, 100, 30).contains("└─ Dresses"));

    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert_eq!(category_deletes(&api), vec![("cat-2".to_owned(), None)]);
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("Dresses"), "{screen}");
    assert!(screen.contains("category deleted"), "{screen}");
}

#[tokio::test]
async fn a_category_in_use_is_deleted_after_picking_where_its_contents_go() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    // Women: a subcategory and every product of the fake.
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert_eq!(category_deletes(&api), vec![("cat-1".to_owned(), None)]);
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Delete the category \"Women\""), "{screen}");
    assert!(
        screen.contains("In use: pick the category that takes it all over"),
        "{screen}"
    );
    let (_, status) = line_with(&screen, "the category still has 1 child categories, 3 products");
    assert!(
        status.starts_with("\"  the category"),
        "the API's detail is on the status line: {status}"
    );
    // Neither Women nor what is below it is offered: Men, then Men › Shirts.
    assert!(screen.contains("◀ Men ▶"), "{screen}");
    press(&mut app, &api, key(KeyCode::Right)).await;
    assert!(render(&app, 100, 30).contains("◀ Men › Shirts ▶"));
    press(&mut app, &api, key(KeyCode::Left)).await;
    press(&mut app, &api, ctrl('s')).await;

    assert_eq!(
        category_deletes(&api),
        vec![
            ("cat-1".to_owned(), None),
            ("cat-1".to_owned(), Some("cat-3".to_owned()))
        ]
    );
    assert_eq!(
        api.product("prod-1").expect("product").category_ids,
        vec!["cat-3".to_owned()]
    );
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("Women"), "{screen}");
    let (men, _) = line_with(&screen, "│  Men ");
    let (dresses, _) = line_with(&screen, "├─ Dresses");
    let (shirts, _) = line_with(&screen, "└─ Shirts");
    assert_eq!((dresses, shirts), (men + 1, men + 2), "{screen}");
}

#[tokio::test]
async fn a_422_from_the_api_shows_its_message_beside_the_field_it_names() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Shoes").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "women").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::CreateCategory(b) if b.slug.as_ref().is_some_and(|s| s.as_str() == "women")))
    );

    let screen = render(&app, 100, 30);
    assert!(screen.contains("New category"), "the form stays open:\n{screen}");
    assert!(screen.contains("422 validation_failed"), "{screen}");
    let (slug, _) = line_with(&screen, "Slug  women");
    let (error, _) = line_with(&screen, "✗ is taken by another category");
    assert_eq!(error, slug + 1, "the message is right under the slug:\n{screen}");
    // Fixed, it goes through.
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "shoes").await;
    press(&mut app, &api, ctrl('s')).await;
    let screen = render(&app, 100, 30);
    assert!(!screen.contains("New category"), "{screen}");
    assert!(screen.contains("shoes"), "{screen}");
}

#[tokio::test]
async fn the_category_filter_keeps_matches_with_their_ancestors_without_a_call() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "categories").await;
    let calls = api.requests().len();
    press(&mut app, &api, key(KeyCode::Char('/'))).await;
    type_text(&mut app, &api, "shirt").await;
    press(&mut app, &api, key(KeyCode::Enter)).await;
    assert_eq!(api.requests().len(), calls, "filtered here, not by the API");
    let screen = render(&app, 100, 30);
    assert!(screen.contains("└─ Shirts") && screen.contains("Men"), "{screen}");
    assert!(!screen.contains("Women") && !screen.contains("Dresses"), "{screen}");
    assert!(screen.contains("2 in all"), "{screen}");
    // Esc drops the filter.
    press(&mut app, &api, key(KeyCode::Esc)).await;
    assert!(render(&app, 100, 30).contains("Dresses"));
}

#[tokio::test]
async fn collections_are_created_edited_and_deleted() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "collections").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Winter").await;
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "5").await;
    press(&mut app, &api, ctrl('s')).await;
    let created = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::CreateCollection(body) => Some(body),
            _ => None,
        })
        .expect("a CreateCollection request");
    assert_eq!((created.name.as_str(), created.position), ("Winter", 5));
    let screen = render(&app, 100, 30);
    let (essentials, _) = line_with(&screen, "Essentials");
    let (winter, _) = line_with(&screen, "winter");
    assert_eq!(winter, essentials + 1, "by position:\n{screen}");

    // The cursor is on Winter: switch it off.
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    keys(&mut app, &api, KeyCode::Tab, 4).await;
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(
        api.requests().iter().any(
            |r| matches!(r, Request::UpdateCollection { id, patch } if id == "col-3" && patch.active == Some(false))
        )
    );

    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::DeleteCollection { id, reassign_to: None } if id == "col-3"))
    );
    assert!(!render(&app, 100, 30).contains("Winter"));
}

#[tokio::test]
async fn a_percent_promotion_is_sent_with_its_type_value_and_rfc3339_days() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "promotions").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Winter sale").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "WINTER15").await;
    // Description, then the discount type (percent unless changed), then the value.
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    assert!(render(&app, 100, 30).contains("Percent off"));
    type_text(&mut app, &api, "15").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-01").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-31").await;
    press(&mut app, &api, ctrl('s')).await;

    let created = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::CreatePromotion(body) => Some(body),
            _ => None,
        })
        .expect("a CreatePromotion request");
    let sent = serde_json::to_value(&created).expect("json");
    assert_eq!(sent["name"], "Winter sale");
    assert_eq!(sent["code"], "WINTER15");
    assert_eq!(sent["discountType"], "percent");
    assert_eq!(sent["discountValue"], 15);
    assert_eq!(sent["startDate"], "2026-12-01T00:00:00Z");
    assert_eq!(sent["endDate"], "2026-12-31T23:59:59Z");
    assert_eq!(sent["scope"], json!({"kind": "all"}));
    assert_eq!(
        (sent["stackable"].clone(), sent["active"].clone()),
        (json!(false), json!(true))
    );
    assert!(sent.get("description").is_none(), "{sent}");

    let screen = render(&app, 100, 30);
    let (_, row) = line_with(&screen, "Winter sale");
    for cell in ["WINTER15", "15 %", "yes", "2026-12-01", "2026-12-31", "everything"] {
        assert!(row.contains(cell), "{cell} in {row}");
    }
}

#[tokio::test]
async fn a_fixed_promotion_takes_an_amount_in_major_units_and_a_category_target() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "promotions").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Dress days").await;
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains("Amount off") && screen.contains("EUR"),
        "the value is money now:\n{screen}"
    );
    type_text(&mut app, &api, "5.50").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-01").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-01").await;
    // Stackable, active, position, then the scope: category; then the category.
    keys(&mut app, &api, KeyCode::Tab, 4).await;
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    assert!(render(&app, 100, 30).contains("◀ Women ▶"));
    press(&mut app, &api, key(KeyCode::Right)).await;
    press(&mut app, &api, ctrl('s')).await;

    let created = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::CreatePromotion(body) => Some(body),
            _ => None,
        })
        .expect("a CreatePromotion request");
    let sent = serde_json::to_value(&created).expect("json");
    assert_eq!(sent["discountType"], "fixed");
    assert_eq!(sent["discountValue"], 550);
    assert_eq!(sent["scope"], json!({"kind": "category", "id": "cat-2"}));
    assert!(sent.get("code").is_none(), "no code: it applies by itself");
    let screen = render(&app, 100, 30);
    let (_, row) = line_with(&screen, "Dress days");
    assert!(
        row.contains("5.50 EUR") && row.contains("category Women › Dresses"),
        "{row}"
    );
}

#[tokio::test]
async fn promotion_checks_the_api_would_refuse_are_made_on_the_form_first() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "promotions").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Too much").await;
    keys(&mut app, &api, KeyCode::Tab, 4).await;
    type_text(&mut app, &api, "150").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-31").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-01").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("✗ a whole percent from 1 to 100"));
    // The focus is on the value: 15 is fine, but the end comes before the start.
    press(&mut app, &api, ctrl('u')).await;
    type_text(&mut app, &api, "15").await;
    press(&mut app, &api, ctrl('s')).await;
    assert!(render(&app, 100, 30).contains("✗ on or after the start date"));
    assert!(!api.requests().iter().any(|r| matches!(r, Request::CreatePromotion(_))));
}

#[tokio::test]
async fn a_taken_promotion_code_comes_back_beside_the_code_field() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "promotions").await;
    press(&mut app, &api, key(KeyCode::Char('n'))).await;
    type_text(&mut app, &api, "Copy").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "summer20").await;
    keys(&mut app, &api, KeyCode::Tab, 3).await;
    type_text(&mut app, &api, "10").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-01").await;
    press(&mut app, &api, key(KeyCode::Tab)).await;
    type_text(&mut app, &api, "2026-12-02").await;
    press(&mut app, &api, ctrl('s')).await;
    let screen = render(&app, 100, 30);
    let (code, _) = line_with(&screen, "Code  summer20");
    let (error, _) = line_with(&screen, "✗ is taken by another promotion");
    assert_eq!(error, code + 1, "{screen}");
}

#[tokio::test]
async fn editing_a_promotion_leaves_the_dates_out_unless_changed_and_delete_asks_first() {
    let (mut app, api) = signed_in().await;
    goto(&mut app, &api, "promotions").await;
    press(&mut app, &api, key(KeyCode::Char('e'))).await;
    let screen = render(&app, 100, 30);
    assert!(screen.contains("Edit the promotion \"Summer sale\""), "{screen}");
    assert!(screen.contains("2026-06-01") && screen.contains("SUMMER20"), "{screen}");
    press(&mut app, &api, key(KeyCode::End)).await;
    type_text(&mut app, &api, " again").await;
    press(&mut app, &api, ctrl('s')).await;
    let (id, patch) = api
        .requests()
        .into_iter()
        .find_map(|r| match r {
            Request::UpdatePromotion { id, patch, .. } => Some((id, patch)),
            _ => None,
        })
        .expect("an UpdatePromotion request");
    assert_eq!(id, "promo-1");
    assert_eq!(patch.name.as_ref().map(|n| n.as_str()), Some("Summer sale again"));
    assert!(patch.start_date.is_none() && patch.end_date.is_none(), "{patch:?}");
    assert_eq!(patch.discount_value.map(|v| v.get()), Some(20));
    assert!(render(&app, 100, 30).contains("Summer sale again"));

    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Esc)).await;
    assert!(!api.requests().iter().any(|r| matches!(r, Request::DeletePromotion(_))));
    press(&mut app, &api, key(KeyCode::Char('d'))).await;
    press(&mut app, &api, key(KeyCode::Char('y'))).await;
    assert!(
        api.requests()
            .iter()
            .any(|r| matches!(r, Request::DeletePromotion(id) if id == "promo-1"))
    );
    assert!(render(&app, 100, 30).contains("0 in all"));
}
