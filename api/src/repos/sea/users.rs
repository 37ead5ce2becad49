use async_trait::async_trait;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::db_err;
use crate::{
    domain::user::{NewUser, Role, User},
    repos::{RepoError, RepoResult, UserRepo, entities::users},
};

pub struct SeaUserRepo {
    db: DatabaseConnection,
}

impl SeaUserRepo {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_domain(m: users::Model) -> RepoResult<User> {
    let role = Role::parse(&m.role).ok_or_else(|| RepoError::Other(format!("user {}: bad role", m.id)))?;
    Ok(User {
        id: m.id,
        name: m.name,
        email: m.email,
        role,
        email_verified_at: m.email_verified_at,
        created_at: m.created_at,
    })
}

#[async_trait]
impl UserRepo for SeaUserRepo {
    async fn create(&self, u: NewUser) -> RepoResult<User> {
        let now = Utc::now();
        let row = users::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(u.name),
            email: Set(u.email.as_str().to_owned()),
            password_hash: Set(u.password_hash),
            role: Set(u.role.as_str().to_owned()),
            email_verified_at: Set(u.email_verified.then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let model = row.insert(&self.db).await.map_err(|e| match db_err(e) {
            RepoError::Conflict(_) => RepoError::Conflict("email".into()),
            other => other,
        })?;
        to_domain(model)
    }

    async fn find_by_email(&self, email: &str) -> RepoResult<Option<User>> {
        users::Entity::find()
            .filter(users::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(to_domain)
            .transpose()
    }

    async fn count(&self) -> RepoResult<u64> {
        users::Entity::find().count(&self.db).await.map_err(db_err)
    }
}
