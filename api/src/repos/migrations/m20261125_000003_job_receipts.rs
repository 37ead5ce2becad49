//! Receipts of completed idempotent jobs, so a job delivered twice is performed once.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000003_job_receipts"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE job_receipts (
    idempotency_key text PRIMARY KEY,
    job_name text NOT NULL,
    completed_at {ts} NOT NULL
);
CREATE INDEX job_receipts_completed_at_idx ON job_receipts (completed_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
