//! Staff changes to the catalogue. Each write stores its audit record in its own transaction
//! and brings this process's catalogue index up to date before it answers, so the storefront
//! shows it on the next read (other processes' followers pick it up on their next round).

use std::sync::Arc;

use uuid::Uuid;

use super::{ServiceError, ServiceResult, catalogue_read_model::CatalogueReadModel};
use crate::{
    domain::{
        audit::{AuditTarget, FieldChange},
        catalogue::ProductDetail,
        pagination::{Page, PageRequest},
        stock::{AdjustOutcome, MAX_STOCK, StockAdjustment, StockMovement},
    },
    repos::Repos,
};

#[derive(Clone)]
pub struct CatalogueAdmin {
    repos: Repos,
    index: Arc<CatalogueReadModel>,
}

impl CatalogueAdmin {
    pub fn new(repos: Repos, index: Arc<CatalogueReadModel>) -> Self {
        Self { repos, index }
    }

    /// Any product, whatever its status.
    pub async fn product(&self, id: Uuid) -> ServiceResult<ProductDetail> {
        self.repos
            .products
            .find_by_ids(&[id])
            .await?
            .pop()
            .ok_or(ServiceError::NotFound("product"))
    }

    /// Moves a variant's stock by `delta` units (negative to take units out), for `reason`.
    ///
    /// Errors: `Invalid` naming `delta` or `reason`; `NotFound("variant")` when the product
    /// has no such variant; `Conflict("insufficient_stock")` when taking more than the
    /// variant holds; `Conflict("stock_limit")` past `MAX_STOCK`.
    pub async fn adjust_stock(
        &self,
        actor: Uuid,
        product_id: Uuid,
        variant_id: Uuid,
        delta: i64,
        reason: &str,
    ) -> ServiceResult<StockMovement> {
        let adjustment = StockAdjustment::new(delta, reason).map_err(ServiceError::Invalid)?;
        let audit = super::audit::record(actor, "variant.stock_adjusted", (AuditTarget::Variant, variant_id))
            .with_changes(vec![FieldChange::new("reason", None, Some(adjustment.reason().into()))]);
        match self
            .repos
            .stock
            .adjust(product_id, variant_id, &adjustment, audit)
            .await?
        {
            AdjustOutcome::Adjusted(movement) => {
                self.catalogue_changed().await;
                Ok(movement)
            }
            AdjustOutcome::NoSuchVariant => Err(ServiceError::NotFound("variant")),
            AdjustOutcome::OutOfRange { stock } if delta < 0 => Err(ServiceError::conflict(
                "insufficient_stock",
                format!("the variant holds {stock} units; {} cannot be taken out", -delta),
            )),
            AdjustOutcome::OutOfRange { stock } => Err(ServiceError::conflict(
                "stock_limit",
                format!("a variant holds at most {MAX_STOCK} units; it holds {stock}"),
            )),
        }
    }

    /// A variant's stock movements, newest first.
    pub async fn stock_movements(
        &self,
        product_id: Uuid,
        variant_id: Uuid,
        page: PageRequest,
    ) -> ServiceResult<Page<StockMovement>> {
        let product = self.product(product_id).await?;
        if !product.variants.iter().any(|v| v.id == variant_id) {
            return Err(ServiceError::NotFound("variant"));
        }
        Ok(self.repos.stock.movements(variant_id, page).await?)
    }

    /// The write is committed; if the index cannot read it now (the database just went away)
    /// its follower applies it on a later round, and the write stands.
    async fn catalogue_changed(&self) {
        if let Err(e) = self.index.refresh().await {
            tracing::warn!(error = %e, "catalogue index: a staff change will show on the follower's next round");
        }
    }
}
