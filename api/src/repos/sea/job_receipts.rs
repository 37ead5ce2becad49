use async_trait::async_trait;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};

use super::db_err;
use crate::repos::{JobReceiptRepo, RepoResult, entities::job_receipts};

pub struct SeaJobReceiptRepo {
    db: DatabaseConnection,
}

impl SeaJobReceiptRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl JobReceiptRepo for SeaJobReceiptRepo {
    async fn is_completed(&self, idempotency_key: &str) -> RepoResult<bool> {
        let row = job_receipts::Entity::find_by_id(idempotency_key.to_owned())
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.is_some())
    }

    async fn record(&self, idempotency_key: &str, job_name: &str, at: chrono::DateTime<chrono::Utc>) -> RepoResult<()> {
        let row = job_receipts::ActiveModel {
            idempotency_key: Set(idempotency_key.to_owned()),
            job_name: Set(job_name.to_owned()),
            completed_at: Set(at),
        };
        job_receipts::Entity::insert(row)
            .on_conflict_do_nothing_on([job_receipts::Column::IdempotencyKey])
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
