//! The sales rollups against the orders they sum: every figure and best-seller list the
//! report reads equals the one computed here from the orders themselves, after imports, after
//! status moves (some at once on the same slot), and after a rebuild; intervals on and off
//! the rollups' boundaries.

use beeget_api::{
    domain::{
        email::Email,
        order::{Order, OrderLine, Payment, PaymentStatus},
        order_status::OrderStatus,
        pricing::Totals,
        sales::{COUNTED_STATUSES, SalesFigures},
        user::{NewUser, Role},
    },
    repos::{Repos, StatusChange},
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{product, variant};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// An order as history: `lines` are (product, quantity, unit price).
fn order(user: Uuid, status: OrderStatus, placed: &str, lines: &[(Uuid, u32, i64)]) -> Order {
    let lines: Vec<OrderLine> = lines
        .iter()
        .map(|&(product_id, quantity, price)| OrderLine {
            id: Uuid::now_v7(),
            product_id: Some(product_id),
            variant_id: None,
            title: "Rolled".into(),
            slug: "rolled".into(),
            image: None,
            sku: "ROLL".into(),
            size: "M".into(),
            color: "Black".into(),
            quantity,
            price_at_purchase: price,
            discount: 0,
            line_total: price * i64::from(quantity),
        })
        .collect();
    let subtotal: i64 = lines.iter().map(|l| l.line_total).sum();
    let discount = subtotal / 10;
    Order {
        id: Uuid::now_v7(),
        user_id: user,
        customer_email: "rollup@example.com".into(),
        status,
        currency: "USD".into(),
        totals: Totals {
            subtotal,
            discount,
            shipping: 495,
            total: subtotal - discount + 495,
        },
        promo_code: None,
        shipping_address: None,
        customer_erased_at: None,
        payment: Payment {
            provider: "synthetic".into(),
            method: None,
            status: PaymentStatus::Succeeded,
            reference: None,
            client_secret: None,
            failure: None,
        },
        lines,
        events: Vec::new(),
        idempotency_key: None,
        request_hash: None,
        created_at: at(placed),
        updated_at: at(placed),
    }
}

/// What `domain::sales` counts in `[from, to)`, from the orders themselves.
fn expected_figures(orders: &[Order], from: DateTime<Utc>, to: DateTime<Utc>) -> SalesFigures {
    orders
        .iter()
        .filter(|o| o.created_at >= from && o.created_at < to && COUNTED_STATUSES.contains(&o.status))
        .map(|o| SalesFigures {
            orders: 1,
            units: o.lines.iter().map(|l| u64::from(l.quantity)).sum(),
            gross: o.totals.subtotal,
            discounts: o.totals.discount,
            refunds: if o.status == OrderStatus::Refunded {
                o.totals.subtotal - o.totals.discount
            } else {
                0
            },
            shipping: o.totals.shipping,
        })
        .sum()
}

/// Best sellers in `[from, to)` as (product, units, revenue), most units first.
fn expected_best_sellers(orders: &[Order], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(Uuid, u64, i64)> {
    let mut sums = std::collections::BTreeMap::<Uuid, (u64, i64)>::new();
    for o in orders
        .iter()
        .filter(|o| o.created_at >= from && o.created_at < to && beeget_api::domain::sales_rollup::sells(o.status))
    {
        for l in &o.lines {
            let entry = sums.entry(l.product_id.unwrap()).or_default();
            entry.0 += u64::from(l.quantity);
            entry.1 += l.line_total;
        }
    }
    let mut list: Vec<(Uuid, u64, i64)> = sums.into_iter().map(|(p, (u, r))| (p, u, r)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
    list
}

async fn assert_report_matches(r: &Repos, orders: &[Order], windows: &[(DateTime<Utc>, DateTime<Utc>)], when: &str) {
    let figures = r.reports.sales(windows).await.unwrap();
    for (window, got) in windows.iter().zip(&figures) {
        assert_eq!(
            *got,
            expected_figures(orders, window.0, window.1),
            "{when}: figures of {window:?}"
        );
        let best: Vec<(Uuid, u64, i64)> = r
            .reports
            .top_products(window.0, window.1, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.product_id, t.units, t.revenue))
            .collect();
        assert_eq!(
            best,
            expected_best_sellers(orders, window.0, window.1),
            "{when}: best sellers of {window:?}"
        );
    }
}

fn step(from: OrderStatus, to: OrderStatus) -> StatusChange {
    StatusChange::new(from.transition(to).expect("in the lifecycle"))
}

pub(crate) async fn sales_rollups_follow_imports_moves_and_rebuilds(r: Repos) {
    let mut products = Vec::new();
    // Three products so that units, then revenue, order the best sellers with no tie.
    for (slug, price) in [("roll-tee", 2000), ("roll-coat", 9000), ("roll-sock", 500)] {
        r.products
            .upsert(product(
                slug,
                slug,
                price,
                None,
                vec![variant(&slug.to_uppercase(), 50)],
            ))
            .await
            .unwrap();
        products.push(r.products.find_by_slug(slug).await.unwrap().unwrap().id);
    }
    let (tee, coat, sock) = (products[0], products[1], products[2]);
    let user = r
        .users
        .create(
            Uuid::now_v7(),
            NewUser {
                name: "Roll Up".into(),
                email: Email::parse("email", "rollup@example.com").unwrap(),
                password_hash: "$argon2id$placeholder".into(),
                role: Role::User,
                email_verified: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    use OrderStatus::*;
    let mut orders = vec![
        // Off every boundary, at a month's last minutes and first minutes.
        order(
            user.id,
            Delivered,
            "2026-01-31T23:52:07.250Z",
            &[(tee, 3, 2000), (sock, 1, 500)],
        ),
        order(user.id, Paid, "2026-02-01T00:05:00Z", &[(coat, 1, 9000)]),
        order(user.id, Refunded, "2026-02-14T12:00:00Z", &[(coat, 2, 9000)]),
        order(user.id, Cancelled, "2026-02-14T12:01:00Z", &[(tee, 9, 2000)]),
        order(
            user.id,
            PendingPayment,
            "2026-03-10T03:37:12.500Z",
            &[(sock, 4, 500), (tee, 1, 2000)],
        ),
        order(user.id, Shipped, "2026-03-10T04:59:59.999Z", &[(tee, 2, 2000)]),
        order(user.id, Delivered, "2026-05-31T23:59:59Z", &[(sock, 2, 500)]),
    ];
    // Sixteen orders in one slot, to be paid at once.
    let crowd: Vec<Order> = (0..16)
        .map(|i| {
            order(
                user.id,
                PendingPayment,
                &format!("2026-03-10T03:4{}:00Z", i % 10),
                &[(coat, 1, 9000)],
            )
        })
        .collect();
    orders.extend(crowd.iter().cloned());
    assert_eq!(r.orders.import(orders.clone()).await.unwrap(), orders.len() as u64);

    let windows = [
        // A New York day and year (store days start at 05:00 UTC in winter).
        (at("2026-03-09T05:00:00Z"), at("2026-03-10T04:00:00Z")),
        (at("2026-01-01T05:00:00Z"), at("2027-01-01T05:00:00Z")),
        // Whole UTC months, then parts of days and of slots.
        (at("2026-02-01T00:00:00Z"), at("2026-06-01T00:00:00Z")),
        (at("2026-01-31T23:50:00Z"), at("2026-02-01T00:10:00Z")),
        (at("2026-03-10T03:37:12.500Z"), at("2026-03-10T04:59:59.999Z")),
        (at("2026-03-10T03:37:12.501Z"), at("2026-03-10T05:00:00Z")),
        (at("2025-12-01T00:00:00Z"), at("2025-12-02T00:00:00Z")),
    ];
    assert_report_matches(&r, &orders, &windows, "after the import").await;

    // Moves in and out of the counted and sold statuses, one by one.
    let moves = [
        (4, PendingPayment, Paid),
        (1, Paid, Refunded),
        (5, Shipped, Delivered),
        (6, Delivered, Refunded),
    ];
    for (i, from, to) in moves {
        assert!(r.orders.change_status(orders[i].id, step(from, to)).await.unwrap());
        orders[i].status = to;
    }
    assert_report_matches(&r, &orders, &windows, "after the moves").await;

    // The crowd paid at once, and a move that loses its race changes nothing.
    let tasks: Vec<_> = crowd
        .iter()
        .map(|o| {
            let repo = r.orders.clone();
            let id = o.id;
            tokio::spawn(async move { repo.change_status(id, step(PendingPayment, Paid)).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert!(task.await.unwrap());
    }
    assert!(
        !r.orders
            .change_status(crowd[0].id, step(PendingPayment, Paid))
            .await
            .unwrap()
    );
    for o in orders.iter_mut().filter(|o| crowd.iter().any(|c| c.id == o.id)) {
        o.status = Paid;
    }
    assert_report_matches(&r, &orders, &windows, "after concurrent moves").await;
    let crowd_slot = r
        .reports
        .sales(&[(at("2026-03-10T03:45:00Z"), at("2026-03-10T04:00:00Z"))])
        .await
        .unwrap();
    assert_eq!(crowd_slot[0].orders, 6, "the crowd placed at :45 to :49");

    r.reports.rebuild_sales_rollups().await.unwrap();
    assert_report_matches(&r, &orders, &windows, "after a rebuild").await;
}
