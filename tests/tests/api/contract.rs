//! The repository contract: every storage backend must pass the same suite. SQLite always
//! runs; PostgreSQL runs when `BEEGET_TEST_POSTGRES_URL` is set (and must, in CI).

use std::path::Path;

use beeget_api::{
    domain::{
        catalogue::{DiscountType, NewCategory, NewCollection, NewProduct, NewPromotion, NewVariant, PromotionScope},
        cms::{Block, NewCmsPage},
        email::Email,
        money::Money,
        pagination::PageRequest,
        product_query::ProductSort,
        search::SearchTerms,
        user::{NewUser, Role},
    },
    repos::{
        CatalogueChange, NewContactMessage, NewOrder, NewOrderLine, PaymentUpdate, PlaceOutcome, PricedFrom,
        ProductListQuery, RepoError, Repos, StatusChange, sea,
    },
    services::carts::cleanup_abandoned_carts,
    tasks::seed,
};
use beeget_tests::{Backend, TestDatabase, seeds_dir};
use chrono::{Duration, Utc};
use uuid::Uuid;

mod sales_rollups;

use sales_rollups::sales_rollups_follow_imports_moves_and_rebuilds;

pub(crate) async fn repos_for(backend: Backend) -> Option<(Repos, TestDatabase)> {
    let db = TestDatabase::create(backend).await?;
    let mut config = beeget_tests::test_config(&db.url, Path::new("unused"));
    config.database.max_connections = 4;
    let conn = sea::connect(&config.database).await.expect("connect");
    sea::migrate(&conn).await.expect("migrate");
    let cipher = std::sync::Arc::new(beeget_api::crypto::FieldCipher::from_config(&config.encryption));
    Some((sea::repos(conn, cipher), db))
}

fn money(minor: i64) -> Money {
    Money::from_minor("test", minor).unwrap()
}

fn variant(sku: &str, stock: i32) -> NewVariant {
    NewVariant {
        sku: sku.into(),
        size: "M".into(),
        color: "Black".into(),
        price: None,
        inventory_count: stock,
    }
}

fn product(slug: &str, title: &str, price: i64, sale: Option<i64>, variants: Vec<NewVariant>) -> NewProduct {
    NewProduct {
        title: title.into(),
        slug: slug.into(),
        description: format!("{title}, made for testing."),
        images: vec![format!("/media/{slug}.svg")],
        price: money(price),
        sale_price: sale.map(money),
        tags: vec!["test".into()],
        status: beeget_api::domain::catalogue::ProductStatus::Active,
        variants,
        category_ids: vec![],
        collection_ids: vec![],
        created_at: Utc::now(),
    }
}

fn query() -> ProductListQuery {
    ProductListQuery::unfiltered(ProductSort::Newest, PageRequest::default())
}

fn category(slug: &str, parent: Option<Uuid>, position: i32) -> NewCategory {
    NewCategory {
        parent_id: parent,
        name: slug.to_uppercase(),
        slug: slug.into(),
        description: None,
        image: None,
        active: true,
        position,
    }
}

fn slugs(page: &beeget_api::domain::pagination::Page<beeget_api::domain::catalogue::ProductSummary>) -> Vec<&str> {
    page.items.iter().map(|p| p.slug.as_str()).collect()
}

async fn categories_upsert_by_slug(r: Repos) {
    let root = r.categories.upsert(category("women", None, 1)).await.unwrap();
    let child = r.categories.upsert(category("dresses", Some(root), 0)).await.unwrap();
    let mut renamed = category("dresses", Some(root), 5);
    renamed.name = "Dresses & Gowns".into();
    assert_eq!(
        r.categories.upsert(renamed).await.unwrap(),
        child,
        "upsert keeps the id"
    );
    let all = r.categories.list_all().await.unwrap();
    assert_eq!(all.len(), 2);
    let dresses = all.iter().find(|c| c.slug == "dresses").unwrap();
    assert_eq!(
        (dresses.name.as_str(), dresses.position, dresses.parent_id),
        ("Dresses & Gowns", 5, Some(root))
    );
}

async fn products_round_trip_with_variants_and_links(r: Repos) {
    let cat = r.categories.upsert(category("tops", None, 0)).await.unwrap();
    let col = r
        .collections
        .upsert(NewCollection {
            name: "Summer".into(),
            slug: "summer".into(),
            description: None,
            image: None,
            active: true,
            position: 0,
        })
        .await
        .unwrap();
    let mut p = product(
        "linen-tee",
        "Linen Tee",
        3000,
        Some(2500),
        vec![variant("LT-S", 2), variant("LT-M", 0)],
    );
    p.category_ids = vec![cat];
    p.collection_ids = vec![col];
    p.variants[1].price = Some(money(3200));
    let id = r.products.upsert(p.clone()).await.unwrap();
    let detail = r.products.find_by_slug("linen-tee").await.unwrap().unwrap();
    assert_eq!(detail.id, id);
    assert_eq!(detail.price, money(3000));
    assert_eq!(detail.sale_price, Some(money(2500)));
    assert_eq!(
        detail.variants.iter().map(|v| v.sku.as_str()).collect::<Vec<_>>(),
        ["LT-S", "LT-M"]
    );
    assert_eq!(detail.variants[1].price, Some(money(3200)));
    assert_eq!(detail.inventory_count(), 2);
    assert_eq!(detail.categories[0].slug, "tops");
    assert_eq!(detail.collections[0].slug, "summer");
    assert_eq!(detail.tags, ["test"]);
    // The catalogue index keeps every detail for the life of the process: no spare capacity
    // (a link list collected in place from category rows kept their larger allocation).
    let spare = |len: usize, capacity: usize| capacity - len;
    let d = &detail;
    assert_eq!(
        [
            spare(d.variants.len(), d.variants.capacity()),
            spare(d.categories.len(), d.categories.capacity()),
            spare(d.collections.len(), d.collections.capacity()),
            spare(d.tags.len(), d.tags.capacity()),
            spare(d.images.len(), d.images.capacity()),
        ],
        [0; 5]
    );
    let variant_id = detail.variants[0].id;

    // Re-upsert: same ids for kept SKUs, dropped SKUs removed, links replaced.
    p.variants = vec![variant("LT-S", 7), variant("LT-L", 1)];
    p.collection_ids = vec![];
    p.title = "Linen Tee II".into();
    assert_eq!(r.products.upsert(p).await.unwrap(), id);
    let detail = r.products.find_by_slug("linen-tee").await.unwrap().unwrap();
    assert_eq!(detail.title, "Linen Tee II");
    assert_eq!(
        detail.variants.iter().map(|v| v.sku.as_str()).collect::<Vec<_>>(),
        ["LT-S", "LT-L"]
    );
    assert_eq!(detail.variants[0].id, variant_id);
    assert_eq!(detail.inventory_count(), 8);
    assert!(detail.collections.is_empty());
    assert_eq!(r.products.count().await.unwrap(), 1);

    // A SKU belongs to one product only.
    let thief = product("other", "Other", 1000, None, vec![variant("LT-S", 1)]);
    assert!(matches!(r.products.upsert(thief).await, Err(RepoError::Conflict(_))));
    assert!(
        r.products.find_by_slug("other").await.unwrap().is_none(),
        "failed upsert left no product"
    );
    assert!(r.products.find_by_slug("missing").await.unwrap().is_none());
}

async fn product_list_filters_sorts_and_pages(r: Repos) {
    let women = r.categories.upsert(category("women", None, 0)).await.unwrap();
    let men = r.categories.upsert(category("men", None, 1)).await.unwrap();
    let base = Utc::now() - Duration::hours(1);
    let specs = [
        ("a-linen-dress", "Linen Dress", 9000, Some(6000), 3, women, "linen"),
        ("b-silk-shirt", "Silk Shirt", 7000, None, 0, women, "silk"),
        ("c-wool-coat", "Wool Coat", 20000, None, 5, men, "wool"),
        ("d-cotton-tee", "Cotton Tee", 2000, None, 9, men, "cotton"),
    ];
    for (i, (slug, title, price, sale, stock, cat, tag)) in specs.into_iter().enumerate() {
        let mut p = product(slug, title, price, sale, vec![variant(&format!("SKU-{i}"), stock)]);
        p.category_ids = vec![cat];
        p.tags = vec![tag.into(), "basics".into()];
        p.created_at = base + Duration::minutes(i as i64);
        if slug == "d-cotton-tee" {
            p.description = "Pairs well with a linen skirt.".into();
        }
        r.products.upsert(p).await.unwrap();
    }

    let all = r.products.list(&query()).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(
        slugs(&all),
        ["d-cotton-tee", "c-wool-coat", "b-silk-shirt", "a-linen-dress"],
        "newest first"
    );
    let linen = all.items.iter().find(|p| p.slug == "a-linen-dress").unwrap();
    assert_eq!((linen.effective_price, linen.inventory_count), (money(6000), 3));
    assert_eq!(linen.image.as_deref(), Some("/media/a-linen-dress.svg"));

    let q = |f: &dyn Fn(&mut ProductListQuery)| {
        let mut q = query();
        f(&mut q);
        q
    };
    let by = |sort| q(&|q: &mut ProductListQuery| q.sort = sort);
    assert_eq!(
        slugs(&r.products.list(&by(ProductSort::PriceAsc)).await.unwrap()),
        ["d-cotton-tee", "a-linen-dress", "b-silk-shirt", "c-wool-coat"]
    );
    assert_eq!(
        slugs(&r.products.list(&by(ProductSort::PriceDesc)).await.unwrap()),
        ["c-wool-coat", "b-silk-shirt", "a-linen-dress", "d-cotton-tee"]
    );
    assert_eq!(
        slugs(&r.products.list(&by(ProductSort::TitleAsc)).await.unwrap()),
        ["d-cotton-tee", "a-linen-dress", "b-silk-shirt", "c-wool-coat"]
    );

    let women_only = r
        .products
        .list(&q(&|q| q.category_ids = Some(vec![women])))
        .await
        .unwrap();
    assert_eq!(women_only.total, 2);
    let both = r
        .products
        .list(&q(&|q| q.category_ids = Some(vec![women, men])))
        .await
        .unwrap();
    assert_eq!(both.total, 4);
    let window = r
        .products
        .list(&q(&|q| {
            q.min_price = Some(money(5000));
            q.max_price = Some(money(7000));
        }))
        .await
        .unwrap();
    assert_eq!(slugs(&window), ["b-silk-shirt", "a-linen-dress"], "sale price counts");
    assert_eq!(
        r.products
            .list(&q(&|q| q.tag = Some("wool".into())))
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        r.products
            .list(&q(&|q| q.tag = Some("basics".into())))
            .await
            .unwrap()
            .total,
        4
    );
    let stocked = r.products.list(&q(&|q| q.in_stock = Some(true))).await.unwrap();
    assert_eq!(stocked.total, 3);
    assert_eq!(
        slugs(&r.products.list(&q(&|q| q.in_stock = Some(false))).await.unwrap()),
        ["b-silk-shirt"]
    );

    // Full-text search: stemmed, prefix, relevance (title beats description).
    let search = |text: &str, sort| {
        q(&|q| {
            q.search = SearchTerms::parse("search", text).unwrap();
            q.sort = sort;
        })
    };
    let found = r.products.list(&search("linen", ProductSort::Relevance)).await.unwrap();
    assert_eq!(slugs(&found), ["a-linen-dress", "d-cotton-tee"]);
    assert_eq!(
        r.products
            .list(&search("dresses", ProductSort::Relevance))
            .await
            .unwrap()
            .total,
        1,
        "stemming"
    );
    assert_eq!(
        r.products
            .list(&search("coa", ProductSort::Relevance))
            .await
            .unwrap()
            .total,
        1,
        "prefix"
    );
    assert_eq!(
        r.products
            .list(&search("silk", ProductSort::Newest))
            .await
            .unwrap()
            .total,
        1,
        "tags and title"
    );
    assert_eq!(
        r.products
            .list(&search("linen wool", ProductSort::Relevance))
            .await
            .unwrap()
            .total,
        0,
        "all words"
    );

    // Paging, including past the end, with a filter active.
    let page = |page, limit| {
        q(&|q| {
            q.in_stock = Some(true);
            q.page = PageRequest::new(Some(page), Some(limit)).unwrap();
        })
    };
    let p1 = r.products.list(&page(1, 2)).await.unwrap();
    let p2 = r.products.list(&page(2, 2)).await.unwrap();
    assert_eq!((p1.items.len(), p2.items.len(), p1.total, p2.total), (2, 1, 3, 3));
    assert!(p1.items.iter().all(|a| p2.items.iter().all(|b| a.id != b.id)));
    assert!(r.products.list(&page(3, 2)).await.unwrap().items.is_empty());
}

/// Large categories page differently from small ones on SQLite (see `PROBE_LINKS_FROM`); both
/// must page through the same products in the same order without gaps or repeats.
async fn large_category_pages_are_consistent(r: Repos) {
    let big = r.categories.upsert(category("big", None, 0)).await.unwrap();
    let other = r.categories.upsert(category("other", None, 1)).await.unwrap();
    let base = Utc::now() - Duration::days(1);
    for i in 0..230 {
        let mut p = product(
            &format!("p-{i:03}"),
            &format!("Product {i:03}"),
            1000 + i * 10,
            None,
            vec![variant(&format!("SKU-{i}"), i as i32 % 3)],
        );
        p.category_ids = vec![if i % 10 == 0 { other } else { big }];
        p.created_at = base + Duration::minutes(i);
        r.products.upsert(p).await.unwrap();
    }
    for sort in [ProductSort::Newest, ProductSort::PriceDesc, ProductSort::TitleAsc] {
        let mut seen = Vec::new();
        let mut total = 0;
        for page in 1..=5 {
            let mut q = query();
            q.category_ids = Some(vec![big]);
            q.sort = sort;
            q.page = PageRequest::new(Some(page), Some(50)).unwrap();
            let result = r.products.list(&q).await.unwrap();
            total = result.total;
            seen.extend(result.items.into_iter().map(|p| p.slug));
        }
        assert_eq!(total, 207);
        assert_eq!(seen.len(), 207, "{sort:?}: pages must cover every member once");
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), 207, "{sort:?}: a product repeated across pages");
        assert!(
            seen.iter().all(|s| s[2..].parse::<u32>().unwrap() % 10 != 0),
            "{sort:?}: non-member listed"
        );
        if sort == ProductSort::Newest {
            assert_eq!(seen[0], "p-229");
        }
    }
    let mut q = query();
    q.category_ids = Some(vec![big]);
    q.in_stock = Some(true);
    q.page = PageRequest::new(Some(2), Some(100)).unwrap();
    let page = r.products.list(&q).await.unwrap();
    assert!(page.items.iter().all(|p| p.inventory_count > 0));
}

async fn promotions_and_pages(r: Repos) {
    let now = Utc::now();
    let cat = r.categories.upsert(category("knit", None, 0)).await.unwrap();
    let mut promo = NewPromotion {
        name: "Knit week".into(),
        slug: "knit-week".into(),
        description: None,
        image: None,
        active: true,
        position: 0,
        discount_type: DiscountType::Fixed,
        discount_value: 1000,
        start_date: now - Duration::days(1),
        end_date: now + Duration::days(1),
        code: Some("KNIT10".into()),
        scope: PromotionScope::Category(cat),
        stackable: true,
    };
    let id = r.promotions.upsert(promo.clone()).await.unwrap();
    promo.slug = "off".into();
    promo.code = None;
    promo.active = false;
    r.promotions.upsert(promo).await.unwrap();
    let active = r.promotions.list_active().await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!((active[0].id, active[0].scope), (id, PromotionScope::Category(cat)));
    assert!(active[0].stackable);
    assert!(active[0].is_running_at(now));

    let page = NewCmsPage {
        slug: "about".into(),
        title: "About".into(),
        blocks: vec![Block::Heading {
            level: 2,
            text: "Hi".into(),
        }],
        published: true,
    };
    let page_id = r.pages.upsert(page.clone()).await.unwrap();
    assert_eq!(
        r.pages
            .upsert(NewCmsPage {
                title: "About us".into(),
                ..page.clone()
            })
            .await
            .unwrap(),
        page_id
    );
    let stored = r.pages.find_by_slug("about").await.unwrap().unwrap();
    assert_eq!(stored.title, "About us");
    assert_eq!(stored.blocks, page.blocks);
}

async fn users_have_case_insensitive_unique_emails(r: Repos) {
    let new = |email: &str| NewUser {
        name: "Ada".into(),
        email: Email::parse("email", email).unwrap(),
        password_hash: "$argon2id$placeholder".into(),
        role: Role::Admin,
        email_verified: true,
    };
    let user = r
        .users
        .create(Uuid::now_v7(), new("Ada@Example.com"), Vec::new())
        .await
        .unwrap();
    assert_eq!((user.email.as_str(), user.role), ("ada@example.com", Role::Admin));
    assert!(user.email_verified_at.is_some());
    let verification = beeget_api::repos::NewDeferredJob {
        queue: "mail".into(),
        name: "sendVerificationEmail".into(),
        payload: "{}".into(),
        idempotency_key: Some("verify-email:1".into()),
    };
    assert!(matches!(
        r.users.create(Uuid::now_v7(), new("ADA@example.COM"), vec![verification.clone()]).await,
        Err(RepoError::Conflict(f)) if f == "email"
    ));
    assert_eq!(r.job_outbox.count().await.unwrap(), 0, "a refused sign-up keeps no job");
    let id = Uuid::now_v7();
    let grace = r
        .users
        .create(id, new("grace@example.com"), vec![verification])
        .await
        .unwrap();
    assert_eq!(grace.id, id, "stored under the id given");
    assert_eq!(
        r.job_outbox.oldest(10).await.unwrap()[0].job.name,
        "sendVerificationEmail"
    );
    assert_eq!(
        r.users.find_by_email(" ADA@EXAMPLE.COM ").await.unwrap().unwrap().id,
        user.id
    );
    assert_eq!(r.users.count().await.unwrap(), 2);
}

async fn abandoned_carts_are_deleted_in_batches(r: Repos) {
    let now = Utc::now();
    let mut carts = Vec::new();
    for i in 0..8 {
        let user = r
            .users
            .create(
                Uuid::now_v7(),
                NewUser {
                    name: format!("Shopper {i}"),
                    email: Email::parse("email", &format!("shopper{i}@example.com")).unwrap(),
                    password_hash: "$argon2id$placeholder".into(),
                    role: Role::User,
                    email_verified: false,
                },
                Vec::new(),
            )
            .await
            .unwrap();
        // Two first requests of one shopper race to the same cart.
        let (a, b) = tokio::join!(r.carts.get_or_create(user.id), r.carts.get_or_create(user.id));
        assert_eq!(a.unwrap(), *b.as_ref().unwrap());
        carts.push(b.unwrap());
    }
    assert_eq!(r.carts.count().await.unwrap(), 8);
    for cart in &carts[..5] {
        r.carts.touch(*cart, now - Duration::days(40)).await.unwrap();
    }
    r.carts.touch(carts[5], now - Duration::days(29)).await.unwrap();

    let deleted = cleanup_abandoned_carts(&r, now, 30, 2).await.unwrap();
    assert_eq!(deleted, 5, "three batches of at most two");
    assert_eq!(r.carts.count().await.unwrap(), 3, "the 29-day-old and fresh carts stay");
    assert_eq!(cleanup_abandoned_carts(&r, now, 30, 2).await.unwrap(), 0);
    assert!(matches!(
        r.carts.touch(carts[0], now).await,
        Err(RepoError::NotFound(_))
    ));
}

async fn contact_messages_are_kept_newest_first_with_their_jobs(r: Repos) {
    for subject in ["first", "second"] {
        let message = NewContactMessage {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            subject: subject.into(),
            message: "Hello".into(),
        };
        let forward = beeget_api::repos::NewDeferredJob {
            queue: "mail".into(),
            name: "forwardContactMessage".into(),
            payload: format!(r#"{{"subject":"{subject}"}}"#),
            idempotency_key: None,
        };
        r.contact.create(Uuid::now_v7(), message, vec![forward]).await.unwrap();
    }
    let kept = r.job_outbox.oldest(10).await.unwrap();
    assert_eq!(kept.len(), 2, "each message's job is kept with it");
    assert_eq!(kept[0].job.payload, r#"{"subject":"first"}"#);
    let recent = r.contact.list_recent(10).await.unwrap();
    assert_eq!(
        recent.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(),
        ["second", "first"]
    );
}

async fn the_job_outbox_keeps_jobs_in_order_until_removed(r: Repos) {
    use beeget_api::repos::NewDeferredJob;
    let job = |name: &str, key: Option<&str>| NewDeferredJob {
        queue: "mail".into(),
        name: name.into(),
        payload: r#"{"messageId":"x"}"#.into(),
        idempotency_key: key.map(str::to_owned),
    };
    let first = r.job_outbox.defer(job("forwardContactMessage", None)).await.unwrap();
    let second = r
        .job_outbox
        .defer(job("sendOrderConfirmation", Some("order-confirmation:1")))
        .await
        .unwrap();
    assert_eq!(r.job_outbox.count().await.unwrap(), 2);
    let pending = r.job_outbox.oldest(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|d| d.id).collect::<Vec<_>>(),
        [first, second],
        "oldest first"
    );
    assert_eq!(pending[0].job, job("forwardContactMessage", None));
    assert_eq!(pending[1].job.idempotency_key.as_deref(), Some("order-confirmation:1"));
    assert_eq!((pending[0].attempts, pending[0].last_error.as_deref()), (0, None));

    r.job_outbox
        .failed_attempt(first, "redis: connection refused")
        .await
        .unwrap();
    r.job_outbox.failed_attempt(first, "redis: timed out").await.unwrap();
    let pending = r.job_outbox.oldest(1).await.unwrap();
    assert_eq!(pending.len(), 1, "limit");
    assert_eq!(
        (pending[0].attempts, pending[0].last_error.as_deref()),
        (2, Some("redis: timed out"))
    );

    r.job_outbox.remove(first).await.unwrap();
    r.job_outbox.remove(first).await.unwrap();
    assert_eq!(
        r.job_outbox
            .oldest(10)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        [second]
    );
    assert_eq!(r.job_outbox.count().await.unwrap(), 1);
}

async fn bulk_inserts_skip_taken_slugs_and_store_a_batch_whole_or_not_at_all(r: Repos) {
    let tee = || product("tee", "Tee", 2500, None, vec![variant("TEE-M", 3)]);
    r.products.upsert(tee()).await.unwrap();
    let mut top = product(
        "top",
        "Top",
        3500,
        Some(3000),
        vec![variant("TOP-M", 1), variant("TOP-L", 0)],
    );
    top.tags = vec!["summer".into(), "summer".into()];
    let inserted = r.products.insert_new(vec![tee(), top]).await.unwrap();
    assert_eq!(inserted, 1, "the taken slug is skipped");
    let stored = r.products.find_by_slug("top").await.unwrap().unwrap();
    assert_eq!(
        (stored.variants.len(), stored.sale_price.map(Money::minor)),
        (2, Some(3000))
    );
    let listed = r
        .products
        .list(&ProductListQuery {
            tag: Some("summer".into()),
            ..query()
        })
        .await
        .unwrap();
    assert_eq!(listed.total, 1, "one tag link despite the repeat");
    // The second product takes a SKU of another product: nothing of the batch is written.
    let refused = r
        .products
        .insert_new(vec![
            product("skirt", "Skirt", 4500, None, vec![variant("SKIRT-M", 2)]),
            product("dress", "Dress", 5500, None, vec![variant("TEE-M", 2)]),
        ])
        .await;
    assert!(matches!(refused, Err(RepoError::Conflict(_))), "{refused:?}");
    assert!(r.products.find_by_slug("skirt").await.unwrap().is_none(), "rolled back");
    assert_eq!(r.products.count().await.unwrap(), 2);
}

async fn demo_seed_is_idempotent(r: Repos) {
    let media = tempfile::tempdir().unwrap();
    let source = seed::SeedSource {
        dir: seeds_dir(),
        media_dir: media.path().to_path_buf(),
        media_url_prefix: "/media".into(),
    };
    let first = seed::load(&r, &source).await.unwrap();
    assert!(first.products >= 150 && first.categories >= 10 && first.collections >= 6 && first.promotions >= 3);
    assert_eq!(first.pages, 5);
    let before = r.products.find_by_slug("linen-wrap-midi-dress").await.unwrap().unwrap();
    let second = seed::load(&r, &source).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(r.products.count().await.unwrap() as usize, first.products);
    assert_eq!(r.categories.list_all().await.unwrap().len(), first.categories);
    let after = r.products.find_by_slug("linen-wrap-midi-dress").await.unwrap().unwrap();
    assert_eq!(before.id, after.id);
    assert_eq!(
        before.variants.iter().map(|v| v.id).collect::<Vec<_>>(),
        after.variants.iter().map(|v| v.id).collect::<Vec<_>>()
    );
    assert_eq!(before.created_at, after.created_at);
    assert!(
        media.path().join("products").read_dir().unwrap().count() > 5,
        "images copied"
    );
}

/// Catalogue writes record their products under consecutive versions, also when many commit
/// at once; pruning removes old changes and keeps the version.
async fn the_catalogue_feed_numbers_writes_consecutively(r: Repos) {
    assert_eq!(r.products.catalogue_version().await.unwrap(), 0);
    let tee = r
        .products
        .upsert(product("tee", "Tee", 2500, None, vec![variant("TEE-1", 3)]))
        .await
        .unwrap();
    let inserted = r
        .products
        .insert_new(vec![
            product("a", "A", 100, None, vec![variant("A-1", 1)]),
            product("b", "B", 100, None, vec![variant("B-1", 1)]),
            product("tee", "Taken slug", 100, None, vec![variant("TEE-2", 1)]),
        ])
        .await
        .unwrap();
    assert_eq!(inserted, 2);
    assert_eq!(r.products.catalogue_version().await.unwrap(), 2);
    let changes = r.products.catalogue_changes(0, 2).await.unwrap();
    assert_eq!(
        changes[0],
        CatalogueChange {
            version: 1,
            product_id: tee
        }
    );
    assert_eq!(
        changes.len(),
        3,
        "the upsert's product, then the two inserted in one version"
    );
    assert!(changes[1..].iter().all(|c| c.version == 2 && c.product_id != tee));
    // A refused write records nothing.
    let thief = product("other", "Other", 1000, None, vec![variant("TEE-1", 1)]);
    assert!(r.products.upsert(thief).await.is_err());
    assert_eq!(r.products.catalogue_version().await.unwrap(), 2);

    // Twenty writers at once: twenty versions, none skipped, none shared.
    let writes = (0..20).map(|_| {
        let r = r.clone();
        async move { r.products.record_changes(&[tee]).await.unwrap() }
    });
    futures_util::future::join_all(writes).await;
    assert_eq!(r.products.catalogue_version().await.unwrap(), 22);
    let versions: Vec<i64> = r
        .products
        .catalogue_changes(2, 22)
        .await
        .unwrap()
        .iter()
        .map(|c| c.version)
        .collect();
    assert_eq!(versions, (3..=22).collect::<Vec<_>>());

    assert_eq!(
        r.products
            .prune_catalogue_changes(Utc::now() - Duration::hours(1))
            .await
            .unwrap(),
        0,
        "nothing is an hour old"
    );
    assert_eq!(
        r.products
            .prune_catalogue_changes(Utc::now() + Duration::seconds(1))
            .await
            .unwrap(),
        23
    );
    assert!(r.products.catalogue_changes(0, 22).await.unwrap().is_empty());
    assert_eq!(
        r.products.catalogue_version().await.unwrap(),
        22,
        "the version survives pruning"
    );
}

/// Writers whose transaction reads before it writes (a batch insert checks which slugs are
/// taken first) all land while others commit around them. On SQLite a deferred transaction
/// would fail such a write at once with `SQLITE_BUSY_SNAPSHOT` — no busy timeout helps — when
/// another connection commits between its read and its first write.
async fn read_then_write_transactions_land_while_others_commit(r: Repos) {
    let tee = r
        .products
        .upsert(product("tee", "Tee", 2500, None, vec![variant("TEE-1", 3)]))
        .await
        .unwrap();
    let batches = (0..12).map(|batch| {
        let r = r.clone();
        async move {
            let products = (0..5)
                .map(|i| {
                    let slug = format!("p-{batch}-{i}");
                    product(&slug, &slug, 1000, None, vec![variant(&slug.to_uppercase(), 1)])
                })
                .collect();
            r.products.insert_new(products).await
        }
    });
    let feed_writes = (0..24).map(|_| {
        let r = r.clone();
        async move { r.products.record_changes(&[tee]).await.map(|()| 0) }
    });
    let (inserted, recorded) = tokio::join!(
        futures_util::future::join_all(batches),
        futures_util::future::join_all(feed_writes)
    );
    for outcome in inserted.iter().chain(&recorded) {
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    assert_eq!(inserted.into_iter().map(Result::unwrap).sum::<u64>(), 60);
    assert_eq!(r.products.count().await.unwrap(), 61);
    assert_eq!(r.products.catalogue_version().await.unwrap(), 1 + 12 + 24);
}

async fn health_pings(r: Repos) {
    r.health.ping().await.unwrap();
    let (open, _idle) = r.health.pool_state();
    assert!(open >= 1);
}

/// Image rows are the truth and the product's URL list follows them in the same write:
/// listed URLs get rows (kept across a re-seed), adds take the next place (concurrent ones
/// distinct ones) up to the cap, removals close the gap, a reorder must be a permutation, and
/// a stored key is in use while any row refers to it.
async fn product_images_keep_the_url_list_in_step(r: Repos) {
    use beeget_api::{
        domain::{
            audit::{AuditRecord, AuditTarget},
            product_image::NewProductImage,
        },
        repos::{ImageAdded, ImagesReordered},
    };
    let id = r
        .products
        .upsert(product("pic-tee", "Pic Tee", 2500, None, vec![variant("PIC-TEE-M", 3)]))
        .await
        .unwrap();
    let audit = |action: &str| AuditRecord::new(Uuid::now_v7(), action, (AuditTarget::Product, id), None, Utc::now());
    let listed = r.product_images.for_products(&[id]).await.unwrap().remove(&id).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].url.as_str(), listed[0].storage_key.clone()),
        ("/media/pic-tee.svg", None)
    );
    let image = |n: u32| NewProductImage {
        storage_key: format!("products/{n:064}.png"),
        url: format!("/media/products/{n:064}.png"),
        content_type: "image/png".into(),
        width: n,
        height: 2,
        bytes: 100,
    };
    let adds = (1..=6).map(|n| {
        let r = r.clone();
        let audit = audit("product.image_added");
        async move { r.product_images.add(id, image(n), 6, audit).await }
    });
    let outcomes = futures_util::future::join_all(adds).await;
    let full = outcomes.iter().filter(|o| matches!(o, Ok(ImageAdded::Full))).count();
    let mut positions: Vec<u32> = outcomes
        .iter()
        .filter_map(|o| match o {
            Ok(ImageAdded::Added(image)) => Some(image.position),
            _ => None,
        })
        .collect();
    positions.sort_unstable();
    assert_eq!((positions, full), (vec![1, 2, 3, 4, 5], 1), "{outcomes:?}");
    let images = r.product_images.for_products(&[id]).await.unwrap().remove(&id).unwrap();
    let stored = r.products.find_by_slug("pic-tee").await.unwrap().unwrap();
    assert_eq!(stored.images, images.iter().map(|i| i.url.clone()).collect::<Vec<_>>());

    let reversed: Vec<Uuid> = images.iter().rev().map(|i| i.id).collect();
    let ImagesReordered::Reordered(now) = r.product_images.reorder(id, &reversed, audit("r")).await.unwrap() else {
        panic!("a permutation is applied");
    };
    assert_eq!(now.iter().map(|i| i.id).collect::<Vec<_>>(), reversed);
    assert!(matches!(
        r.product_images.reorder(id, &reversed[1..], audit("r")).await.unwrap(),
        ImagesReordered::Invalid(_)
    ));
    assert!(matches!(
        r.product_images.reorder(Uuid::now_v7(), &[], audit("r")).await.unwrap(),
        ImagesReordered::NoSuchProduct
    ));

    let key = now[0].storage_key.clone().unwrap();
    assert!(r.product_images.key_in_use(&key).await.unwrap());
    let removed = r
        .product_images
        .remove(id, now[0].id, audit("d"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.storage_key.as_deref(), Some(key.as_str()));
    assert!(!r.product_images.key_in_use(&key).await.unwrap());
    assert!(
        r.product_images
            .remove(id, now[0].id, audit("d"))
            .await
            .unwrap()
            .is_none()
    );
    let left = r.product_images.for_products(&[id]).await.unwrap().remove(&id).unwrap();
    assert_eq!(left.iter().map(|i| i.position).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    let stored = r.products.find_by_slug("pic-tee").await.unwrap().unwrap();
    assert_eq!(stored.images, left.iter().map(|i| i.url.clone()).collect::<Vec<_>>());

    // A re-seed that lists the same URL keeps that row; the uploads it does not list go.
    let seeded_row = left.iter().find(|i| i.storage_key.is_none()).unwrap().id;
    r.products
        .upsert(product("pic-tee", "Pic Tee", 2500, None, vec![variant("PIC-TEE-M", 3)]))
        .await
        .unwrap();
    let after = r.product_images.for_products(&[id]).await.unwrap().remove(&id).unwrap();
    assert_eq!(
        after.iter().map(|i| (i.id, i.position)).collect::<Vec<_>>(),
        [(seeded_row, 0)]
    );
}

macro_rules! contract_suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (repos, _db) = super::repos_for(beeget_tests::Backend::Sqlite).await.unwrap();
                    super::$name(repos).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some((repos, _db)) = super::repos_for(beeget_tests::Backend::Postgres).await else { return };
                    super::$name(repos).await;
                }
            )*
        }
    };
}

/// Orders imported as history (`seed --synthetic-orders`): stored whole with their lines,
/// history and sealed address, counted by the sales report with their units, no stock taken;
/// importing them again adds nothing.
async fn imported_orders_keep_their_history_and_take_no_stock(r: Repos) {
    use beeget_api::domain::{
        order::{Order, OrderEvent, OrderLine, Payment, PaymentStatus, ShippingAddress},
        order_status::OrderStatus,
        pricing::Totals,
    };
    r.products
        .upsert(product("old-tee", "Old Tee", 2500, None, vec![variant("OLD-TEE-M", 3)]))
        .await
        .unwrap();
    let tee = r.products.find_by_slug("old-tee").await.unwrap().unwrap();
    let placed: chrono::DateTime<chrono::Utc> = "2025-06-01T12:00:00Z".parse().unwrap();
    let line = |quantity: u32| OrderLine {
        id: Uuid::now_v7(),
        product_id: Some(tee.id),
        variant_id: Some(tee.variants[0].id),
        title: "Old Tee".into(),
        slug: "old-tee".into(),
        image: None,
        sku: "OLD-TEE-M".into(),
        size: "M".into(),
        color: "Blue".into(),
        quantity,
        price_at_purchase: 2500,
        discount: 0,
        line_total: 2500 * i64::from(quantity),
    };
    let event = |status: OrderStatus, hours: i64| OrderEvent {
        status,
        note: None,
        shipment: None,
        actor_id: None,
        created_at: placed + chrono::Duration::hours(hours),
    };
    let user = r
        .users
        .create(
            Uuid::now_v7(),
            NewUser {
                name: "Hist Ory".into(),
                email: Email::parse("email", "history@example.com").unwrap(),
                password_hash: "$argon2id$placeholder".into(),
                role: Role::User,
                email_verified: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    let order = Order {
        id: Uuid::now_v7(),
        user_id: user.id,
        customer_email: "history@example.com".into(),
        status: OrderStatus::Delivered,
        currency: "USD".into(),
        totals: Totals {
            subtotal: 7500,
            discount: 0,
            shipping: 0,
            total: 7500,
        },
        promo_code: None,
        shipping_address: Some(ShippingAddress {
            recipient: "Hist Ory".into(),
            line1: "2 Old Road".into(),
            line2: None,
            city: "Bath".into(),
            state: None,
            zip: "BA1 1AA".into(),
            country: "GB".into(),
            phone: None,
        }),
        customer_erased_at: None,
        payment: Payment {
            provider: "synthetic".into(),
            method: None,
            status: PaymentStatus::Succeeded,
            reference: None,
            client_secret: None,
            failure: None,
        },
        lines: vec![line(2), line(1)],
        events: vec![
            event(OrderStatus::PendingPayment, 0),
            event(OrderStatus::Paid, 1),
            event(OrderStatus::Delivered, 48),
        ],
        idempotency_key: None,
        request_hash: None,
        created_at: placed,
        updated_at: placed + chrono::Duration::hours(48),
    };
    assert_eq!(r.orders.import(vec![order.clone()]).await.unwrap(), 1);
    assert_eq!(r.orders.import(vec![order.clone()]).await.unwrap(), 0, "stored already");
    r.orders.refresh_statistics().await.unwrap();
    let stored = r.orders.find(order.id).await.unwrap().unwrap();
    assert_eq!(stored.status, OrderStatus::Delivered);
    assert_eq!(
        stored.shipping_address, order.shipping_address,
        "sealed and opened again"
    );
    assert_eq!(stored.lines.len(), 2);
    let history: Vec<OrderStatus> = stored.events.iter().map(|e| e.status).collect();
    assert_eq!(
        history,
        [OrderStatus::PendingPayment, OrderStatus::Paid, OrderStatus::Delivered]
    );
    assert_eq!(
        r.products.find_by_slug("old-tee").await.unwrap().unwrap().variants[0].inventory_count,
        3,
        "history takes no stock"
    );
    let day = (
        placed - chrono::Duration::hours(12),
        placed + chrono::Duration::hours(12),
    );
    let figures = r.reports.sales(&[day]).await.unwrap();
    assert_eq!((figures[0].orders, figures[0].units, figures[0].gross), (1, 3, 7500));
}

async fn orders_take_stock_once_and_move_only_from_where_they_are(r: Repos) {
    use beeget_api::domain::{
        order::{OrderFilter, OrderLine, PaymentStatus, Shipment, ShippingAddress},
        order_status::OrderStatus,
        pricing::Totals,
    };
    let user = r
        .users
        .create(
            Uuid::now_v7(),
            NewUser {
                name: "Buyer".into(),
                email: Email::parse("email", "buyer@example.com").unwrap(),
                password_hash: "$argon2id$placeholder".into(),
                role: Role::User,
                email_verified: true,
            },
            Vec::new(),
        )
        .await
        .unwrap();
    r.products
        .upsert(product("tee", "Tee", 2500, Some(2000), vec![variant("TEE-M", 3)]))
        .await
        .unwrap();
    let tee = r.products.find_by_slug("tee").await.unwrap().unwrap();
    let variant_id = tee.variants[0].id;
    let stock = || async { r.products.find_by_slug("tee").await.unwrap().unwrap().variants[0].inventory_count };
    let new_order = |key: &str, qty: u32, priced_from: PricedFrom| NewOrder {
        id: Uuid::now_v7(),
        user_id: user.id,
        customer_email: "buyer@example.com".into(),
        currency: "USD".into(),
        totals: Totals {
            subtotal: 2000 * i64::from(qty),
            discount: 0,
            shipping: 695,
            total: 2000 * i64::from(qty) + 695,
        },
        promo_code: None,
        shipping_address: ShippingAddress {
            recipient: "Buyer".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            state: None,
            zip: "12345".into(),
            country: "US".into(),
            phone: Some("+1 555 0100".into()),
        },
        payment_provider: "fake".into(),
        payment_method: "pm_card_visa".into(),
        idempotency_key: key.into(),
        request_hash: "h".into(),
        lines: vec![NewOrderLine {
            line: OrderLine {
                id: Uuid::now_v7(),
                product_id: Some(tee.id),
                variant_id: Some(variant_id),
                title: "Tee".into(),
                slug: "tee".into(),
                image: None,
                sku: "TEE-M".into(),
                size: "M".into(),
                color: "Black".into(),
                quantity: qty,
                price_at_purchase: 2000,
                discount: 0,
                line_total: 2000 * i64::from(qty),
            },
            priced_from,
        }],
        created_at: Utc::now(),
    };
    let prices = PricedFrom {
        product_price: 2500,
        product_sale_price: Some(2000),
        variant_price: None,
    };

    let version = || async { r.products.catalogue_version().await.unwrap() };
    let before = version().await;
    let first = new_order("k1", 2, prices);
    let id = first.id;
    assert_eq!(r.orders.place(first).await.unwrap(), PlaceOutcome::Placed);
    assert_eq!(stock().await, 1);
    assert_eq!(version().await, before + 1, "a placed order records its stock change");
    assert_eq!(
        r.products.catalogue_changes(before, before + 1).await.unwrap(),
        [CatalogueChange {
            version: before + 1,
            product_id: tee.id
        }]
    );
    assert_eq!(
        r.orders.place(new_order("k1", 1, prices)).await.unwrap(),
        PlaceOutcome::KeyTaken
    );
    assert_eq!(
        r.orders.place(new_order("k2", 2, prices)).await.unwrap(),
        PlaceOutcome::OutOfStock {
            variant_id,
            available: 1
        }
    );
    let stale = PricedFrom {
        product_sale_price: None,
        ..prices
    };
    assert_eq!(
        r.orders.place(new_order("k3", 1, stale)).await.unwrap(),
        PlaceOutcome::PriceChanged
    );
    assert_eq!(stock().await, 1, "refused orders take nothing");
    assert_eq!(version().await, before + 1, "and record no change");
    assert_eq!(
        r.orders
            .list(&OrderFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );

    let order = r.orders.find(id).await.unwrap().unwrap();
    assert_eq!(
        (order.status, order.payment.status),
        (OrderStatus::PendingPayment, PaymentStatus::Pending)
    );
    assert_eq!(order.shipping_address.as_ref().unwrap().city, "Springfield");
    assert_eq!(order.lines[0].quantity, 2);
    assert_eq!(
        r.orders
            .find_by_idempotency_key(user.id, "k1")
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );

    assert!(
        r.orders
            .update_payment(
                id,
                OrderStatus::PendingPayment,
                PaymentUpdate {
                    status: PaymentStatus::RequiresAction,
                    reference: Some("pi_1".into()),
                    client_secret: Some("pi_1_secret".into()),
                    failure: None,
                },
            )
            .await
            .unwrap()
    );
    assert_eq!(
        r.orders.find_by_payment_reference("pi_1").await.unwrap().unwrap().id,
        id
    );
    let step = |from: OrderStatus, to| StatusChange::new(from.transition(to).expect("in the lifecycle"));
    let mut paid = step(OrderStatus::PendingPayment, OrderStatus::Paid);
    paid.payment_status = Some(PaymentStatus::Succeeded);
    paid.jobs = vec![beeget_api::repos::NewDeferredJob {
        queue: "mail".into(),
        name: "sendOrderConfirmation".into(),
        payload: format!(r#"{{"orderId":"{id}"}}"#),
        idempotency_key: None,
    }];
    assert!(r.orders.change_status(id, paid.clone()).await.unwrap());
    assert!(
        !r.orders.change_status(id, paid).await.unwrap(),
        "only from where it is"
    );
    let outbox = r.job_outbox.oldest(10).await.unwrap();
    assert_eq!(
        outbox.iter().map(|d| d.job.name.as_str()).collect::<Vec<_>>(),
        ["sendOrderConfirmation"],
        "the change's job is kept with it, and the refused repeat keeps none"
    );
    let paid = r.orders.find(id).await.unwrap().unwrap();
    assert_eq!(paid.payment.client_secret, None, "the secret goes once paid");

    assert!(
        r.orders
            .change_status(id, step(OrderStatus::Paid, OrderStatus::Processing))
            .await
            .unwrap()
    );
    let mut shipped = step(OrderStatus::Processing, OrderStatus::Shipped);
    shipped.shipment = Some(Shipment {
        carrier: "DHL".into(),
        tracking_number: "JD0001".into(),
        tracking_url: None,
    });
    shipped.actor_id = Some(user.id);
    assert!(r.orders.change_status(id, shipped).await.unwrap());
    assert_eq!(
        version().await,
        before + 1,
        "status changes that move no stock record nothing"
    );
    let mut cancel = step(OrderStatus::Shipped, OrderStatus::Refunded);
    cancel.restock = true;
    assert!(r.orders.change_status(id, cancel).await.unwrap());
    assert_eq!(stock().await, 3, "restocked");
    assert_eq!(
        r.products.catalogue_changes(before + 1, before + 2).await.unwrap(),
        [CatalogueChange {
            version: before + 2,
            product_id: tee.id
        }],
        "a restock records its stock change"
    );
    let done = r.orders.find(id).await.unwrap().unwrap();
    let history: Vec<OrderStatus> = done.events.iter().map(|e| e.status).collect();
    assert_eq!(
        history,
        [
            OrderStatus::PendingPayment,
            OrderStatus::Paid,
            OrderStatus::Processing,
            OrderStatus::Shipped,
            OrderStatus::Refunded
        ]
    );
    assert_eq!(done.shipment().unwrap().tracking_number, "JD0001");
    assert_eq!(done.events[3].actor_id, Some(user.id));

    let mine = r.orders.list_for_user(user.id, PageRequest::default()).await.unwrap();
    assert_eq!((mine.total, mine.items[0].item_count), (1, 2));
    let filter = |status| OrderFilter {
        status: Some(status),
        customer_email: Some("BUYER@example.com".into()),
        min_total: Some(4695),
        ..OrderFilter::default()
    };
    assert_eq!(
        r.orders
            .list(&filter(OrderStatus::Refunded), PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        r.orders
            .list(&filter(OrderStatus::Paid), PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );

    let pending = new_order("k4", 1, prices);
    let pending_id = pending.id;
    r.orders.place(pending).await.unwrap();
    let later = Utc::now() + Duration::minutes(1);
    assert_eq!(
        r.orders.pending_payment_before(later, 10).await.unwrap(),
        vec![pending_id]
    );
    assert!(
        r.orders
            .pending_payment_before(Utc::now() - Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let now = Utc::now();
    assert!(
        r.orders
            .record_payment_event("stripe", "evt_1", "payment_intent.succeeded", now)
            .await
            .unwrap()
    );
    assert!(
        !r.orders
            .record_payment_event("stripe", "evt_1", "payment_intent.succeeded", now)
            .await
            .unwrap()
    );
    r.orders.forget_payment_event("stripe", "evt_1").await.unwrap();
    assert!(
        r.orders
            .record_payment_event("stripe", "evt_1", "payment_intent.succeeded", now)
            .await
            .unwrap()
    );

    // Promotions can target this one product.
    let promo = NewPromotion {
        name: "Tee deal".into(),
        slug: "tee-deal".into(),
        description: None,
        image: None,
        active: true,
        position: 0,
        discount_type: DiscountType::Fixed,
        discount_value: 100,
        start_date: now - Duration::days(1),
        end_date: now + Duration::days(1),
        code: None,
        scope: PromotionScope::Product(tee.id),
        stackable: true,
    };
    r.promotions.upsert(promo).await.unwrap();
    let active = r.promotions.list_active().await.unwrap();
    assert!(
        active
            .iter()
            .any(|p| p.scope == PromotionScope::Product(tee.id) && p.stackable)
    );
}

contract_suite!(
    categories_upsert_by_slug,
    products_round_trip_with_variants_and_links,
    product_list_filters_sorts_and_pages,
    large_category_pages_are_consistent,
    promotions_and_pages,
    users_have_case_insensitive_unique_emails,
    contact_messages_are_kept_newest_first_with_their_jobs,
    the_job_outbox_keeps_jobs_in_order_until_removed,
    abandoned_carts_are_deleted_in_batches,
    bulk_inserts_skip_taken_slugs_and_store_a_batch_whole_or_not_at_all,
    demo_seed_is_idempotent,
    health_pings,
    orders_take_stock_once_and_move_only_from_where_they_are,
    imported_orders_keep_their_history_and_take_no_stock,
    the_catalogue_feed_numbers_writes_consecutively,
    read_then_write_transactions_land_while_others_commit,
    product_images_keep_the_url_list_in_step,
    sales_rollups_follow_imports_moves_and_rebuilds,
);

/// A SQLite database whose write lock another process holds past the busy timeout is
/// unavailable for now (the API answers 503 with Retry-After), not a failure of the request.
#[tokio::test]
async fn a_sqlite_write_lock_held_past_the_busy_timeout_is_unavailable() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let mut config = beeget_tests::test_config(&db.url, Path::new("unused"));
    config.database.sqlite_busy_timeout_ms = 200;
    let conn = sea::connect(&config.database).await.expect("connect");
    sea::migrate(&conn).await.expect("migrate");
    let cipher = std::sync::Arc::new(beeget_api::crypto::FieldCipher::from_config(&config.encryption));
    let repos = sea::repos(conn, cipher);

    let holder = sea::connect(&config.database).await.expect("second connection");
    let held = sea_orm::TransactionTrait::begin(&holder).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&held, "UPDATE catalogue_version SET version = version WHERE id = 1")
        .await
        .unwrap();
    let refused = repos.products.record_changes(&[Uuid::now_v7()]).await;
    assert!(matches!(refused, Err(RepoError::Unavailable(_))), "{refused:?}");
    held.rollback().await.unwrap();
    repos.products.record_changes(&[Uuid::now_v7()]).await.unwrap();
    assert_eq!(repos.products.catalogue_version().await.unwrap(), 1);
}
