use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::db_err;
use crate::repos::{DeferredJob, JobOutboxRepo, NewDeferredJob, RepoResult, entities::job_outbox};

/// Adds `job` to the outbox on `conn`: the pool, or the transaction of the write that causes it.
pub(super) async fn insert<C: ConnectionTrait>(conn: &C, job: NewDeferredJob) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    let row = job_outbox::ActiveModel {
        id: Set(id),
        queue: Set(job.queue),
        job_name: Set(job.name),
        payload: Set(job.payload),
        idempotency_key: Set(job.idempotency_key),
        created_at: Set(Utc::now()),
        attempts: Set(0),
        last_error: Set(None),
    };
    job_outbox::Entity::insert(row).exec(conn).await.map_err(db_err)?;
    Ok(id)
}

pub struct SeaJobOutboxRepo {
    db: DatabaseConnection,
}

impl SeaJobOutboxRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl JobOutboxRepo for SeaJobOutboxRepo {
    async fn defer(&self, job: NewDeferredJob) -> RepoResult<Uuid> {
        insert(&self.db, job).await
    }

    async fn oldest(&self, limit: u64) -> RepoResult<Vec<DeferredJob>> {
        let rows = job_outbox::Entity::find()
            .order_by_asc(job_outbox::Column::CreatedAt)
            .order_by_asc(job_outbox::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| DeferredJob {
                id: r.id,
                job: NewDeferredJob {
                    queue: r.queue,
                    name: r.job_name,
                    payload: r.payload,
                    idempotency_key: r.idempotency_key,
                },
                attempts: r.attempts,
                last_error: r.last_error,
            })
            .collect())
    }

    async fn remove(&self, id: Uuid) -> RepoResult<()> {
        job_outbox::Entity::delete_by_id(id)
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn failed_attempt(&self, id: Uuid, error: &str) -> RepoResult<()> {
        job_outbox::Entity::update_many()
            .col_expr(
                job_outbox::Column::Attempts,
                Expr::col(job_outbox::Column::Attempts).add(1),
            )
            .col_expr(job_outbox::Column::LastError, Expr::value(error.to_owned()))
            .filter(job_outbox::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn count(&self) -> RepoResult<u64> {
        job_outbox::Entity::find().count(&self.db).await.map_err(db_err)
    }
}
