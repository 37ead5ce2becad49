//! Public catalogue reads: product lists and pages, the category tree, collections, promotions.

use chrono::{DateTime, Utc};

use super::{ServiceError, ServiceResult};
use crate::{
    domain::{
        catalogue::{Collection, ProductDetail, ProductSummary, Promotion},
        category_tree::{CategoryNode, CategoryTree},
        pagination::Page,
        product_query::ProductFilter,
    },
    repos::{ProductListQuery, Repos},
};

#[derive(Clone)]
pub struct CatalogueService {
    repos: Repos,
}

/// A product page: the product and the promotions running on it now.
pub struct ProductPage {
    pub product: ProductDetail,
    pub promotions: Vec<Promotion>,
}

impl CatalogueService {
    pub fn new(repos: Repos) -> Self {
        Self { repos }
    }

    /// Lists products; `category` includes its visible descendants. Unknown or hidden
    /// category and collection slugs are `NotFound`, never an empty list.
    pub async fn list_products(&self, filter: &ProductFilter) -> ServiceResult<Page<ProductSummary>> {
        let category_ids = match &filter.category {
            Some(slug) => {
                let all = self.repos.categories.list_all().await?;
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
                self.repos
                    .collections
                    .find_by_slug(slug)
                    .await?
                    .filter(|c| c.active)
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
        Ok(self.repos.products.list(&query).await?)
    }

    pub async fn product_page(&self, slug: &str, now: DateTime<Utc>) -> ServiceResult<ProductPage> {
        let mut product = self
            .repos
            .products
            .find_by_slug(slug)
            .await?
            .ok_or(ServiceError::NotFound("product"))?;
        let all = self.repos.categories.list_all().await?;
        let tree = CategoryTree::new(&all);
        product.categories.retain(|c| tree.is_visible(c.id));
        let category_ids: Vec<_> = product
            .categories
            .iter()
            .flat_map(|c| tree.ancestor_ids(c.id))
            .collect();
        let collection_ids: Vec<_> = product.collections.iter().map(|c| c.id).collect();
        let promotions = self
            .running_promotions(now)
            .await?
            .into_iter()
            .filter(|p| p.applies_to(&category_ids, &collection_ids))
            .collect();
        Ok(ProductPage { product, promotions })
    }

    pub async fn category_tree(&self) -> ServiceResult<Vec<CategoryNode>> {
        let all = self.repos.categories.list_all().await?;
        Ok(CategoryTree::new(&all).visible_forest())
    }

    pub async fn active_collections(&self) -> ServiceResult<Vec<Collection>> {
        let mut all = self.repos.collections.list_all().await?;
        all.retain(|c| c.active);
        Ok(all)
    }

    pub async fn running_promotions(&self, now: DateTime<Utc>) -> ServiceResult<Vec<Promotion>> {
        let mut promotions = self.repos.promotions.list_active().await?;
        promotions.retain(|p| p.is_running_at(now));
        Ok(promotions)
    }
}
