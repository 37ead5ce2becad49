//! One sea-orm entity per table, mirroring the migrations column for column.
//! Only the storage layer uses these; services see the domain records.

pub mod addresses;
pub mod audit_log;
pub mod cart_items;
pub mod carts;
pub mod categories;
pub mod cms_pages;
pub mod collections;
pub mod contact_messages;
pub mod erasure_receipts;
pub mod job_outbox;
pub mod job_receipts;
pub mod order_events;
pub mod order_items;
pub mod orders;
pub mod payment_events;
pub mod product_categories;
pub mod product_collections;
pub mod product_images;
pub mod product_tags;
pub mod product_variants;
pub mod products;
pub mod promotions;
pub mod refresh_tokens;
pub mod revoked_access_tokens;
pub mod stock_movements;
pub mod user_tokens;
pub mod users;
