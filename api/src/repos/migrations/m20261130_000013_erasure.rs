//! GDPR erasure (art. 17): an erased account stays as a row without personal data (orders keep
//! referring to it, for accounting), its orders remember when their customer was erased, and
//! a receipt of each erasure is kept: who, when, by whom, and nothing personal.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000013_erasure"
    }
}

const SCHEMA: &str = r#"
ALTER TABLE users ADD COLUMN erased_at {ts};
ALTER TABLE orders ADD COLUMN customer_erased_at {ts};
CREATE TABLE erasure_receipts (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL,
    requested_by text NOT NULL CHECK (requested_by IN ('shopper', 'staff', 'operator')),
    actor_id {uuid},
    orders_anonymised bigint NOT NULL CHECK (orders_anonymised >= 0),
    erased_at {ts} NOT NULL
);
CREATE UNIQUE INDEX erasure_receipts_user_id_key ON erasure_receipts (user_id);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
