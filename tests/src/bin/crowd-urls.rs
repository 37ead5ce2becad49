//! Writes the distinct catalogue URLs a shopper crowd requests, read from a running store, for
//! `scripts/bench.sh` to replay with wrk (`scripts/wrk-crowd.lua`).
//!
//! `crowd-urls BASE_URL COUNT OUT_FILE [SEED]`
//!
//! The mix: 30 % list pages at a random depth and sort, 20 % category pages (a random
//! category, sort and one of its first pages), 15 % one- and two-word searches from product
//! titles, 25 % product pages, 10 % collection pages filtered by a price range and `inStock`.
//! Every URL is distinct, so a response cache cannot serve the crowd; the same seed gives the
//! same file for the same catalogue.

use std::{collections::HashSet, io::Write};

use anyhow::{Context, bail};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde_json::Value;

const SORTS: [&str; 4] = ["newest", "price_asc", "price_desc", "title_asc"];
const PAGE_SIZE: u64 = 24;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (base, count, out, seed) = match args.as_slice() {
        [base, count, out] => (base, count.parse::<usize>()?, out, 7),
        [base, count, out, seed] => (base, count.parse::<usize>()?, out, seed.parse()?),
        _ => bail!("usage: crowd-urls BASE_URL COUNT OUT_FILE [SEED]"),
    };
    beeget_api::tls::install_crypto_provider();
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move {
            let resp = client.get(&url).send().await.with_context(|| url.clone())?;
            anyhow::ensure!(resp.status().is_success(), "{url}: {}", resp.status());
            Ok::<Value, anyhow::Error>(resp.json().await?)
        }
    };

    let mut categories = Vec::new();
    let mut stack: Vec<Value> = get("/categories".into()).await?.as_array().cloned().unwrap_or_default();
    while let Some(node) = stack.pop() {
        categories.push(node["slug"].as_str().unwrap_or_default().to_owned());
        stack.extend(node["children"].as_array().cloned().unwrap_or_default());
    }
    let collections: Vec<String> = get("/collections".into())
        .await?
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["slug"].as_str().map(str::to_owned))
        .collect();
    let total = get("/products?limit=1".into()).await?["total"].as_u64().unwrap_or(0);
    if total == 0 || categories.is_empty() || collections.is_empty() {
        bail!("the store needs products, categories and collections");
    }

    // Product slugs and title words from a sample of list pages across the catalogue.
    let mut rng = StdRng::seed_from_u64(seed);
    let pages = total.div_ceil(100).min(10_000);
    let mut slugs = Vec::new();
    let mut words = HashSet::new();
    for _ in 0..pages.min(200) {
        let page = rng.random_range(1..=pages);
        let body = get(format!("/products?limit=100&page={page}")).await?;
        for item in body["items"].as_array().cloned().unwrap_or_default() {
            slugs.push(item["slug"].as_str().unwrap_or_default().to_owned());
            for word in item["title"].as_str().unwrap_or_default().split_whitespace() {
                let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
                if word.len() >= 3 {
                    words.insert(word.to_lowercase());
                }
            }
        }
    }
    let words: Vec<String> = words.into_iter().collect();
    // The API serves pages up to 10,000 (`page`'s declared maximum).
    let list_pages = total.div_ceil(PAGE_SIZE).min(10_000);

    let mut urls = HashSet::new();
    let mut ordered = Vec::new();
    let mut attempts = 0;
    while ordered.len() < count {
        attempts += 1;
        if attempts > count * 50 {
            bail!("only {} distinct URLs in this catalogue", ordered.len());
        }
        let sort = *SORTS.choose(&mut rng).unwrap();
        let roll = rng.random_range(0..100);
        let url = if roll < 30 {
            let page = rng.random_range(1..=list_pages);
            format!("/products?sort={sort}&page={page}&limit={PAGE_SIZE}")
        } else if roll < 50 {
            let category = categories.choose(&mut rng).unwrap();
            let page = rng.random_range(1..=5);
            format!("/products?category={category}&sort={sort}&page={page}&limit={PAGE_SIZE}")
        } else if roll < 65 {
            let first = words.choose(&mut rng).unwrap();
            let search = if rng.random_bool(0.5) {
                format!("{first}+{}", words.choose(&mut rng).unwrap())
            } else {
                first.clone()
            };
            let page = rng.random_range(1..=3);
            format!("/products?search={search}&page={page}&limit={PAGE_SIZE}")
        } else if roll < 90 {
            format!("/products/{}", slugs.choose(&mut rng).unwrap())
        } else {
            let collection = collections.choose(&mut rng).unwrap();
            let low = rng.random_range(0..100) * 100;
            let high = low + rng.random_range(10..150) * 100;
            format!(
                "/products?collection={collection}&minPrice={low}&maxPrice={high}&inStock=true&sort={sort}&limit={PAGE_SIZE}"
            )
        };
        if urls.insert(url.clone()) {
            ordered.push(url);
        }
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).with_context(|| out.clone())?);
    for url in &ordered {
        writeln!(file, "{url}")?;
    }
    file.flush()?;
    eprintln!("{} distinct URLs over {total} products written to {out}", ordered.len());
    Ok(())
}
