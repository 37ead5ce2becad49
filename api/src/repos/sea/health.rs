use async_trait::async_trait;
use sea_orm::{DatabaseConnection, DbBackend};

use super::db_err;
use crate::repos::{RepoResult, StoreHealth};

pub struct SeaHealth {
    db: DatabaseConnection,
}

impl SeaHealth {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl StoreHealth for SeaHealth {
    async fn ping(&self) -> RepoResult<()> {
        self.db.ping().await.map_err(db_err)
    }

    fn pool_state(&self) -> (u32, u32) {
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
            _ => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle() as u32)
            }
        }
    }

    fn backend_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Postgres => "postgres",
            _ => "sqlite",
        }
    }
}
