//! Loads the demo catalogue from `seeds/` through the repositories. Idempotent: every record is
//! matched by slug (variants by SKU), so running it twice changes nothing but `updatedAt`.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use anyhow::{Context, bail};
use chrono::{Duration, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    domain::{
        catalogue::{DiscountType, NewCategory, NewCollection, NewProduct, NewPromotion, NewVariant, PromotionScope},
        cms::{self, DraftBlock, NewCmsPage},
        money::Money,
        slug::Slug,
    },
    repos::Repos,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedCategory {
    slug: String,
    name: String,
    description: Option<String>,
    image: Option<String>,
    order: i32,
    active: bool,
    #[serde(default)]
    children: Vec<SeedCategory>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedCollection {
    slug: String,
    name: String,
    description: Option<String>,
    image: Option<String>,
    order: i32,
    active: bool,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
enum SeedScope {
    All,
    Category { slug: String },
    Collection { slug: String },
    Product { slug: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedPromotion {
    slug: String,
    name: String,
    description: Option<String>,
    image: Option<String>,
    order: i32,
    active: bool,
    discount_type: String,
    discount_value: i64,
    start_offset_days: i64,
    end_offset_days: i64,
    code: Option<String>,
    scope: SeedScope,
    #[serde(default)]
    stackable: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedVariant {
    sku: String,
    size: String,
    color: String,
    price: Option<i64>,
    inventory_count: i32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedProduct {
    slug: String,
    title: String,
    description: String,
    price: i64,
    sale_price: Option<i64>,
    tags: Vec<String>,
    images: Vec<String>,
    categories: Vec<String>,
    collections: Vec<String>,
    variants: Vec<SeedVariant>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedPage {
    slug: String,
    title: String,
    published: bool,
    content_blocks: Vec<DraftBlock>,
}

/// What a seed run loaded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub categories: usize,
    pub collections: usize,
    pub promotions: usize,
    pub products: usize,
    pub pages: usize,
    pub images: usize,
}

pub struct SeedSource {
    pub dir: PathBuf,
    pub media_dir: PathBuf,
    pub media_url_prefix: String,
}

impl SeedSource {
    fn read<T: serde::de::DeserializeOwned>(&self, name: &str) -> anyhow::Result<T> {
        let path = self.dir.join(name);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    fn media_url(&self, key: &str) -> String {
        format!("{}/{}", self.media_url_prefix, key.trim_start_matches('/'))
    }
}

pub async fn load(repos: &Repos, source: &SeedSource) -> anyhow::Result<SeedReport> {
    let mut report = SeedReport {
        images: copy_images(&source.dir.join("images"), &source.media_dir)?,
        ..Default::default()
    };

    let roots: Vec<SeedCategory> = source.read("categories.json")?;
    let mut category_ids = HashMap::new();
    let mut stack: Vec<(Option<Uuid>, SeedCategory)> = roots.into_iter().rev().map(|c| (None, c)).collect();
    while let Some((parent_id, c)) = stack.pop() {
        Slug::parse("category.slug", &c.slug)?;
        let id = repos
            .categories
            .upsert(NewCategory {
                parent_id,
                name: c.name,
                slug: c.slug.clone(),
                description: c.description,
                image: c.image.as_deref().map(|k| source.media_url(k)),
                active: c.active,
                position: c.order,
            })
            .await?;
        category_ids.insert(c.slug, id);
        stack.extend(c.children.into_iter().rev().map(|child| (Some(id), child)));
        report.categories += 1;
    }

    let collections: Vec<SeedCollection> = source.read("collections.json")?;
    let mut collection_ids = HashMap::new();
    for c in collections {
        Slug::parse("collection.slug", &c.slug)?;
        let id = repos
            .collections
            .upsert(NewCollection {
                name: c.name,
                slug: c.slug.clone(),
                description: c.description,
                image: c.image.as_deref().map(|k| source.media_url(k)),
                active: c.active,
                position: c.order,
            })
            .await?;
        collection_ids.insert(c.slug, id);
        report.collections += 1;
    }

    let now = Utc::now();
    let products: Vec<SeedProduct> = source.read("products.json")?;
    let mut product_ids = HashMap::new();
    for (index, p) in products.into_iter().enumerate() {
        let product = to_new_product(p, index, now, source, &category_ids, &collection_ids)?;
        let slug = product.slug.clone();
        product_ids.insert(slug, repos.products.upsert(product).await?);
        report.products += 1;
    }

    let promotions: Vec<SeedPromotion> = source.read("promotions.json")?;
    for p in promotions {
        Slug::parse("promotion.slug", &p.slug)?;
        let scope = match &p.scope {
            SeedScope::All => PromotionScope::All,
            SeedScope::Category { slug } => PromotionScope::Category(lookup(&category_ids, slug, &p.slug)?),
            SeedScope::Collection { slug } => PromotionScope::Collection(lookup(&collection_ids, slug, &p.slug)?),
            SeedScope::Product { slug } => PromotionScope::Product(lookup(&product_ids, slug, &p.slug)?),
        };
        let Some(discount_type) = DiscountType::parse(&p.discount_type) else {
            bail!("promotion {}: discountType must be percent or fixed", p.slug);
        };
        if p.discount_value <= 0 || (discount_type == DiscountType::Percent && p.discount_value > 100) {
            bail!("promotion {}: discountValue out of range", p.slug);
        }
        if p.start_offset_days >= p.end_offset_days {
            bail!("promotion {}: must start before it ends", p.slug);
        }
        repos
            .promotions
            .upsert(NewPromotion {
                name: p.name,
                slug: p.slug,
                description: p.description,
                image: p.image.as_deref().map(|k| source.media_url(k)),
                active: p.active,
                position: p.order,
                discount_type,
                discount_value: p.discount_value,
                start_date: now + Duration::days(p.start_offset_days),
                end_date: now + Duration::days(p.end_offset_days),
                code: p.code,
                scope,
                stackable: p.stackable,
            })
            .await?;
        report.promotions += 1;
    }

    let pages_dir = source.dir.join("pages");
    let mut page_files: Vec<PathBuf> = std::fs::read_dir(&pages_dir)
        .with_context(|| format!("reading {}", pages_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    page_files.sort();
    for path in page_files {
        let name = path
            .strip_prefix(&source.dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        let page: SeedPage = source.read(&name)?;
        Slug::parse("page.slug", &page.slug)?;
        // An image named by its key in the shipped images is served from the media folder.
        let drafts = page
            .content_blocks
            .into_iter()
            .map(|block| match block {
                DraftBlock::Image { url, alt, caption } if !cms::is_link(&url) => DraftBlock::Image {
                    url: source.media_url(&url),
                    alt,
                    caption,
                },
                other => other,
            })
            .collect();
        let blocks = cms::check_blocks(drafts).map_err(|errors| {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("{name}: {}", listed.join("; "))
        })?;
        repos
            .pages
            .upsert(NewCmsPage {
                slug: page.slug,
                title: page.title,
                blocks,
                published: page.published,
            })
            .await?;
        report.pages += 1;
    }
    Ok(report)
}

fn lookup(ids: &HashMap<String, Uuid>, slug: &str, owner: &str) -> anyhow::Result<Uuid> {
    ids.get(slug)
        .copied()
        .with_context(|| format!("{owner}: unknown slug {slug}"))
}

fn to_new_product(
    p: SeedProduct,
    index: usize,
    now: chrono::DateTime<Utc>,
    source: &SeedSource,
    category_ids: &HashMap<String, Uuid>,
    collection_ids: &HashMap<String, Uuid>,
) -> anyhow::Result<NewProduct> {
    let context = || format!("product {}", p.slug);
    Slug::parse("slug", &p.slug).with_context(context)?;
    let price = Money::from_minor("price", p.price).with_context(context)?;
    let sale_price = p
        .sale_price
        .map(|s| Money::from_minor("salePrice", s))
        .transpose()
        .with_context(context)?;
    if sale_price.is_some_and(|s| s >= price) {
        bail!("product {}: salePrice must be below price", p.slug);
    }
    if p.variants.is_empty() {
        bail!("product {}: needs at least one variant", p.slug);
    }
    let variants = p
        .variants
        .into_iter()
        .map(|v| {
            if v.inventory_count < 0 {
                bail!("variant {}: inventoryCount must not be negative", v.sku);
            }
            Ok(NewVariant {
                price: v.price.map(|m| Money::from_minor("price", m)).transpose()?,
                sku: v.sku,
                size: v.size,
                color: v.color,
                inventory_count: v.inventory_count,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(NewProduct {
        category_ids: p
            .categories
            .iter()
            .map(|s| lookup(category_ids, s, &p.slug))
            .collect::<anyhow::Result<_>>()?,
        collection_ids: p
            .collections
            .iter()
            .map(|s| lookup(collection_ids, s, &p.slug))
            .collect::<anyhow::Result<_>>()?,
        images: p.images.iter().map(|k| source.media_url(k)).collect(),
        tags: p.tags.into_iter().map(|t| t.to_lowercase()).collect(),
        status: crate::domain::catalogue::ProductStatus::Active,
        title: p.title,
        slug: p.slug,
        description: p.description,
        price,
        sale_price,
        variants,
        // Earlier entries in the file count as newer, so "newest" shows the file's order.
        created_at: now - Duration::minutes(index as i64),
    })
}

/// Copies the shipped images into the media folder, keeping their relative paths.
fn copy_images(from: &Path, to: &Path) -> anyhow::Result<usize> {
    if !from.is_dir() {
        return Ok(0);
    }
    let mut copied = 0;
    let mut pending = vec![from.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let target = to.join(path.strip_prefix(from)?);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
            }
            std::fs::copy(&path, &target).with_context(|| format!("copying {}", path.display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}
