//! The products screen's forms: a product (new or changed), a variant (new or changed), a
//! stock adjustment, an image file to upload; each filled in on opening and sent as its
//! request.

use beeget_client::types;
use serde_json::{Value, json};

use super::ProductsScreen;
use crate::action::Purpose;
use crate::api::{Request, body};
use crate::context::Ctx;
use crate::money;
use crate::widgets::form::{Field, FieldKind, Form};

/// Which form is open, and for what.
pub(super) enum Editing {
    NewProduct,
    EditProduct(String),
    NewVariant(String),
    Stock { product_id: String, variant_id: String },
    EditVariant { product_id: String, variant_id: String },
    Image(String),
}

impl ProductsScreen {
    fn product_form(&self, title: &str, p: Option<&types::AdminProduct>) -> Form {
        let statuses = ["draft", "active", "archived"].map(String::from).to_vec();
        let categories = self.categories.iter().map(|c| (c.id.clone(), c.name.clone())).collect();
        let collections = self
            .collections
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        let currency = p.map_or("EUR", |p| p.currency.as_str()).to_owned();
        let ids = |v: &[String]| v.to_vec();
        let (cat_ids, col_ids) = p.map_or((Vec::new(), Vec::new()), |p| {
            (ids(&p.category_ids), ids(&p.collection_ids))
        });
        let cat_refs: Vec<&str> = cat_ids.iter().map(String::as_str).collect();
        let col_refs: Vec<&str> = col_ids.iter().map(String::as_str).collect();
        Form::new(
            title,
            vec![
                Field::new("title", "Title", FieldKind::Text)
                    .required()
                    .value(p.map_or("", |p| p.title.as_str())),
                Field::new("description", "Description", FieldKind::Multiline)
                    .value(p.map_or("", |p| p.description.as_str())),
                Field::new(
                    "price",
                    "Price",
                    FieldKind::Money {
                        currency: currency.clone(),
                    },
                )
                .required()
                .value(&p.map(|p| money::format_plain(p.price)).unwrap_or_default()),
                Field::new("salePrice", "Sale price", FieldKind::Money { currency }).value(
                    &p.and_then(|p| p.sale_price)
                        .map(money::format_plain)
                        .unwrap_or_default(),
                ),
                Field::new("status", "Status", FieldKind::Choice { options: statuses })
                    .pick(&[&p.map_or("draft".to_owned(), |p| p.status.to_string())]),
                Field::new("tags", "Tags", FieldKind::Tags).value(&p.map(|p| p.tags.join(", ")).unwrap_or_default()),
                Field::new("categoryIds", "Categories", FieldKind::Multi { options: categories }).pick(&cat_refs),
                Field::new(
                    "collectionIds",
                    "Collections",
                    FieldKind::Multi { options: collections },
                )
                .pick(&col_refs),
            ],
        )
    }

    pub(super) fn open_form(&mut self, editing: Editing) {
        let form = match &editing {
            Editing::NewProduct => self.product_form("New product", None),
            Editing::EditProduct(_) => {
                let Some(p) = self.details.as_ref().or_else(|| self.items.get(self.list.cursor)) else {
                    return;
                };
                self.product_form(&format!("Edit {}", p.title), Some(p))
            }
            Editing::NewVariant(_) => Form::new(
                "New variant",
                vec![
                    Field::new("sku", "SKU", FieldKind::Text).required(),
                    Field::new("size", "Size", FieldKind::Text).required(),
                    Field::new("color", "Colour", FieldKind::Text).required(),
                    Field::new("inventoryCount", "Stock", FieldKind::Integer).value("0"),
                    Field::new("price", "Own price", FieldKind::Money { currency: "EUR".into() }),
                ],
            ),
            Editing::EditVariant { variant_id, .. } => {
                let Some(v) = self
                    .details
                    .as_ref()
                    .and_then(|p| p.variants.iter().find(|v| &v.id == variant_id))
                else {
                    return;
                };
                Form::new(
                    format!("Edit variant {}", v.sku),
                    vec![
                        Field::new("sku", "SKU", FieldKind::Text).required().value(&v.sku),
                        Field::new("size", "Size", FieldKind::Text).required().value(&v.size),
                        Field::new("color", "Colour", FieldKind::Text)
                            .required()
                            .value(&v.color),
                        Field::new("price", "Own price", FieldKind::Money { currency: "EUR".into() })
                            .value(&v.price.map(money::format_plain).unwrap_or_default()),
                    ],
                )
            }
            Editing::Image(_) => Form::new(
                "Upload an image (PNG, JPEG, WebP or AVIF)",
                vec![Field::new("file", "File path", FieldKind::Text).required()],
            ),
            Editing::Stock { variant_id, .. } => {
                let sku = self
                    .details
                    .as_ref()
                    .and_then(|p| p.variants.iter().find(|v| &v.id == variant_id))
                    .map(|v| format!("{} (now {})", v.sku, v.inventory_count))
                    .unwrap_or_default();
                Form::new(
                    format!("Adjust stock of {sku}"),
                    vec![
                        Field::new("delta", "Change (+/-)", FieldKind::Integer).required(),
                        Field::new("reason", "Reason", FieldKind::Text).required(),
                    ],
                )
            }
        };
        self.form = Some((editing, form));
    }

    /// Builds the request from the form; a value the API's schema refuses (too long, a
    /// control character) is shown on the form without a call.
    pub(super) fn submit(&mut self, ctx: &mut Ctx) {
        let Some((editing, form)) = &mut self.form else { return };
        let built: Result<Request, String> = match editing {
            Editing::NewProduct => body(product_fields(form)).map(Request::CreateProduct),
            Editing::EditProduct(id) => {
                body(product_fields(form)).map(|patch| Request::UpdateProduct { id: id.clone(), patch })
            }
            Editing::NewVariant(product_id) => body(json!({
                "sku": form.text("sku"), "size": form.text("size"), "color": form.text("color"),
                "inventoryCount": form.integer("inventoryCount").unwrap_or(0), "price": form.money("price"),
            }))
            .map(|variant| Request::CreateVariant {
                product_id: product_id.clone(),
                variant,
            }),
            Editing::EditVariant { product_id, variant_id } => body(json!({
                "sku": form.text("sku"), "size": form.text("size"), "color": form.text("color"), "price": form.money("price"),
            }))
            .map(|patch| Request::UpdateVariant {
                product_id: product_id.clone(),
                variant_id: variant_id.clone(),
                patch,
            }),
            Editing::Image(product_id) => Ok(Request::UploadImage {
                product_id: product_id.clone(),
                path: form.text("file").unwrap_or_default(),
            }),
            Editing::Stock { product_id, variant_id } => {
                body(json!({"delta": form.integer("delta"), "reason": form.text("reason")})).map(|adjustment| {
                    Request::AdjustStock {
                        product_id: product_id.clone(),
                        variant_id: variant_id.clone(),
                        adjustment,
                    }
                })
            }
        };
        match built {
            Ok(request) => {
                form.sending = true;
                let purpose = if matches!(editing, Editing::Stock { .. }) {
                    Purpose::Stock
                } else {
                    Purpose::Save
                };
                ctx.call(purpose, request);
            }
            Err(message) => form.message = Some(message),
        }
    }
}

/// The product form's fields as the API names them, for a new product and a change alike.
fn product_fields(form: &Form) -> Value {
    json!({
        "title": form.text("title"), "description": form.raw("description"), "price": form.money("price"),
        "salePrice": form.money("salePrice"), "status": form.choice("status"), "tags": form.tags("tags"),
        "categoryIds": form.chosen("categoryIds"), "collectionIds": form.chosen("collectionIds"),
    })
}
