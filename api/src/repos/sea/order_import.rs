//! Orders brought in whole (`OrderRepo::import`): rows written as given, in multi-row
//! statements, without the stock and price checks of placing an order; the sales rollups
//! count them in the same transaction.

use std::collections::HashSet;

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    db_err, insert_chunked,
    orders::SeaOrderRepo,
    sales_rollups::{RollupChanges, SoldLine},
};
use crate::{
    domain::{
        order::{Order, OrderEvent},
        sales_rollup::OrderAmounts,
    },
    repos::{
        RepoResult,
        entities::{order_events, orders},
    },
};

impl SeaOrderRepo {
    pub(super) async fn import_batch(&self, batch: Vec<Order>) -> RepoResult<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let txn = super::begin_write(&self.db).await?;
        let stored: HashSet<Uuid> = orders::Entity::find()
            .select_only()
            .column(orders::Column::Id)
            .filter(orders::Column::Id.is_in(batch.iter().map(|o| o.id)))
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .collect();
        let (mut rows, mut items, mut events) = (Vec::new(), Vec::new(), Vec::new());
        let mut rollups = RollupChanges::default();
        for order in batch.iter().filter(|o| !stored.contains(&o.id)) {
            let row = self.order_row(order)?;
            let lines: Vec<SoldLine> = order
                .lines
                .iter()
                .map(|l| SoldLine {
                    product_id: l.product_id,
                    quantity: i64::from(l.quantity),
                    line_total: l.line_total,
                })
                .collect();
            let amounts = OrderAmounts {
                units: lines.iter().map(|l| l.quantity).sum(),
                subtotal: order.totals.subtotal,
                discount: order.totals.discount,
                shipping: order.totals.shipping,
            };
            rollups.add_order(order.created_at, order.status, amounts, &lines);
            rows.push(row);
            for line in &order.lines {
                items.push(super::orders::item_row(order.id, line)?);
            }
            events.extend(order.events.iter().map(|e| event_row(order.id, e)));
        }
        let added = rows.len() as u64;
        insert_chunked(&txn, rows).await?;
        insert_chunked(&txn, items).await?;
        insert_chunked(&txn, events).await?;
        rollups.apply(&txn).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(added)
    }

    fn order_row(&self, o: &Order) -> RepoResult<orders::ActiveModel> {
        let address = match &o.shipping_address {
            Some(address) => self.seal_address(address)?,
            // As an erasure leaves it.
            None => serde_json::Value::String(String::new()),
        };
        Ok(orders::ActiveModel {
            id: Set(o.id),
            user_id: Set(o.user_id),
            status: Set(o.status.as_str().to_owned()),
            currency: Set(o.currency.clone()),
            subtotal: Set(o.totals.subtotal),
            discount_total: Set(o.totals.discount),
            shipping_total: Set(o.totals.shipping),
            total: Set(o.totals.total),
            units: Set(o.lines.iter().map(|l| i64::from(l.quantity)).sum()),
            promotion_code: Set(o.promo_code.clone()),
            shipping_address: Set(address),
            customer_email: Set(o.customer_email.clone()),
            payment_provider: Set(o.payment.provider.clone()),
            payment_reference: Set(o.payment.reference.clone()),
            payment_status: Set(o.payment.status.as_str().to_owned()),
            idempotency_key: Set(o.idempotency_key.clone()),
            request_hash: Set(o.request_hash.clone()),
            payment_method: Set(o.payment.method.clone()),
            payment_client_secret: Set(None),
            payment_failure: Set(o.payment.failure.clone()),
            created_at: Set(o.created_at),
            updated_at: Set(o.updated_at),
            customer_erased_at: Set(o.customer_erased_at),
        })
    }
}

fn event_row(order_id: Uuid, e: &OrderEvent) -> order_events::ActiveModel {
    order_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        status: Set(e.status.as_str().to_owned()),
        note: Set(e.note.clone()),
        carrier: Set(e.shipment.as_ref().map(|s| s.carrier.clone())),
        tracking_number: Set(e.shipment.as_ref().map(|s| s.tracking_number.clone())),
        tracking_url: Set(e.shipment.as_ref().and_then(|s| s.tracking_url.clone())),
        actor_id: Set(e.actor_id),
        created_at: Set(e.created_at),
    }
}
