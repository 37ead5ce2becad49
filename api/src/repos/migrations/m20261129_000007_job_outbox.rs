//! Jobs that could not be queued when their cause happened (the queue's Redis unreachable),
//! kept in the database until the relay queues them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000007_job_outbox"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE job_outbox (
    id {uuid} PRIMARY KEY,
    queue text NOT NULL,
    job_name text NOT NULL,
    payload text NOT NULL,
    idempotency_key text,
    created_at {ts} NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text
);
CREATE INDEX job_outbox_created_at_idx ON job_outbox (created_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
