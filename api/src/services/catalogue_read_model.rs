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
//! - Prices are shelf prices (`domain::shelf_price`): the automatic promotions running now.
//!   The pricing holds until the next start or end of one of them; a read past that moment
//!   re-prices the index before it answers (the follower usually has, just before), so a
//!   promotion changes lists, sorts and price filters exactly when it starts or ends.
//! - The promotions, categories and collections are re-read every
//!   `catalogue.reference_reload_ms` (and at once through [`CatalogueReadModel::
//!   reload_reference`]): a changed promotion re-prices the index, a renamed or switched
//!   category or collection re-reads the products that link to it.
//! - Until the first build completes the model is not ready: catalogue reads answer 503 and
//!   `/readyz` names it. A follower that finds versions missing from the feed (pruned while it
//!   was away) rebuilds, unready meanwhile.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, watch};
use uuid::Uuid;

use crate::{
    config::CatalogueConfig,
    domain::{
        catalogue::{Category, Collection, ProductDetail, Promotion},
        pricing::PromotionBase,
        shelf_price::{ShelfPrice, ShelfPricing},
    },
    infra::catalogue_index::{CatalogueIndex, FacetRequest, IndexError, IndexPage, Shelved},
    repos::{CategoryRepo, CollectionRepo, ProductListQuery, ProductRepo, PromotionRepo, RepoError, Repos},
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
    promotions: Arc<dyn PromotionRepo>,
    categories: Arc<dyn CategoryRepo>,
    base: PromotionBase,
    collections: Arc<dyn CollectionRepo>,
    /// The feed version the index reflects (`None` until built). Held across a refresh and a
    /// re-pricing, so index writes run one at a time and each prices with `reference`'s
    /// pricing.
    applied: Mutex<Option<i64>>,
    /// What the index's prices and links were made from.
    reference: RwLock<Reference>,
    /// When the index's prices stop holding, in nanoseconds since the epoch (`i64::MAX`:
    /// no promotion starts or ends ahead). Read without a lock on every catalogue read.
    reprice_at: AtomicI64,
    ready: watch::Sender<bool>,
    settings: CatalogueConfig,
}

/// What the index reads besides products: the promotions and categories its prices come
/// from (and the pricing they make), and the categories' and collections' names and slugs its
/// product pages show.
#[derive(Clone, Default)]
struct Reference {
    promotions: Arc<Vec<Promotion>>,
    categories: Arc<Vec<Category>>,
    collections: Arc<Vec<Collection>>,
    loaded_at: Option<tokio::time::Instant>,
    pricing: Arc<ShelfPricing>,
}

impl Reference {
    /// The categories and collections whose name, slug or switch differ in `new` (or are
    /// gone): a product read while one was switched off has no link to it (the storage
    /// leaves out inactive links), and one read before a rename shows the old name.
    fn relinked(&self, new: &Reference) -> (Vec<Uuid>, Vec<Uuid>) {
        fn changed<T, K: PartialEq>(old: &[T], new: &[T], key: impl Fn(&T) -> (Uuid, K)) -> Vec<Uuid> {
            let now: HashMap<Uuid, K> = new.iter().map(&key).collect();
            old.iter()
                .map(&key)
                .filter(|(id, link)| now.get(id) != Some(link))
                .map(|(id, _)| id)
                .collect()
        }
        (
            changed(&self.categories, &new.categories, |c| {
                (c.id, (c.name.clone(), c.slug.clone(), c.active))
            }),
            changed(&self.collections, &new.collections, |c| {
                (c.id, (c.name.clone(), c.slug.clone(), c.active))
            }),
        )
    }
}

fn nanos(moment: Option<DateTime<Utc>>) -> i64 {
    moment.map_or(i64::MAX, |m| m.timestamp_nanos_opt().unwrap_or(i64::MAX))
}

impl CatalogueReadModel {
    /// An empty read model over the repositories; `base` is the store's rule for promotions
    /// on sale items (`pricing.promotions_apply_to`).
    pub fn new(repos: &Repos, base: PromotionBase, settings: &CatalogueConfig) -> Result<Self, IndexError> {
        Ok(Self {
            index: Arc::new(CatalogueIndex::new()?),
            products: repos.products.clone(),
            promotions: repos.promotions.clone(),
            categories: repos.categories.clone(),
            collections: repos.collections.clone(),
            base,
            applied: Mutex::new(None),
            reference: RwLock::new(Reference::default()),
            reprice_at: AtomicI64::new(i64::MAX),
            ready: watch::Sender::new(false),
            settings: settings.clone(),
        })
    }

    fn reference(&self) -> Reference {
        self.reference.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Reads the promotions, categories and collections.
    async fn load_reference(&self) -> Result<Reference, RepoError> {
        let (promotions, categories, collections) = tokio::try_join!(
            self.promotions.list_active(),
            self.categories.list_all(),
            self.collections.list_all()
        )?;
        Ok(Reference {
            promotions: Arc::new(promotions),
            categories: Arc::new(categories),
            collections: Arc::new(collections),
            loaded_at: Some(tokio::time::Instant::now()),
            pricing: Arc::default(),
        })
    }

    /// Makes `reference` (its shelf pricing computed for `now`) the one new index writes
    /// use. Call with `applied` held.
    fn adopt(&self, mut reference: Reference, now: DateTime<Utc>) -> Arc<ShelfPricing> {
        let pricing = Arc::new(ShelfPricing::at(
            now,
            &reference.promotions,
            &reference.categories,
            self.base,
        ));
        reference.pricing = pricing.clone();
        self.reprice_at.store(nanos(pricing.valid_until()), Ordering::Release);
        *self.reference.write().unwrap_or_else(PoisonError::into_inner) = reference;
        pricing
    }

    /// Re-prices every indexed product with `reference` at `now`. Call with `applied` held.
    async fn reprice(&self, reference: Reference, now: DateTime<Utc>) -> Result<(), ReadModelError> {
        let pricing = self.adopt(reference, now);
        let index = self.index.clone();
        let started = std::time::Instant::now();
        let changed = tokio::task::spawn_blocking(move || index.reprice(|p| pricing.price(p))).await?;
        tracing::info!(
            changed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "catalogue index re-priced"
        );
        Ok(())
    }

    /// Re-prices the index first if a promotion started or ended since it was priced, so a
    /// read never shows a price that no longer holds. One atomic load when nothing changed.
    async fn current_prices(&self) -> Result<(), RepoError> {
        let now = Utc::now();
        if nanos(Some(now)) < self.reprice_at.load(Ordering::Acquire) {
            return Ok(());
        }
        let applied = self.applied.lock().await;
        if applied.is_none() || nanos(Some(now)) < self.reprice_at.load(Ordering::Acquire) {
            return Ok(());
        }
        self.reprice(self.reference(), now).await.map_err(|e| match e {
            ReadModelError::Storage(e) => e,
            other => RepoError::Other(other.to_string()),
        })
    }

    /// Reloads the promotions, categories and collections now, and before it returns
    /// re-prices the index if they changed and re-reads the products linked to a renamed or switched
    /// category or collection: for a process that just changed them (and tests).
    pub async fn reload_reference(&self) -> Result<(), ReadModelError> {
        let applied = self.applied.lock().await;
        if applied.is_none() {
            // The build loads them.
            return Ok(());
        }
        self.reload_reference_locked(true).await
    }

    /// [`Self::reload_reference`] when `force`d or once `reference_reload_ms` has passed.
    /// Call with `applied` held.
    async fn reload_reference_locked(&self, force: bool) -> Result<(), ReadModelError> {
        let old = self.reference();
        let reload = Duration::from_millis(self.settings.reference_reload_ms);
        if !force && old.loaded_at.is_some_and(|at| at.elapsed() < reload) {
            return Ok(());
        }
        let new = self.load_reference().await?;
        let (categories, collections) = old.relinked(&new);
        if new.promotions == old.promotions && new.categories == old.categories {
            *self.reference.write().unwrap_or_else(PoisonError::into_inner) = Reference {
                pricing: old.pricing,
                ..new
            };
        } else {
            tracing::info!("promotions or categories changed: re-pricing the catalogue index");
            self.reprice(new, Utc::now()).await?;
        }
        if !categories.is_empty() || !collections.is_empty() {
            // From storage, not the index: a product read while a link was off lacks it here.
            let linked = self.products.linked_to(&categories, &collections).await?;
            tracing::info!(
                products = linked.len(),
                "categories or collections changed: re-reading their products"
            );
            self.reread(linked).await?;
        }
        Ok(())
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

    /// One page of a product list from the index, at shelf prices that hold now.
    /// `Unavailable` while it is being built.
    pub async fn list(&self, query: &ProductListQuery) -> Result<IndexPage, RepoError> {
        self.list_with_facets(query, &FacetRequest::default()).await
    }

    /// [`Self::list`] with facet counts.
    pub async fn list_with_facets(
        &self,
        query: &ProductListQuery,
        facets: &FacetRequest,
    ) -> Result<IndexPage, RepoError> {
        self.ready_index()?;
        self.current_prices().await?;
        self.ready_index()?
            .list_with_facets(query, facets)
            .map_err(index_failure)
    }

    /// A product page from the index, at shelf prices that hold now. `Unavailable` while it
    /// is being built.
    pub async fn find_by_slug(&self, slug: &str) -> Result<Option<Shelved>, RepoError> {
        self.ready_index()?;
        self.current_prices().await?;
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
                    // Stale reference lists must not hold back stock and price changes.
                    if let Err(e) = self.reload_reference_locked(false).await {
                        tracing::warn!(error = %e, "catalogue index: could not reload promotions, categories and collections; retrying");
                    }
                    drop(applied);
                    // Ahead of the reads: re-price at a promotion's start or end.
                    self.current_prices().await?;
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
        let pricing = self.adopt(self.load_reference().await?, Utc::now());
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.clear()).await??;
        // Reading the next batch overlaps indexing this one (two batches in flight at most):
        // the database and the index each keep a core busy.
        let (batches, mut to_index) = tokio::sync::mpsc::channel::<Vec<ProductDetail>>(2);
        let read = async move {
            let mut after = None;
            loop {
                let batch = self.products.details_after(after, self.settings.build_batch).await?;
                let Some(last) = batch.last() else { break };
                after = Some(last.id);
                if batches.send(batch).await.is_err() {
                    break; // The indexing side failed; its error is the one to report.
                }
            }
            Ok::<_, ReadModelError>(())
        };
        let load = async {
            let mut loaded = 0_usize;
            while let Some(mut batch) = to_index.recv().await {
                batch.retain(|p| p.status.is_on_sale());
                loaded += batch.len();
                let (index, pricing) = (self.index.clone(), pricing.clone());
                let indexed = tokio::task::spawn_blocking(move || index.load(priced(&pricing, batch))).await;
                if let Err(e) = indexed
                    .map_err(ReadModelError::from)
                    .and_then(|r| r.map_err(ReadModelError::from))
                {
                    to_index.close();
                    return Err(e);
                }
                if loaded % 100_000 < self.settings.build_batch as usize {
                    tracing::info!(loaded, "catalogue index: loading products");
                }
            }
            Ok(())
        };
        tokio::try_join!(read, load)?;
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
            self.reread(ids.into_iter().collect()).await?;
            version = through;
        }
        Ok(version)
    }

    /// Reads these products again and puts them in the index (removing those gone).
    async fn reread(&self, ids: Vec<Uuid>) -> Result<(), ReadModelError> {
        for chunk in ids.chunks(self.settings.build_batch.max(1) as usize) {
            let found = self.products.find_by_ids(chunk).await?;
            let present: BTreeSet<Uuid> = found.iter().map(|p| p.id).collect();
            let gone = chunk.iter().filter(|id| !present.contains(id)).copied().collect();
            self.apply(found, gone).await?;
        }
        Ok(())
    }

    async fn apply(&self, products: Vec<ProductDetail>, mut removed: Vec<Uuid>) -> Result<(), ReadModelError> {
        // A product taken off sale (draft, archived) leaves the storefront like a deleted one.
        let (products, off_sale): (Vec<_>, Vec<_>) = products.into_iter().partition(|p| p.status.is_on_sale());
        removed.extend(off_sale.iter().map(|p| p.id));
        let (index, pricing) = (self.index.clone(), self.reference().pricing);
        tokio::task::spawn_blocking(move || index.apply(priced(&pricing, products), &removed)).await??;
        Ok(())
    }
}

/// The products with their shelf prices.
fn priced(pricing: &ShelfPricing, products: Vec<ProductDetail>) -> Vec<(ProductDetail, ShelfPrice)> {
    products
        .into_iter()
        .map(|p| {
            let shelf = pricing.price(&p);
            (p, shelf)
        })
        .collect()
}

/// An index that fails to answer is a bug or corruption, not an outage.
fn index_failure(e: IndexError) -> RepoError {
    RepoError::Other(e.to_string())
}
