//! An in-memory [`AdminApi`] for tests and screenshots: a small fixed store (one category
//! tree, products with variants, orders in several statuses, users, pages, messages, jobs,
//! audit entries) that answers like the API, applies the writes the console makes, and records
//! every request. Data is built from JSON, as the API would send it.

mod back_office;
mod categories;
mod cms;
mod collections;
mod orders;
mod products;
mod promotions;
mod taxonomy;

use std::sync::Mutex;

use async_trait::async_trait;
use beeget_client::types;
use serde_json::{Value, json};

use super::{AdminApi, Failure, Reply, Request};
use orders::order;
use products::product;
use taxonomy::Taxa;

pub struct FakeApi {
    state: Mutex<State>,
}

struct State {
    signed_in: bool,
    requests: Vec<Request>,
    orders: Vec<types::Order>,
    products: Vec<types::AdminProduct>,
    /// The CMS pages, made on first use (see `State::cms`) and changed by the writes.
    pages: Option<Vec<types::AdminPage>>,
    /// Answer the next call with this failure (then carry on normally).
    fail_next: Option<Failure>,
    taxa: Taxa,
}

/// A value of the API's schema from its JSON.
fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("fake data matches the API's schema")
}

const AT: &str = "2026-11-30T09:15:00Z";

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

/// A problem as the API sends one (`application/problem+json`).
fn problem(status: u16, code: &str, detail: &str, errors: Value) -> Failure {
    Failure::Problem(from(json!({
        "type": format!("https://beeget.dev/problems/{code}"), "title": code, "status": status, "code": code,
        "detail": detail, "errors": errors, "requestId": "req-fake-0001"
    })))
}

fn not_found() -> Failure {
    problem(404, "not_found", "no such record", json!([]))
}

/// A 501 for a request that part of the fake does not answer.
fn unanswered(part: &str, request: &Request) -> Failure {
    problem(
        501,
        "not_in_fake",
        &format!("{part} does not answer {request:?}"),
        json!([]),
    )
}

/// One page of `items`, as the API pages a list.
fn page(items: Vec<Value>, page: u64, limit: u64) -> Value {
    let total = items.len() as u64;
    let start = ((page.max(1) - 1) * limit) as usize;
    let items: Vec<Value> = items.into_iter().skip(start).take(limit as usize).collect();
    json!({"items": items, "page": page, "limit": limit, "total": total})
}

impl State {
    /// Answers as the API would: the failure asked for first, 401 until signed in, then each
    /// area's requests in its own module (what no area keeps goes to [`State::back_office`]).
    fn answer(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        if let Some(failure) = self.fail_next.take() {
            return Err(failure);
        }
        if !self.signed_in && !matches!(request, R::Login { .. }) {
            return Err(problem(401, "unauthorized", "sign in first", json!([])));
        }
        match request {
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
                Ok(Reply::LoggedIn { email })
            }
            R::Logout => {
                self.signed_in = false;
                Ok(Reply::Done)
            }
            request @ (R::Orders(_) | R::Order(_) | R::SetOrderStatus { .. }) => self.orders(request),
            request @ (R::Products(_)
            | R::Product(_)
            | R::CreateProduct(_)
            | R::UpdateProduct { .. }
            | R::UpdateVariant { .. }
            | R::DeleteVariant { .. }
            | R::UploadImage { .. }
            | R::DeleteProduct(_)
            | R::CreateVariant { .. }
            | R::AdjustStock { .. }) => self.products(request),
            request @ (R::Categories | R::CreateCategory(_) | R::UpdateCategory { .. } | R::DeleteCategory { .. }) => {
                self.categories(request)
            }
            request @ (R::Collections
            | R::CreateCollection(_)
            | R::UpdateCollection { .. }
            | R::DeleteCollection { .. }) => self.collections(request),
            request @ (R::Promotions | R::CreatePromotion(_) | R::UpdatePromotion { .. } | R::DeletePromotion(_)) => {
                self.promotions(request)
            }
            request @ (R::Pages { .. }
            | R::Page(_)
            | R::CreatePage(_)
            | R::UpdatePage { .. }
            | R::DeletePage(_)
            | R::PreviewPage(_)) => self.cms(request),
            other => self.back_office(other),
        }
    }
}

#[async_trait]
impl AdminApi for FakeApi {
    async fn send(&self, request: Request) -> Result<Reply, Failure> {
        let mut state = self.state.lock().expect("fake state");
        state.requests.push(request.clone());
        state.answer(request)
    }
}
