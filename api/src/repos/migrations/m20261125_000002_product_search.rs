//! Full-text search over product title, tags and description: FTS5 on SQLite, a weighted
//! `tsvector` with a GIN index on PostgreSQL.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000002_product_search"
    }
}

const SQLITE: &str = r#"
CREATE VIRTUAL TABLE product_search USING fts5(
    title, tags, description,
    content = 'products', content_rowid = 'search_rowid',
    tokenize = 'porter unicode61'
);
CREATE TRIGGER product_search_after_insert AFTER INSERT ON products BEGIN
    INSERT INTO product_search (rowid, title, tags, description)
    VALUES (new.search_rowid, new.title, new.tags, new.description);
END;
CREATE TRIGGER product_search_after_delete AFTER DELETE ON products BEGIN
    INSERT INTO product_search (product_search, rowid, title, tags, description)
    VALUES ('delete', old.search_rowid, old.title, old.tags, old.description);
END;
CREATE TRIGGER product_search_after_update AFTER UPDATE OF title, tags, description ON products BEGIN
    INSERT INTO product_search (product_search, rowid, title, tags, description)
    VALUES ('delete', old.search_rowid, old.title, old.tags, old.description);
    INSERT INTO product_search (rowid, title, tags, description)
    VALUES (new.search_rowid, new.title, new.tags, new.description);
END;
"#;

const POSTGRES: &str = r#"
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(jsonb_to_tsvector('english', tags, '["string"]'), 'B')
    || setweight(to_tsvector('english', description), 'C')
) STORED;
CREATE INDEX products_search_vector_idx ON products USING gin (search_vector);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            // Trigger bodies contain `;`, so the SQLite script runs as one batch.
            DbBackend::Sqlite => conn.execute_unprepared(SQLITE).await.map(|_| ()),
            _ => super::run_script(manager, POSTGRES).await,
        }
    }
}
