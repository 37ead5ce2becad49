//! [`AdminApi`] over the generated `beeget-client`. Keeps the token pair in memory only,
//! refreshes it a minute before the access token expires (and once more when the API answers
//! 401), and reports a session that cannot be renewed as a 401.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use beeget_client::{ApiError, ByteStream, Client, ClientInfo, Error, ResponseValue, authorized, types};
use tokio::sync::Mutex;

use super::{AdminApi, Failure, Reply, Request};

/// Renew this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

struct Session {
    client: Client,
    refresh_token: String,
    expires_at: Instant,
}

pub struct ClientApi {
    base_url: String,
    anonymous: Client,
    session: Mutex<Option<Session>>,
}

impl ClientApi {
    /// A client for the API at `base_url` (`http://127.0.0.1:8080`), not yet signed in.
    ///
    /// Errors: the HTTP client could not be built (no TLS backend).
    pub fn new(base_url: &str) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            anonymous: Client::new_with_client(base_url, http),
            session: Mutex::new(None),
        })
    }

    fn start(&self, pair: types::TokenPair) -> Result<Session, Failure> {
        let client = authorized(&self.base_url, &pair.access_token).map_err(|e| other(None, e.to_string()))?;
        Ok(Session {
            client,
            refresh_token: pair.refresh_token,
            expires_at: Instant::now() + Duration::from_secs(pair.expires_in),
        })
    }

    /// The signed-in client, renewed first when it is about to expire (or `force`).
    async fn client(&self, force: bool) -> Result<Client, Failure> {
        let mut guard = self.session.lock().await;
        let Some(session) = guard.as_mut() else {
            return Err(other(Some(401), "not signed in".into()));
        };
        if force || session.expires_at.saturating_duration_since(Instant::now()) < REFRESH_MARGIN {
            let refreshed = self
                .anonymous
                .refresh_tokens()
                .body(types::RefreshRequest::builder().refresh_token(session.refresh_token.clone()))
                .send()
                .await;
            match refreshed {
                Ok(pair) => *session = self.start(pair.into_inner())?,
                Err(e) => {
                    let failure = ApiError::from_response(e).await;
                    if failure.status().is_some_and(|s| (400..500).contains(&s)) {
                        // The refresh token was refused: the session is over.
                        *guard = None;
                        return Err(other(Some(401), format!("session ended: {failure}")));
                    }
                    return Err(failure);
                }
            }
        }
        Ok(session.client.clone())
    }

    async fn login(&self, email: String, password: String) -> Result<Reply, Failure> {
        let pair = done(
            self.anonymous
                .login()
                .body(types::LoginRequest::builder().email(email.clone()).password(password))
                .send()
                .await,
        )
        .await?;
        let session = self.start(pair)?;
        *self.session.lock().await = Some(session);
        Ok(Reply::LoggedIn { email })
    }

    async fn logout(&self) -> Result<Reply, Failure> {
        if let Some(session) = self.session.lock().await.take() {
            let body = types::RefreshRequest::builder().refresh_token(session.refresh_token);
            // Best effort: the tokens are dropped here whatever the API says.
            let _ = session.client.logout().body(body).send().await;
        }
        Ok(Reply::Done)
    }

    /// The sales report as CSV, as `GET /admin/reports/sales?format=csv` answers it: the one
    /// call outside the generated code (progenitor keeps only the JSON body of the operation).
    async fn sales_csv(
        &self,
        client: &Client,
        start: &str,
        end: &str,
        group_by: types::SalesGrouping,
    ) -> Result<Reply, Failure> {
        let response = client
            .client()
            .get(format!("{}/admin/reports/sales", client.baseurl()))
            .query(&[
                ("start", start),
                ("end", end),
                ("groupBy", &group_by.to_string()),
                ("format", "csv"),
            ])
            .send()
            .await
            .map_err(|e| other(None, e.to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| other(Some(status.as_u16()), e.to_string()))?;
        if status.is_success() {
            return Ok(Reply::Csv(body));
        }
        Err(problem_of(status.as_u16(), body))
    }

    async fn call(&self, client: &Client, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        Ok(match request {
            R::Login { .. } | R::Logout => unreachable_session_request(),
            R::Dashboard => Reply::Dashboard(done(client.admin_dashboard().send().await).await?),
            R::Orders(q) => {
                let mut b = client.admin_list_orders().page(q.paging.page).limit(q.paging.limit);
                if let Some(text) = q.q {
                    b = b.q(text);
                }
                if let Some(status) = q.status {
                    b = b.status(status);
                }
                if let Some(payment) = q.payment_status {
                    b = b.payment_status(payment);
                }
                if let Some(from) = q.from.as_deref().and_then(|d| day_start(d, 0)) {
                    b = b.from(from);
                }
                if let Some(to) = q.to.as_deref().and_then(|d| day_start(d, 1)) {
                    b = b.to(to);
                }
                Reply::Orders(done(b.send().await).await?)
            }
            R::Order(id) => Reply::Order(done(client.admin_get_order().id(id).send().await).await?),
            R::SetOrderStatus { id, change } => {
                Reply::Order(done(client.admin_set_order_status().id(id).body(change).send().await).await?)
            }
            R::Products(q) => {
                let mut b = client.admin_list_products().page(q.paging.page).limit(q.paging.limit);
                if let Some(search) = q.search {
                    b = b.search(search);
                }
                if let Some(status) = q.status {
                    b = b.status(status);
                }
                if let Some(sort) = q.sort {
                    b = b.sort(sort);
                }
                Reply::Products(done(b.send().await).await?)
            }
            R::Product(id) => Reply::Product(done(client.admin_get_product().id(id).send().await).await?),
            R::CreateProduct(body) => {
                Reply::Product(done(client.admin_create_product().body(body).send().await).await?)
            }
            R::UpdateProduct { id, patch } => {
                Reply::Product(done(client.admin_update_product().id(id).body(patch).send().await).await?)
            }
            R::DeleteProduct(id) => {
                done(client.admin_delete_product().id(id).send().await).await?;
                Reply::Done
            }
            R::CreateVariant { product_id, variant } => {
                Reply::Variant(done(client.admin_create_variant().id(product_id).body(variant).send().await).await?)
            }
            R::AdjustStock {
                product_id,
                variant_id,
                adjustment,
            } => Reply::StockMovement(
                done(
                    client
                        .admin_adjust_stock()
                        .id(product_id)
                        .variant_id(variant_id)
                        .body(adjustment)
                        .send()
                        .await,
                )
                .await?,
            ),
            R::UpdateVariant {
                product_id,
                variant_id,
                patch,
            } => Reply::Variant(
                done(
                    client
                        .admin_update_variant()
                        .id(product_id)
                        .variant_id(variant_id)
                        .body(patch)
                        .send()
                        .await,
                )
                .await?,
            ),
            R::DeleteVariant { product_id, variant_id } => {
                done(
                    client
                        .admin_delete_variant()
                        .id(product_id)
                        .variant_id(variant_id)
                        .send()
                        .await,
                )
                .await?;
                Reply::Done
            }
            R::UploadImage { product_id, path } => {
                let bytes = tokio::fs::read(&path)
                    .await
                    .map_err(|e| other(None, format!("cannot read {path}: {e}")))?;
                let name = std::path::Path::new(&path)
                    .file_name()
                    .map_or_else(|| "image".to_owned(), |n| n.to_string_lossy().into_owned());
                Reply::Image(beeget_client::upload::product_image(client, &product_id, &name, bytes).await?)
            }
            R::EraseUser(id) => {
                done(client.admin_erase_user().id(id).send().await).await?;
                Reply::Done
            }
            R::Categories => Reply::Categories(done(client.admin_list_categories().send().await).await?),
            R::CreateCategory(body) => {
                Reply::Category(done(client.admin_create_category().body(body).send().await).await?)
            }
            R::UpdateCategory { id, patch, clear } if clear.is_empty() => {
                Reply::Category(done(client.admin_update_category().id(id).body(patch).send().await).await?)
            }
            R::UpdateCategory { id, patch, clear } => {
                Reply::Category(patch_with_clears(client, &format!("/admin/categories/{id}"), &patch, &clear).await?)
            }
            R::DeleteCategory { id, reassign_to } => {
                let mut b = client.admin_delete_category().id(id);
                if let Some(target) = reassign_to {
                    b = b.reassign_to(target);
                }
                done(b.send().await).await?;
                Reply::Done
            }
            R::Collections => Reply::Collections(done(client.admin_list_collections().send().await).await?),
            R::CreateCollection(body) => {
                Reply::Collection(done(client.admin_create_collection().body(body).send().await).await?)
            }
            R::UpdateCollection { id, patch } => {
                Reply::Collection(done(client.admin_update_collection().id(id).body(patch).send().await).await?)
            }
            R::DeleteCollection { id, reassign_to } => {
                let mut b = client.admin_delete_collection().id(id);
                if let Some(target) = reassign_to {
                    b = b.reassign_to(target);
                }
                done(b.send().await).await?;
                Reply::Done
            }
            R::Promotions => Reply::Promotions(done(client.admin_list_promotions().send().await).await?),
            R::CreatePromotion(body) => {
                Reply::Promotion(done(client.admin_create_promotion().body(body).send().await).await?)
            }
            R::UpdatePromotion { id, patch, clear } if clear.is_empty() => {
                Reply::Promotion(done(client.admin_update_promotion().id(id).body(patch).send().await).await?)
            }
            R::UpdatePromotion { id, patch, clear } => {
                Reply::Promotion(patch_with_clears(client, &format!("/admin/promotions/{id}"), &patch, &clear).await?)
            }
            R::DeletePromotion(id) => {
                done(client.admin_delete_promotion().id(id).send().await).await?;
                Reply::Done
            }
            R::Users(q) => {
                let mut b = client.admin_list_users().page(q.paging.page).limit(q.paging.limit);
                if let Some(search) = q.search {
                    b = b.search(search);
                }
                if let Some(role) = q.role {
                    b = b.role(role);
                }
                if let Some(sort) = q.sort {
                    b = b.sort(sort);
                }
                Reply::Users(done(b.send().await).await?)
            }
            R::User(id) => Reply::User(done(client.admin_get_user().id(id).send().await).await?),
            R::SetUserRole { id, role } => {
                let body = types::RoleChangeRequest::builder().role(role);
                done(client.admin_set_user_role().id(id.clone()).body(body).send().await).await?;
                Reply::User(done(client.admin_get_user().id(id).send().await).await?)
            }
            R::SalesReport { start, end, group_by } => Reply::Sales(
                done(
                    client
                        .admin_sales_report()
                        .start(start)
                        .end(end)
                        .group_by(group_by)
                        .send()
                        .await,
                )
                .await?,
            ),
            R::SalesCsv { start, end, group_by } => return self.sales_csv(client, &start, &end, group_by).await,
            R::Inventory { threshold, paging } => {
                let mut b = client.admin_inventory_report().page(paging.page).limit(paging.limit);
                if let Some(threshold) = threshold {
                    b = b.threshold(threshold);
                }
                Reply::Inventory(done(b.send().await).await?)
            }
            R::Pages { paging, search } => {
                let mut b = client.admin_list_pages().page(paging.page).limit(paging.limit);
                if let Some(search) = search {
                    b = b.search(search);
                }
                Reply::Pages(done(b.send().await).await?)
            }
            R::Page(id) => Reply::Page(done(client.admin_get_page().id(id).send().await).await?),
            R::CreatePage(body) => Reply::Page(done(client.admin_create_page().body(body).send().await).await?),
            R::UpdatePage { id, patch, clear } if clear.is_empty() => {
                Reply::Page(done(client.admin_update_page().id(id).body(patch).send().await).await?)
            }
            R::UpdatePage { id, patch, clear } => {
                Reply::Page(patch_with_clears(client, &format!("/admin/cms/pages/{id}"), &patch, &clear).await?)
            }
            R::DeletePage(id) => {
                done(client.admin_delete_page().id(id).send().await).await?;
                Reply::Done
            }
            R::PreviewPage(id) => Reply::Preview(done(client.admin_preview_page().id(id).send().await).await?),
            R::ContactMessages { paging, handled } => {
                let mut b = client
                    .admin_list_contact_messages()
                    .page(paging.page)
                    .limit(paging.limit);
                if let Some(handled) = handled {
                    b = b.handled(handled);
                }
                Reply::ContactMessages(done(b.send().await).await?)
            }
            R::SetContactHandled { id, handled } => {
                let body = types::ContactMessagePatch::builder().handled(handled);
                Reply::ContactMessage(done(client.admin_update_contact_message().id(id).body(body).send().await).await?)
            }
            R::Jobs { paging, status } => {
                let mut b = client.admin_list_jobs().page(paging.page).limit(paging.limit);
                if let Some(status) = status {
                    b = b.status(status);
                }
                Reply::Jobs(done(b.send().await).await?)
            }
            R::RetryJob(id) => {
                done(client.admin_retry_job().id(id).send().await).await?;
                Reply::JobRetried
            }
            R::Audit { paging, target_type } => {
                let mut b = client.admin_list_audit().page(paging.page).limit(paging.limit);
                if let Some(target_type) = target_type {
                    b = b.target_type(target_type);
                }
                Reply::Audit(done(b.send().await).await?)
            }
        })
    }
}

#[async_trait]
impl AdminApi for ClientApi {
    async fn send(&self, request: Request) -> Result<Reply, Failure> {
        match request {
            Request::Login { email, password } => return self.login(email, password).await,
            Request::Logout => return self.logout().await,
            _ => {}
        }
        let client = self.client(false).await?;
        match self.call(&client, request.clone()).await {
            // Expired or revoked early: renew once and try again.
            Err(failure) if failure.status() == Some(401) => {
                let client = self.client(true).await?;
                self.call(&client, request).await
            }
            result => result,
        }
    }
}

/// Sign-in and sign-out are handled before `call`.
fn unreachable_session_request() -> Reply {
    Reply::Done
}

/// `PATCH {path}` with the typed patch plus the fields it cannot carry ([`Clear`]), on the
/// generated client's own HTTP client (same base URL, same bearer token, same timeouts), and
/// the answer read as the generated type. The one other call outside the generated code.
async fn patch_with_clears<R: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
    patch: &impl serde::Serialize,
    clear: &super::Clear,
) -> Result<R, Failure> {
    let mut body = serde_json::to_value(patch).map_err(|e| other(None, e.to_string()))?;
    clear.apply(&mut body);
    let response = client
        .client()
        .patch(format!("{}{path}", client.baseurl()))
        .json(&body)
        .send()
        .await
        .map_err(|e| other(None, e.to_string()))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| other(Some(status.as_u16()), e.to_string()))?;
    if status.is_success() {
        return serde_json::from_str(&text).map_err(|e| other(Some(status.as_u16()), e.to_string()));
    }
    Err(problem_of(status.as_u16(), text))
}

/// An error answer's problem document, or its text when it has none.
fn problem_of(status: u16, body: String) -> Failure {
    match serde_json::from_str::<types::Problem>(&body) {
        Ok(problem) => ApiError::Problem(problem),
        Err(_) => other(Some(status), body),
    }
}

fn other(status: Option<u16>, message: String) -> Failure {
    ApiError::Other { status, message }
}

/// The body of a successful answer, or the API's problem.
async fn done<T>(result: Result<ResponseValue<T>, Error<ByteStream>>) -> Result<T, Failure> {
    match result {
        Ok(value) => Ok(value.into_inner()),
        Err(e) => Err(ApiError::from_response(e).await),
    }
}

/// Midnight UTC of `date` plus `days` (the list's `to` is exclusive of the next day).
fn day_start(date: &str, days: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()? + chrono::Duration::days(days);
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}
