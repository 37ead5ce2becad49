//! Access tokens refused before they expire (logout), when Redis is not configured.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000004_revoked_access_tokens"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE revoked_access_tokens (
    jti {uuid} PRIMARY KEY,
    expires_at {ts} NOT NULL
);
CREATE INDEX revoked_access_tokens_expires_at_idx ON revoked_access_tokens (expires_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
