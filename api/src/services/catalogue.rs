//! Public catalogue reads: product lists and pages, the category tree, collections, promotions.
//! Reads go through short-lived in-process caches (`[cache]` in config).

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
};

#[derive(Clone)]
pub struct CatalogueService {
    repos: Repos,
    cache: Arc<Caches>,
}

struct Caches {
    categories: TtlCache<(), Arc<Vec<Category>>>,
    collections: TtlCache<(), Arc<Vec<Collection>>>,
    promotions: TtlCache<(), Arc<Vec<Promotion>>>,
    lists: TtlCache<ProductListQuery, Arc<Page<ProductSummary>>>,
    products: TtlCache<String, Arc<Option<ProductDetail>>>,
}

/// A product page: the product and the promotions running on it now.
pub struct ProductPage {
    pub product: ProductDetail,
    pub promotions: Vec<Promotion>,
}

impl CatalogueService {
    pub fn new(repos: Repos, config: &CacheConfig) -> Self {
        let ttl = Duration::from_secs(config.catalogue_ttl_secs);
        let max = config.catalogue_max_entries;
        Self {
            repos,
            cache: Arc::new(Caches {
                categories: TtlCache::new(ttl, 1),
                collections: TtlCache::new(ttl, 1),
                promotions: TtlCache::new(ttl, 1),
                lists: TtlCache::new(ttl, max),
                products: TtlCache::new(ttl, max),
            }),
        }
    }

    /// Drops every cached read; writers to the catalogue call this.
    pub fn invalidate(&self) {
        let c = &self.cache;
        c.categories.clear();
        c.collections.clear();
        c.promotions.clear();
        c.lists.clear();
        c.products.clear();
    }

    /// Every category (cached like the rest of the catalogue).
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
    pub async fn list_products(&self, filter: &ProductFilter) -> ServiceResult<Arc<Page<ProductSummary>>> {
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
        let repo = &self.repos.products;
        let page = self
            .cache
            .lists
            .get_or_load(query.clone(), async { repo.list(&query).await.map(Arc::new) })
            .await?;
        Ok(page)
    }

    pub async fn product_page(&self, slug: &str, now: DateTime<Utc>) -> ServiceResult<ProductPage> {
        let repo = &self.repos.products;
        let cached = self
            .cache
            .products
            .get_or_load(slug.to_owned(), async { repo.find_by_slug(slug).await.map(Arc::new) })
            .await?;
        let mut product = Option::clone(&cached).ok_or(ServiceError::NotFound("product"))?;
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
