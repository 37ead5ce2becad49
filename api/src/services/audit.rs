//! Reading the audit log, and the one way services start a record: stamped with the request
//! being handled, so an entry leads back to its request's log lines.

use uuid::Uuid;

use super::ServiceResult;
use crate::{
    domain::{
        audit::{AuditEntry, AuditFilter, AuditRecord, AuditTarget},
        pagination::{Page, PageRequest},
    },
    repos::Repos,
};

/// A record of `action` by `actor` on `target`, now, under the current request's id.
pub fn record(actor: Uuid, action: &str, target: (AuditTarget, Uuid)) -> AuditRecord {
    AuditRecord::new(
        actor,
        action,
        target,
        crate::telemetry::current_request_id(),
        chrono::Utc::now(),
    )
}

/// The entries matching `filter`, newest first.
pub async fn list(repos: &Repos, filter: &AuditFilter, page: PageRequest) -> ServiceResult<Page<AuditEntry>> {
    Ok(repos.audit.list(filter, page).await?)
}
