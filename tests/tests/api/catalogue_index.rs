//! The catalogue index and the database agree: random product list queries (filters, sorts,
//! pages) answered by the index and by the repository's SQL give the same ids in the same
//! order and the same total, on SQLite and PostgreSQL. The catalogue is the demo one plus
//! synthetic products (ties on price), with some products sold out. Product pages from the
//! index equal the database's.

use beeget_api::{
    domain::{
        catalogue::{ProductDetail, ProductSummary},
        category_tree::CategoryTree,
        money::Money,
        pagination::PageRequest,
        product_query::ProductSort,
        shelf_price::ShelfPrice,
    },
    infra::catalogue_index::CatalogueIndex,
    repos::{ProductListQuery, Repos, entities::product_variants},
    tasks::{seed, synthetic},
};
use beeget_tests::{Backend, seeds_dir};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use uuid::Uuid;

use crate::contract::repos_for;

const CASES: usize = 400;

/// The catalogue the queries run over, and what they can name.
struct Catalogue {
    repos: Repos,
    index: CatalogueIndex,
    subtrees: Vec<Vec<Uuid>>,
    collections: Vec<Uuid>,
    tags: Vec<String>,
    sizes: Vec<String>,
    colors: Vec<String>,
}

async fn catalogue(backend: Backend) -> Option<(Catalogue, beeget_tests::TestDatabase)> {
    let (repos, db) = repos_for(backend).await?;
    let media = tempfile::tempdir().unwrap();
    let source = seed::SeedSource {
        dir: seeds_dir(),
        media_dir: media.path().to_path_buf(),
        media_url_prefix: "/media".into(),
    };
    seed::load(&repos, &source).await.unwrap();
    synthetic::load(&repos, 250, &["/media/tee.svg".to_owned()], false)
        .await
        .unwrap();
    // Sell out every variant of one product in nine, so `inStock` splits the catalogue.
    let conn = sea_orm::Database::connect(&db.url).await.unwrap();
    let all = repos.products.details_after(None, 100_000).await.unwrap();
    let sold_out: Vec<Uuid> = all.iter().step_by(9).map(|p| p.id).collect();
    product_variants::Entity::update_many()
        .col_expr(product_variants::Column::InventoryCount, Expr::value(0))
        .filter(product_variants::Column::ProductId.is_in(sold_out))
        .exec(&conn)
        .await
        .unwrap();

    let index = CatalogueIndex::new().unwrap();
    let mut after = None;
    loop {
        let batch = repos.products.details_after(after, 97).await.unwrap();
        let Some(last) = batch.last() else { break };
        after = Some(last.id);
        // Unpromoted: the SQL list knows no promotions, so the two compare at effective prices.
        let priced = batch
            .into_iter()
            .map(|p| {
                let shelf = ShelfPrice::unpromoted(&p);
                (p, shelf)
            })
            .collect();
        index.apply(priced, &[]).unwrap();
    }
    let categories = repos.categories.list_all().await.unwrap();
    let tree = CategoryTree::new(&categories);
    let subtrees = categories
        .iter()
        .filter(|c| tree.is_visible(c.id))
        .map(|c| tree.visible_subtree_ids(c.id))
        .collect();
    let collections = repos
        .collections
        .list_all()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    let mut tags: Vec<String> = all.iter().flat_map(|p| p.tags.clone()).collect();
    tags.sort();
    tags.dedup();
    tags.push("no-such-tag".into());
    let mut sizes: Vec<String> = all
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.size.clone()))
        .collect();
    sizes.sort();
    sizes.dedup();
    sizes.push("No-such-size".into());
    let mut colors: Vec<String> = all
        .iter()
        .flat_map(|p| p.variants.iter().map(|v| v.color.clone()))
        .collect();
    colors.sort();
    colors.dedup();
    Some((
        Catalogue {
            repos,
            index,
            subtrees,
            collections,
            tags,
            sizes,
            colors,
        },
        db,
    ))
}

/// None of `values` (with probability `1 - p`), else one to three of them.
fn some_of(rng: &mut StdRng, values: &[String], p: f64) -> Vec<String> {
    if !rng.random_bool(p) {
        return Vec::new();
    }
    let n = rng.random_range(1..=3);
    values.choose_multiple(rng, n).cloned().collect()
}

fn random_query(rng: &mut StdRng, c: &Catalogue) -> ProductListQuery {
    let price = |rng: &mut StdRng| Money::from_minor("price", rng.random_range(0..=32_000)).unwrap();
    let sorts = [
        ProductSort::Newest,
        ProductSort::PriceAsc,
        ProductSort::PriceDesc,
        ProductSort::TitleAsc,
        ProductSort::Relevance,
    ];
    ProductListQuery {
        category_ids: rng.random_bool(0.4).then(|| c.subtrees.choose(rng).unwrap().clone()),
        collection_id: rng.random_bool(0.25).then(|| *c.collections.choose(rng).unwrap()),
        min_price: rng.random_bool(0.3).then(|| price(rng)),
        max_price: rng.random_bool(0.3).then(|| price(rng)),
        search: None,
        tag: rng.random_bool(0.2).then(|| c.tags.choose(rng).unwrap().clone()),
        in_stock: [None, Some(true), Some(false)].choose(rng).copied().unwrap(),
        sizes: some_of(rng, &c.sizes, 0.2),
        colors: some_of(rng, &c.colors, 0.2),
        sort: *sorts.choose(rng).unwrap(),
        // Mostly the first pages, where filtered lists still have items; some deep ones.
        page: PageRequest::new(
            Some(if rng.random_bool(0.8) {
                rng.random_range(1..=3)
            } else {
                rng.random_range(1..=60)
            }),
            Some(rng.random_range(1..=40)),
        )
        .unwrap(),
    }
}

async fn index_and_database_agree(backend: Backend) {
    let Some((catalogue, _db)) = catalogue(backend).await else {
        return;
    };
    let seed: u64 = std::env::var("BEEGET_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut nonempty = 0;
    for case in 0..CASES {
        let q = random_query(&mut rng, &catalogue);
        let sql = catalogue.repos.products.list(&q).await.unwrap();
        let index = catalogue.index.list(&q).unwrap();
        // Whole list items: the same products in the same order, with the same prices and stock.
        let index_items: Vec<ProductSummary> = index.products.iter().map(|p| p.product.summary(p.shelf.unit)).collect();
        let sql_ids: Vec<Uuid> = sql.items.iter().map(|p| p.id).collect();
        assert_eq!(
            (&index_items, index.total),
            (&sql.items, sql.total),
            "case {case} of seed {seed} (BEEGET_TEST_SEED={seed} repeats it): {q:?}"
        );
        nonempty += usize::from(!sql_ids.is_empty());
    }
    assert!(nonempty > CASES / 4, "too few queries matched anything: {nonempty}");
}

/// Every page of every sort, walked to the end, lists each product once.
async fn pages_walked_to_the_end_list_each_product_once(backend: Backend) {
    let Some((catalogue, _db)) = catalogue(backend).await else {
        return;
    };
    for sort in [
        ProductSort::Newest,
        ProductSort::PriceAsc,
        ProductSort::PriceDesc,
        ProductSort::TitleAsc,
    ] {
        let mut seen = Vec::new();
        for page in 1.. {
            let q = ProductListQuery::unfiltered(sort, PageRequest::new(Some(page), Some(7)).unwrap());
            let listed = catalogue.index.list(&q).unwrap();
            if listed.products.is_empty() {
                assert_eq!(seen.len() as u64, listed.total, "{sort:?}");
                break;
            }
            seen.extend(listed.products.iter().map(|p| p.product.id));
        }
        let mut distinct = seen.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), seen.len(), "{sort:?}: a product listed twice");
    }
    // Every product page the index serves is the one the database holds.
    for product in catalogue.repos.products.details_after(None, 100_000).await.unwrap() {
        let stored = catalogue.repos.products.find_by_slug(&product.slug).await.unwrap();
        let indexed = catalogue.index.find_by_slug(&product.slug);
        assert_eq!(indexed.map(|s| ProductDetail::clone(&s.product)), stored);
    }
}

#[tokio::test]
async fn the_index_and_sqlite_agree_on_random_list_queries() {
    index_and_database_agree(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_index_and_postgres_agree_on_random_list_queries() {
    index_and_database_agree(Backend::Postgres).await;
}

#[tokio::test]
async fn index_pages_walked_to_the_end_list_each_product_once() {
    pages_walked_to_the_end_list_each_product_once(Backend::Sqlite).await;
}
