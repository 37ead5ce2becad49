//! Staff work on promotions: every promotion whatever its state, create, edit, delete.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, param::Path, payload::Json, types::MaybeUndefined};

use super::fields::patched;
use crate::{
    domain::{
        InvalidField,
        catalogue::{DiscountType, Promotion},
    },
    http::problem::operation_errors,
    routes::{
        ApiTags, AppState,
        dto::{DiscountTypeView, PromotionView, ScopeKindView},
        parse_id,
        security::BearerAuth,
    },
    services::{
        ServiceError,
        promotion_admin::{PromotionChanges, PromotionInput, ScopeInput},
    },
};

pub struct AdminPromotionsApi;

operation_errors!(
    /// Errors of `adminListPromotions`.
    pub enum AdminListPromotionsError {
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of the promotion writes: 422 naming `name`, `slug` or `code` (malformed or taken
    /// whatever its case), `endDate` (not after `startDate`), `discountValue`, `scope.id`.
    pub enum AdminWritePromotionError {
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminCreatePromotion`: 422 as for updates.
    pub enum AdminCreatePromotionError {
        BadRequest,
        Unauthorized,
        Forbidden,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminDeletePromotion`.
    pub enum AdminDeletePromotionError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

/// A promotion as staff manage it: switched on or not, running or not.
#[derive(Object, Debug)]
#[oai(rename = "AdminPromotion", rename_all = "camelCase")]
pub struct AdminPromotionView {
    /// Off: never applies, whatever its dates.
    pub active: bool,
    #[oai(flatten)]
    pub promotion: PromotionView,
}

impl AdminPromotionView {
    fn new(p: Promotion, state: &AppState) -> Self {
        Self {
            active: p.active,
            promotion: PromotionView::new(p, &state.config.currency()),
        }
    }
}

/// What a promotion applies to: `all`, or one category (with its subcategories), collection
/// or product named by `id`.
#[derive(Object, Debug)]
#[oai(rename = "PromotionScopeInput", rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeRequest {
    pub kind: ScopeKindView,
    /// Required unless `kind` is `all`.
    pub id: Option<String>,
}

impl ScopeRequest {
    fn into_input(self) -> Result<ScopeInput, ServiceError> {
        let id = || {
            self.id
                .clone()
                .ok_or_else(|| ServiceError::from(InvalidField::new("scope.id", "is required for this kind")))
        };
        Ok(match self.kind {
            ScopeKindView::All => ScopeInput::All,
            ScopeKindView::Category => ScopeInput::Category(id()?),
            ScopeKindView::Collection => ScopeInput::Collection(id()?),
            ScopeKindView::Product => ScopeInput::Product(id()?),
        })
    }
}

fn discount(view: DiscountTypeView) -> DiscountType {
    match view {
        DiscountTypeView::Percent => DiscountType::Percent,
        DiscountTypeView::Fixed => DiscountType::Fixed,
    }
}

/// A new promotion. Money is in minor units of the store currency.
#[derive(Object, Debug)]
#[oai(rename = "NewAdminPromotion", rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPromotionRequest {
    pub name: String,
    /// Made from the name when absent.
    pub slug: Option<String>,
    pub description: Option<String>,
    /// Default on.
    #[oai(default = "super::fields::on")]
    pub active: bool,
    /// Order among promotions, lowest first.
    #[oai(default)]
    pub position: i32,
    pub discount_type: DiscountTypeView,
    /// Whole percent (1 to 100) for `percent`; minor units for `fixed`.
    pub discount_value: i64,
    pub start_date: DateTime<Utc>,
    /// After `startDate`.
    pub end_date: DateTime<Utc>,
    /// What shoppers enter; absent for a promotion that applies by itself. Unique whatever
    /// its case; stored in upper case.
    pub code: Option<String>,
    pub scope: ScopeRequest,
    /// Adds to the best other promotion on an item instead of competing with it.
    #[oai(default)]
    pub stackable: bool,
}

/// A partial change: fields left out stay as they are.
#[derive(Object, Debug)]
#[oai(rename = "AdminPromotionPatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct PromotionPatchRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    /// `null` clears it.
    #[oai(nullable)]
    pub description: MaybeUndefined<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
    pub discount_type: Option<DiscountTypeView>,
    pub discount_value: Option<i64>,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    /// `null` makes it apply by itself, without a code.
    #[oai(nullable)]
    pub code: MaybeUndefined<String>,
    pub scope: Option<ScopeRequest>,
    pub stackable: Option<bool>,
}

#[derive(ApiResponse)]
enum PromotionCreated {
    #[oai(status = 201)]
    Created(Json<AdminPromotionView>),
}

#[derive(ApiResponse)]
enum PromotionDeleted {
    #[oai(status = 204)]
    NoContent,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminPromotionsApi {
    /// Every promotion, switched on or not, past, running or future
    #[oai(path = "/admin/promotions", method = "get", operation_id = "adminListPromotions")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<Json<Vec<AdminPromotionView>>, AdminListPromotionsError> {
        auth.admin(&state).await?;
        let all = state.promotion_admin.list().await?;
        Ok(Json(
            all.into_iter().map(|p| AdminPromotionView::new(p, &state)).collect(),
        ))
    }

    /// Create a promotion
    #[oai(path = "/admin/promotions", method = "post", operation_id = "adminCreatePromotion")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<NewPromotionRequest>,
    ) -> Result<PromotionCreated, AdminCreatePromotionError> {
        let who = auth.admin(&state).await?;
        let b = body.0;
        let input = PromotionInput {
            name: b.name,
            slug: b.slug,
            description: b.description,
            active: b.active,
            position: b.position,
            discount_type: discount(b.discount_type),
            discount_value: b.discount_value,
            start_date: b.start_date,
            end_date: b.end_date,
            code: b.code,
            scope: b.scope.into_input()?,
            stackable: b.stackable,
        };
        let created = state.promotion_admin.create(who.user_id, input).await?;
        Ok(PromotionCreated::Created(Json(AdminPromotionView::new(
            created, &state,
        ))))
    }

    /// Change a promotion
    #[oai(
        path = "/admin/promotions/:id",
        method = "patch",
        operation_id = "adminUpdatePromotion"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
        body: Json<PromotionPatchRequest>,
    ) -> Result<Json<AdminPromotionView>, AdminWritePromotionError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "promotion")?;
        let b = body.0;
        let changes = PromotionChanges {
            name: b.name,
            slug: b.slug,
            description: patched(b.description),
            active: b.active,
            position: b.position,
            discount_type: b.discount_type.map(discount),
            discount_value: b.discount_value,
            start_date: b.start_date,
            end_date: b.end_date,
            code: patched(b.code),
            scope: b.scope.map(ScopeRequest::into_input).transpose()?,
            stackable: b.stackable,
        };
        let updated = state.promotion_admin.update(who.user_id, id, changes).await?;
        Ok(Json(AdminPromotionView::new(updated, &state)))
    }

    /// Delete a promotion
    #[oai(
        path = "/admin/promotions/:id",
        method = "delete",
        operation_id = "adminDeletePromotion"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<PromotionDeleted, AdminDeletePromotionError> {
        let who = auth.admin(&state).await?;
        let id = parse_id(&id.0, "promotion")?;
        state.promotion_admin.delete(who.user_id, id).await?;
        Ok(PromotionDeleted::NoContent)
    }
}
