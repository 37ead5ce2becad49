//! Checkout and the order lifecycle: placing an order from the cart, taking payment, the
//! shopper's cancellation, staff status changes and what payment providers report.
//!
//! Placing is two steps around the provider call, which must never run inside a database
//! transaction: (1) one transaction stores the order as `pending_payment` and takes its stock;
//! (2) the charge; its outcome then moves the order on (paid, or cancelled with the stock
//! back). A request repeated with the same idempotency key resumes at step 2, and the
//! provider gets the same key, so an order is charged at most once.

mod checkout;
mod lifecycle;
mod provider_events;

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use chrono::Utc;
use uuid::Uuid;

use super::{
    ServiceError, ServiceResult,
    cart::{CartService, CartView},
    catalogue_read_model::CatalogueReadModel,
};
use crate::{
    domain::{
        InvalidField,
        audit::{AuditRecord, AuditTarget, FieldChange},
        checkout::{IdempotencyKey, PaymentMethod},
        order::{Order, OrderFilter, OrderLine, OrderSummary, PaymentStatus, Shipment, ShippingAddress},
        order_status::OrderStatus,
        pagination::{Page, PageRequest},
        text,
    },
    jobs::{JobSender, SendOrderConfirmation, SendOrderDelivered, SendOrderShipped},
    payments::{ChargeOutcome, ChargeRequest, PaymentError, PaymentProvider, ProviderEvent, ProviderEventKind},
    repos::{AddressFields, NewOrder, NewOrderLine, PaymentUpdate, PlaceOutcome, PricedFrom, Repos, StatusChange},
};

/// Checkouts being processed in this process, by (user, idempotency key).
type InFlightSet = Mutex<HashSet<(Uuid, String)>>;

/// Where the order ships: an address-book entry or one given with the order.
#[derive(Debug, Clone)]
pub enum ShippingChoice {
    Saved(Uuid),
    New(AddressFields),
}

#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub shipping: ShippingChoice,
    pub payment_method: PaymentMethod,
    pub promo_code: Option<String>,
}

/// A staff member's status change.
#[derive(Debug, Clone)]
pub struct StatusRequest {
    pub status: OrderStatus,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub tracking_url: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone)]
pub struct OrderService {
    repos: Repos,
    cart: CartService,
    payments: Arc<dyn PaymentProvider>,
    jobs: JobSender,
    /// This process's catalogue index, told about the stock an order write moves.
    catalogue: Arc<CatalogueReadModel>,
    /// Checkouts being processed in this process.
    in_flight: Arc<InFlightSet>,
}

impl OrderService {
    pub fn new(
        repos: Repos,
        cart: CartService,
        payments: Arc<dyn PaymentProvider>,
        jobs: JobSender,
        catalogue: Arc<CatalogueReadModel>,
    ) -> Self {
        Self {
            repos,
            cart,
            payments,
            jobs,
            catalogue,
            in_flight: Arc::default(),
        }
    }

    /// Stock moved by a write of this process: the catalogue index shows it before the write
    /// answers. If the index cannot read the change now (the database just went away), its
    /// follower applies it on a later round; the write itself stands.
    async fn stock_moved(&self) {
        if let Err(e) = self.catalogue.refresh().await {
            tracing::warn!(error = %e, "catalogue index: a stock change will show on the follower's next round");
        }
    }

    /// Changes an order's status (see `OrderRepo::change_status`), updating the catalogue
    /// index when the change returned stock.
    async fn change_status(&self, id: Uuid, change: StatusChange) -> Result<bool, crate::repos::RepoError> {
        let restock = change.restock;
        let moved = self.repos.orders.change_status(id, change).await?;
        if moved && restock {
            self.stock_moved().await;
        }
        Ok(moved)
    }

    async fn load(&self, id: Uuid) -> ServiceResult<Order> {
        self.repos.orders.find(id).await?.ok_or(ServiceError::NotFound("order"))
    }
}
