//! Deterministic order history for benchmarks and demos (`beeget seed --synthetic-orders N`).
//!
//! The same `n` and day give the same orders: ids, shoppers, lines, statuses and times come
//! from one seeded generator. Orders are spread evenly (with jitter) over the two years before
//! `today` (UTC), bought by a pool of synthetic shoppers (`shopper-NNNNN@synthetic.invalid`,
//! accounts that cannot sign in) from the active catalogue at its current prices. They are
//! imported as history (`OrderRepo::import`): no stock is taken and no email is sent. A second
//! run with the same `n` on the same day adds nothing.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use uuid::Uuid;

use crate::{
    config::ShippingConfig,
    domain::{
        catalogue::ProductStatus,
        email::Email,
        order::{Order, OrderEvent, OrderLine, Payment, PaymentStatus, Shipment, ShippingAddress},
        order_status::OrderStatus,
        pricing::Totals,
        user::{NewUser, Role},
    },
    repos::Repos,
};

/// Orders generated and imported per transaction.
const BATCH: usize = 2_000;
/// The history covers this many days before `today`.
const DAYS: i64 = 730;
/// At most this many shoppers place the orders (about one per 20 orders).
const MAX_SHOPPERS: usize = 2_000;
/// No password hash parses as this, so the accounts never sign in.
const NO_PASSWORD: &str = "!synthetic";
/// Ten percent off, on one order in ten.
const PROMO_CODE: &str = "SYNTH10";

const CITIES: &[(&str, &str, &str)] = &[
    ("New York", "NY", "10001"),
    ("Austin", "TX", "73301"),
    ("Seattle", "WA", "98101"),
    ("Chicago", "IL", "60601"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97201"),
    ("Miami", "FL", "33101"),
    ("Boston", "MA", "02108"),
];
const CARRIERS: &[&str] = &["UPS", "USPS", "FedEx", "DHL"];

/// A variant as an order line needs it.
struct Sellable {
    product_id: Uuid,
    variant_id: Uuid,
    title: String,
    slug: String,
    image: Option<String>,
    sku: String,
    size: String,
    color: String,
    unit_price: i64,
}

/// Adds the `n` synthetic orders not stored yet; answers how many were added.
pub async fn load(
    repos: &Repos,
    n: usize,
    today: NaiveDate,
    currency: &str,
    shipping: &ShippingConfig,
    show_progress: bool,
) -> anyhow::Result<usize> {
    let catalogue = sellable(repos).await?;
    if catalogue.is_empty() {
        anyhow::bail!("synthetic orders need active products with variants: run `beeget seed` first");
    }
    let shoppers = shoppers(repos, (n / 20).clamp(1, MAX_SHOPPERS)).await?;
    let progress = if show_progress {
        ProgressBar::new(n as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} orders ({per_sec}, eta {eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    let end = today.and_time(chrono::NaiveTime::MIN).and_utc();
    let start = end - Duration::days(DAYS);
    let span_ms = (end - start).num_milliseconds();
    let mut rng = StdRng::seed_from_u64(0x0D0E_5EED ^ n as u64);
    let mut batch = Vec::with_capacity(BATCH.min(n));
    let mut added = 0;
    for i in 0..n {
        // Evenly spread, each order somewhere in its own slice of the two years: times rise
        // with `i` and never collide.
        let slice = span_ms as f64 / n as f64;
        let offset = (i as f64 + rng.random::<f64>()) * slice;
        let placed = start + Duration::milliseconds(offset as i64);
        let shopper = shoppers.choose(&mut rng).expect("at least one shopper");
        batch.push(order(&mut rng, placed, end, shopper, &catalogue, currency, shipping));
        if batch.len() == BATCH || i + 1 == n {
            let generated = batch.len() as u64;
            added += repos.orders.import(std::mem::take(&mut batch)).await?;
            progress.inc(generated);
        }
    }
    progress.finish_and_clear();
    if added > 0 {
        repos.orders.refresh_statistics().await?;
    }
    Ok(added as usize)
}

/// Every variant of every active product, with the price it sells at now.
async fn sellable(repos: &Repos) -> anyhow::Result<Vec<Sellable>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = repos.products.details_after(after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for p in page.iter().filter(|p| p.status == ProductStatus::Active) {
            for v in &p.variants {
                out.push(Sellable {
                    product_id: p.id,
                    variant_id: v.id,
                    title: p.title.clone(),
                    slug: p.slug.clone(),
                    image: p.images.first().cloned(),
                    sku: v.sku.clone(),
                    size: v.size.clone(),
                    color: v.color.clone(),
                    unit_price: v.price.unwrap_or_else(|| p.effective_price()).minor(),
                });
            }
        }
    }
    Ok(out)
}

/// The shoppers `shopper-00001@synthetic.invalid` … (created when missing): id and email.
async fn shoppers(repos: &Repos, count: usize) -> anyhow::Result<Vec<(Uuid, String)>> {
    let mut out = Vec::with_capacity(count);
    for k in 1..=count {
        let email = format!("shopper-{k:05}@synthetic.invalid");
        let id = match repos.users.find_by_email(&email).await? {
            Some(user) => user.id,
            None => {
                let user = NewUser {
                    name: format!("Synthetic Shopper {k:05}"),
                    email: Email::parse("email", &email)?,
                    password_hash: NO_PASSWORD.into(),
                    role: Role::User,
                    email_verified: true,
                };
                repos.users.create(Uuid::now_v7(), user, Vec::new()).await?.id
            }
        };
        out.push((id, email));
    }
    Ok(out)
}

/// Where an order placed at `placed` stands by `now`: older orders have mostly arrived.
fn status(rng: &mut StdRng, placed: DateTime<Utc>, now: DateTime<Utc>) -> OrderStatus {
    let age_days = (now - placed).num_days();
    let roll = rng.random_range(0..100);
    match roll {
        0..8 => OrderStatus::Cancelled,
        8..12 => OrderStatus::Refunded,
        _ if age_days > 14 => OrderStatus::Delivered,
        12..40 => OrderStatus::Delivered,
        40..70 => OrderStatus::Shipped,
        70..85 => OrderStatus::Processing,
        _ => OrderStatus::Paid,
    }
}

/// The history leading to `status`, one entry a few hours after the previous.
fn events(rng: &mut StdRng, status: OrderStatus, placed: DateTime<Utc>) -> Vec<OrderEvent> {
    let path: &[OrderStatus] = match status {
        OrderStatus::Cancelled => &[OrderStatus::PendingPayment, OrderStatus::Cancelled],
        OrderStatus::Paid => &[OrderStatus::PendingPayment, OrderStatus::Paid],
        OrderStatus::Processing => &[OrderStatus::PendingPayment, OrderStatus::Paid, OrderStatus::Processing],
        OrderStatus::Shipped => &[
            OrderStatus::PendingPayment,
            OrderStatus::Paid,
            OrderStatus::Processing,
            OrderStatus::Shipped,
        ],
        OrderStatus::Refunded => &[OrderStatus::PendingPayment, OrderStatus::Paid, OrderStatus::Refunded],
        _ => &[
            OrderStatus::PendingPayment,
            OrderStatus::Paid,
            OrderStatus::Processing,
            OrderStatus::Shipped,
            OrderStatus::Delivered,
        ],
    };
    let mut at = placed;
    path.iter()
        .enumerate()
        .map(|(step, status)| {
            if step > 0 {
                at += Duration::minutes(rng.random_range(1..=48 * 60));
            }
            let shipment = (*status == OrderStatus::Shipped).then(|| Shipment {
                carrier: (*CARRIERS.choose(rng).expect("non-empty")).to_owned(),
                tracking_number: format!("1Z{:016}", rng.random_range(0..10_000_000_000_000_000u64)),
                tracking_url: None,
            });
            OrderEvent {
                status: *status,
                note: (step == 0).then(|| "order placed".to_owned()),
                shipment,
                actor_id: None,
                created_at: at,
            }
        })
        .collect()
}

fn order(
    rng: &mut StdRng,
    placed: DateTime<Utc>,
    now: DateTime<Utc>,
    (user_id, email): &(Uuid, String),
    catalogue: &[Sellable],
    currency: &str,
    shipping: &ShippingConfig,
) -> Order {
    let mut id_bytes = [0u8; 10];
    rng.fill(&mut id_bytes);
    let id = uuid::Builder::from_unix_timestamp_millis(placed.timestamp_millis() as u64, &id_bytes).into_uuid();
    let promo = rng.random_range(0..10) == 0;
    let line_count = *[1, 1, 1, 2, 2, 3].choose(rng).expect("non-empty");
    let lines: Vec<OrderLine> = (0..line_count)
        .map(|_| {
            let item = catalogue.choose(rng).expect("non-empty catalogue");
            let quantity = if rng.random_range(0..5) == 0 { 2 } else { 1 };
            let gross = item.unit_price * i64::from(quantity);
            let discount = if promo { gross / 10 } else { 0 };
            let mut line_id = [0u8; 10];
            rng.fill(&mut line_id);
            OrderLine {
                id: uuid::Builder::from_unix_timestamp_millis(placed.timestamp_millis() as u64, &line_id).into_uuid(),
                product_id: Some(item.product_id),
                variant_id: Some(item.variant_id),
                title: item.title.clone(),
                slug: item.slug.clone(),
                image: item.image.clone(),
                sku: item.sku.clone(),
                size: item.size.clone(),
                color: item.color.clone(),
                quantity,
                price_at_purchase: item.unit_price,
                discount,
                line_total: gross - discount,
            }
        })
        .collect();
    let subtotal: i64 = lines.iter().map(|l| l.price_at_purchase * i64::from(l.quantity)).sum();
    let discount: i64 = lines.iter().map(|l| l.discount).sum();
    let free = shipping.free_over > 0 && subtotal - discount >= shipping.free_over;
    let shipping_total = if free { 0 } else { shipping.flat_rate };
    let status = status(rng, placed, now);
    let events = events(rng, status, placed);
    let (city, state, zip) = *CITIES.choose(rng).expect("non-empty");
    let payment_status = match status {
        OrderStatus::Cancelled => PaymentStatus::Failed,
        OrderStatus::Refunded => PaymentStatus::Refunded,
        _ => PaymentStatus::Succeeded,
    };
    Order {
        id,
        user_id: *user_id,
        customer_email: email.clone(),
        status,
        currency: currency.to_owned(),
        totals: Totals {
            subtotal,
            discount,
            shipping: shipping_total,
            total: subtotal - discount + shipping_total,
        },
        promo_code: promo.then(|| PROMO_CODE.to_owned()),
        shipping_address: Some(ShippingAddress {
            recipient: email.split('@').next().unwrap_or_default().to_owned(),
            line1: format!("{} Market Street", rng.random_range(1..2_000)),
            line2: None,
            city: city.to_owned(),
            state: Some(state.to_owned()),
            zip: zip.to_owned(),
            country: "US".into(),
            phone: None,
        }),
        customer_erased_at: None,
        payment: Payment {
            provider: "synthetic".into(),
            method: Some("pm_card_visa".into()),
            status: payment_status,
            reference: None,
            client_secret: None,
            failure: (payment_status == PaymentStatus::Failed).then(|| "card_declined".to_owned()),
        },
        lines,
        updated_at: events.last().map_or(placed, |e| e.created_at),
        events,
        idempotency_key: None,
        request_hash: None,
        created_at: placed,
    }
}
