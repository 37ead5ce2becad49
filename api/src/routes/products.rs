use std::sync::Arc;

use poem::web::Data;

use chrono::Utc;
use poem_openapi::{
    Enum, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::{
    ApiTags, AppState,
    dto::{ProductPage, ProductView},
};
use crate::{
    domain::product_query::{Facet, ProductFilter, ProductFilterInput, ProductSort},
    http::problem::{Problem, operation_errors},
};

pub struct ProductsApi;

operation_errors!(
    /// Errors of `listProducts` and `listCategoryCollectionProducts`.
    pub enum ListProductsError {
        BadRequest,
        NotFound,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `getProduct`.
    pub enum GetProductError {
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

/// Product list orderings.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[oai(rename = "ProductSort", rename_all = "snake_case")]
pub enum ProductSortParam {
    Newest,
    PriceAsc,
    PriceDesc,
    TitleAsc,
    Relevance,
}

impl From<ProductSortParam> for ProductSort {
    fn from(s: ProductSortParam) -> Self {
        match s {
            ProductSortParam::Newest => Self::Newest,
            ProductSortParam::PriceAsc => Self::PriceAsc,
            ProductSortParam::PriceDesc => Self::PriceDesc,
            ProductSortParam::TitleAsc => Self::TitleAsc,
            ProductSortParam::Relevance => Self::Relevance,
        }
    }
}

/// The facets named in `facets=` (the declared pattern admits only known names; empty
/// entries, as in `facets=`, name none).
fn parse_facets(list: &str) -> Vec<Facet> {
    list.split(',')
        .filter_map(|name| match name.trim() {
            "category" => Some(Facet::Category),
            "collection" => Some(Facet::Collection),
            "size" => Some(Facet::Size),
            "color" => Some(Facet::Color),
            "price" => Some(Facet::Price),
            _ => None,
        })
        .collect()
}

#[OpenApi(tag = "ApiTags::Catalogue")]
impl ProductsApi {
    /// List products
    ///
    /// Filters combine with AND. `category` includes its subcategories; prices filter and
    /// sort on `calculatedPrice` (the sale price when set, less the automatic promotions
    /// running now). Without `sort`, search results come by
    /// relevance and other lists newest first.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/products", method = "get", operation_id = "listProducts")]
    async fn list_products(
        &self,
        state: Data<&Arc<AppState>>,
        /// Category slug; products in its subcategories are included.
        category: Query<Option<String>>,
        /// Collection slug.
        collection: Query<Option<String>>,
        /// Lowest `calculatedPrice`, in minor units.
        #[oai(name = "minPrice", validator(minimum(value = "0")))]
        min_price: Query<Option<i64>>,
        /// Highest `calculatedPrice`, in minor units.
        #[oai(name = "maxPrice", validator(minimum(value = "0")))]
        max_price: Query<Option<i64>>,
        /// Words to find in title, description and tags (prefix match, all words required).
        #[oai(validator(max_length = 200))]
        search: Query<Option<String>>,
        /// Exact tag, case-insensitive.
        tag: Query<Option<String>>,
        /// `true` for products with stock, `false` for sold-out ones.
        #[oai(name = "inStock")]
        in_stock: Query<Option<bool>>,
        /// Variant size, as the `size` facet lists it; repeat for any of several.
        #[oai(default, validator(max_items = 20))]
        size: Query<Vec<String>>,
        /// Variant colour, as the `color` facet lists it; repeat for any of several. With
        /// `size`, one variant must have both.
        #[oai(default, validator(max_items = 20))]
        color: Query<Vec<String>>,
        /// Facet counts to return with the page, comma-separated, any of `category`,
        /// `collection`, `size`, `color` and `price` (`facets=category,size,price`).
        #[oai(validator(
            pattern = r"^(category|collection|size|color|price)?(,(category|collection|size|color|price))*$"
        ))]
        facets: Query<Option<String>>,
        sort: Query<Option<ProductSortParam>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> Result<Json<ProductPage>, ListProductsError> {
        let filter = ProductFilter::new(ProductFilterInput {
            category: category.0,
            collection: collection.0,
            min_price: min_price.0,
            max_price: max_price.0,
            search: search.0,
            tag: tag.0,
            in_stock: in_stock.0,
            sizes: size.0,
            colors: color.0,
            facets: facets.0.as_deref().map(parse_facets).unwrap_or_default(),
            sort: sort.0.map(Into::into),
            page: page.0,
            limit: limit.0,
        })
        .map_err(Problem::validation)?;
        let page = state.catalogue.list_products(&filter).await?;
        Ok(Json(ProductPage::new(&page, &state.config.currency())))
    }

    /// Get a product
    ///
    /// The full product: variants with stock, images, categories, collections and the
    /// promotions running on it now.
    #[oai(path = "/products/:slug", method = "get", operation_id = "getProduct")]
    async fn get_product(
        &self,
        state: Data<&Arc<AppState>>,
        slug: Path<String>,
    ) -> Result<Json<ProductView>, GetProductError> {
        let page = state.catalogue.product_page(&slug.0, Utc::now()).await?;
        Ok(Json(ProductView::new(page, &state.config.currency())))
    }

    /// List products in a category and a collection
    ///
    /// Products that are in the category (or its subcategories) and in the collection, with
    /// the same filters as `listProducts`.
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/categories/:categorySlug/collections/:collectionSlug/products",
        method = "get",
        operation_id = "listCategoryCollectionProducts"
    )]
    async fn list_category_collection_products(
        &self,
        state: Data<&Arc<AppState>>,
        #[oai(name = "categorySlug")] category_slug: Path<String>,
        #[oai(name = "collectionSlug")] collection_slug: Path<String>,
        /// Lowest `calculatedPrice`, in minor units.
        #[oai(name = "minPrice", validator(minimum(value = "0")))]
        min_price: Query<Option<i64>>,
        /// Highest `calculatedPrice`, in minor units.
        #[oai(name = "maxPrice", validator(minimum(value = "0")))]
        max_price: Query<Option<i64>>,
        /// Words to find in title, description and tags.
        #[oai(validator(max_length = 200))]
        search: Query<Option<String>>,
        /// Exact tag, case-insensitive.
        tag: Query<Option<String>>,
        #[oai(name = "inStock")] in_stock: Query<Option<bool>>,
        /// Variant size; repeat for any of several.
        #[oai(default, validator(max_items = 20))]
        size: Query<Vec<String>>,
        /// Variant colour; repeat for any of several.
        #[oai(default, validator(max_items = 20))]
        color: Query<Vec<String>>,
        /// Facet counts to return with the page, comma-separated, any of `category`,
        /// `collection`, `size`, `color` and `price`.
        #[oai(validator(
            pattern = r"^(category|collection|size|color|price)?(,(category|collection|size|color|price))*$"
        ))]
        facets: Query<Option<String>>,
        sort: Query<Option<ProductSortParam>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
        page: Query<Option<u64>>,
        /// Items per page, 1 to 100 (default 20).
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
        limit: Query<Option<u64>>,
    ) -> Result<Json<ProductPage>, ListProductsError> {
        self.list_products(
            state,
            Query(Some(category_slug.0)),
            Query(Some(collection_slug.0)),
            min_price,
            max_price,
            search,
            tag,
            in_stock,
            size,
            color,
            facets,
            sort,
            page,
            limit,
        )
        .await
    }
}
