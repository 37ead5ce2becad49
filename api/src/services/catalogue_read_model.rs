//! The catalogue read model: this process's [`CatalogueIndex`], built from the database at
//! start and kept current by following the database's change feed (`ProductRepo::
//! catalogue_changes`), so every instance answers catalogue reads from memory and none shows
//! stale stock or prices.
//!
//! - A write made by this process (checkout, cancellation, release of an unpaid order,
//!   restocking refund) calls [`CatalogueReadModel::refresh`] after its commit and before it
//!   answers, so the next read here shows it.
//! - Other processes' writes arrive through [`CatalogueReadModel::follow`], which reads the
//!   feed every `catalogue.follow_interval_ms`: that interval bounds how late they show.
//! - Until the first build completes the model is not ready: catalogue reads answer 503 and
//!   `/readyz` names it. A follower that finds versions missing from the feed (pruned while it
//!   was away) rebuilds, unready meanwhile.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use chrono::Utc;
use tokio::sync::{Mutex, watch};
use uuid::Uuid;

use crate::{
    config::CatalogueConfig,
    domain::catalogue::ProductDetail,
    infra::catalogue_index::{CatalogueIndex, FacetRequest, IndexError, IndexPage},
    repos::{ProductListQuery, ProductRepo, RepoError},
};

/// Feed versions read per round of a catch-up.
const VERSIONS_PER_ROUND: i64 = 200;
/// How often the follower prunes the feed.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ReadModelError {
    #[error(transparent)]
    Storage(#[from] RepoError),
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The feed no longer holds a version the index has not applied: rebuild.
    #[error("catalogue feed: version {0} is gone (pruned); the index must be rebuilt")]
    Gap(i64),
    #[error("catalogue index task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

pub struct CatalogueReadModel {
    index: Arc<CatalogueIndex>,
    products: Arc<dyn ProductRepo>,
    /// The feed version the index reflects (`None` until built). Held across a refresh, so
    /// refreshes run one at a time.
    applied: Mutex<Option<i64>>,
    ready: watch::Sender<bool>,
    settings: CatalogueConfig,
}

impl CatalogueReadModel {
    pub fn new(products: Arc<dyn ProductRepo>, settings: &CatalogueConfig) -> Result<Self, IndexError> {
        Ok(Self {
            index: Arc::new(CatalogueIndex::new()?),
            products,
            applied: Mutex::new(None),
            ready: watch::Sender::new(false),
            settings: settings.clone(),
        })
    }

    /// Whether the index is built and following the feed.
    pub fn is_ready(&self) -> bool {
        *self.ready.borrow()
    }

    /// Resolves once the index is ready.
    pub async fn wait_ready(&self) {
        let mut ready = self.ready.subscribe();
        let _ = ready.wait_for(|ready| *ready).await;
    }

    /// The version the index reflects, `None` before the first build.
    pub async fn applied_version(&self) -> Option<i64> {
        *self.applied.lock().await
    }

    /// The index, or `Unavailable` while it is being built.
    fn ready_index(&self) -> Result<&CatalogueIndex, RepoError> {
        if self.is_ready() {
            Ok(&self.index)
        } else {
            Err(RepoError::Unavailable("the catalogue index is being built".into()))
        }
    }

    /// One page of a product list from the index. `Unavailable` while it is being built.
    pub fn list(&self, query: &ProductListQuery) -> Result<IndexPage, RepoError> {
        self.list_with_facets(query, &FacetRequest::default())
    }

    /// [`Self::list`] with facet counts.
    pub fn list_with_facets(&self, query: &ProductListQuery, facets: &FacetRequest) -> Result<IndexPage, RepoError> {
        self.ready_index()?
            .list_with_facets(query, facets)
            .map_err(index_failure)
    }

    /// A product page from the index. `Unavailable` while it is being built.
    pub fn find_by_slug(&self, slug: &str) -> Result<Option<Arc<ProductDetail>>, RepoError> {
        Ok(self.ready_index()?.find_by_slug(slug))
    }

    /// Brings the index up to the feed's current version: builds it the first time (or after a
    /// gap), otherwise applies the changes since the last refresh. Writers call this after
    /// their commit; before the first build it returns at once (the build will include them).
    pub async fn refresh(&self) -> Result<(), ReadModelError> {
        // While a build runs, reads answer 503 and the build (or the catch-up that ends it)
        // covers this write: do not queue behind it.
        if !self.is_ready() {
            return Ok(());
        }
        let mut applied = self.applied.lock().await;
        let Some(version) = *applied else { return Ok(()) };
        match self.catch_up(version).await {
            Ok(version) => {
                *applied = Some(version);
                Ok(())
            }
            Err(ReadModelError::Gap(missing)) => {
                tracing::warn!(missing, "catalogue feed has a gap; rebuilding the index");
                self.ready.send_replace(false);
                *applied = None;
                self.build_locked(&mut applied).await
            }
            Err(e) => Err(e),
        }
    }

    /// Builds the index with the `applied` lock held, then marks it ready and catches up
    /// with what was written meanwhile (a writer that found it unready did not wait).
    async fn build_locked(&self, applied: &mut Option<i64>) -> Result<(), ReadModelError> {
        let started = std::time::Instant::now();
        let built = self.build().await?;
        let version = self.catch_up(built).await?;
        *applied = Some(version);
        self.ready.send_replace(true);
        *applied = Some(self.catch_up(version).await?);
        tracing::info!(
            products = self.index.len(),
            version = ?*applied,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "catalogue index built"
        );
        Ok(())
    }

    /// Builds the index if it is not built yet, then follows the feed every
    /// `follow_interval_ms` until dropped; failures (the database down) are logged and the
    /// next round tries again. Run it under the task supervisor.
    pub async fn follow(self: Arc<Self>) {
        let interval = Duration::from_millis(self.settings.follow_interval_ms);
        let mut last_prune = tokio::time::Instant::now();
        loop {
            let round = async {
                let mut applied = self.applied.lock().await;
                if applied.is_none() {
                    self.build_locked(&mut applied).await
                } else {
                    drop(applied);
                    self.refresh().await
                }
            };
            if let Err(e) = round.await {
                tracing::warn!(error = %e, "catalogue index: could not follow the change feed; retrying");
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = tokio::time::Instant::now();
                let cutoff = Utc::now() - Duration::from_secs(self.settings.feed_retention_secs);
                match self.products.prune_catalogue_changes(cutoff).await {
                    Ok(pruned) if pruned > 0 => tracing::info!(pruned, "catalogue feed pruned"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "catalogue feed: could not prune"),
                }
            }
            tokio::time::sleep(interval).await;
        }
    }

    /// Empties the index and loads every product; returns the feed version it reflects at
    /// least (changes after it are applied by the next refresh, again if already included).
    async fn build(&self) -> Result<i64, ReadModelError> {
        let version = self.products.catalogue_version().await?;
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
        let mut after = None;
        let mut loaded = 0_usize;
        loop {
            let batch = self.products.details_after(after, self.settings.build_batch).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.id);
            loaded += batch.len();
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || index.load(batch)).await??;
            if loaded % 100_000 < self.settings.build_batch as usize {
                tracing::info!(loaded, "catalogue index: loading products");
            }
        }
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.publish()).await??;
        Ok(version)
    }

    /// Applies the feed's changes after `version`; returns the version now applied.
    async fn catch_up(&self, mut version: i64) -> Result<i64, ReadModelError> {
        let current = self.products.catalogue_version().await?;
        while version < current {
            let through = current.min(version + VERSIONS_PER_ROUND);
            let changes = self.products.catalogue_changes(version, through).await?;
            // Versions are consecutive and each records at least one product: one missing
            // means it was pruned before this process read it.
            let seen: BTreeSet<i64> = changes.iter().map(|c| c.version).collect();
            if let Some(missing) = (version + 1..=through).find(|v| !seen.contains(v)) {
                return Err(ReadModelError::Gap(missing));
            }
            let ids: BTreeSet<Uuid> = changes.iter().map(|c| c.product_id).collect();
            let ids: Vec<Uuid> = ids.into_iter().collect();
            for chunk in ids.chunks(self.settings.build_batch.max(1) as usize) {
                let found = self.products.find_by_ids(chunk).await?;
                let present: BTreeSet<Uuid> = found.iter().map(|p| p.id).collect();
                let gone = chunk.iter().filter(|id| !present.contains(id)).copied().collect();
                self.apply(found, gone).await?;
            }
            version = through;
        }
        Ok(version)
    }

    async fn apply(&self, products: Vec<ProductDetail>, removed: Vec<Uuid>) -> Result<(), ReadModelError> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.apply(products, &removed)).await??;
        Ok(())
    }
}

/// An index that fails to answer is a bug or corruption, not an outage.
fn index_failure(e: IndexError) -> RepoError {
    RepoError::Other(e.to_string())
}
