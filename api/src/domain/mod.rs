//! Validated value types and pure catalogue rules. Nothing here knows about HTTP or storage.

pub mod address;
pub mod audit;
pub mod catalogue;
pub mod category_tree;
pub mod checkout;
pub mod cms;
pub mod country;
pub mod email;
pub mod erasure;
pub mod inventory;
pub mod money;
pub mod order;
pub mod order_status;
pub mod pagination;
pub mod password_policy;
pub mod pricing;
pub mod product_edit;
pub mod product_image;
pub mod product_query;
pub mod promotion;
pub mod promotion_edit;
pub mod sales;
pub mod sales_rollup;
pub mod search;
pub mod shelf_price;
pub mod slug;
pub mod stock;
pub mod taxonomy;
pub mod text;
pub mod user;

/// A value that failed validation, with the field it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidField {
    pub field: String,
    pub message: String,
}

impl InvalidField {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem on a field nested in `parent`: `zip` within `shippingAddress` is
    /// `shippingAddress.zip`.
    pub fn within(self, parent: &str) -> Self {
        Self {
            field: format!("{parent}.{}", self.field),
            message: self.message,
        }
    }
}
