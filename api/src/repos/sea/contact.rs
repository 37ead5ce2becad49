use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        audit::{AuditRecord, FieldChange},
        pagination::{Page, PageRequest},
    },
    repos::{ContactMessage, ContactRepo, NewContactMessage, NewDeferredJob, RepoResult, entities::contact_messages},
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
        handled_at: m.handled_at,
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

    async fn by_email(&self, email: &str) -> RepoResult<Vec<ContactMessage>> {
        let rows = contact_messages::Entity::find()
            .filter(contact_messages::Column::Email.eq(email.trim().to_lowercase()))
            .order_by_desc(contact_messages::Column::CreatedAt)
            .order_by_desc(contact_messages::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(to_domain).collect())
    }

    async fn list(&self, handled: Option<bool>, page: PageRequest) -> RepoResult<Page<ContactMessage>> {
        let filtered = || {
            let query = contact_messages::Entity::find();
            match handled {
                Some(true) => query.filter(contact_messages::Column::HandledAt.is_not_null()),
                Some(false) => query.filter(contact_messages::Column::HandledAt.is_null()),
                None => query,
            }
        };
        let total = filtered().count(&self.db).await.map_err(db_err)?;
        let rows = filtered()
            .order_by_desc(contact_messages::Column::CreatedAt)
            .order_by_desc(contact_messages::Column::Id)
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: rows.into_iter().map(to_domain).collect(),
            request: page,
            total,
        })
    }

    async fn set_handled(&self, id: Uuid, handled: bool, mut audit: AuditRecord) -> RepoResult<Option<ContactMessage>> {
        let txn = super::begin_write(&self.db).await?;
        let Some(row) = contact_messages::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db_err)?
        else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        if row.handled_at.is_some() == handled {
            txn.rollback().await.map_err(db_err)?;
            return Ok(Some(to_domain(row)));
        }
        let was = row.handled_at.is_some();
        let mut update: contact_messages::ActiveModel = row.into();
        update.handled_at = Set(handled.then(Utc::now));
        let stored = update.update(&txn).await.map_err(db_err)?;
        audit
            .changes
            .push(FieldChange::new("handled", Some(was.into()), Some(handled.into())));
        super::audit::insert(&txn, &audit).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Some(to_domain(stored)))
    }
}
