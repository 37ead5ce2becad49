//! Public catalogue reads: product lists and pages, the category tree, collections, promotions.
//! Products (lists, searches, pages, with their stock and prices) come from this process's
//! catalogue index, which is current (see `catalogue_read_model`); the small reference lists
//! (categories, collections, switched-on promotions) go through a short-lived cache
//! (`[cache]` in config).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use super::{ServiceError, ServiceResult};
use crate::infra::cache::TtlCache;
use crate::infra::catalogue_index::FacetRequest;
pub use crate::infra::catalogue_index::PriceBucket;
use crate::{
    config::CacheConfig,
    domain::{
        catalogue::{Category, Collection, ProductDetail, ProductSummary, Promotion},
        category_tree::{CategoryNode, CategoryTree},
        pagination::Page,
        product_query::{Facet, ProductFilter},
        promotion,
        shelf_price::ShelfPrice,
    },
    repos::{ProductListQuery, RepoError, Repos},
    services::catalogue_read_model::CatalogueReadModel,
};
use uuid::Uuid;

/// Category or collection facet values: the slug to send back, the name to show.
fn named_values<T>(counts: &[(Uuid, u64)], offered: &[&T], name: impl Fn(&T) -> (Uuid, &str, &str)) -> Vec<FacetValue> {
    counts
        .iter()
        .filter_map(|(id, count)| {
            let (_, slug, label) = offered.iter().map(|o| name(o)).find(|(offered, _, _)| offered == id)?;
            Some(FacetValue {
                value: slug.to_owned(),
                label: label.to_owned(),
                count: *count,
            })
        })
        .collect()
}

/// Size and colour facet values: shown as they are sent.
fn plain_values(counts: Vec<(String, u64)>) -> Vec<FacetValue> {
    counts
        .into_iter()
        .map(|(value, count)| FacetValue {
            label: value.clone(),
            value,
            count,
        })
        .collect()
}

#[derive(Clone)]
pub struct CatalogueService {
    repos: Repos,
    cache: Arc<Caches>,
    products: Arc<CatalogueReadModel>,
}

struct Caches {
    categories: TtlCache<(), Arc<Vec<Category>>>,
    collections: TtlCache<(), Arc<Vec<Collection>>>,
    promotions: TtlCache<(), Arc<Vec<Promotion>>>,
}

/// One page of a product list, with the facet counts asked for.
pub struct ProductListing {
    pub page: Page<ProductSummary>,
    pub facets: ListFacets,
}

/// Facet counts; `None` for facets not asked for. Each counts the products matching every
/// filter but its own.
#[derive(Debug, Default)]
pub struct ListFacets {
    /// The children of the filtered category (the top-level categories without one), each
    /// counting its subtree.
    pub categories: Option<Vec<FacetValue>>,
    pub collections: Option<Vec<FacetValue>>,
    pub sizes: Option<Vec<FacetValue>>,
    pub colors: Option<Vec<FacetValue>>,
    pub prices: Option<Vec<PriceBucket>>,
}

/// A facet value: what to send back as the filter, what to show, how many products.
#[derive(Debug)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
}

/// A product page: the product, its shelf prices and the promotions running on it now.
pub struct ProductPage {
    pub product: ProductDetail,
    pub shelf: ShelfPrice,
    pub promotions: Vec<Promotion>,
}

impl CatalogueService {
    pub fn new(repos: Repos, products: Arc<CatalogueReadModel>, config: &CacheConfig) -> Self {
        let ttl = Duration::from_secs(config.catalogue_ttl_secs);
        Self {
            repos,
            products,
            cache: Arc::new(Caches {
                categories: TtlCache::new(ttl, 1),
                collections: TtlCache::new(ttl, 1),
                promotions: TtlCache::new(ttl, 1),
            }),
        }
    }

    /// The catalogue index this service reads products from.
    pub fn read_model(&self) -> &Arc<CatalogueReadModel> {
        &self.products
    }

    /// Promotions, categories or collections changed through this process: the caches drop
    /// them and the index reloads them before the write answers, so the next read shows the
    /// change. (Other processes see it within `cache.catalogue_ttl_secs` and
    /// `catalogue.reference_reload_ms`.) A failed reload is logged; the follower retries.
    pub async fn reference_changed(&self) {
        self.cache.categories.clear();
        self.cache.collections.clear();
        self.cache.promotions.clear();
        if let Err(e) = self.products.reload_reference().await {
            tracing::warn!(error = %e, "catalogue index: a staff change will show on the follower's next reload");
        }
    }

    /// Every category (cached).
    pub async fn all_categories(&self) -> Result<Arc<Vec<Category>>, RepoError> {
        let repo = &self.repos.categories;
        self.cache
            .categories
            .get_or_load((), async { repo.list_all().await.map(Arc::new) })
            .await
    }

    async fn all_collections(&self) -> Result<Arc<Vec<Collection>>, RepoError> {
        let repo = &self.repos.collections;
        self.cache
            .collections
            .get_or_load((), async { repo.list_all().await.map(Arc::new) })
            .await
    }

    /// Lists products; `category` includes its visible descendants. Unknown or hidden
    /// category and collection slugs are `NotFound`, never an empty list.
    pub async fn list_products(&self, filter: &ProductFilter) -> ServiceResult<ProductListing> {
        let wants = |facet: Facet| filter.facets.contains(&facet);
        // The reference lists only when the query needs them: a plain list reads no storage.
        let all_categories = if filter.category.is_some() || wants(Facet::Category) {
            self.all_categories().await?
        } else {
            Arc::default()
        };
        let tree = CategoryTree::new(&all_categories);
        let category = match &filter.category {
            Some(slug) => Some(
                tree.find_visible_by_slug(slug)
                    .ok_or(ServiceError::NotFound("category"))?,
            ),
            None => None,
        };
        let category_ids = category.map(|c| tree.visible_subtree_ids(c.id));
        let collections = if filter.collection.is_some() || wants(Facet::Collection) {
            self.all_collections().await?
        } else {
            Arc::default()
        };
        let collection_id = match &filter.collection {
            Some(slug) => Some(
                collections
                    .iter()
                    .find(|c| c.active && &c.slug == slug)
                    .ok_or(ServiceError::NotFound("collection"))?
                    .id,
            ),
            None => None,
        };
        let offered_categories = tree.visible_children(category.map(|c| c.id));
        let offered_collections: Vec<&Collection> = collections.iter().filter(|c| c.active).collect();
        let facets = FacetRequest {
            categories: wants(Facet::Category).then(|| {
                offered_categories
                    .iter()
                    .map(|c| (c.id, tree.visible_subtree_ids(c.id)))
                    .collect()
            }),
            collections: wants(Facet::Collection).then(|| offered_collections.iter().map(|c| c.id).collect()),
            sizes: wants(Facet::Size),
            colors: wants(Facet::Color),
            prices: wants(Facet::Price),
        };
        let query = ProductListQuery {
            category_ids,
            collection_id,
            min_price: filter.min_price,
            max_price: filter.max_price,
            search: filter.search.clone(),
            tag: filter.tag.clone(),
            in_stock: filter.in_stock,
            sizes: filter.sizes.clone(),
            colors: filter.colors.clone(),
            sort: filter.effective_sort(),
            page: filter.page,
        };
        let page = self.products.list_with_facets(&query, &facets).await?;
        let counts = page.facets;
        let facets = ListFacets {
            categories: counts
                .categories
                .map(|counts| named_values(&counts, &offered_categories, |c| (c.id, &c.slug, &c.name))),
            collections: counts
                .collections
                .map(|counts| named_values(&counts, &offered_collections, |c| (c.id, &c.slug, &c.name))),
            sizes: counts.sizes.map(plain_values),
            colors: counts.colors.map(plain_values),
            prices: counts.prices,
        };
        Ok(ProductListing {
            page: Page {
                items: page.products.iter().map(|p| p.product.summary(p.shelf.unit)).collect(),
                request: query.page,
                total: page.total,
            },
            facets,
        })
    }

    pub async fn product_page(&self, slug: &str, now: DateTime<Utc>) -> ServiceResult<ProductPage> {
        let found = self
            .products
            .find_by_slug(slug)
            .await?
            .ok_or(ServiceError::NotFound("product"))?;
        let mut product = ProductDetail::clone(&found.product);
        let all = self.all_categories().await?;
        let tree = CategoryTree::new(&all);
        product.categories.retain(|c| tree.is_visible(c.id));
        let (category_ids, collection_ids) = promotion::targets(&tree, &product);
        let promotions = self
            .running_promotions(now)
            .await?
            .into_iter()
            .filter(|p| p.applies_to(product.id, &category_ids, &collection_ids))
            .collect();
        Ok(ProductPage {
            product,
            shelf: found.shelf,
            promotions,
        })
    }

    pub async fn category_tree(&self) -> ServiceResult<Vec<CategoryNode>> {
        let all = self.all_categories().await?;
        Ok(CategoryTree::new(&all).visible_forest())
    }

    pub async fn active_collections(&self) -> ServiceResult<Vec<Collection>> {
        Ok(self
            .all_collections()
            .await?
            .iter()
            .filter(|c| c.active)
            .cloned()
            .collect())
    }

    /// Promotions running at `now`. The switched-on set is cached; the time window is
    /// checked on every call, so a promotion starts and ends on time even when cached.
    pub async fn running_promotions(&self, now: DateTime<Utc>) -> ServiceResult<Vec<Promotion>> {
        let repo = &self.repos.promotions;
        let active = self
            .cache
            .promotions
            .get_or_load((), async { repo.list_active().await.map(Arc::new) })
            .await?;
        Ok(active.iter().filter(|p| p.is_running_at(now)).cloned().collect())
    }
}
