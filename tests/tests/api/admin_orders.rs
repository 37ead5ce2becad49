//! The staff order list's search and payment filter, and its CSV export: every matching
//! order, cells a spreadsheet cannot run, sums that match the JSON.

use beeget_tests::{Backend, TestApp};
use reqwest::StatusCode;
use serde_json::Value;

use crate::orders::{add_to_cart, buyable, checkout, get, place, placed, shopper};

async fn listed(app: &TestApp, token: &str, query: &str) -> Value {
    let resp = get(app, token, &format!("/admin/orders?{query}")).await;
    assert_eq!(resp.status(), StatusCode::OK, "{query}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn staff_find_orders_by_number_email_or_payment_and_export_them_on_sqlite() {
    find_and_export(Backend::Sqlite).await;
}

#[tokio::test]
async fn staff_find_orders_by_number_email_or_payment_and_export_them_on_postgres() {
    find_and_export(Backend::Postgres).await;
}

async fn find_and_export(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("ledger@example.com").await;
    let (product, variant) = buyable(&app, 3).await;
    let mut numbers = Vec::new();
    for (i, email) in ["=cmd@example.com", "plain@example.com", "plain.too@example.org"]
        .iter()
        .enumerate()
    {
        let token = shopper(&app, email).await;
        add_to_cart(&app, &token, &product, &variant, 1).await;
        let order = placed(&app, &token, &format!("k{i}"), "pm_card_visa").await;
        numbers.push((
            order["id"].as_str().unwrap().to_owned(),
            order["number"].as_str().unwrap().to_owned(),
        ));
    }
    let declined = shopper(&app, "declined@example.com").await;
    add_to_cart(&app, &declined, &product, &variant, 1).await;
    let resp = place(&app, &declined, "d1", &checkout("pm_card_chargeDeclined")).await;
    assert_eq!(resp.status(), StatusCode::PAYMENT_REQUIRED);

    let t = &staff.access_token;
    assert_eq!(listed(&app, t, "paymentStatus=succeeded").await["total"], 3);
    assert_eq!(listed(&app, t, "paymentStatus=failed").await["total"], 1);
    assert_eq!(
        listed(&app, t, "q=PLAIN").await["total"],
        2,
        "part of an email, any case"
    );
    assert_eq!(listed(&app, t, "q=example.org").await["total"], 1);
    assert_eq!(listed(&app, t, "q=plain_").await["total"], 0, "wildcards are literal");
    let (id, shown) = &numbers[1];
    let number = shown.to_lowercase();
    assert_eq!(number, format!("bg-{}", &id.replace('-', "")[24..]));
    let by_number = listed(&app, t, &format!("q={number}")).await;
    assert_eq!(by_number["total"], 1, "{number}");
    assert_eq!(by_number["items"][0]["id"], id.as_str());
    assert_eq!(listed(&app, t, &format!("q={id}")).await["total"], 1);

    // CSV: every matching order whatever the page size, formulas defused, sums as in JSON.
    let json = listed(&app, t, "paymentStatus=succeeded&limit=100").await;
    let resp = get(&app, t, "/admin/orders?paymentStatus=succeeded&format=csv&limit=1").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "number");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let total_at = header.iter().position(|h| h == "totalAmount").unwrap();
    let csv_sum: i64 = rows.iter().map(|r| r[total_at].parse::<i64>().unwrap()).sum();
    let json_sum: i64 = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["totalAmount"].as_i64().unwrap())
        .sum();
    assert_eq!(csv_sum, json_sum);
    let emails: Vec<&str> = rows.iter().map(|r| r.get(3).unwrap()).collect();
    assert!(emails.contains(&"'=cmd@example.com"), "{emails:?}");
    // Accept: text/csv asks for it too.
    let resp = app
        .client
        .get(app.url("/admin/orders?paymentStatus=failed"))
        .bearer_auth(t)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = resp.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("declined@example.com"));
}
