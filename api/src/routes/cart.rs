use std::sync::Arc;

use poem::web::Data;

use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, AppState, parse_id, security::BearerAuth};
use crate::{
    http::problem::operation_errors,
    services::cart::{CartLineView, CartView, LineProblem},
};

pub struct CartApi;

operation_errors!(
    /// Errors of `getCart` and `removePromoCode`.
    pub enum CartReadError {
        Unauthorized,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `addToCart` and `updateCartItem`: 404 for an unknown product, variant or
    /// line, 409 `insufficient_stock` with the count left.
    pub enum CartLineError {
        BadRequest,
        Unauthorized,
        NotFound,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `removeCartItem`.
    pub enum RemoveCartItemError {
        Unauthorized,
        NotFound,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `applyPromoCode`: 422 on `code` says why a code does not apply.
    pub enum ApplyPromoCodeError {
        BadRequest,
        Unauthorized,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

#[derive(Object, Debug)]
#[oai(rename = "CartLineProduct", rename_all = "camelCase")]
pub struct CartProduct {
    pub id: String,
    pub title: String,
    pub slug: String,
    #[oai(skip_serializing_if_is_none)]
    pub image: Option<String>,
}

#[derive(Object, Debug)]
#[oai(rename = "CartLineVariant", rename_all = "camelCase")]
pub struct CartVariant {
    pub id: String,
    pub sku: String,
    pub size: String,
    pub color: String,
}

/// One line. A line that cannot be bought as it stands (`problem`) stays in the cart, shown
/// with its price, and is left out of the totals.
#[derive(Object, Debug)]
#[oai(rename = "CartLine", rename_all = "camelCase")]
pub struct CartLineDto {
    pub id: String,
    /// Missing when the product was removed from the store.
    #[oai(skip_serializing_if_is_none)]
    pub product: Option<CartProduct>,
    #[oai(skip_serializing_if_is_none)]
    pub variant: Option<CartVariant>,
    pub qty: u32,
    /// Minor units, after the sale price.
    pub unit_price: i64,
    pub discount: i64,
    pub line_total: i64,
    /// `unavailable` (product or variant gone), `out_of_stock`, `insufficient_stock`.
    #[oai(skip_serializing_if_is_none)]
    pub problem: Option<String>,
    /// With `insufficient_stock`: how many can be bought.
    #[oai(skip_serializing_if_is_none)]
    pub available_qty: Option<u32>,
}

/// The signed-in shopper's cart, priced. Money in minor units of `currency`.
#[derive(Object, Debug)]
#[oai(rename = "Cart", rename_all = "camelCase")]
pub struct CartDto {
    pub items: Vec<CartLineDto>,
    #[oai(skip_serializing_if_is_none)]
    pub promo_code: Option<String>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub shipping_estimate: i64,
    pub total: i64,
    pub currency: String,
}

fn line(l: CartLineView) -> CartLineDto {
    let (problem, available_qty) = match l.problem {
        None => (None, None),
        Some(LineProblem::Unavailable) => (Some("unavailable"), None),
        Some(LineProblem::OutOfStock) => (Some("out_of_stock"), Some(0)),
        Some(LineProblem::InsufficientStock { available }) => (Some("insufficient_stock"), Some(available)),
    };
    let priced = l.priced.as_ref();
    CartLineDto {
        id: l.id.to_string(),
        product: l.product.map(|p| CartProduct {
            id: p.id.to_string(),
            image: p.images.first().cloned(),
            title: p.title,
            slug: p.slug,
        }),
        variant: l.variant.map(|v| CartVariant {
            id: v.id.to_string(),
            sku: v.sku,
            size: v.size,
            color: v.color,
        }),
        qty: l.quantity,
        unit_price: priced.map_or(0, |p| p.unit_price),
        discount: priced.map_or(0, |p| p.discount),
        line_total: priced.map_or(0, |p| p.total),
        problem: problem.map(str::to_owned),
        available_qty,
    }
}

impl From<CartView> for CartDto {
    fn from(c: CartView) -> Self {
        Self {
            items: c.lines.into_iter().map(line).collect(),
            promo_code: c.promo_code,
            subtotal: c.totals.subtotal,
            discount_total: c.totals.discount,
            shipping_estimate: c.totals.shipping,
            total: c.totals.total,
            currency: c.currency.to_string(),
        }
    }
}

#[derive(Object, Debug)]
#[oai(rename = "NewCartLine", rename_all = "camelCase", deny_unknown_fields)]
pub struct AddToCart {
    pub product_id: String,
    /// Required when the product comes in more than one variant.
    #[oai(nullable)]
    pub variant_id: Option<String>,
    /// 1 to 99; added to the line when the variant is already in the cart.
    pub qty: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "CartLinePatch", rename_all = "camelCase", deny_unknown_fields)]
pub struct SetQuantity {
    /// 1 to 99.
    pub qty: i64,
}

#[derive(Object, Debug)]
#[oai(rename = "ApplyPromoCodeRequest", rename_all = "camelCase", deny_unknown_fields)]
pub struct PromoCode {
    pub code: String,
}

#[OpenApi(tag = "ApiTags::Cart")]
impl CartApi {
    /// The cart
    #[oai(path = "/cart", method = "get", operation_id = "getCart")]
    async fn get(&self, state: Data<&Arc<AppState>>, auth: BearerAuth) -> Result<Json<CartDto>, CartReadError> {
        let who = auth.principal(&state).await?;
        Ok(Json(state.cart.view(who.user_id).await?.into()))
    }

    /// Add to the cart
    #[oai(path = "/cart", method = "post", operation_id = "addToCart")]
    async fn add(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<AddToCart>,
    ) -> Result<Json<CartDto>, CartLineError> {
        let who = auth.principal(&state).await?;
        let product = parse_id(&body.0.product_id, "product")?;
        let variant = body
            .0
            .variant_id
            .as_deref()
            .map(|v| parse_id(v, "variant"))
            .transpose()?;
        let cart = state.cart.add(who.user_id, product, variant, body.0.qty).await?;
        Ok(Json(cart.into()))
    }

    /// Change a line's quantity
    #[oai(path = "/cart/:itemId", method = "patch", operation_id = "updateCartItem")]
    async fn set_quantity(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        #[oai(name = "itemId")] item_id: Path<String>,
        body: Json<SetQuantity>,
    ) -> Result<Json<CartDto>, CartLineError> {
        let who = auth.principal(&state).await?;
        let line = parse_id(&item_id.0, "cart line")?;
        Ok(Json(
            state.cart.set_quantity(who.user_id, line, body.0.qty).await?.into(),
        ))
    }

    /// Remove a line
    #[oai(path = "/cart/:itemId", method = "delete", operation_id = "removeCartItem")]
    async fn remove(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        #[oai(name = "itemId")] item_id: Path<String>,
    ) -> Result<Json<CartDto>, RemoveCartItemError> {
        let who = auth.principal(&state).await?;
        let line = parse_id(&item_id.0, "cart line")?;
        Ok(Json(state.cart.remove(who.user_id, line).await?.into()))
    }

    /// Apply a promotion code
    #[oai(path = "/cart/promo-code", method = "put", operation_id = "applyPromoCode")]
    async fn apply_code(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<PromoCode>,
    ) -> Result<Json<CartDto>, ApplyPromoCodeError> {
        let who = auth.principal(&state).await?;
        Ok(Json(
            state.cart.apply_code(who.user_id, &body.0.code, "code").await?.into(),
        ))
    }

    /// Remove the promotion code
    #[oai(path = "/cart/promo-code", method = "delete", operation_id = "removePromoCode")]
    async fn clear_code(&self, state: Data<&Arc<AppState>>, auth: BearerAuth) -> Result<Json<CartDto>, CartReadError> {
        let who = auth.principal(&state).await?;
        Ok(Json(state.cart.clear_code(who.user_id).await?.into()))
    }
}
