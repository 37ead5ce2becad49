//! Products in the fake: listed (searched by title), read, created, deleted, given variants,
//! and their stock adjusted (never below zero).

use beeget_client::types;
use serde_json::json;

use super::{AT, State, from, not_found, page, problem, unanswered};
use crate::api::{Failure, Reply, Request};

pub(super) fn product(n: u32, title: &str, price: i64, stock: i64) -> types::AdminProduct {
    from(json!({
        "id": format!("prod-{n}"), "title": title, "slug": title.to_lowercase().replace(' ', "-"),
        "description": format!("{title}, from the demo catalogue."), "price": price, "currency": "EUR",
        "status": "active", "tags": ["summer"], "categoryIds": ["cat-1"], "collectionIds": [], "images": [],
        "inventoryCount": stock,
        "variants": [{"id": format!("var-{n}"), "sku": format!("SKU-{n}-M"), "size": "M", "color": "Sand", "inventoryCount": stock}],
        "createdAt": AT, "updatedAt": AT
    }))
}

impl State {
    /// Products, their variants and stock, with the API's checks (a slug in use, stock below
    /// zero).
    pub(super) fn products(&mut self, request: Request) -> Result<Reply, Failure> {
        use Request as R;
        Ok(match request {
            R::Products(q) => {
                let items = self
                    .products
                    .iter()
                    .filter(|p| {
                        q.search
                            .as_deref()
                            .is_none_or(|s| p.title.to_lowercase().contains(&s.to_lowercase()))
                    })
                    .map(|p| serde_json::to_value(p).expect("product as JSON"))
                    .collect();
                Reply::Products(from(page(items, q.paging.page, q.paging.limit)))
            }
            R::Product(id) => Reply::Product(
                self.products
                    .iter()
                    .find(|p| p.id == id)
                    .cloned()
                    .ok_or_else(not_found)?,
            ),
            R::CreateProduct(body) => {
                if self.products.iter().any(|p| p.title == body.title.to_string()) {
                    return Err(problem(
                        422,
                        "validation_failed",
                        "the product could not be saved",
                        json!([{"field": "slug", "message": "already used by another product"}]),
                    ));
                }
                let n = self.products.len() as u32 + 1;
                let mut created =
                    serde_json::to_value(product(n, &body.title.to_string(), body.price, 0)).expect("json");
                created["variants"] = json!([]);
                created["status"] = json!(body.status.map_or("draft".to_owned(), |s| s.to_string()));
                let created: types::AdminProduct = from(created);
                self.products.push(created.clone());
                Reply::Product(created)
            }
            R::UpdateProduct { id, patch } => {
                let product = product_mut(&mut self.products, &id)?;
                *product = patched(&*product, &patch);
                Reply::Product(product.clone())
            }
            R::CreateVariant { product_id, variant } => {
                let product = product_mut(&mut self.products, &product_id)?;
                let created: types::AdminVariant = from(json!({
                    "id": format!("{product_id}-var-{}", product.variants.len() + 1), "sku": variant.sku.to_string(),
                    "size": variant.size.to_string(), "color": variant.color.to_string(), "inventoryCount": variant.inventory_count
                }));
                product.variants.push(created.clone());
                product.inventory_count += variant.inventory_count;
                Reply::Variant(created)
            }
            R::AdjustStock {
                product_id,
                variant_id,
                adjustment,
            } => {
                let product = product_mut(&mut self.products, &product_id)?;
                let variant = variant_mut(product, &variant_id)?;
                let after = i64::from(variant.inventory_count) + adjustment.delta;
                if after < 0 {
                    return Err(problem(
                        422,
                        "validation_failed",
                        "stock cannot go below zero",
                        json!([{"field": "delta", "message": "would take the stock below zero"}]),
                    ));
                }
                variant.inventory_count = after as i32;
                product.inventory_count += adjustment.delta;
                Reply::StockMovement(from(json!({
                    "id": "mov-1", "variantId": variant_id, "delta": adjustment.delta, "reason": adjustment.reason.to_string(),
                    "stockAfter": after, "at": AT
                })))
            }
            R::UpdateVariant {
                product_id,
                variant_id,
                patch,
            } => {
                let product = product_mut(&mut self.products, &product_id)?;
                let variant = variant_mut(product, &variant_id)?;
                *variant = patched(&*variant, &patch);
                Reply::Variant(variant.clone())
            }
            R::DeleteVariant { product_id, variant_id } => {
                let product = product_mut(&mut self.products, &product_id)?;
                let at = product
                    .variants
                    .iter()
                    .position(|v| v.id == variant_id)
                    .ok_or_else(not_found)?;
                let gone = product.variants.remove(at);
                product.inventory_count -= i64::from(gone.inventory_count);
                Reply::Done
            }
            R::UploadImage { product_id, path } => {
                if !path.ends_with(".png") && !path.ends_with(".jpg") {
                    return Err(problem(
                        422,
                        "validation_failed",
                        "the image could not be stored",
                        json!([{"field": "file", "message": "not a PNG, JPEG, WebP or AVIF image"}]),
                    ));
                }
                self.products
                    .iter()
                    .find(|p| p.id == product_id)
                    .ok_or_else(not_found)?;
                Reply::Image(from(json!({
                    "id": "img-1", "url": "/media/products/img-1.png", "position": 0, "contentType": "image/png",
                    "width": 800, "height": 1000, "bytes": 48213, "createdAt": AT
                })))
            }
            R::DeleteProduct(_) => Reply::Done,
            other => return Err(unanswered("the fake's products", &other)),
        })
    }
}

/// The product with this id, to change.
fn product_mut<'a>(products: &'a mut [types::AdminProduct], id: &str) -> Result<&'a mut types::AdminProduct, Failure> {
    products.iter_mut().find(|p| p.id == id).ok_or_else(not_found)
}

/// The product's variant with this id, to change.
fn variant_mut<'a>(product: &'a mut types::AdminProduct, id: &str) -> Result<&'a mut types::AdminVariant, Failure> {
    product.variants.iter_mut().find(|v| v.id == id).ok_or_else(not_found)
}

/// `current` with every field the patch names replaced, as the API applies a patch.
fn patched<T: serde::Serialize + serde::de::DeserializeOwned>(current: &T, patch: &impl serde::Serialize) -> T {
    let mut value = serde_json::to_value(current).expect("record as JSON");
    if let serde_json::Value::Object(changes) = serde_json::to_value(patch).expect("patch as JSON") {
        for (field, change) in changes {
            value[field] = change;
        }
    }
    from(value)
}
