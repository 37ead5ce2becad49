//! The audit log on SQLite and PostgreSQL. Writers add their record with [`insert`] inside
//! their own transaction, so a write and its record are kept together or not at all.

use async_trait::async_trait;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::{
        audit::{AuditEntry, AuditFilter, AuditRecord, AuditTarget, FieldChange},
        pagination::{Page, PageRequest},
    },
    repos::{AuditRepo, RepoError, RepoResult, entities::audit_log},
};

/// Adds `record` to the log on `conn`: the transaction of the write it describes.
pub(super) async fn insert<C: ConnectionTrait>(conn: &C, record: &AuditRecord) -> RepoResult<Uuid> {
    let id = Uuid::now_v7();
    let changes: Vec<Value> = record
        .changes
        .iter()
        .map(|c| {
            // A side that did not exist has no key; a field that was null keeps its null.
            let mut item = json!({"field": c.field});
            if let Some(before) = &c.before {
                item["before"] = before.clone();
            }
            if let Some(after) = &c.after {
                item["after"] = after.clone();
            }
            item
        })
        .collect();
    let row = audit_log::ActiveModel {
        id: Set(id),
        actor_id: Set(record.actor_id),
        action: Set(record.action.clone()),
        target_type: Set(record.target_type.as_str().to_owned()),
        target_id: Set(record.target_id),
        request_id: Set(record.request_id.clone()),
        changes: Set(Value::Array(changes)),
        created_at: Set(record.at),
    };
    audit_log::Entity::insert(row).exec(conn).await.map_err(db_err)?;
    Ok(id)
}

fn to_domain(row: audit_log::Model) -> RepoResult<AuditEntry> {
    let target_type = AuditTarget::parse(&row.target_type)
        .ok_or_else(|| RepoError::Other(format!("audit entry {}: unknown target {}", row.id, row.target_type)))?;
    let changes = match row.changes {
        Value::Array(items) => items
            .into_iter()
            .map(|item| {
                let field = item.get("field").and_then(Value::as_str).unwrap_or_default().to_owned();
                let side = |name: &str| item.get(name).cloned();
                FieldChange::new(field, side("before"), side("after"))
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(AuditEntry {
        id: row.id,
        record: AuditRecord {
            actor_id: row.actor_id,
            action: row.action,
            target_type,
            target_id: row.target_id,
            request_id: row.request_id,
            at: row.created_at,
            changes,
        },
    })
}

fn filtered(filter: &AuditFilter) -> Select<audit_log::Entity> {
    let mut query = audit_log::Entity::find();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(actor));
    }
    if let Some(target_type) = filter.target_type {
        query = query.filter(audit_log::Column::TargetType.eq(target_type.as_str()));
    }
    if let Some(target) = filter.target_id {
        query = query.filter(audit_log::Column::TargetId.eq(target));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::Column::CreatedAt.lt(to));
    }
    query
}

pub struct SeaAuditRepo {
    db: DatabaseConnection,
}

impl SeaAuditRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditRepo for SeaAuditRepo {
    async fn record(&self, record: &AuditRecord) -> RepoResult<Uuid> {
        insert(&self.db, record).await
    }

    async fn list(&self, filter: &AuditFilter, page: PageRequest) -> RepoResult<Page<AuditEntry>> {
        let total = filtered(filter).count(&self.db).await.map_err(db_err)?;
        let rows = filtered(filter)
            .order_by_desc(audit_log::Column::CreatedAt)
            .order_by_desc(audit_log::Column::Id)
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        Ok(Page {
            items: rows.into_iter().map(to_domain).collect::<RepoResult<_>>()?,
            request: page,
            total,
        })
    }
}
