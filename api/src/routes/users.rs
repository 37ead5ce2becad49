use std::sync::Arc;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json, types::MaybeUndefined};

use super::{ApiTags, AppState, parse_id, security::BearerAuth};
use crate::{
    domain::{
        erasure::{ErasureReceipt, ErasureRequester},
        user::User,
    },
    http::problem::operation_errors,
    repos::{Address, AddressFields},
    services::profile::{MAX_ADDRESSES, ProfileChanges},
};

pub struct UsersApi;

operation_errors!(
    /// Errors of `eraseMe`: 422 when the password is not the account's, 409 `last_admin`.
    pub enum EraseMeError {
        BadRequest,
        Unauthorized,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `getMe` and `listAddresses`.
    pub enum OwnReadError {
        Unauthorized,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `updateMe`.
    pub enum UpdateMeError {
        BadRequest,
        Unauthorized,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `createAddress` (409 `address_limit` past the most an account keeps).
    pub enum CreateAddressError {
        BadRequest,
        Unauthorized,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `updateAddress`.
    pub enum UpdateAddressError {
        BadRequest,
        Unauthorized,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `deleteAddress`.
    pub enum DeleteAddressError {
        Unauthorized,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

/// An account as its owner (or staff) sees it. Never carries the password hash.
#[derive(Object, Debug, Clone)]
#[oai(rename = "User", rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `user` or `admin`.
    pub role: String,
    pub email_verified: bool,
    #[oai(skip_serializing_if_is_none)]
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            name: u.name,
            email: u.email,
            role: u.role.as_str().to_owned(),
            email_verified: u.email_verified_at.is_some(),
            email_verified_at: u.email_verified_at,
            created_at: u.created_at,
        }
    }
}

/// Changes to the signed-in account. Anything else (role, email, ids) is refused with 422.
#[derive(Object, Debug)]
#[oai(rename = "ProfilePatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateMeRequest {
    #[oai(nullable)]
    pub name: Option<String>,
    /// Required with `newPassword`.
    #[oai(nullable)]
    pub current_password: Option<String>,
    /// Changing it signs out every other session.
    #[oai(nullable)]
    pub new_password: Option<String>,
}

#[derive(Object, Debug, Clone)]
#[oai(rename = "Address", rename_all = "camelCase")]
pub struct AddressView {
    pub id: String,
    pub label: String,
    pub line1: String,
    #[oai(skip_serializing_if_is_none)]
    pub line2: Option<String>,
    pub city: String,
    #[oai(skip_serializing_if_is_none)]
    pub state: Option<String>,
    pub zip: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[oai(skip_serializing_if_is_none)]
    pub phone: Option<String>,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Address> for AddressView {
    fn from(a: Address) -> Self {
        let f = a.fields;
        Self {
            id: a.id.to_string(),
            label: f.label,
            line1: f.line1,
            line2: f.line2,
            city: f.city,
            state: f.state,
            zip: f.zip,
            country: f.country,
            phone: f.phone,
            is_default: a.is_default,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// The address book (at most 20), default first.
#[derive(Object, Debug)]
pub struct AddressList {
    pub items: Vec<AddressView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

#[derive(Object, Debug)]
#[oai(rename = "NewAddress", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAddressRequest {
    /// e.g. `Home`, `Work`; 1 to 50 characters.
    pub label: String,
    pub line1: String,
    #[oai(nullable)]
    pub line2: Option<String>,
    pub city: String,
    #[oai(nullable)]
    pub state: Option<String>,
    pub zip: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: String,
    #[oai(nullable)]
    pub phone: Option<String>,
    /// Make it the default address (the first address always is).
    #[oai(nullable)]
    pub is_default: Option<bool>,
}

/// Fields to change; `null` clears an optional one.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddressPatch {
    #[oai(nullable)]
    pub label: Option<String>,
    #[oai(nullable)]
    pub line1: Option<String>,
    #[oai(nullable)]
    pub line2: MaybeUndefined<String>,
    #[oai(nullable)]
    pub city: Option<String>,
    #[oai(nullable)]
    pub state: MaybeUndefined<String>,
    #[oai(nullable)]
    pub zip: Option<String>,
    #[oai(nullable)]
    pub country: Option<String>,
    #[oai(nullable)]
    pub phone: MaybeUndefined<String>,
    /// `true` makes it the default; the default moves, it is never unset.
    #[oai(nullable)]
    pub is_default: Option<bool>,
}

fn apply<T>(field: MaybeUndefined<T>, target: &mut Option<T>) {
    match field {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

#[derive(ApiResponse)]
enum AddressCreated {
    #[oai(status = 201)]
    Created(Json<AddressView>),
}

#[derive(ApiResponse)]
enum Deleted {
    /// Deleted.
    #[oai(status = 204)]
    NoContent,
}

/// The account's password, confirming that its owner asks for the erasure.
#[derive(Object, Debug)]
#[oai(rename = "EraseMeRequest", rename_all = "camelCase")]
pub struct EraseMeRequest {
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// Who asked for an erasure.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ErasureRequester", rename_all = "snake_case")]
pub enum ErasureRequesterView {
    /// The account's owner.
    Shopper,
    /// A staff member.
    Staff,
    /// An operator at the command line.
    Operator,
}

impl From<ErasureRequester> for ErasureRequesterView {
    fn from(r: ErasureRequester) -> Self {
        match r {
            ErasureRequester::Shopper => Self::Shopper,
            ErasureRequester::Staff => Self::Staff,
            ErasureRequester::Operator => Self::Operator,
        }
    }
}

/// Proof that an account was erased: ids, time and counts, nothing personal. The store keeps
/// it; the account's orders stay with their customer anonymised.
#[derive(Object, Debug)]
#[oai(rename = "ErasureReceipt", rename_all = "camelCase")]
pub struct ErasureReceiptView {
    pub id: String,
    pub user_id: String,
    pub requested_by: ErasureRequesterView,
    /// The account that asked; absent for an operator.
    #[oai(skip_serializing_if_is_none)]
    pub actor_id: Option<String>,
    /// Orders kept for accounting, their email and shipping address erased.
    pub orders_anonymised: u64,
    pub erased_at: DateTime<Utc>,
}

impl From<ErasureReceipt> for ErasureReceiptView {
    fn from(r: ErasureReceipt) -> Self {
        Self {
            id: r.id.to_string(),
            user_id: r.user_id.to_string(),
            requested_by: r.requested_by.into(),
            actor_id: r.actor_id.map(|id| id.to_string()),
            orders_anonymised: r.orders_anonymised,
            erased_at: r.erased_at,
        }
    }
}

#[OpenApi(tag = "ApiTags::Users")]
impl UsersApi {
    /// The signed-in account
    #[oai(path = "/users/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&Arc<AppState>>, auth: BearerAuth) -> Result<Json<UserView>, OwnReadError> {
        let who = auth.principal(&state).await?;
        Ok(Json(state.profile.me(&who).await?.into()))
    }

    /// Change name or password
    #[oai(path = "/users/me", method = "patch", operation_id = "updateMe")]
    async fn update_me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<UpdateMeRequest>,
    ) -> Result<Json<UserView>, UpdateMeError> {
        let who = auth.principal(&state).await?;
        let body = body.0;
        let user = state
            .profile
            .update(
                &who,
                ProfileChanges {
                    name: body.name,
                    current_password: body.current_password,
                    new_password: body.new_password,
                },
            )
            .await?;
        Ok(Json(user.into()))
    }

    /// Erase my account
    ///
    /// Erases the signed-in account's personal data (name, email, password, addresses,
    /// sessions, cart, contact messages, and the email and address on its orders) once the
    /// password confirms it. Orders stay for accounting with their totals; the account can
    /// never sign in again and its email may register anew. Answers the erasure receipt.
    #[oai(path = "/users/me", method = "delete", operation_id = "eraseMe")]
    async fn erase_me(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<EraseMeRequest>,
    ) -> Result<Json<ErasureReceiptView>, EraseMeError> {
        let who = auth.principal(&state).await?;
        let receipt = state.gdpr.erase_own(&who, body.0.password).await?;
        Ok(Json(receipt.into()))
    }

    /// The address book
    #[oai(path = "/users/me/addresses", method = "get", operation_id = "listAddresses")]
    async fn addresses(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<AddressList>, OwnReadError> {
        let who = auth.principal(&state).await?;
        let items: Vec<AddressView> = state
            .profile
            .addresses(&who)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(AddressList {
            total: items.len() as u64,
            items,
            page: 1,
            limit: MAX_ADDRESSES,
        }))
    }

    /// Add an address
    #[oai(path = "/users/me/addresses", method = "post", operation_id = "createAddress")]
    async fn add_address(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewAddressRequest>,
    ) -> Result<AddressCreated, CreateAddressError> {
        let who = auth.principal(&state).await?;
        let b = body.0;
        let input = AddressFields {
            label: b.label,
            line1: b.line1,
            line2: b.line2,
            city: b.city,
            state: b.state,
            zip: b.zip,
            country: b.country,
            phone: b.phone,
        };
        let address = state
            .profile
            .add_address(&who, input, b.is_default.unwrap_or(false))
            .await?;
        Ok(AddressCreated::Created(Json(address.into())))
    }

    /// Change an address
    #[oai(path = "/users/me/addresses/:id", method = "patch", operation_id = "updateAddress")]
    async fn update_address(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<AddressPatch>,
    ) -> Result<Json<AddressView>, UpdateAddressError> {
        let who = auth.principal(&state).await?;
        let id = parse_id(&id.0, "address")?;
        let p = body.0;
        let make_default = p.is_default.unwrap_or(false);
        let address = state
            .profile
            .update_address(
                &who,
                id,
                move |a| {
                    if let Some(v) = p.label {
                        a.label = v;
                    }
                    if let Some(v) = p.line1 {
                        a.line1 = v;
                    }
                    apply(p.line2, &mut a.line2);
                    if let Some(v) = p.city {
                        a.city = v;
                    }
                    apply(p.state, &mut a.state);
                    if let Some(v) = p.zip {
                        a.zip = v;
                    }
                    if let Some(v) = p.country {
                        a.country = v;
                    }
                    apply(p.phone, &mut a.phone);
                },
                make_default,
            )
            .await?;
        Ok(Json(address.into()))
    }

    /// Delete an address
    ///
    /// Deleting the default makes the oldest remaining address the default.
    #[oai(path = "/users/me/addresses/:id", method = "delete", operation_id = "deleteAddress")]
    async fn delete_address(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Deleted, DeleteAddressError> {
        let who = auth.principal(&state).await?;
        let id = parse_id(&id.0, "address")?;
        state.profile.delete_address(&who, id).await?;
        Ok(Deleted::NoContent)
    }
}
