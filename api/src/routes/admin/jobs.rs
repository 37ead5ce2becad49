//! Background jobs for staff: the list by state, and retrying a job that failed for good. The
//! same on every queue backend (SQLite, PostgreSQL, Redis).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    domain::audit::{AuditTarget, FieldChange},
    http::problem::operation_errors,
    jobs::{JobRecord, JobStatus},
    repos::RepoError,
    routes::{ApiTags, AppState, orders::page_request, security::BearerAuth},
    services::{self, ServiceError},
};

pub struct AdminJobsApi;

operation_errors!(
    /// Errors of `adminListJobs`: 503 while the queue's store is unreachable.
    pub enum AdminListJobsError {
        BadRequest,
        Unauthorized,
        Forbidden,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `adminRetryJob`: 404 when no job with that id has failed for good.
    pub enum AdminRetryJobError {
        Unauthorized,
        Forbidden,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "JobStatus", rename_all = "lowercase")]
pub enum JobStatusView {
    /// Waiting to run, or for its next attempt.
    Queued,
    Running,
    /// Out of attempts (or its worker was lost for good): retry it by hand.
    Failed,
    Done,
}

impl From<JobStatusView> for JobStatus {
    fn from(s: JobStatusView) -> Self {
        match s {
            JobStatusView::Queued => Self::Queued,
            JobStatusView::Running => Self::Running,
            JobStatusView::Failed => Self::Failed,
            JobStatusView::Done => Self::Done,
        }
    }
}

impl From<JobStatus> for JobStatusView {
    fn from(s: JobStatus) -> Self {
        match s {
            JobStatus::Queued => Self::Queued,
            JobStatus::Running => Self::Running,
            JobStatus::Failed => Self::Failed,
            JobStatus::Done => Self::Done,
        }
    }
}

/// A background job.
#[derive(Object, Debug)]
#[oai(rename = "Job", rename_all = "camelCase")]
pub struct JobView {
    pub id: String,
    pub queue: String,
    /// What it does: `sendOrderConfirmation`, `dailySalesReport`…
    pub name: String,
    pub status: JobStatusView,
    pub attempts: i64,
    pub max_attempts: i64,
    /// When it runs (or ran) next.
    #[oai(skip_serializing_if_is_none)]
    pub run_at: Option<DateTime<Utc>>,
    #[oai(skip_serializing_if_is_none)]
    pub done_at: Option<DateTime<Utc>>,
    /// The last attempt's error.
    #[oai(skip_serializing_if_is_none)]
    pub last_error: Option<String>,
}

impl From<JobRecord> for JobView {
    fn from(r: JobRecord) -> Self {
        Self {
            id: r.id,
            queue: r.queue,
            name: r.name,
            status: r.status.into(),
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_at: r.run_at,
            done_at: r.done_at,
            last_error: r.last_error,
        }
    }
}

#[derive(Object, Debug)]
pub struct JobPage {
    pub items: Vec<JobView>,
    pub page: u64,
    pub limit: u64,
    pub total: u64,
}

/// A job queued again.
#[derive(Object, Debug)]
#[oai(rename = "JobRetried")]
pub struct RetriedView {
    pub id: String,
    pub status: JobStatusView,
}

/// The queue's store could not answer: 503, like any storage.
fn unavailable(e: anyhow::Error) -> ServiceError {
    ServiceError::Storage(RepoError::Unavailable(format!("job queue: {e}")))
}

/// A job id as an audit target: queue ids are ULIDs, the same 128 bits as a UUID.
fn audit_target(id: &str) -> uuid::Uuid {
    ulid::Ulid::from_string(id)
        .map(|u| uuid::Uuid::from_u128(u128::from(u)))
        .unwrap_or_default()
}

#[OpenApi(tag = "ApiTags::Admin")]
impl AdminJobsApi {
    /// Background jobs, newest first
    #[oai(path = "/admin/jobs", method = "get", operation_id = "adminListJobs")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        status: Query<Option<JobStatusView>>,
        /// 1-based page number.
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        limit: Query<Option<u64>>,
    ) -> Result<Json<JobPage>, AdminListJobsError> {
        auth.admin(&state).await?;
        let request = page_request(page.0, limit.0)?;
        let (items, total) = state
            .jobs
            .page(
                status.0.map(Into::into),
                request.offset() as usize,
                request.limit() as usize,
            )
            .await
            .map_err(unavailable)?;
        Ok(Json(JobPage {
            page: request.page(),
            limit: request.limit(),
            total,
            items: items.into_iter().map(Into::into).collect(),
        }))
    }

    /// Retry a job that failed for good
    ///
    /// Queues it again with a fresh set of attempts. Recorded in the audit log.
    #[oai(path = "/admin/jobs/:id/retry", method = "post", operation_id = "adminRetryJob")]
    async fn retry(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        id: Path<String>,
    ) -> Result<Json<RetriedView>, AdminRetryJobError> {
        let who = auth.admin(&state).await?;
        if id.0.len() > 64 || !state.jobs.retry(&id.0).await.map_err(unavailable)? {
            return Err(ServiceError::NotFound("failed job").into());
        }
        // The queue is another store than the audit log: recorded right after the retry.
        let record = services::audit::record(who.user_id, "job.retried", (AuditTarget::Job, audit_target(&id.0)))
            .with_changes(vec![
                FieldChange::new("id", None, Some(id.0.clone().into())),
                FieldChange::new("status", Some("failed".into()), Some("queued".into())),
            ]);
        if let Err(e) = state.repos.audit.record(&record).await {
            tracing::error!(error = %e, job = %id.0, "a job retry could not be audited");
        }
        Ok(Json(RetriedView {
            id: id.0,
            status: JobStatusView::Queued,
        }))
    }
}
