//! The catalogue change feed: every write that changes what the catalogue shows (a product,
//! its variants' stock) appends the products it touched under a new catalogue version, in the
//! write's own transaction. Each API process's catalogue index follows the feed.
//!
//! `catalogue_version` is one row holding the last version handed out. A writer takes the next
//! version by updating that row as its transaction's last statement, so the row lock orders
//! the writers: versions become visible in the order they were taken, and a reader that has
//! seen version `n` has seen every version before it (a plain sequence would let a later
//! version commit before an earlier one). The row is part of the schema, not data.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000008_catalogue_changes"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE catalogue_version (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO catalogue_version (id, version) VALUES (1, 0);
CREATE TABLE catalogue_changes (
    version bigint NOT NULL,
    product_id {uuid} NOT NULL,
    changed_at {ts} NOT NULL,
    PRIMARY KEY (version, product_id)
);
CREATE INDEX catalogue_changes_changed_at_idx ON catalogue_changes (changed_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
