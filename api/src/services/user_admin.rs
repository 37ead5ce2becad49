//! Staff work on accounts: the searchable list, one account with its orders at a glance, and
//! role changes that never leave the store without an admin.

use uuid::Uuid;

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        audit::AuditTarget,
        order::CustomerOrders,
        pagination::{Page, PageRequest},
        user::{Role, RoleChange, User, UserQuery},
    },
    repos::Repos,
};

pub async fn list(repos: &Repos, query: &UserQuery, page: PageRequest) -> ServiceResult<Page<User>> {
    Ok(repos.users.list(query, page).await?)
}

/// The account and its orders: count, total paid, newest.
pub async fn account(repos: &Repos, id: Uuid) -> ServiceResult<(User, CustomerOrders)> {
    let user = repos
        .users
        .find_by_id(id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let orders = repos.orders.customer_orders(id).await?;
    Ok((user, orders))
}

/// Gives the account `role`; it takes effect on the account's next request (every admin
/// route reads the role from storage). Errors: `NotFound("user")`; `Conflict("last_admin")`
/// when it would leave no admin.
pub async fn set_role(repos: &Repos, actor: Uuid, id: Uuid, role: Role) -> ServiceResult<User> {
    let audit = super::audit::record(actor, "user.role_changed", (AuditTarget::User, id));
    match repos.users.set_role(id, role, audit).await? {
        RoleChange::Changed { .. } => repos.users.find_by_id(id).await?.ok_or(ServiceError::NotFound("user")),
        RoleChange::NotFound => Err(ServiceError::NotFound("user")),
        RoleChange::LastAdmin => Err(ServiceError::conflict(
            "last_admin",
            "this is the store's last admin; make another account admin first",
        )),
    }
}
