//! Public catalogue reads: product lists and pages, the category tree, collections, promotions.
//! Products (lists, searches, pages, with their stock and prices) come from this process's
//! catalogue index, which is current (see `catalogue_read_model`); the small reference lists
//! (categories, collections, switched-on promotions) go through a short-lived cache
//! (`[cache]` in config).

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use super::{ServiceError, ServiceResult};
use crate::infra::cache::TtlCache;
use crate::{
    config::CacheConfig,
    domain::{
        catalogue::{Category, Collection, ProductDetail, ProductSummary, Promotion},
        category_tree::{CategoryNode, CategoryTree},
        pagination::Page,
        product_query::ProductFilter,
        promotion,
    },
    repos::{ProductListQuery, RepoError, Repos},
    services::catalogue_read_model::CatalogueReadModel,
};

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

/// A product page: the product and the promotions running on it now.
pub struct ProductPage {
    pub product: ProductDetail,
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
    pub async fn list_products(&self, filter: &ProductFilter) -> ServiceResult<Page<ProductSummary>> {
        let category_ids = match &filter.category {
            Some(slug) => {
                let all = self.all_categories().await?;
                let tree = CategoryTree::new(&all);
                let root = tree
                    .find_visible_by_slug(slug)
                    .ok_or(ServiceError::NotFound("category"))?;
                Some(tree.visible_subtree_ids(root.id))
            }
            None => None,
        };
        let collection_id = match &filter.collection {
            Some(slug) => Some(
                self.all_collections()
                    .await?
                    .iter()
                    .find(|c| c.active && &c.slug == slug)
                    .ok_or(ServiceError::NotFound("collection"))?
                    .id,
            ),
            None => None,
        };
        let query = ProductListQuery {
            category_ids,
            collection_id,
            min_price: filter.min_price,
            max_price: filter.max_price,
            search: filter.search.clone(),
            tag: filter.tag.clone(),
            in_stock: filter.in_stock,
            sort: filter.effective_sort(),
            page: filter.page,
        };
        let page = self.products.list(&query)?;
        Ok(Page {
            items: page.products.iter().map(|p| p.summary()).collect(),
            request: query.page,
            total: page.total,
        })
    }

    pub async fn product_page(&self, slug: &str, now: DateTime<Utc>) -> ServiceResult<ProductPage> {
        let found = self.products.find_by_slug(slug)?;
        let mut product = ProductDetail::clone(found.as_deref().ok_or(ServiceError::NotFound("product"))?);
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
        Ok(ProductPage { product, promotions })
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
