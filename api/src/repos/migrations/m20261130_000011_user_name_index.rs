//! A blind index of users' names (which are encrypted): keyed hashes of their words, so staff
//! can search accounts by name without the names being readable in storage. Existing rows are
//! indexed by `beeget migrate` right after the schema change (it holds the key; SQL cannot).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_user_name_index"
    }
}

const SCHEMA: &str = r#"
ALTER TABLE users ADD COLUMN name_index text NOT NULL DEFAULT '';
CREATE INDEX users_role_idx ON users (role, created_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
