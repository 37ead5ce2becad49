//! An in-memory [`AdminApi`] for tests and screenshots: a small fixed store (one category
//! tree, products with variants, orders in several statuses, users, pages, messages, jobs,
//! audit entries) that answers like the API, applies the writes the console makes, and records
//! every request. Data is built from JSON, as the API would send it.

use std::sync::Mutex;

use async_trait::async_trait;
use beeget_client::types;
use serde_json::{Value, json};

use super::{AdminApi, Failure, Reply, Request};

pub struct FakeApi {
    state: Mutex<State>,
}

struct State {
    signed_in: bool,
    requests: Vec<Request>,
    orders: Vec<types::Order>,
    products: Vec<types::AdminProduct>,
    /// The CMS pages, made on first use (see `answer_more`) and changed by the writes.
    pages: Option<Vec<types::AdminPage>>,
    /// Answer the next call with this failure (then carry on normally).
    fail_next: Option<Failure>,
    taxa: Taxa,
}

fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("fake data matches the API's schema")
}

const AT: &str = "2026-11-30T09:15:00Z";

fn next_statuses(status: &str) -> Value {
    json!(match status {
        "pending_payment" => vec!["paid", "cancelled"],
        "paid" => vec!["processing", "cancelled", "refunded"],
        "processing" => vec!["shipped", "cancelled", "refunded"],
        "shipped" => vec!["delivered", "refunded"],
        "delivered" => vec!["refunded"],
        _ => vec![],
    })
}

fn order(n: u32, status: &str, email: &str, total: i64) -> types::Order {
    from(json!({
        "id": format!("ord-{n}"), "number": format!("BG-{n:08X}"), "orderStatus": status,
        "nextStatuses": next_statuses(status), "paymentStatus": if status == "pending_payment" { "pending" } else { "succeeded" },
        "items": [{"id": format!("line-{n}"), "title": "Linen Shirt", "slug": "linen-shirt", "sku": "LINEN-M-SAND",
                   "size": "M", "color": "Sand", "qty": 2, "priceAtPurchase": total / 2 - 250, "discount": 0,
                   "lineTotal": total - 500, "productId": "prod-1", "variantId": "var-1"}],
        "subtotal": total - 500, "discountTotal": 0, "shippingTotal": 500, "totalAmount": total, "currency": "EUR",
        "shippingAddress": {"recipient": "Ada Lovelace", "line1": "12 Harbour St", "city": "Dublin", "zip": "D02",
                            "country": "IE"},
        "payment": {"provider": "fake"},
        "timeline": [{"status": "pending_payment", "at": AT}, {"status": status, "at": AT}],
        "customerEmail": email, "createdAt": AT, "updatedAt": AT
    }))
}

fn product(n: u32, title: &str, price: i64, stock: i64) -> types::AdminProduct {
    from(json!({
        "id": format!("prod-{n}"), "title": title, "slug": title.to_lowercase().replace(' ', "-"),
        "description": format!("{title}, from the demo catalogue."), "price": price, "currency": "EUR",
        "status": "active", "tags": ["summer"], "categoryIds": ["cat-1"], "collectionIds": [], "images": [],
        "inventoryCount": stock,
        "variants": [{"id": format!("var-{n}"), "sku": format!("SKU-{n}-M"), "size": "M", "color": "Sand", "inventoryCount": stock}],
        "createdAt": AT, "updatedAt": AT
    }))
}

impl Default for FakeApi {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeApi {
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State {
                signed_in: false,
                requests: Vec::new(),
                orders: vec![
                    order(1, "paid", "ada@example.com", 12300),
                    order(2, "processing", "grace@example.com", 5900),
                    order(3, "shipped", "linus@example.com", 8450),
                    order(4, "pending_payment", "margaret@example.com", 2500),
                    order(5, "cancelled", "alan@example.com", 4000),
                ],
                products: vec![
                    product(1, "Linen Shirt", 5900, 14),
                    product(2, "Wool Coat", 24900, 2),
                    product(3, "Canvas Tote", 1900, 0),
                ],
                pages: None,
                fail_next: None,
                taxa: Taxa::default(),
            }),
        }
    }

    /// Every request made so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("fake state").requests.clone()
    }

    /// The next call fails with `failure`.
    pub fn fail_next(&self, failure: Failure) {
        self.state.lock().expect("fake state").fail_next = Some(failure);
    }

    /// The order with this id, as the fake holds it now.
    pub fn order(&self, id: &str) -> Option<types::Order> {
        self.state
            .lock()
            .expect("fake state")
            .orders
            .iter()
            .find(|o| o.id == id)
            .cloned()
    }

    pub fn product(&self, id: &str) -> Option<types::AdminProduct> {
        self.state
            .lock()
            .expect("fake state")
            .products
            .iter()
            .find(|p| p.id == id)
            .cloned()
    }
}

fn problem(status: u16, code: &str, detail: &str, errors: Value) -> Failure {
    Failure::Problem(from(json!({
        "type": format!("https://beeget.dev/problems/{code}"), "title": code, "status": status, "code": code,
        "detail": detail, "errors": errors, "requestId": "req-fake-0001"
    })))
}

fn summary(o: &types::Order) -> Value {
    json!({
        "id": o.id, "number": o.number, "orderStatus": o.order_status, "nextStatuses": o.next_statuses,
        "paymentStatus": o.payment_status, "subtotal": o.subtotal, "discountTotal": o.discount_total,
        "shippingTotal": o.shipping_total, "totalAmount": o.total_amount, "currency": o.currency,
        "itemCount": o.items.iter().map(|l| l.qty).sum::<u32>(), "customerEmail": o.customer_email,
        "createdAt": o.created_at, "updatedAt": o.updated_at
    })
}

fn page(items: Vec<Value>, page: u64, limit: u64) -> Value {
    let total = items.len() as u64;
    let start = ((page.max(1) - 1) * limit) as usize;
    let items: Vec<Value> = items.into_iter().skip(start).take(limit as usize).collect();
    json!({"items": items, "page": page, "limit": limit, "total": total})
}

impl State {
    fn answer(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        if let Some(failure) = self.fail_next.take() {
            return Err(failure);
        }
        if !self.signed_in && !matches!(request, R::Login { .. }) {
            return Err(problem(401, "unauthorized", "sign in first", json!([])));
        }
        Ok(match request {
            R::Login { email, password } => {
                if password != "correct horse" {
                    return Err(problem(
                        401,
                        "invalid_credentials",
                        "wrong email or password",
                        json!([]),
                    ));
                }
                self.signed_in = true;
                Reply::LoggedIn { email }
            }
            R::Logout => {
                self.signed_in = false;
                Reply::Done
            }
            R::Dashboard => Reply::Dashboard(from(json!({
                "currency": "EUR", "date": "2026-11-30", "timezone": "Europe/Dublin",
                "today": {"orders": 4, "netRevenue": 28650, "units": 7, "averageOrderValue": 7162},
                "last7Days": {"orders": 31, "netRevenue": 214500, "units": 52, "averageOrderValue": 6919},
                "ordersByStatus": [{"status": "paid", "count": 1}, {"status": "processing", "count": 1},
                                   {"status": "shipped", "count": 1}, {"status": "pending_payment", "count": 1}],
                "lowStockVariants": 2, "failedJobsLast24h": 1
            }))),
            R::Orders(q) => {
                let items = self
                    .orders
                    .iter()
                    .filter(|o| q.status.is_none_or(|s| o.order_status == s))
                    .filter(|o| q.payment_status.is_none_or(|s| o.payment_status == s))
                    .filter(|o| {
                        q.q.as_deref().is_none_or(|t| {
                            o.number.contains(t) || o.customer_email.as_deref().is_some_and(|e| e.contains(t))
                        })
                    })
                    .map(summary)
                    .collect();
                Reply::Orders(from(page(items, q.paging.page, q.paging.limit)))
            }
            R::Order(id) => Reply::Order(self.orders.iter().find(|o| o.id == id).cloned().ok_or_else(not_found)?),
            R::SetOrderStatus { id, change } => {
                let order = self.orders.iter_mut().find(|o| o.id == id).ok_or_else(not_found)?;
                if !order.next_statuses.contains(&change.status) {
                    return Err(problem(409, "invalid_transition", "not allowed from here", json!([])));
                }
                let status = change.status.to_string();
                let mut value = serde_json::to_value(&*order).expect("order as JSON");
                value["orderStatus"] = json!(status);
                value["nextStatuses"] = next_statuses(&status);
                value["carrier"] = json!(change.carrier);
                value["trackingNumber"] = json!(change.tracking_number);
                value["timeline"].as_array_mut().expect("timeline").push(json!({
                    "status": status, "at": AT, "carrier": change.carrier, "trackingNumber": change.tracking_number
                }));
                *order = from(value);
                Reply::Order(order.clone())
            }
            R::Products(q) => {
                let items = self
                    .products
                    .iter()
                    .filter(|p| {
                        q.search
                            .as_deref()
                            .is_none_or(|s| p.title.to_lowercase().contains(&s.to_lowercase()))
                    })
                    .map(|p| serde_json::to_value(p).expect("product as JSON"))
                    .collect();
                Reply::Products(from(page(items, q.paging.page, q.paging.limit)))
            }
            R::Product(id) => Reply::Product(
                self.products
                    .iter()
                    .find(|p| p.id == id)
                    .cloned()
                    .ok_or_else(not_found)?,
            ),
            R::CreateProduct(body) => {
                if self.products.iter().any(|p| p.title == body.title.to_string()) {
                    return Err(problem(
                        422,
                        "validation_failed",
                        "the product could not be saved",
                        json!([{"field": "slug", "message": "already used by another product"}]),
                    ));
                }
                let n = self.products.len() as u32 + 1;
                let mut created =
                    serde_json::to_value(product(n, &body.title.to_string(), body.price, 0)).expect("json");
                created["variants"] = json!([]);
                created["status"] = json!(body.status.map_or("draft".to_owned(), |s| s.to_string()));
                let created: types::AdminProduct = from(created);
                self.products.push(created.clone());
                Reply::Product(created)
            }
            R::CreateVariant { product_id, variant } => {
                let product = self
                    .products
                    .iter_mut()
                    .find(|p| p.id == product_id)
                    .ok_or_else(not_found)?;
                let created: types::AdminVariant = from(json!({
                    "id": format!("{product_id}-var-{}", product.variants.len() + 1), "sku": variant.sku.to_string(),
                    "size": variant.size.to_string(), "color": variant.color.to_string(), "inventoryCount": variant.inventory_count
                }));
                product.variants.push(created.clone());
                product.inventory_count += variant.inventory_count;
                Reply::Variant(created)
            }
            R::AdjustStock {
                product_id,
                variant_id,
                adjustment,
            } => {
                let product = self
                    .products
                    .iter_mut()
                    .find(|p| p.id == product_id)
                    .ok_or_else(not_found)?;
                let variant = product
                    .variants
                    .iter_mut()
                    .find(|v| v.id == variant_id)
                    .ok_or_else(not_found)?;
                let after = i64::from(variant.inventory_count) + adjustment.delta;
                if after < 0 {
                    return Err(problem(
                        422,
                        "validation_failed",
                        "stock cannot go below zero",
                        json!([{"field": "delta", "message": "would take the stock below zero"}]),
                    ));
                }
                variant.inventory_count = after as i32;
                product.inventory_count += adjustment.delta;
                Reply::StockMovement(from(json!({
                    "id": "mov-1", "variantId": variant_id, "delta": adjustment.delta, "reason": adjustment.reason.to_string(),
                    "stockAfter": after, "at": AT
                })))
            }
            other => return self.answer_more(other),
        })
    }
}

fn not_found() -> Failure {
    problem(404, "not_found", "no such record", json!([]))
}

#[async_trait]
impl AdminApi for FakeApi {
    async fn send(&self, request: Request) -> Result<Reply, Failure> {
        let mut state = self.state.lock().expect("fake state");
        state.requests.push(request.clone());
        state.answer(request)
    }
}

impl State {
    /// The back-office lists beyond orders and products: fixed data, writes acknowledged;
    /// categories, collections and promotions are kept and changed ([`State::taxonomy`]).
    fn answer_more(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        if let R::SalesReport { start, end, .. } | R::SalesCsv { start, end, .. } = &request {
            sales_range(start, end)?;
        }
        Ok(match request {
            request @ (R::Categories
            | R::CreateCategory(_)
            | R::UpdateCategory { .. }
            | R::DeleteCategory { .. }
            | R::Collections
            | R::CreateCollection(_)
            | R::UpdateCollection { .. }
            | R::DeleteCollection { .. }
            | R::Promotions
            | R::CreatePromotion(_)
            | R::UpdatePromotion { .. }
            | R::DeletePromotion(_)) => return self.taxonomy(request),
            R::Users(q) => Reply::Users(from(page(
                vec![
                    json!({"id": "usr-1", "email": "admin@beeget.test", "name": "Demo Admin", "role": "admin",
                           "emailVerified": true, "createdAt": AT}),
                    json!({"id": "usr-2", "email": "ada@example.com", "name": "Ada Lovelace", "role": "user",
                           "emailVerified": true, "createdAt": AT}),
                ],
                q.paging.page,
                q.paging.limit,
            ))),
            R::SalesReport { start, end, group_by } => Reply::Sales(from(json!({
                "start": start, "end": end, "groupBy": group_by, "timezone": "Europe/Dublin", "currency": "EUR",
                "totals": {"orders": 9, "units": 14, "grossRevenue": 61000, "discounts": 2000, "refunds": 0,
                           "shipping": 4500, "netRevenue": 59000, "averageOrderValue": 6555},
                "series": [
                    {"start": "2026-11-28", "end": "2026-11-28", "orders": 2, "units": 3, "grossRevenue": 12000, "discounts": 0,
                     "refunds": 0, "shipping": 1000, "netRevenue": 12000, "averageOrderValue": 6000},
                    {"start": "2026-11-29", "end": "2026-11-29", "orders": 3, "units": 5, "grossRevenue": 21000, "discounts": 2000,
                     "refunds": 0, "shipping": 1500, "netRevenue": 19000, "averageOrderValue": 6333},
                    {"start": "2026-11-30", "end": "2026-11-30", "orders": 4, "units": 6, "grossRevenue": 28000, "discounts": 0,
                     "refunds": 0, "shipping": 2000, "netRevenue": 28000, "averageOrderValue": 7000}
                ],
                "topProducts": [{"productId": "prod-1", "title": "Linen Shirt", "slug": "linen-shirt", "units": 8, "revenue": 47200}]
            }))),
            R::SalesCsv { .. } => Reply::Csv("start,end,orders,net_revenue\n2026-11-28,2026-11-28,2,12000\n".into()),
            R::Inventory { paging, .. } => Reply::Inventory(from(json!({
                "threshold": 5, "page": paging.page, "limit": paging.limit, "total": 2,
                "items": [
                    {"productId": "prod-3", "productTitle": "Canvas Tote", "variantId": "var-3", "sku": "SKU-3-M", "size": "M",
                     "color": "Sand", "stock": 0, "soldLast30Days": 12, "daysOfStockLeft": 0.0},
                    {"productId": "prod-2", "productTitle": "Wool Coat", "variantId": "var-2", "sku": "SKU-2-M", "size": "M",
                     "color": "Sand", "stock": 2, "soldLast30Days": 3, "daysOfStockLeft": 20.0}
                ]
            }))),
            request @ (R::Pages { .. }
            | R::Page(_)
            | R::CreatePage(_)
            | R::UpdatePage { .. }
            | R::DeletePage(_)
            | R::PreviewPage(_)) => return self.cms(request),
            R::ContactMessages { paging, .. } => Reply::ContactMessages(from(page(
                vec![
                    json!({"id": "msg-1", "name": "Ada", "email": "ada@example.com", "subject": "Sizing",
                            "message": "Does the linen shirt run large?", "handled": false, "receivedAt": AT}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::SetContactHandled { id, handled } => Reply::ContactMessage(from(json!({
                "id": id, "name": "Ada", "email": "ada@example.com", "subject": "Sizing",
                "message": "Does the linen shirt run large?", "handled": handled, "receivedAt": AT
            }))),
            R::Jobs { paging, .. } => Reply::Jobs(from(page(
                vec![
                    json!({"id": "job-1", "name": "sendEmail", "queue": "email", "status": "failed", "attempts": 5,
                           "maxAttempts": 5, "lastError": "smtp: connection refused", "runAt": AT}),
                    json!({"id": "job-2", "name": "dailySalesReport", "queue": "reports", "status": "done", "attempts": 1,
                           "maxAttempts": 3, "doneAt": AT}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::RetryJob(_) => Reply::JobRetried,
            R::Audit { paging, .. } => Reply::Audit(from(page(
                vec![
                    json!({"id": "aud-1", "at": AT, "actorId": "usr-1", "action": "order.status_changed",
                            "targetType": "order", "targetId": "ord-2", "requestId": "req-7",
                            "changes": [{"field": "status", "before": "paid", "after": "processing"}]}),
                ],
                paging.page,
                paging.limit,
            ))),
            R::User(id) | R::SetUserRole { id, .. } => Reply::User(from(json!({
                "user": {"id": id, "email": "ada@example.com", "name": "Ada Lovelace", "role": "user", "emailVerified": true,
                         "createdAt": AT},
                "orderCount": 3, "totalSpent": 26650, "currency": "EUR"
            }))),
            R::DeleteProduct(_) => Reply::Done,
            other => {
                return Err(problem(
                    501,
                    "not_in_fake",
                    &format!("the fake does not answer {other:?}"),
                    json!([]),
                ));
            }
        })
    }
}

/// Categories, collections and promotions as the fake holds them: the fixed data it starts
/// with, changed by the writes (`answer_more` hands those requests to [`State::taxonomy`]).
struct Taxa {
    categories: Vec<types::AdminCategory>,
    collections: Vec<types::AdminCollection>,
    promotions: Vec<types::AdminPromotion>,
}

impl Default for Taxa {
    fn default() -> Self {
        Self {
            categories: from(json!([
                {"id": "cat-1", "name": "Women", "slug": "women", "active": true, "position": 0},
                {"id": "cat-2", "name": "Dresses", "slug": "dresses", "parentId": "cat-1", "active": true, "position": 0},
                {"id": "cat-3", "name": "Men", "slug": "men", "active": true, "position": 1},
                {"id": "cat-4", "name": "Shirts", "slug": "shirts", "parentId": "cat-3", "active": false, "position": 0}
            ])),
            collections: from(json!([
                {"id": "col-1", "name": "Summer", "slug": "summer", "active": true, "position": 0},
                {"id": "col-2", "name": "Essentials", "slug": "essentials", "active": true, "position": 1}
            ])),
            promotions: from(json!([
                {"id": "promo-1", "name": "Summer sale", "slug": "summer-sale", "code": "SUMMER20", "active": true,
                 "discountType": "percent", "discountValue": 20, "currency": "EUR", "order": 0, "stackable": false,
                 "scope": {"kind": "all"}, "startDate": "2026-06-01T00:00:00Z", "endDate": "2026-12-31T23:59:59Z"}
            ])),
        }
    }
}

/// A 422 `validation_failed` naming these `(field, message)` pairs, as the API sends it.
fn invalid(errors: &[(&str, String)]) -> Failure {
    let errors: Vec<Value> = errors
        .iter()
        .map(|(field, message)| json!({"field": field, "message": message}))
        .collect();
    problem(422, "validation_failed", "some fields are not valid", json!(errors))
}

/// A slug made from a name, as the API makes one: lower case, words joined by `-`.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() { "item".to_owned() } else { slug }
}

/// `base`, else `base-2`, `base-3`… whichever no other record holds.
fn free_slug(base: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| if n == 1 { base.to_owned() } else { format!("{base}-{n}") })
        .find(|s| !taken.contains(&s.as_str()))
        .unwrap_or_default()
}

/// The next id of the form `prefix-N` after those in use.
fn fresh_id<'a>(prefix: &str, ids: impl Iterator<Item = &'a str>) -> String {
    let last = ids
        .filter_map(|id| id.strip_prefix(prefix)?.strip_prefix('-')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}-{}", last + 1)
}

/// The slug to store: the one sent (422 when another record holds it), or one made from
/// the name.
fn pick_slug(sent: Option<String>, name: &str, noun: &str, taken: &[&str], errors: &mut Vec<(&str, String)>) -> String {
    match sent {
        Some(slug) => {
            if taken.contains(&slug.as_str()) {
                errors.push(("slug", format!("is taken by another {noun}")));
            }
            slug
        }
        None => free_slug(&slugify(name), taken),
    }
}

fn check_name(name: &str, errors: &mut Vec<(&str, String)>) {
    if name.trim().is_empty() {
        errors.push(("name", "is required".into()));
    }
}

/// A description as stored: an empty one clears it.
fn described(text: Option<String>) -> Option<String> {
    text.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty())
}

/// The ids of the categories below `id`, at any depth.
fn descendants(categories: &[types::AdminCategory], id: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut frontier = vec![id.to_owned()];
    while let Some(parent) = frontier.pop() {
        for c in categories
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some(parent.as_str()))
        {
            if c.id != id && !found.contains(&c.id) {
                found.push(c.id.clone());
                frontier.push(c.id.clone());
            }
        }
    }
    found
}

/// What a promotion applies to, as the API answers it, from what was sent.
fn scope_of(input: &types::PromotionScopeInput) -> types::PromotionScope {
    let mut scope = json!({"kind": input.kind});
    let key = match input.kind {
        types::PromotionScopeKind::All => None,
        types::PromotionScopeKind::Category => Some("categoryId"),
        types::PromotionScopeKind::Collection => Some("collectionId"),
        types::PromotionScopeKind::Product => Some("productId"),
    };
    if let (Some(key), Some(id)) = (key, &input.id) {
        scope[key] = json!(id.to_string());
    }
    from(scope)
}

fn scope_target(scope: &types::PromotionScope) -> Option<&str> {
    scope
        .category_id
        .as_deref()
        .or(scope.collection_id.as_deref())
        .or(scope.product_id.as_deref())
}

impl State {
    /// Categories, collections and promotions: listed, created, changed and deleted in
    /// [`Taxa`], with the API's checks (422 naming the field; 409 `in_use`, `category_cycle`).
    fn taxonomy(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let mut errors: Vec<(&str, String)> = Vec::new();
        Ok(match request {
            R::Categories => Reply::Categories(self.taxa.categories.clone()),
            R::CreateCategory(body) => {
                let name = body.name.to_string();
                check_name(&name, &mut errors);
                let parent = body.parent_id.map(|p| p.to_string());
                if parent
                    .as_ref()
                    .is_some_and(|p| !self.taxa.categories.iter().any(|c| &c.id == p))
                {
                    errors.push(("parentId", "no such category".into()));
                }
                let taken: Vec<&str> = self.taxa.categories.iter().map(|c| c.slug.as_str()).collect();
                let slug = pick_slug(body.slug.map(|s| s.to_string()), &name, "category", &taken, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let created: types::AdminCategory = from(json!({
                    "id": fresh_id("cat", self.taxa.categories.iter().map(|c| c.id.as_str())), "name": name.trim(),
                    "slug": slug, "parentId": parent, "description": described(body.description.map(|d| d.to_string())),
                    "active": body.active, "position": body.position
                }));
                self.taxa.categories.push(created.clone());
                Reply::Category(created)
            }
            R::UpdateCategory { id, patch } => {
                let Some(at) = self.taxa.categories.iter().position(|c| c.id == id) else {
                    return Err(not_found());
                };
                if let Some(name) = &patch.name {
                    check_name(name, &mut errors);
                }
                if let Some(slug) = &patch.slug
                    && self
                        .taxa
                        .categories
                        .iter()
                        .any(|c| c.id != id && c.slug == slug.as_str())
                {
                    errors.push(("slug", "is taken by another category".into()));
                }
                if let Some(parent) = &patch.parent_id
                    && !self.taxa.categories.iter().any(|c| c.id == parent.as_str())
                {
                    errors.push(("parentId", "no such category".into()));
                }
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                if let Some(parent) = &patch.parent_id
                    && (parent.as_str() == id || descendants(&self.taxa.categories, &id).contains(parent))
                {
                    return Err(problem(
                        409,
                        "category_cycle",
                        "a category cannot move under itself or one of its descendants",
                        json!([]),
                    ));
                }
                let c = &mut self.taxa.categories[at];
                if let Some(name) = patch.name {
                    c.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    c.slug = slug.to_string();
                }
                if let Some(parent) = patch.parent_id {
                    c.parent_id = Some(parent.to_string());
                }
                if let Some(description) = patch.description {
                    c.description = described(Some(description.to_string()));
                }
                if let Some(active) = patch.active {
                    c.active = active;
                }
                if let Some(position) = patch.position {
                    c.position = position;
                }
                Reply::Category(c.clone())
            }
            R::DeleteCategory { id, reassign_to } => {
                if !self.taxa.categories.iter().any(|c| c.id == id) {
                    return Err(not_found());
                }
                let children = self
                    .taxa
                    .categories
                    .iter()
                    .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
                    .count();
                let products = self.products.iter().filter(|p| p.category_ids.contains(&id)).count();
                let promotions = self
                    .taxa
                    .promotions
                    .iter()
                    .filter(|p| p.scope.category_id.as_deref() == Some(id.as_str()))
                    .count();
                match reassign_to {
                    None if children + products + promotions > 0 => {
                        return Err(problem(
                            409,
                            "in_use",
                            &format!(
                                "the category still has {children} child categories, {products} products and \
                                 {promotions} promotions; pass reassignTo to move them first"
                            ),
                            json!([]),
                        ));
                    }
                    None => {}
                    Some(target) => {
                        if !self.taxa.categories.iter().any(|c| c.id == target) {
                            return Err(invalid(&[("reassignTo", "no such category".into())]));
                        }
                        if target == id || descendants(&self.taxa.categories, &id).contains(&target) {
                            return Err(problem(
                                409,
                                "category_cycle",
                                "reassignTo cannot be the record itself or one of its descendants",
                                json!([]),
                            ));
                        }
                        for c in self
                            .taxa
                            .categories
                            .iter_mut()
                            .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
                        {
                            c.parent_id = Some(target.clone());
                        }
                        for p in self.products.iter_mut().filter(|p| p.category_ids.contains(&id)) {
                            p.category_ids.retain(|c| c != &id && c != &target);
                            p.category_ids.push(target.clone());
                        }
                        for p in self
                            .taxa
                            .promotions
                            .iter_mut()
                            .filter(|p| p.scope.category_id.as_deref() == Some(id.as_str()))
                        {
                            p.scope.category_id = Some(target.clone());
                        }
                    }
                }
                self.taxa.categories.retain(|c| c.id != id);
                Reply::Done
            }
            R::Collections => Reply::Collections(self.taxa.collections.clone()),
            R::CreateCollection(body) => {
                let name = body.name.to_string();
                check_name(&name, &mut errors);
                let taken: Vec<&str> = self.taxa.collections.iter().map(|c| c.slug.as_str()).collect();
                let slug = pick_slug(
                    body.slug.map(|s| s.to_string()),
                    &name,
                    "collection",
                    &taken,
                    &mut errors,
                );
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let created: types::AdminCollection = from(json!({
                    "id": fresh_id("col", self.taxa.collections.iter().map(|c| c.id.as_str())), "name": name.trim(),
                    "slug": slug, "description": described(body.description.map(|d| d.to_string())),
                    "active": body.active, "position": body.position
                }));
                self.taxa.collections.push(created.clone());
                Reply::Collection(created)
            }
            R::UpdateCollection { id, patch } => {
                let Some(at) = self.taxa.collections.iter().position(|c| c.id == id) else {
                    return Err(not_found());
                };
                if let Some(name) = &patch.name {
                    check_name(name, &mut errors);
                }
                if let Some(slug) = &patch.slug
                    && self
                        .taxa
                        .collections
                        .iter()
                        .any(|c| c.id != id && c.slug == slug.as_str())
                {
                    errors.push(("slug", "is taken by another collection".into()));
                }
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                let c = &mut self.taxa.collections[at];
                if let Some(name) = patch.name {
                    c.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    c.slug = slug.to_string();
                }
                if let Some(description) = patch.description {
                    c.description = described(Some(description.to_string()));
                }
                if let Some(active) = patch.active {
                    c.active = active;
                }
                if let Some(position) = patch.position {
                    c.position = position;
                }
                Reply::Collection(c.clone())
            }
            R::DeleteCollection { id, reassign_to } => {
                if !self.taxa.collections.iter().any(|c| c.id == id) {
                    return Err(not_found());
                }
                let products = self.products.iter().filter(|p| p.collection_ids.contains(&id)).count();
                let promotions = self
                    .taxa
                    .promotions
                    .iter()
                    .filter(|p| p.scope.collection_id.as_deref() == Some(id.as_str()))
                    .count();
                match reassign_to {
                    None if products + promotions > 0 => {
                        return Err(problem(
                            409,
                            "in_use",
                            &format!(
                                "the collection still has 0 child categories, {products} products and {promotions} \
                                 promotions; pass reassignTo to move them first"
                            ),
                            json!([]),
                        ));
                    }
                    None => {}
                    Some(target) => {
                        if target == id {
                            return Err(problem(
                                409,
                                "category_cycle",
                                "reassignTo cannot be the record itself or one of its descendants",
                                json!([]),
                            ));
                        }
                        if !self.taxa.collections.iter().any(|c| c.id == target) {
                            return Err(invalid(&[("reassignTo", "no such collection".into())]));
                        }
                        for p in self.products.iter_mut().filter(|p| p.collection_ids.contains(&id)) {
                            p.collection_ids.retain(|c| c != &id && c != &target);
                            p.collection_ids.push(target.clone());
                        }
                        for p in self
                            .taxa
                            .promotions
                            .iter_mut()
                            .filter(|p| p.scope.collection_id.as_deref() == Some(id.as_str()))
                        {
                            p.scope.collection_id = Some(target.clone());
                        }
                    }
                }
                self.taxa.collections.retain(|c| c.id != id);
                Reply::Done
            }
            R::Promotions => Reply::Promotions(self.taxa.promotions.clone()),
            R::CreatePromotion(body) => {
                let name = body.name.to_string();
                let taken: Vec<&str> = self.taxa.promotions.iter().map(|p| p.slug.as_str()).collect();
                let slug = pick_slug(
                    body.slug.map(|s| s.to_string()),
                    &name,
                    "promotion",
                    &taken,
                    &mut errors,
                );
                let created: types::AdminPromotion = from(json!({
                    "id": fresh_id("promo", self.taxa.promotions.iter().map(|p| p.id.as_str())), "name": name.trim(),
                    "slug": slug, "code": body.code.map(|c| c.to_uppercase()),
                    "description": described(body.description.map(|d| d.to_string())), "active": body.active,
                    "discountType": body.discount_type, "discountValue": body.discount_value.get(), "currency": "EUR",
                    "order": body.position, "stackable": body.stackable, "scope": scope_of(&body.scope),
                    "startDate": body.start_date, "endDate": body.end_date
                }));
                self.check_promotion(&created, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                self.taxa.promotions.push(created.clone());
                Reply::Promotion(created)
            }
            R::UpdatePromotion { id, patch } => {
                let Some(at) = self.taxa.promotions.iter().position(|p| p.id == id) else {
                    return Err(not_found());
                };
                let mut p = self.taxa.promotions[at].clone();
                if let Some(name) = patch.name {
                    p.name = name.trim().to_owned();
                }
                if let Some(slug) = patch.slug {
                    if self
                        .taxa
                        .promotions
                        .iter()
                        .any(|o| o.id != id && o.slug == slug.as_str())
                    {
                        errors.push(("slug", "is taken by another promotion".into()));
                    }
                    p.slug = slug.to_string();
                }
                if let Some(code) = patch.code {
                    p.code = Some(code.to_uppercase());
                }
                if let Some(description) = patch.description {
                    p.description = described(Some(description.to_string()));
                }
                if let Some(kind) = patch.discount_type {
                    p.discount_type = kind;
                }
                if let Some(value) = patch.discount_value {
                    p.discount_value = i64::try_from(value.get()).unwrap_or(i64::MAX);
                }
                if let Some(start) = patch.start_date {
                    p.start_date = start;
                }
                if let Some(end) = patch.end_date {
                    p.end_date = end;
                }
                if let Some(stackable) = patch.stackable {
                    p.stackable = stackable;
                }
                if let Some(active) = patch.active {
                    p.active = active;
                }
                if let Some(position) = patch.position {
                    p.order = position;
                }
                if let Some(scope) = &patch.scope {
                    p.scope = scope_of(scope);
                }
                self.check_promotion(&p, &mut errors);
                if !errors.is_empty() {
                    return Err(invalid(&errors));
                }
                self.taxa.promotions[at] = p.clone();
                Reply::Promotion(p)
            }
            R::DeletePromotion(id) => {
                let before = self.taxa.promotions.len();
                self.taxa.promotions.retain(|p| p.id != id);
                if self.taxa.promotions.len() == before {
                    return Err(not_found());
                }
                Reply::Done
            }
            other => {
                return Err(problem(
                    501,
                    "not_in_fake",
                    &format!("not a taxonomy request: {other:?}"),
                    json!([]),
                ));
            }
        })
    }

    /// The API's checks of a promotion as it would be stored.
    fn check_promotion(&self, p: &types::AdminPromotion, errors: &mut Vec<(&str, String)>) {
        check_name(&p.name, errors);
        if let Some(code) = &p.code
            && self
                .taxa
                .promotions
                .iter()
                .any(|o| o.id != p.id && o.code.as_ref().is_some_and(|c| c.eq_ignore_ascii_case(code)))
        {
            errors.push(("code", "is taken by another promotion".into()));
        }
        if p.discount_type == types::DiscountType::Percent && !(1..=100).contains(&p.discount_value) {
            errors.push(("discountValue", "a percent from 1 to 100".into()));
        }
        if p.end_date <= p.start_date {
            errors.push(("endDate", "must be after startDate".into()));
        }
        let target = scope_target(&p.scope);
        let exists = match (p.scope.kind, target) {
            (types::PromotionScopeKind::All, _) => true,
            (_, None) => {
                errors.push(("scope.id", "is required for this kind".into()));
                true
            }
            (types::PromotionScopeKind::Category, Some(id)) => self.taxa.categories.iter().any(|c| c.id == id),
            (types::PromotionScopeKind::Collection, Some(id)) => self.taxa.collections.iter().any(|c| c.id == id),
            (types::PromotionScopeKind::Product, Some(id)) => self.products.iter().any(|c| c.id == id),
        };
        if !exists {
            errors.push(("scope.id", format!("no such {}", p.scope.kind)));
        }
    }
}

impl State {
    /// CMS pages: listed (searched by title and slug), created, changed (title, slug,
    /// `published`, the blocks all at once) and deleted in `pages`, with the API's checks of
    /// slugs and heading levels. The pages start as two: a published one and a draft with a
    /// block of every kind.
    fn cms(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        let pages = self.pages.get_or_insert_with(|| {
            vec![
                from(json!({
                    "id": "page-1", "slug": "about", "title": "About us", "published": true, "createdAt": AT, "updatedAt": AT,
                    "contentBlocks": [
                        {"type": "heading", "data": {"level": 2, "text": "About Beeget"}},
                        {"type": "paragraph", "data": {"markdown": "We make *clothes*.", "html": "<p>We make <em>clothes</em>.</p>"}}
                    ]
                })),
                from(json!({
                    "id": "page-2", "slug": "shipping", "title": "Shipping & returns", "published": false,
                    "createdAt": AT, "updatedAt": AT,
                    "contentBlocks": [
                        {"type": "heading", "data": {"level": 2, "text": "Delivery"}},
                        {"type": "paragraph", "data": {"markdown": "We ship within **2 days**.\nFree over 50 EUR.",
                                                       "html": "<p>We ship within <strong>2 days</strong>.<br>\nFree over 50 EUR.</p>"}},
                        {"type": "list", "data": {"style": "bulleted", "items": ["Ireland: 2 days", "EU: 3 to 5 days", "UK: 4 days"]}},
                        {"type": "image", "data": {"url": "/media/parcel.jpg", "alt": "A parcel on a doorstep",
                                                   "caption": "Packed in recycled paper"}},
                        {"type": "faq", "data": {"items": [
                            {"question": "Can I return a sale item?", "answer": "Yes, within 30 days."},
                            {"question": "Who pays for the return?", "answer": "We do."}
                        ]}},
                        {"type": "callToAction", "data": {"label": "Start a return", "url": "/account/returns"}}
                    ]
                })),
            ]
        });
        let slug_taken = || {
            problem(
                422,
                "validation_failed",
                "the page could not be saved",
                json!([{"field": "slug", "message": "already used by another page"}]),
            )
        };
        Ok(match request {
            R::Pages { paging, search } => {
                let search = search.map(|s| s.to_lowercase());
                let items = pages
                    .iter()
                    .filter(|p| search.as_deref().is_none_or(|s| p.title.to_lowercase().contains(s) || p.slug.contains(s)))
                    .map(|p| {
                        json!({"id": p.id, "slug": p.slug, "title": p.title, "published": p.published,
                               "blockCount": p.content_blocks.len(), "createdAt": p.created_at, "updatedAt": p.updated_at})
                    })
                    .collect();
                Reply::Pages(from(page(items, paging.page, paging.limit)))
            }
            R::Page(id) => Reply::Page(pages.iter().find(|p| p.id == id).cloned().ok_or_else(not_found)?),
            R::CreatePage(body) => {
                let title = body.title.to_string();
                let slug = body
                    .slug
                    .map_or_else(|| title.to_lowercase().replace(' ', "-"), |s| s.to_string());
                if pages.iter().any(|p| p.slug == slug) {
                    return Err(slug_taken());
                }
                let blocks = stored_blocks(&body.content_blocks)?;
                // Above every page's number, so no two pages share an id.
                let n = pages
                    .iter()
                    .filter_map(|p| p.id.strip_prefix("page-")?.parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
                    + 1;
                let created: types::AdminPage = from(json!({
                    "id": format!("page-{n}"), "slug": slug, "title": title, "published": body.published,
                    "contentBlocks": blocks, "createdAt": AT, "updatedAt": AT
                }));
                pages.push(created.clone());
                Reply::Page(created)
            }
            R::UpdatePage { id, patch } => {
                if let Some(slug) = &patch.slug
                    && pages.iter().any(|p| p.id != id && p.slug == slug.as_str())
                {
                    return Err(slug_taken());
                }
                let stored = pages.iter_mut().find(|p| p.id == id).ok_or_else(not_found)?;
                let mut value = serde_json::to_value(&*stored).expect("page as JSON");
                if let Some(title) = patch.title {
                    value["title"] = json!(title.as_str());
                }
                if let Some(slug) = patch.slug {
                    value["slug"] = json!(slug.as_str());
                }
                if let Some(published) = patch.published {
                    value["published"] = json!(published);
                }
                // An empty list never arrives: the generated patch leaves it out.
                if !patch.content_blocks.is_empty() {
                    value["contentBlocks"] = json!(stored_blocks(&patch.content_blocks)?);
                }
                *stored = from(value);
                Reply::Page(stored.clone())
            }
            R::DeletePage(id) => {
                let at = pages.iter().position(|p| p.id == id).ok_or_else(not_found)?;
                pages.remove(at);
                Reply::Done
            }
            R::PreviewPage(id) => {
                let p = pages.iter().find(|p| p.id == id).ok_or_else(not_found)?;
                Reply::Preview(from(json!({
                    "slug": p.slug, "title": p.title, "updatedAt": p.updated_at, "contentBlocks": p.content_blocks
                })))
            }
            other => {
                return Err(problem(
                    501,
                    "not_in_fake",
                    &format!("not a CMS request: {other:?}"),
                    json!([]),
                ));
            }
        })
    }
}

/// Blocks as stored from blocks as written: a paragraph gets its HTML (a plain rendering,
/// enough for the console); a heading's level is checked as the API does (2 to 4).
fn stored_blocks(inputs: &[types::ContentBlockInput]) -> Result<Vec<Value>, Failure> {
    let mut blocks = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let mut block = serde_json::to_value(input).expect("block as JSON");
        if block["type"] == "heading" && !(2..=4).contains(&block["data"]["level"].as_u64().unwrap_or(0)) {
            return Err(problem(
                422,
                "validation_failed",
                "the page could not be saved",
                json!([{"field": format!("contentBlocks[{i}].data.level"), "message": "must be 2 to 4"}]),
            ));
        }
        if block["type"] == "paragraph" {
            let markdown = block["data"]["markdown"].as_str().unwrap_or_default().to_owned();
            let escaped = markdown.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            block["data"]["html"] = json!(format!("<p>{}</p>", escaped.replace('\n', "<br>\n")));
        }
        blocks.push(block);
    }
    Ok(blocks)
}

/// The sales range as the API checks it: `start` not after `end`, at most 366 days.
fn sales_range(start: &str, end: &str) -> Result<(), Failure> {
    let day = |field: &str, text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            problem(
                422,
                "validation_failed",
                "invalid range",
                json!([{"field": field, "message": "not a date"}]),
            )
        })
    };
    let (first, last) = (day("start", start)?, day("end", end)?);
    let error = if first > last {
        json!({"field": "start", "message": "must not be after end"})
    } else if (last - first).num_days() + 1 > 366 {
        json!({"field": "end", "message": "must be at most 366 days from start (inclusive)"})
    } else {
        return Ok(());
    };
    Err(problem(
        422,
        "validation_failed",
        "the range is not valid",
        json!([error]),
    ))
}
