//! The audit log: one row per audited staff write, written in the write's own transaction.
//! Read by actor, by target and by time, newest first, so each of those has an index ending
//! in the time.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000009_audit_log"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE audit_log (
    id {uuid} PRIMARY KEY,
    actor_id {uuid} NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id {uuid} NOT NULL,
    request_id text,
    changes {json} NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, created_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
