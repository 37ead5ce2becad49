//! The shopper's rights over their data (GDPR): access and portability (art. 15 and 20: one
//! document with everything the store holds about them, decrypted, since it is theirs) and
//! erasure (art. 17: what goes and what stays is in `domain::erasure`).

use std::sync::Arc;

use uuid::Uuid;

use super::{
    ServiceError, ServiceResult,
    auth::{AuthService, Principal},
    cart::{CartService, CartView},
};
use crate::{
    domain::{
        audit::{AuditEntry, AuditFilter, AuditTarget},
        erasure::{ErasureOutcome, ErasureReceipt, ErasureRequest, ErasureRequester},
        order::Order,
        pagination::PageRequest,
        user::{Role, User, UserQuery},
    },
    email::Mailer,
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

#[derive(Clone)]
pub struct GdprService {
    repos: Repos,
    cart: CartService,
    /// Checks the password of a shopper erasing their account, and ends its sessions.
    auth: AuthService,
    /// The outbox keeps copies of sent mail; an erasure deletes the account's.
    mailer: Arc<dyn Mailer>,
}

impl GdprService {
    pub fn new(repos: Repos, cart: CartService, auth: AuthService, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            repos,
            cart,
            auth,
            mailer,
        }
    }

    /// Gathers the account's data; `NotFound("user")` when the account is gone.
    pub async fn export(&self, user_id: Uuid) -> ServiceResult<PersonalData> {
        let repos = &self.repos;
        let user = repos
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        let (addresses, orders, contact_messages, audit, cart) = tokio::try_join!(
            async { Ok::<_, ServiceError>(repos.addresses.list(user_id).await?) },
            async { Ok(repos.orders.all_for_user(user_id).await?) },
            async { Ok(repos.contact.by_email(&user.email).await?) },
            self.audit_about(user_id),
            self.cart.view(user_id),
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

    /// The account with this email, for an operator's `beeget gdpr` commands.
    pub async fn find_by_email(&self, email: &str) -> ServiceResult<User> {
        self.repos
            .users
            .find_by_email(email)
            .await?
            .ok_or(ServiceError::NotFound("user"))
    }

    /// The signed-in shopper erases their own account, confirming with their password.
    /// Errors: `Invalid` (`password` does not match), `Unauthenticated` (the account is gone,
    /// erased by a request a moment before), `Conflict("last_admin")`.
    pub async fn erase_own(&self, who: &Principal, password: String) -> ServiceResult<ErasureReceipt> {
        self.auth
            .confirm_password(who.user_id, password, "password", "is not the account's password")
            .await?;
        let audit = super::audit::record(who.user_id, "user.erased", (AuditTarget::User, who.user_id));
        match self
            .erase(who.user_id, ErasureRequester::Shopper, Some(who.user_id), Some(audit))
            .await
        {
            Err(ServiceError::NotFound(_)) => Err(ServiceError::Unauthenticated("unauthenticated")),
            other => other,
        }
    }

    /// Staff erase an account. Errors: `NotFound("user")`, `Conflict("last_admin")`.
    pub async fn erase_by_staff(&self, actor: Uuid, user_id: Uuid) -> ServiceResult<ErasureReceipt> {
        let audit = super::audit::record(actor, "user.erased", (AuditTarget::User, user_id));
        self.erase(user_id, ErasureRequester::Staff, Some(actor), Some(audit))
            .await
    }

    /// An operator erases an account from the command line (no acting account, no audit
    /// entry: the receipt records it). Errors as `erase_by_staff`.
    pub async fn erase_by_operator(&self, user_id: Uuid) -> ServiceResult<ErasureReceipt> {
        self.erase(user_id, ErasureRequester::Operator, None, None).await
    }

    async fn erase(
        &self,
        user_id: Uuid,
        requested_by: ErasureRequester,
        actor_id: Option<Uuid>,
        audit: Option<crate::domain::audit::AuditRecord>,
    ) -> ServiceResult<ErasureReceipt> {
        let user = self
            .repos
            .users
            .find_by_id(user_id)
            .await?
            .ok_or(ServiceError::NotFound("user"))?;
        // The last admin is refused before their sessions end (the transaction checks again,
        // with the admin rows locked).
        if user.role == Role::Admin {
            let admins = UserQuery {
                role: Some(Role::Admin),
                ..UserQuery::default()
            };
            let page = PageRequest::new(Some(1), Some(2)).map_err(ServiceError::from)?;
            if self.repos.users.list(&admins, page).await?.total <= 1 {
                return Err(last_admin());
            }
        }
        // Sessions end first: if the denylist is unreachable, nothing is erased yet (503).
        self.auth.end_sessions(user_id, None).await?;
        let request = ErasureRequest {
            requested_by,
            actor_id,
            at: chrono::Utc::now(),
            audit,
        };
        let (receipt, sessions) = match self.repos.users.erase(user_id, request).await? {
            ErasureOutcome::Erased { receipt, sessions } => (receipt, sessions),
            ErasureOutcome::NotFound => return Err(ServiceError::NotFound("user")),
            ErasureOutcome::LastAdmin => return Err(last_admin()),
        };
        // A session opened between the two steps is refused too. The erasure has landed: a
        // failure from here on is logged, not answered (the account cannot sign in again).
        if let Err(e) = self.auth.deny_sessions(&sessions).await {
            tracing::error!(%user_id, error = %e, "erased account: its sessions could not all be refused");
        }
        match self.mailer.forget_recipient(&user.email).await {
            Ok(removed) => tracing::info!(%user_id, removed, "erased account: stored copies of its mail deleted"),
            Err(e) => tracing::error!(%user_id, error = %e, "erased account: stored copies of its mail not deleted"),
        }
        Ok(receipt)
    }

    /// Every audit entry about the account (role changes…), newest first.
    async fn audit_about(&self, user_id: Uuid) -> ServiceResult<Vec<AuditEntry>> {
        let filter = AuditFilter {
            target_type: Some(AuditTarget::User),
            target_id: Some(user_id),
            ..AuditFilter::default()
        };
        let mut entries = Vec::new();
        for number in 1..=PageRequest::MAX_PAGE {
            let request = PageRequest::new(Some(number), Some(PageRequest::MAX_LIMIT)).map_err(ServiceError::from)?;
            let page = self.repos.audit.list(&filter, request).await?;
            let last = page.items.len() < PageRequest::MAX_LIMIT as usize;
            entries.extend(page.items);
            if last {
                break;
            }
        }
        Ok(entries)
    }
}

fn last_admin() -> ServiceError {
    ServiceError::conflict(
        "last_admin",
        "this is the store's last admin; make another account admin first",
    )
}
