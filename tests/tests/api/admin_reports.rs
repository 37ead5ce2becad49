//! Staff reports over HTTP, on SQLite and PostgreSQL: the inventory report's variants, sales
//! pace and order.

use beeget_tests::{Backend, TestApp, assert_problem, problem_fields};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::orders::{add_to_cart, buyable, get, placed, shopper};

async fn inventory_report_ranks_by_days_of_stock_left(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |_| {}).await else {
        return;
    };
    let staff = app.with_admin("stockroom@example.com").await;
    let t = &staff.access_token;
    let resp = app
        .call(
            Method::POST,
            "/admin/products",
            Some(t),
            Some(&json!({
                "title": "Report Shirt", "price": 3000, "status": "active",
                "variants": [
                    {"sku": "REP-FAST", "size": "M", "color": "Red", "inventoryCount": 5},
                    {"sku": "REP-IDLE", "size": "L", "color": "Red", "inventoryCount": 1},
                    {"sku": "REP-FULL", "size": "S", "color": "Red", "inventoryCount": 50}
                ]
            })),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let product: Value = resp.json().await.unwrap();
    let fast = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "REP-FAST")
        .unwrap()
        .clone();
    let token = shopper(&app, "steady-buyer@example.com").await;
    let shown = app.product("report-shirt").await;
    add_to_cart(&app, &token, &shown, &fast, 3).await;
    placed(&app, &token, "report-1", "pm_card_visa").await;
    // An archived product's low stock is not reported.
    let resp = app
        .call(
            Method::POST,
            "/admin/products",
            Some(t),
            Some(
                &json!({"title": "Old Report Shirt", "price": 1000, "status": "archived",
                         "variants": [{"sku": "REP-GONE", "size": "M", "color": "Red"}]}),
            ),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let mut items: Vec<Value> = Vec::new();
    let mut report = Value::Null;
    for page in 1.. {
        report = get(
            &app,
            t,
            &format!("/admin/reports/inventory?threshold=5&limit=100&page={page}"),
        )
        .await
        .json()
        .await
        .unwrap();
        let batch = report["items"].as_array().unwrap().clone();
        let done = batch.len() < 100;
        items.extend(batch);
        if done {
            break;
        }
    }
    assert_eq!(report["threshold"], 5);
    assert_eq!(report["total"].as_u64().unwrap(), items.len() as u64);
    // The only variant that sells comes first: 2 left at 3 a month is 20 days.
    assert_eq!(items[0]["sku"], "REP-FAST", "{report}");
    assert_eq!(items[0]["stock"], 2);
    assert_eq!(items[0]["soldLast30Days"], 3);
    assert_eq!(items[0]["daysOfStockLeft"], 20.0);
    assert_eq!(items[0]["productTitle"], "Report Shirt");
    let idle = items
        .iter()
        .find(|i| i["sku"] == "REP-IDLE")
        .expect("an unsold low variant is listed");
    assert_eq!(
        (idle["soldLast30Days"].as_i64(), idle.get("daysOfStockLeft")),
        (Some(0), None)
    );
    let skus: Vec<&str> = items.iter().filter_map(|i| i["sku"].as_str()).collect();
    assert!(!skus.contains(&"REP-FULL") && !skus.contains(&"REP-GONE"), "{skus:?}");
    // Unsold ones follow, lowest stock first.
    let unsold: Vec<i64> = items[1..].iter().map(|i| i["stock"].as_i64().unwrap()).collect();
    assert!(unsold.windows(2).all(|w| w[0] <= w[1]), "{unsold:?}");
    // Paged in the database: the same total, one item per page.
    let first: Value = get(&app, t, "/admin/reports/inventory?threshold=5&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["total"], report["total"]);
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let resp = get(&app, t, "/admin/reports/inventory?threshold=-1").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["threshold"]);
}

#[tokio::test]
async fn the_inventory_report_ranks_by_days_of_stock_left_on_sqlite() {
    inventory_report_ranks_by_days_of_stock_left(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_inventory_report_ranks_by_days_of_stock_left_on_postgres() {
    inventory_report_ranks_by_days_of_stock_left(Backend::Postgres).await;
}

/// Moves an order in time and, optionally, to another status, as an operator's SQL would.
async fn backdate(app: &TestApp, order: &Value, at: &str, status: Option<&str>) {
    use beeget_api::repos::entities::orders;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
    let id = uuid::Uuid::parse_str(order["id"].as_str().unwrap()).unwrap();
    let mut update = orders::Entity::update_many().col_expr(orders::Column::CreatedAt, Expr::value(at));
    if let Some(status) = status {
        update = update.col_expr(orders::Column::Status, Expr::value(status));
    }
    update.filter(orders::Column::Id.eq(id)).exec(&app.db).await.unwrap();
    // Changed behind the repositories' back, as an operator would by hand: then the rollups
    // are rebuilt (`beeget reports rebuild`).
    app.repos.reports.rebuild_sales_rollups().await.unwrap();
}

fn amount(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

async fn sales_are_counted_in_the_store_time_zone(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.store.timezone = "America/New_York".into()).await else {
        return;
    };
    let staff = app.with_admin("analyst@example.com").await;
    let t = &staff.access_token;
    let token = shopper(&app, "regular@example.com").await;
    let (product, variant) = buyable(&app, 6).await;
    let mut orders = Vec::new();
    for (key, qty) in [("a", 2), ("b", 1), ("c", 1), ("today", 1)] {
        add_to_cart(&app, &token, &product, &variant, qty).await;
        orders.push(placed(&app, &token, key, "pm_card_visa").await);
    }
    let (a, b, c) = (&orders[0], &orders[1], &orders[2]);
    // 03:30 UTC on 10 March is 23:30 on the 9th in New York (UTC-4 since the 8th).
    backdate(&app, a, "2026-03-10T03:30:00Z", None).await;
    backdate(&app, b, "2026-03-10T05:00:00Z", None).await;
    backdate(&app, c, "2026-03-20T12:00:00Z", Some("refunded")).await;
    let goods = |o: &Value| amount(&o["subtotal"]) - amount(&o["discountTotal"]);

    let resp = get(&app, t, "/admin/reports/sales?start=2026-03-09&end=2026-03-22").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["timezone"], "America/New_York");
    assert_eq!(report["groupBy"], "day");
    let series = report["series"].as_array().unwrap();
    assert_eq!(series.len(), 14, "every day, empty ones too");
    assert_eq!(
        (series[0]["start"].as_str(), series[0]["orders"].as_u64()),
        (Some("2026-03-09"), Some(1))
    );
    assert_eq!(series[0]["units"], 2);
    assert_eq!(series[1]["orders"], 1);
    assert_eq!(series[2]["orders"], 0);
    assert_eq!(series[2]["netRevenue"], 0);
    assert_eq!(series[11]["refunds"].as_i64(), Some(goods(c)));
    assert_eq!(series[11]["netRevenue"], 0, "a refunded order nets nothing");
    let totals = &report["totals"];
    assert_eq!(totals["orders"], 3);
    assert_eq!(totals["units"], 4);
    let gross: i64 = [a, b, c].iter().map(|o| amount(&o["subtotal"])).sum();
    let discounts: i64 = [a, b, c].iter().map(|o| amount(&o["discountTotal"])).sum();
    assert_eq!(amount(&totals["grossRevenue"]), gross);
    assert_eq!(amount(&totals["discounts"]), discounts);
    assert_eq!(amount(&totals["netRevenue"]), goods(a) + goods(b));
    assert_eq!(
        amount(&totals["averageOrderValue"]),
        ((goods(a) + goods(b)) as f64 / 3.0).round() as i64
    );
    let top = report["topProducts"].as_array().unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0]["productId"], product["id"]);
    assert_eq!(top[0]["units"], 3, "the refunded order is not a sale");

    let weeks: Value = get(
        &app,
        t,
        "/admin/reports/sales?start=2026-03-09&end=2026-03-22&groupBy=week",
    )
    .await
    .json()
    .await
    .unwrap();
    let per_week: Vec<(&str, u64)> = weeks["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["start"].as_str().unwrap(), w["orders"].as_u64().unwrap()))
        .collect();
    assert_eq!(per_week, [("2026-03-09", 2), ("2026-03-16", 1)]);
    let months: Value = get(
        &app,
        t,
        "/admin/reports/sales?start=2026-02-15&end=2026-04-02&groupBy=month",
    )
    .await
    .json()
    .await
    .unwrap();
    let per_month: Vec<(&str, &str, u64)> = months["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["start"].as_str().unwrap(),
                m["end"].as_str().unwrap(),
                m["orders"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        per_month,
        [
            ("2026-02-15", "2026-02-28", 0),
            ("2026-03-01", "2026-03-31", 3),
            ("2026-04-01", "2026-04-02", 0)
        ]
    );

    // The same rows as CSV, which add up to the totals.
    let resp = app
        .client
        .get(app.url("/admin/reports/sales?start=2026-03-09&end=2026-03-22"))
        .bearer_auth(t)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let net = header.iter().position(|h| h == "net_revenue").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 14);
    let summed: i64 = rows.iter().map(|r| r[net].parse::<i64>().unwrap()).sum();
    assert_eq!(summed, amount(&totals["netRevenue"]));

    // The dashboard: today's order, every status counted.
    let resp = get(&app, t, "/admin/dashboard").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let dashboard: Value = resp.json().await.unwrap();
    assert_eq!(dashboard["today"]["orders"], 1, "{dashboard}");
    assert_eq!(dashboard["last7Days"]["orders"], 1);
    assert_eq!(amount(&dashboard["today"]["netRevenue"]), goods(&orders[3]));
    let statuses = dashboard["ordersByStatus"].as_array().unwrap();
    assert_eq!(statuses.len(), 7);
    let count = |s: &str| {
        statuses.iter().find(|c| c["status"] == s).unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((count("paid"), count("refunded"), count("shipped")), (3, 1, 0));
    assert_eq!(dashboard["failedJobsLast24h"], 0);
    assert!(dashboard["lowStockVariants"].is_u64());
}

#[tokio::test]
async fn sales_are_counted_in_the_store_time_zone_on_sqlite() {
    sales_are_counted_in_the_store_time_zone(Backend::Sqlite).await;
}

#[tokio::test]
async fn sales_are_counted_in_the_store_time_zone_on_postgres() {
    sales_are_counted_in_the_store_time_zone(Backend::Postgres).await;
}

#[tokio::test]
async fn sales_report_ranges_are_checked_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let staff = app.with_admin("range-checker@example.com").await;
    let t = &staff.access_token;
    let resp = get(&app, t, "/admin/reports/sales?start=2026-03-02&end=2026-03-01").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["start"]);
    let resp = get(&app, t, "/admin/reports/sales?start=2026-02-30&end=2026-03-01").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["start"], "February has no 30th");
    let resp = get(&app, t, "/admin/reports/sales?start=2025-01-01&end=2026-01-02").await;
    let problem = assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem_fields(&problem), ["end"]);
    for query in ["end=yesterday", "start=2026-03-01&end=2026-03-02&groupBy=year"] {
        let resp = get(&app, t, &format!("/admin/reports/sales?{query}")).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let resp = get(
        &app,
        t,
        "/admin/reports/sales?start=2028-01-01&end=2028-12-31&groupBy=month",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK, "a leap year is 366 days");
}

/// The scheduled `dailySalesReport` (here every second): each tick mails the store's
/// yesterday (New York), in one message to every listed recipient, the attached CSV the very
/// text `GET /admin/reports/sales` answers for that day.
#[tokio::test]
async fn the_daily_sales_report_mails_yesterday_in_the_store_time_zone() {
    use beeget_api::domain::sales::local_date;
    use chrono::TimeZone;
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.store.timezone = "America/New_York".into();
        c.email.report_recipients = vec!["Ops Team <ops@example.com>".into(), "cfo@example.com".into()];
        c.jobs.schedule.insert("dailySalesReport".into(), "* * * * * *".into());
    })
    .await
    .unwrap();
    let tz = app.config.timezone();
    let yesterday = local_date(chrono::Utc::now(), tz) - chrono::Days::new(1);
    let staff = app.with_admin("night-analyst@example.com").await;
    let token = shopper(&app, "late-buyer@example.com").await;
    let (product, variant) = buyable(&app, 4).await;
    add_to_cart(&app, &token, &product, &variant, 2).await;
    let late = placed(&app, &token, "yesterday", "pm_card_visa").await;
    add_to_cart(&app, &token, &product, &variant, 1).await;
    placed(&app, &token, "today", "pm_card_visa").await;
    // 23:30 yesterday on the store's clock: the next UTC day already.
    let at = tz
        .from_local_datetime(&yesterday.and_hms_opt(23, 30, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc);
    backdate(&app, &late, &at.to_rfc3339(), None).await;

    let resp = app
        .client
        .get(app.url(&format!(
            "/admin/reports/sales?start={yesterday}&end={yesterday}&format=csv"
        )))
        .bearer_auth(&staff.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.unwrap();
    let row = csv.lines().nth(1).unwrap().to_owned();
    let goods = amount(&late["subtotal"]) - amount(&late["discountTotal"]);
    assert!(
        row.starts_with(&format!("{yesterday},{yesterday},1,2,")),
        "one order of two units: {row}"
    );
    assert!(row.contains(&format!(",{goods},{goods},")), "net and average: {row}");

    // Ticks before the backdating reported an empty day; wait for one after it.
    let raw = app.wait_for_email("ops@example.com", &row).await;
    assert!(raw.contains("cfo@example.com"), "one message to both recipients");
    assert!(raw.contains(&format!("Daily sales report {yesterday}")));
    assert!(raw.contains(&format!("sales-{yesterday}.csv")));
    assert!(
        raw.contains(product["title"].as_str().unwrap()),
        "the best seller is named"
    );
}
