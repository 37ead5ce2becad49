//! Promotion codes are unique whatever their case ("spring" and "SPRING" are one code), as
//! shoppers enter them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000012_promotion_code_case"
    }
}

const SCHEMA: &str = r#"
CREATE UNIQUE INDEX promotions_code_upper_key ON promotions (upper(code));
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        super::run_script(manager, SCHEMA).await
    }
}
