use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::db_err;
use crate::repos::{
    ContactMessage, ContactRepo, NewContactMessage, NewDeferredJob, RepoResult, entities::contact_messages,
};

pub struct SeaContactRepo {
    db: DatabaseConnection,
}

impl SeaContactRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(m: contact_messages::Model) -> ContactMessage {
    ContactMessage {
        id: m.id,
        name: m.name,
        email: m.email,
        subject: m.subject,
        message: m.message,
        created_at: m.created_at,
    }
}

#[async_trait]
impl ContactRepo for SeaContactRepo {
    async fn create(&self, id: Uuid, m: NewContactMessage, jobs: Vec<NewDeferredJob>) -> RepoResult<ContactMessage> {
        let row = contact_messages::ActiveModel {
            id: Set(id),
            name: Set(m.name),
            email: Set(m.email),
            subject: Set(m.subject),
            message: Set(m.message),
            user_id: Set(None),
            handled_at: Set(None),
            created_at: Set(Utc::now()),
        };
        let txn = super::begin_write(&self.db).await?;
        let stored = row.insert(&txn).await.map_err(db_err)?;
        for job in jobs {
            super::job_outbox::insert(&txn, job).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(to_domain(stored))
    }

    async fn find(&self, id: Uuid) -> RepoResult<Option<ContactMessage>> {
        let row = contact_messages::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(row.map(to_domain))
    }

    async fn list_recent(&self, limit: u64) -> RepoResult<Vec<ContactMessage>> {
        let rows = contact_messages::Entity::find()
            .order_by_desc(contact_messages::Column::CreatedAt)
            .order_by_desc(contact_messages::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(to_domain).collect())
    }
}
