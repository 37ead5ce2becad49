//! The audit log of staff writes, read by actor, target and time.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, param::Query, payload::Json};

use super::fields::query_id;
use crate::{
    domain::{
        InvalidField,
        audit::{AuditEntry, AuditFilter, AuditTarget, FieldChange},
    },
    http::problem::operation_errors,
    routes::{ApiTags, AppState, orders::page_request, security::BearerAuth},
    services::{self, ServiceError},
};

pub struct AuditApi;

operation_errors!(
    /// Errors of `adminListAudit`: 422 when `to` is not after `from` or an id is not a UUID.
    pub enum AdminListAuditError {
        BadRequest,
        Unauthorized,
        Forbidden,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

/// What kind of record an entry is about.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "AuditTargetType", rename_all = "snake_case")]
pub enum AuditTargetView {
    Product,
    Variant,
    Category,
    Collection,
    Promotion,
    User,
    Order,
    CmsPage,
    ContactMessage,
    Job,
}

impl From<AuditTargetView> for AuditTarget {
    fn from(v: AuditTargetView) -> Self {
        match v {
            AuditTargetView::Product => Self::Product,
            AuditTargetView::Variant => Self::Variant,
            AuditTargetView::Category => Self::Category,
            AuditTargetView::Collection => Self::Collection,
            AuditTargetView::Promotion => Self::Promotion,
            AuditTargetView::User => Self::User,
            AuditTargetView::Order => Self::Order,
            AuditTargetView::CmsPage => Self::CmsPage,
            AuditTargetView::ContactMessage => Self::ContactMessage,
            AuditTargetView::Job => Self::Job,
        }
    }
}

impl From<AuditTarget> for AuditTargetView {
    fn from(t: AuditTarget) -> Self {
        match t {
            AuditTarget::Product => Self::Product,
            AuditTarget::Variant => Self::Variant,
            AuditTarget::Category => Self::Category,
            AuditTarget::Collection => Self::Collection,
            AuditTarget::Promotion => Self::Promotion,
            AuditTarget::User => Self::User,
            AuditTarget::Order => Self::Order,
            AuditTarget::CmsPage => Self::CmsPage,
            AuditTarget::ContactMessage => Self::ContactMessage,
            AuditTarget::Job => Self::Job,
        }
    }
}

/// One field's value before and after; personal data (names, emails, address lines) is
/// masked (`A*** L***`).
#[derive(Object, Debug)]
#[oai(rename = "AuditFieldChange")]
pub struct FieldChangeView {
    pub field: String,
    /// Absent when the field did not exist before (a creation).
    #[oai(skip_serializing_if_is_none)]
    pub before: Option<serde_json::Value>,
    /// Absent when the field no longer exists (a deletion).
    #[oai(skip_serializing_if_is_none)]
    pub after: Option<serde_json::Value>,
}

impl From<FieldChange> for FieldChangeView {
    fn from(c: FieldChange) -> Self {
        Self {
            field: c.field,
            before: c.before,
            after: c.after,
        }
    }
}

/// One staff write.
#[derive(Object, Debug)]
#[oai(rename = "AuditEntry", rename_all = "camelCase")]
pub struct AuditEntryView {
    pub id: String,
    /// The staff member's user id.
    pub actor_id: String,
    /// `target.verb`: `order.status_changed`, `product.created`, `variant.stock_adjusted`…
    pub action: String,
    pub target_type: AuditTargetView,
    pub target_id: String,
    /// The `X-Request-Id` of the request that made the write.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
    pub changes: Vec<FieldChangeView>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        let r = e.record;
        Self {
            id: e.id.to_string(),
            actor_id: r.actor_id.to_string(),
            action: r.action,
            target_type: r.target_type.into(),
            target_id: r.target_id.to_string(),
            request_id: r.request_id,
            at: r.at,
            changes: r.changes.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AuditApi {
    /// The audit log, newest first
    ///
    /// Every staff write (catalogue, stock, users and roles, orders, CMS, job retries, GDPR)
    /// is recorded in the write's own transaction, with the changed fields before and after.
    #[oai(path = "/admin/audit", method = "get", operation_id = "adminListAudit")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// The staff member's user id.
        actor: Query<Option<String>>,
        #[oai(name = "targetType")] target_type: Query<Option<AuditTargetView>>,
        /// The changed record's id.
        #[oai(name = "targetId")]
        target_id: Query<Option<String>>,
        /// Written at or after (RFC 3339).
        from: Query<Option<DateTime<Utc>>>,
        /// Written before (RFC 3339).
        to: Query<Option<DateTime<Utc>>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<AuditPage>, AdminListAuditError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let mut errors = Vec::new();
        let actor_id = query_id(actor.0, "actor", &mut errors);
        let target_id = query_id(target_id.0, "targetId", &mut errors);
        if let (Some(from), Some(to)) = (from.0, to.0)
            && from >= to
        {
            errors.push(InvalidField::new("to", "must be after from"));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors).into());
        }
        let filter = AuditFilter {
            actor_id,
            target_type: target_type.0.map(Into::into),
            target_id,
            from: from.0,
            to: to.0,
        };
        let page = services::audit::list(&state.repos, &filter, request).await?;
        Ok(Json(AuditPage {
            page: page.request.page(),
            limit: page.request.limit(),
            total: page.total,
            items: page.items.into_iter().map(Into::into).collect(),
        }))
    }
}
