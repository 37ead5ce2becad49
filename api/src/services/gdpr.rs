//! What the store holds about a shopper, gathered for them (GDPR art. 15 and 20: access and
//! portability): profile, address book, cart, orders, contact messages, and the audit entries
//! about their account. Decrypted: it is theirs.

use uuid::Uuid;

use super::{ServiceError, ServiceResult, cart::CartService, cart::CartView};
use crate::{
    domain::{
        audit::{AuditEntry, AuditFilter, AuditTarget},
        order::Order,
        pagination::PageRequest,
        user::User,
    },
    repos::{Address, ContactMessage, Repos},
};

/// Everything stored about one account.
pub struct PersonalData {
    pub user: User,
    pub addresses: Vec<Address>,
    pub cart: CartView,
    pub orders: Vec<Order>,
    pub contact_messages: Vec<ContactMessage>,
    pub audit: Vec<AuditEntry>,
}

/// Gathers the account's data; `NotFound("user")` when the account is gone.
pub async fn export(repos: &Repos, cart: &CartService, user_id: Uuid) -> ServiceResult<PersonalData> {
    let user = repos
        .users
        .find_by_id(user_id)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let (addresses, orders, contact_messages, audit, cart) = tokio::try_join!(
        async { Ok::<_, ServiceError>(repos.addresses.list(user_id).await?) },
        async { Ok(repos.orders.all_for_user(user_id).await?) },
        async { Ok(repos.contact.by_email(&user.email).await?) },
        audit_about(repos, user_id),
        cart.view(user_id),
    )?;
    Ok(PersonalData {
        user,
        addresses,
        cart,
        orders,
        contact_messages,
        audit,
    })
}

/// Every audit entry about the account (role changes, erasure…), newest first.
async fn audit_about(repos: &Repos, user_id: Uuid) -> ServiceResult<Vec<AuditEntry>> {
    let filter = AuditFilter {
        target_type: Some(AuditTarget::User),
        target_id: Some(user_id),
        ..AuditFilter::default()
    };
    let mut entries = Vec::new();
    for number in 1..=PageRequest::MAX_PAGE {
        let request = PageRequest::new(Some(number), Some(PageRequest::MAX_LIMIT)).map_err(ServiceError::from)?;
        let page = repos.audit.list(&filter, request).await?;
        let last = page.items.len() < PageRequest::MAX_LIMIT as usize;
        entries.extend(page.items);
        if last {
            break;
        }
    }
    Ok(entries)
}
