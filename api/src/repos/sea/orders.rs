//! The order aggregate on SQLite and PostgreSQL.
//!
//! One file of about 640 lines on purpose: placing (order row, conditional stock decrements,
//! price checks), status changes with their history and restock, payments and provider events
//! all share the row mappings, the encrypted address column and the transaction helpers
//! here; split, one aggregate's SQL would sit in several rooms.

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{db_err, is_postgres};
use crate::{
    crypto::FieldCipher,
    domain::{
        catalogue::ProductStatus,
        order::{
            CustomerOrders, Order, OrderEvent, OrderFilter, OrderLine, OrderSummary, OrderText, Payment, PaymentStatus,
            Shipment,
        },
        order_status::{OrderStatus, Transition},
        pagination::{Page, PageRequest},
        pricing::Totals,
    },
    repos::{
        NewOrder, OrderRepo, PaymentUpdate, PlaceOutcome, RepoError, RepoResult, StatusChange,
        entities::{order_events, order_items, orders, payment_events, product_variants, products},
    },
};

const SHIPPING_ADDRESS: &str = "orders.shipping_address";

/// What an order line remembers of the product, stored as JSON beside the prices.
#[derive(Serialize, Deserialize)]
struct LineSnapshot {
    title: String,
    slug: String,
    image: Option<String>,
    sku: String,
    size: String,
    color: String,
}

impl LineSnapshot {
    fn of(line: &OrderLine) -> Self {
        Self {
            title: line.title.clone(),
            slug: line.slug.clone(),
            image: line.image.clone(),
            sku: line.sku.clone(),
            size: line.size.clone(),
            color: line.color.clone(),
        }
    }
}

/// A line as its row, the product remembered in `variant_snapshot`.
pub(super) fn item_row(order_id: Uuid, line: &OrderLine) -> RepoResult<order_items::ActiveModel> {
    Ok(order_items::ActiveModel {
        id: Set(line.id),
        order_id: Set(order_id),
        product_id: Set(line.product_id),
        variant_id: Set(line.variant_id),
        quantity: Set(line.quantity as i32),
        price_at_purchase: Set(line.price_at_purchase),
        discount: Set(line.discount),
        line_total: Set(line.line_total),
        variant_snapshot: Set(
            serde_json::to_value(LineSnapshot::of(line)).map_err(|e| RepoError::Other(e.to_string()))?
        ),
    })
}

pub struct SeaOrderRepo {
    pub(super) db: DatabaseConnection,
    pub(super) cipher: Arc<FieldCipher>,
}

impl SeaOrderRepo {
    pub fn new(db: DatabaseConnection, cipher: Arc<FieldCipher>) -> Self {
        Self { db, cipher }
    }

    /// The address snapshot is personal data: sealed whole, kept as a JSON string.
    pub(super) fn seal_address(
        &self,
        address: &crate::domain::order::ShippingAddress,
    ) -> RepoResult<serde_json::Value> {
        let plain = serde_json::to_string(address).map_err(|e| RepoError::Other(e.to_string()))?;
        Ok(serde_json::Value::String(self.cipher.encrypt(SHIPPING_ADDRESS, &plain)))
    }

    fn open_address(&self, id: Uuid, stored: &serde_json::Value) -> RepoResult<crate::domain::order::ShippingAddress> {
        let corrupt = |why: String| RepoError::Other(format!("order {id}: shipping address: {why}"));
        let sealed = stored.as_str().ok_or_else(|| corrupt("not a sealed string".into()))?;
        let plain = self
            .cipher
            .decrypt(SHIPPING_ADDRESS, sealed)
            .map_err(|e| corrupt(e.to_string()))?;
        serde_json::from_str(&plain).map_err(|e| corrupt(e.to_string()))
    }

    /// Orders with their lines and history, in three statements however many there are.
    async fn load<C: ConnectionTrait>(&self, conn: &C, rows: Vec<orders::Model>) -> RepoResult<Vec<Order>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut lines: HashMap<Uuid, Vec<OrderLine>> = HashMap::new();
        for item in order_items::Entity::find()
            .filter(order_items::Column::OrderId.is_in(ids.clone()))
            .order_by_asc(order_items::Column::Id)
            .all(conn)
            .await
            .map_err(db_err)?
        {
            let snapshot: LineSnapshot = serde_json::from_value(item.variant_snapshot)
                .map_err(|e| RepoError::Other(format!("order item {}: snapshot: {e}", item.id)))?;
            lines.entry(item.order_id).or_default().push(OrderLine {
                id: item.id,
                product_id: item.product_id,
                variant_id: item.variant_id,
                title: snapshot.title,
                slug: snapshot.slug,
                image: snapshot.image,
                sku: snapshot.sku,
                size: snapshot.size,
                color: snapshot.color,
                quantity: u32::try_from(item.quantity).unwrap_or(0),
                price_at_purchase: item.price_at_purchase,
                discount: item.discount,
                line_total: item.line_total,
            });
        }
        let mut events: HashMap<Uuid, Vec<OrderEvent>> = HashMap::new();
        for e in order_events::Entity::find()
            .filter(order_events::Column::OrderId.is_in(ids))
            .order_by_asc(order_events::Column::CreatedAt)
            .order_by_asc(order_events::Column::Id)
            .all(conn)
            .await
            .map_err(db_err)?
        {
            let status = OrderStatus::parse(&e.status)
                .ok_or_else(|| RepoError::Other(format!("order event {}: bad status", e.id)))?;
            events.entry(e.order_id).or_default().push(OrderEvent {
                status,
                note: e.note,
                shipment: match (e.carrier, e.tracking_number) {
                    (Some(carrier), Some(tracking_number)) => Some(Shipment {
                        carrier,
                        tracking_number,
                        tracking_url: e.tracking_url,
                    }),
                    _ => None,
                },
                actor_id: e.actor_id,
                created_at: e.created_at,
            });
        }
        rows.into_iter()
            .map(|m| {
                let corrupt = |what: &str| RepoError::Other(format!("order {}: bad {what}", m.id));
                Ok(Order {
                    shipping_address: match m.customer_erased_at {
                        Some(_) => None,
                        None => Some(self.open_address(m.id, &m.shipping_address)?),
                    },
                    customer_erased_at: m.customer_erased_at,
                    status: OrderStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
                    payment: Payment {
                        provider: m.payment_provider,
                        method: m.payment_method,
                        status: PaymentStatus::parse(&m.payment_status).ok_or_else(|| corrupt("payment status"))?,
                        reference: m.payment_reference,
                        client_secret: m.payment_client_secret,
                        failure: m.payment_failure,
                    },
                    lines: lines.remove(&m.id).unwrap_or_default(),
                    events: events.remove(&m.id).unwrap_or_default(),
                    id: m.id,
                    user_id: m.user_id,
                    customer_email: m.customer_email,
                    currency: m.currency,
                    totals: Totals {
                        subtotal: m.subtotal,
                        discount: m.discount_total,
                        shipping: m.shipping_total,
                        total: m.total,
                    },
                    promo_code: m.promotion_code,
                    idempotency_key: m.idempotency_key,
                    request_hash: m.request_hash,
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                })
            })
            .collect()
    }

    async fn find_one(&self, condition: Condition) -> RepoResult<Option<Order>> {
        let row = orders::Entity::find()
            .filter(condition)
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(self.load(&self.db, row.into_iter().collect()).await?.pop())
    }

    /// A page of summaries: the orders, their item counts (one grouped statement) and the total.
    async fn summaries(&self, condition: Condition, page: PageRequest) -> RepoResult<Page<OrderSummary>> {
        let total = orders::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await
            .map_err(db_err)?;
        let rows = orders::Entity::find()
            .filter(condition)
            .order_by_desc(orders::Column::CreatedAt)
            .order_by_desc(orders::Column::Id)
            .offset(page.offset())
            .limit(page.limit())
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let counts: HashMap<Uuid, i64> = if ids.is_empty() {
            HashMap::new()
        } else {
            order_items::Entity::find()
                .select_only()
                .column(order_items::Column::OrderId)
                .column_as(order_items::Column::Quantity.sum(), "units")
                .filter(order_items::Column::OrderId.is_in(ids))
                .group_by(order_items::Column::OrderId)
                .into_tuple::<(Uuid, Option<i64>)>()
                .all(&self.db)
                .await
                .map_err(db_err)?
                .into_iter()
                .map(|(id, units)| (id, units.unwrap_or(0)))
                .collect()
        };
        let items = rows
            .into_iter()
            .map(|m| {
                let corrupt = |what: &str| RepoError::Other(format!("order {}: bad {what}", m.id));
                Ok(OrderSummary {
                    status: OrderStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
                    payment_status: PaymentStatus::parse(&m.payment_status).ok_or_else(|| corrupt("payment status"))?,
                    item_count: u32::try_from(counts.get(&m.id).copied().unwrap_or(0)).unwrap_or(0),
                    id: m.id,
                    user_id: m.user_id,
                    customer_email: m.customer_email,
                    currency: m.currency,
                    totals: Totals {
                        subtotal: m.subtotal,
                        discount: m.discount_total,
                        shipping: m.shipping_total,
                        total: m.total,
                    },
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                })
            })
            .collect::<RepoResult<_>>()?;
        Ok(Page {
            items,
            request: page,
            total,
        })
    }
}

async fn insert_event<C: ConnectionTrait>(conn: &C, order_id: Uuid, change: &StatusChange) -> RepoResult<()> {
    order_events::Entity::insert(order_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        status: Set(change.transition.to().as_str().to_owned()),
        note: Set(change.note.clone()),
        carrier: Set(change.shipment.as_ref().map(|s| s.carrier.clone())),
        tracking_number: Set(change.shipment.as_ref().map(|s| s.tracking_number.clone())),
        tracking_url: Set(change.shipment.as_ref().and_then(|s| s.tracking_url.clone())),
        actor_id: Set(change.actor_id),
        created_at: Set(change.at),
    })
    .exec_without_returning(conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl OrderRepo for SeaOrderRepo {
    async fn place(&self, order: NewOrder) -> RepoResult<PlaceOutcome> {
        let address = self.seal_address(&order.shipping_address)?;
        let txn = super::begin_write(&self.db).await?;
        // The order row goes first: it is a write, so on SQLite the transaction holds the write
        // lock from its first statement, and a second request with the same key stops here.
        let inserted = orders::Entity::insert(orders::ActiveModel {
            id: Set(order.id),
            user_id: Set(order.user_id),
            status: Set(OrderStatus::PendingPayment.as_str().to_owned()),
            currency: Set(order.currency.clone()),
            subtotal: Set(order.totals.subtotal),
            discount_total: Set(order.totals.discount),
            shipping_total: Set(order.totals.shipping),
            total: Set(order.totals.total),
            units: Set(order.lines.iter().map(|l| i64::from(l.line.quantity)).sum()),
            promotion_code: Set(order.promo_code.clone()),
            shipping_address: Set(address),
            customer_email: Set(order.customer_email.clone()),
            payment_provider: Set(order.payment_provider.clone()),
            payment_reference: Set(None),
            payment_status: Set(PaymentStatus::Pending.as_str().to_owned()),
            idempotency_key: Set(Some(order.idempotency_key.clone())),
            request_hash: Set(Some(order.request_hash.clone())),
            payment_method: Set(Some(order.payment_method.clone())),
            payment_client_secret: Set(None),
            payment_failure: Set(None),
            created_at: Set(order.created_at),
            updated_at: Set(order.created_at),
            customer_erased_at: Set(None),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db_err);
        match inserted {
            Ok(_) => {}
            Err(RepoError::Conflict(_)) => {
                txn.rollback().await.map_err(db_err)?;
                return Ok(PlaceOutcome::KeyTaken);
            }
            Err(e) => return Err(e),
        }

        // One conditional decrement per variant: it takes the units only if enough are left,
        // so concurrent orders can never drive stock below zero.
        let mut needed: Vec<(Uuid, i32)> = Vec::new();
        for l in &order.lines {
            let variant = l
                .line
                .variant_id
                .ok_or_else(|| RepoError::Other("order line without a variant".into()))?;
            match needed.iter_mut().find(|(v, _)| *v == variant) {
                Some((_, q)) => *q += l.line.quantity as i32,
                None => needed.push((variant, l.line.quantity as i32)),
            }
        }
        // A fixed lock order (by variant id) keeps two multi-line orders from deadlocking.
        needed.sort_by_key(|(variant, _)| *variant);
        for (variant_id, quantity) in &needed {
            let taken = product_variants::Entity::update_many()
                .col_expr(
                    product_variants::Column::InventoryCount,
                    Expr::col(product_variants::Column::InventoryCount).sub(*quantity),
                )
                .filter(product_variants::Column::Id.eq(*variant_id))
                .filter(product_variants::Column::InventoryCount.gte(*quantity))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            if taken.rows_affected != 1 {
                let available: Option<i32> = product_variants::Entity::find_by_id(*variant_id)
                    .select_only()
                    .column(product_variants::Column::InventoryCount)
                    .into_tuple()
                    .one(&txn)
                    .await
                    .map_err(db_err)?;
                txn.rollback().await.map_err(db_err)?;
                return Ok(PlaceOutcome::OutOfStock {
                    variant_id: *variant_id,
                    available: available.map_or(0, |n| u32::try_from(n).unwrap_or(0)),
                });
            }
        }

        // The prices the cart was priced from must still be the catalogue's.
        let variant_ids: Vec<Uuid> = needed.iter().map(|(v, _)| *v).collect();
        let variants: HashMap<Uuid, (Uuid, Option<i64>)> = product_variants::Entity::find()
            .select_only()
            .column(product_variants::Column::Id)
            .column(product_variants::Column::ProductId)
            .column(product_variants::Column::Price)
            .filter(product_variants::Column::Id.is_in(variant_ids))
            .into_tuple::<(Uuid, Uuid, Option<i64>)>()
            .all(&txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|(id, product, price)| (id, (product, price)))
            .collect();
        let product_ids: Vec<Uuid> = variants.values().map(|(p, _)| *p).collect();
        let prices: HashMap<Uuid, (i64, Option<i64>)> = products::Entity::find()
            .select_only()
            .column(products::Column::Id)
            .column(products::Column::Price)
            .column(products::Column::SalePrice)
            .filter(products::Column::Id.is_in(product_ids))
            // Taken off sale since the cart was priced: re-priced, the line shows unavailable.
            .filter(products::Column::Status.eq(ProductStatus::Active.as_str()))
            .into_tuple::<(Uuid, i64, Option<i64>)>()
            .all(&txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|(id, price, sale)| (id, (price, sale)))
            .collect();
        let unchanged = order.lines.iter().all(|l| {
            let Some((product_id, variant_price)) = l.line.variant_id.and_then(|v| variants.get(&v)) else {
                return false;
            };
            let Some((price, sale)) = prices.get(product_id) else {
                return false;
            };
            Some(*product_id) == l.line.product_id
                && *price == l.priced_from.product_price
                && *sale == l.priced_from.product_sale_price
                && *variant_price == l.priced_from.variant_price
        });
        if !unchanged {
            txn.rollback().await.map_err(db_err)?;
            return Ok(PlaceOutcome::PriceChanged);
        }

        let items = order
            .lines
            .iter()
            .map(|l| item_row(order.id, &l.line))
            .collect::<RepoResult<Vec<_>>>()?;
        order_items::Entity::insert_many(items)
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        let mut created = StatusChange::new(Transition::PLACED);
        created.at = order.created_at;
        created.note = Some("order placed".into());
        insert_event(&txn, order.id, &created).await?;
        // Last: the stock of these products changed (see `catalogue_changes::record`).
        super::catalogue_changes::record(&txn, variants.values().map(|(product, _)| *product)).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(PlaceOutcome::Placed)
    }

    async fn import(&self, orders: Vec<Order>) -> RepoResult<u64> {
        self.import_batch(orders).await
    }

    async fn refresh_statistics(&self) -> RepoResult<()> {
        let statements: &[&str] = if is_postgres(&self.db) {
            &["VACUUM (ANALYZE) orders, order_items"]
        } else {
            &["ANALYZE orders", "ANALYZE order_items"]
        };
        for sql in statements {
            self.db.execute_unprepared(sql).await.map_err(db_err)?;
        }
        Ok(())
    }

    async fn find(&self, id: Uuid) -> RepoResult<Option<Order>> {
        self.find_one(Condition::all().add(orders::Column::Id.eq(id))).await
    }

    async fn find_by_idempotency_key(&self, user_id: Uuid, key: &str) -> RepoResult<Option<Order>> {
        self.find_one(
            Condition::all()
                .add(orders::Column::UserId.eq(user_id))
                .add(orders::Column::IdempotencyKey.eq(key)),
        )
        .await
    }

    async fn find_by_payment_reference(&self, reference: &str) -> RepoResult<Option<Order>> {
        self.find_one(Condition::all().add(orders::Column::PaymentReference.eq(reference)))
            .await
    }

    async fn list_for_user(&self, user_id: Uuid, page: PageRequest) -> RepoResult<Page<OrderSummary>> {
        self.summaries(Condition::all().add(orders::Column::UserId.eq(user_id)), page)
            .await
    }

    async fn all_for_user(&self, user_id: Uuid) -> RepoResult<Vec<Order>> {
        let rows = orders::Entity::find()
            .filter(orders::Column::UserId.eq(user_id))
            .order_by_desc(orders::Column::CreatedAt)
            .order_by_desc(orders::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        self.load(&self.db, rows).await
    }

    async fn customer_orders(&self, user_id: Uuid) -> RepoResult<CustomerOrders> {
        let theirs = Condition::all().add(orders::Column::UserId.eq(user_id));
        let newest = PageRequest::new(Some(1), Some(1)).map_err(|e| RepoError::Other(e.to_string()))?;
        let (page, spent) = tokio::try_join!(self.summaries(theirs.clone(), newest), async {
            orders::Entity::find()
                .select_only()
                // PostgreSQL sums a BIGINT into NUMERIC: back to BIGINT (totals are far from overflowing).
                .expr(Expr::col(orders::Column::Total).sum().cast_as("BIGINT"))
                .filter(theirs.clone())
                .filter(orders::Column::PaymentStatus.eq(PaymentStatus::Succeeded.as_str()))
                .into_tuple::<Option<i64>>()
                .one(&self.db)
                .await
                .map_err(db_err)
        })?;
        Ok(CustomerOrders {
            count: page.total,
            spent: spent.flatten().unwrap_or(0),
            last: page.items.into_iter().next(),
        })
    }

    async fn list(&self, filter: &OrderFilter, page: PageRequest) -> RepoResult<Page<OrderSummary>> {
        let mut condition = Condition::all();
        if let Some(status) = filter.status {
            condition = condition.add(orders::Column::Status.eq(status.as_str()));
        }
        if let Some(email) = &filter.customer_email {
            condition = condition.add(orders::Column::CustomerEmail.eq(email.to_lowercase()));
        }
        if let Some(from) = filter.created_from {
            condition = condition.add(orders::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.created_to {
            condition = condition.add(orders::Column::CreatedAt.lt(to));
        }
        if let Some(min) = filter.min_total {
            condition = condition.add(orders::Column::Total.gte(min));
        }
        if let Some(status) = filter.payment_status {
            condition = condition.add(orders::Column::PaymentStatus.eq(status.as_str()));
        }
        match &filter.text {
            None => {}
            Some(OrderText::Id(id)) => condition = condition.add(orders::Column::Id.eq(*id)),
            // The number is the id's last 8 hex digits: compared on the id's text form.
            Some(OrderText::Number(digits)) => {
                condition = condition.add(if is_postgres(&self.db) {
                    Expr::cust_with_values("right(replace(CAST(id AS text), '-', ''), 8) = $1", [digits.clone()])
                } else {
                    Expr::cust_with_values("lower(substr(hex(id), -8)) = ?", [digits.clone()])
                });
            }
            Some(OrderText::Email(fragment)) => {
                condition = condition.add(Expr::col(orders::Column::CustomerEmail).like(super::contains(fragment)));
            }
        }
        self.summaries(condition, page).await
    }

    async fn change_status(&self, id: Uuid, change: StatusChange) -> RepoResult<bool> {
        let txn = super::begin_write(&self.db).await?;
        let mut update = orders::Entity::update_many()
            .col_expr(orders::Column::Status, Expr::value(change.transition.to().as_str()))
            .col_expr(orders::Column::UpdatedAt, Expr::value(change.at));
        if let Some(status) = change.payment_status {
            update = update.col_expr(orders::Column::PaymentStatus, Expr::value(status.as_str()));
            if status != PaymentStatus::RequiresAction {
                update = update.col_expr(orders::Column::PaymentClientSecret, Expr::value(None::<String>));
            }
        }
        if let Some(reference) = &change.payment_reference {
            update = update.col_expr(orders::Column::PaymentReference, Expr::value(reference.clone()));
        }
        if let Some(failure) = &change.payment_failure {
            update = update.col_expr(orders::Column::PaymentFailure, Expr::value(failure.clone()));
        }
        // Conditional on the current status: of two concurrent changes from one state, one wins.
        let moved = update
            .filter(orders::Column::Id.eq(id))
            .filter(orders::Column::Status.eq(change.transition.from().as_str()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if moved.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        super::sales_rollups::order_moved(&txn, id, change.transition.from(), change.transition.to()).await?;
        let mut restocked = Vec::new();
        if change.restock {
            let lines: Vec<(Option<Uuid>, Option<Uuid>, i32)> = order_items::Entity::find()
                .select_only()
                .column(order_items::Column::ProductId)
                .column(order_items::Column::VariantId)
                .column(order_items::Column::Quantity)
                .filter(order_items::Column::OrderId.eq(id))
                .into_tuple()
                .all(&txn)
                .await
                .map_err(db_err)?;
            restocked.extend(lines.iter().filter_map(|(product, _, _)| *product));
            // A deleted variant has nothing to return the units to.
            for (variant_id, quantity) in lines.into_iter().filter_map(|(_, v, q)| v.map(|v| (v, q))) {
                product_variants::Entity::update_many()
                    .col_expr(
                        product_variants::Column::InventoryCount,
                        Expr::col(product_variants::Column::InventoryCount).add(quantity),
                    )
                    .filter(product_variants::Column::Id.eq(variant_id))
                    .exec(&txn)
                    .await
                    .map_err(db_err)?;
            }
        }
        insert_event(&txn, id, &change).await?;
        for job in change.jobs {
            super::job_outbox::insert(&txn, job).await?;
        }
        if let Some(record) = &change.audit {
            super::audit::insert(&txn, record).await?;
        }
        super::catalogue_changes::record(&txn, restocked).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn update_payment(&self, id: Uuid, while_in: OrderStatus, update: PaymentUpdate) -> RepoResult<bool> {
        let refunded = update.status == PaymentStatus::Refunded;
        let mut query = orders::Entity::update_many()
            .col_expr(orders::Column::PaymentStatus, Expr::value(update.status.as_str()))
            .col_expr(orders::Column::PaymentClientSecret, Expr::value(update.client_secret))
            .col_expr(orders::Column::PaymentFailure, Expr::value(update.failure))
            .col_expr(orders::Column::UpdatedAt, Expr::value(Utc::now()));
        if let Some(reference) = update.reference {
            query = query.col_expr(orders::Column::PaymentReference, Expr::value(reference));
        }
        query = query
            .filter(orders::Column::Id.eq(id))
            .filter(orders::Column::Status.eq(while_in.as_str()));
        if !refunded {
            // A success already recorded is only ever followed by its refund, never overwritten
            // by a late failure or a pending state.
            query = query.filter(orders::Column::PaymentStatus.ne(PaymentStatus::Succeeded.as_str()));
        }
        let result = query.exec(&self.db).await.map_err(db_err)?;
        Ok(result.rows_affected == 1)
    }

    async fn swap_payment_status(
        &self,
        id: Uuid,
        while_in: OrderStatus,
        from: PaymentStatus,
        to: PaymentStatus,
    ) -> RepoResult<bool> {
        let result = orders::Entity::update_many()
            .col_expr(orders::Column::PaymentStatus, Expr::value(to.as_str()))
            .col_expr(orders::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(orders::Column::Id.eq(id))
            .filter(orders::Column::Status.eq(while_in.as_str()))
            .filter(orders::Column::PaymentStatus.eq(from.as_str()))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(result.rows_affected == 1)
    }

    async fn pending_payment_before(&self, cutoff: DateTime<Utc>, limit: u64) -> RepoResult<Vec<Uuid>> {
        orders::Entity::find()
            .select_only()
            .column(orders::Column::Id)
            .filter(orders::Column::Status.eq(OrderStatus::PendingPayment.as_str()))
            .filter(orders::Column::CreatedAt.lt(cutoff))
            .order_by_asc(orders::Column::CreatedAt)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)
    }

    async fn record_payment_event(
        &self,
        provider: &str,
        event_id: &str,
        kind: &str,
        at: DateTime<Utc>,
    ) -> RepoResult<bool> {
        let inserted = payment_events::Entity::insert(payment_events::ActiveModel {
            id: Set(format!("{provider}:{event_id}")),
            provider: Set(provider.to_owned()),
            kind: Set(kind.to_owned()),
            received_at: Set(at),
        })
        .on_conflict_do_nothing_on([payment_events::Column::Id])
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err)?;
        Ok(matches!(inserted, TryInsertResult::Inserted(n) if n == 1))
    }

    async fn forget_payment_event(&self, provider: &str, event_id: &str) -> RepoResult<()> {
        payment_events::Entity::delete_by_id(format!("{provider}:{event_id}"))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn reencrypt(&self, batch: u64) -> RepoResult<u64> {
        let mut changed = 0;
        let mut after: Option<Uuid> = None;
        while changed < batch {
            let mut query = orders::Entity::find()
                .select_only()
                .column(orders::Column::Id)
                .column(orders::Column::ShippingAddress)
                .filter(orders::Column::CustomerErasedAt.is_null())
                .order_by_asc(orders::Column::Id)
                .limit(500);
            if let Some(last) = after {
                query = query.filter(orders::Column::Id.gt(last));
            }
            let rows: Vec<(Uuid, serde_json::Value)> = query.into_tuple().all(&self.db).await.map_err(db_err)?;
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            after = Some(last);
            for (id, stored) in rows {
                if changed >= batch || !stored.as_str().is_some_and(|s| self.cipher.needs_rotation(s)) {
                    continue;
                }
                let address = self.open_address(id, &stored)?;
                let plain = serde_json::to_string(&address).map_err(|e| RepoError::Other(e.to_string()))?;
                let sealed = serde_json::Value::String(self.cipher.encrypt(SHIPPING_ADDRESS, &plain));
                orders::Entity::update_many()
                    .col_expr(orders::Column::ShippingAddress, Expr::value(sealed))
                    .filter(orders::Column::Id.eq(id))
                    .filter(orders::Column::ShippingAddress.eq(stored))
                    .exec(&self.db)
                    .await
                    .map_err(db_err)?;
                changed += 1;
            }
        }
        Ok(changed)
    }
}
