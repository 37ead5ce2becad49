//! Deterministic extra products for benchmarks: the same `n` always yields the same catalogue.

use chrono::{Duration, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};

use crate::{
    domain::{
        catalogue::{NewProduct, NewVariant},
        category_tree::CategoryTree,
        money::Money,
    },
    repos::Repos,
};

const ADJECTIVES: &[&str] = &[
    "Relaxed",
    "Tailored",
    "Cropped",
    "Oversized",
    "Slim",
    "Wide-Leg",
    "Pleated",
    "Belted",
    "Ribbed",
    "Quilted",
    "Washed",
    "Brushed",
    "Textured",
    "Classic",
    "Everyday",
    "Soft",
    "Structured",
    "Draped",
];
const MATERIALS: &[&str] = &[
    "Linen", "Cotton", "Merino", "Cashmere", "Denim", "Silk", "Wool", "Jersey", "Corduroy", "Leather", "Twill",
    "Poplin", "Tencel", "Fleece",
];
const GARMENTS: &[&str] = &[
    "Dress",
    "Shirt",
    "Tee",
    "Blazer",
    "Trousers",
    "Skirt",
    "Cardigan",
    "Jumper",
    "Coat",
    "Jacket",
    "Shorts",
    "Jumpsuit",
    "Hoodie",
    "Overshirt",
];
const COLORS: &[&str] = &[
    "Black", "Ivory", "Navy", "Sage", "Camel", "Rust", "Stone", "Olive", "Charcoal", "Blush",
];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL"];
const TAGS: &[&str] = &[
    "summer", "winter", "workwear", "weekend", "organic", "recycled", "layering", "evening",
];

/// Products generated and inserted per transaction.
const BATCH: usize = 1_000;

/// Adds the `n` synthetic products (`synthetic-00001-…`) that are not there yet (one already
/// seeded is left as it is), spread over the visible leaf categories, in batches of multi-row
/// inserts.
pub async fn load(repos: &Repos, n: usize, images: &[String], show_progress: bool) -> anyhow::Result<usize> {
    if images.is_empty() {
        anyhow::bail!("synthetic products need at least one product image in the media folder");
    }
    let categories = repos.categories.list_all().await?;
    let tree = CategoryTree::new(&categories);
    let leaves: Vec<_> = categories
        .iter()
        .filter(|c| tree.is_visible(c.id) && !categories.iter().any(|k| k.parent_id == Some(c.id)))
        .map(|c| c.id)
        .collect();
    let collections: Vec<_> = repos
        .collections
        .list_all()
        .await?
        .into_iter()
        .filter(|c| c.active)
        .map(|c| c.id)
        .collect();

    let progress = if show_progress {
        ProgressBar::new(n as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} products ({per_sec}, eta {eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    let mut rng = StdRng::seed_from_u64(0xBEE9E7);
    let epoch = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid date");
    let mut batch = Vec::with_capacity(BATCH.min(n));
    let mut inserted = 0;
    for i in 1..=n {
        let adjective = *ADJECTIVES.choose(&mut rng).expect("non-empty");
        let material = *MATERIALS.choose(&mut rng).expect("non-empty");
        let garment = *GARMENTS.choose(&mut rng).expect("non-empty");
        let title = format!("{adjective} {material} {garment} No. {i}");
        let slug = format!(
            "synthetic-{i:05}-{}",
            title.to_lowercase().replace(['.', ' '], "-").replace("--", "-")
        );
        let price_minor = rng.random_range(15..=300) * 100 - 1;
        let price = Money::from_minor("price", price_minor)?;
        let sale_price = rng
            .random_bool(0.2)
            .then(|| Money::from_minor("salePrice", price_minor * 7 / 10))
            .transpose()?;
        let color_count = rng.random_range(1..=2);
        let colors: Vec<&str> = COLORS.choose_multiple(&mut rng, color_count).copied().collect();
        let variants = colors
            .iter()
            .flat_map(|color| SIZES.iter().map(move |size| (*color, *size)))
            .map(|(color, size)| NewVariant {
                sku: format!("SYN-{i:05}-{}-{size}", color.to_uppercase()),
                size: size.to_owned(),
                color: color.to_owned(),
                price: None,
                inventory_count: if rng.random_bool(0.15) {
                    0
                } else {
                    rng.random_range(1..=40)
                },
            })
            .collect();
        let tag = TAGS.choose(&mut rng).expect("non-empty");
        batch.push(NewProduct {
            description: format!(
                "A {} {} {} in {}, cut for {} wear. Part of Beeget's benchmark range.",
                adjective.to_lowercase(),
                material.to_lowercase(),
                garment.to_lowercase(),
                colors.join(" and ").to_lowercase(),
                tag
            ),
            title,
            slug,
            images: vec![images[i % images.len()].clone()],
            status: crate::domain::catalogue::ProductStatus::Active,
            price,
            sale_price,
            tags: vec![material.to_lowercase(), garment.to_lowercase(), (*tag).to_owned()],
            variants,
            category_ids: leaves.choose(&mut rng).into_iter().copied().collect(),
            collection_ids: collections.choose(&mut rng).into_iter().copied().collect(),
            created_at: epoch + Duration::minutes(i as i64),
        });
        if batch.len() == BATCH || i == n {
            let generated = batch.len() as u64;
            inserted += repos.products.insert_new(std::mem::take(&mut batch)).await?;
            progress.inc(generated);
        }
    }
    progress.finish_and_clear();
    Ok(inserted as usize)
}
