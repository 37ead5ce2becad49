//! The whole data model. Money is BIGINT minor units; ids are UUIDs (v7); timestamps are UTC.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261125_000001_initial_schema"
    }
}

const SCHEMA: &str = r#"
CREATE TABLE users (
    id {uuid} PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('user', 'admin')),
    email_verified_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_created_at_idx ON users (created_at);

CREATE TABLE addresses (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label text NOT NULL,
    line1 text NOT NULL,
    line2 text,
    city text NOT NULL,
    state text,
    zip text NOT NULL,
    country text NOT NULL,
    phone text,
    is_default boolean NOT NULL DEFAULT false,
    key_id text,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX addresses_user_id_idx ON addresses (user_id);

CREATE TABLE refresh_tokens (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id {uuid} NOT NULL,
    token_hash text NOT NULL,
    expires_at {ts} NOT NULL,
    revoked_at {ts},
    replaced_by {uuid},
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

CREATE TABLE user_tokens (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash text NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts},
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX user_tokens_token_hash_key ON user_tokens (token_hash);
CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id, purpose);

CREATE TABLE categories (
    id {uuid} PRIMARY KEY,
    parent_id {uuid} REFERENCES categories (id) ON DELETE RESTRICT,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    image text,
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);
CREATE INDEX categories_parent_id_idx ON categories (parent_id, position);

CREATE TABLE collections (
    id {uuid} PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    image text,
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX collections_slug_key ON collections (slug);
CREATE INDEX collections_active_position_idx ON collections (active, position);

CREATE TABLE promotions (
    id {uuid} PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    image text,
    active boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0,
    discount_type text NOT NULL CHECK (discount_type IN ('percent', 'fixed')),
    discount_value bigint NOT NULL CHECK (discount_value > 0),
    start_date {ts} NOT NULL,
    end_date {ts} NOT NULL,
    code text,
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'category', 'collection')),
    scope_category_id {uuid} REFERENCES categories (id) ON DELETE CASCADE,
    scope_collection_id {uuid} REFERENCES collections (id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX promotions_slug_key ON promotions (slug);
CREATE UNIQUE INDEX promotions_code_key ON promotions (code);
CREATE INDEX promotions_active_window_idx ON promotions (active, start_date, end_date);

CREATE TABLE products (
    {product_key},
    title text NOT NULL,
    slug text NOT NULL,
    description text NOT NULL,
    images {json} NOT NULL,
    price bigint NOT NULL CHECK (price >= 0),
    sale_price bigint CHECK (sale_price >= 0),
    effective_price bigint NOT NULL CHECK (effective_price >= 0),
    tags {json} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX products_slug_key ON products (slug);
CREATE INDEX products_created_at_idx ON products (created_at, id);
CREATE INDEX products_effective_price_idx ON products (effective_price);
CREATE INDEX products_title_idx ON products (title);

CREATE TABLE product_variants (
    id {uuid} PRIMARY KEY,
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku text NOT NULL,
    size text NOT NULL,
    color text NOT NULL,
    price bigint CHECK (price >= 0),
    inventory_count integer NOT NULL CHECK (inventory_count >= 0),
    position integer NOT NULL DEFAULT 0,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX product_variants_sku_key ON product_variants (sku);
CREATE INDEX product_variants_stock_idx ON product_variants (product_id, inventory_count);

CREATE TABLE product_categories (
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    category_id {uuid} NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, category_id)
);
CREATE INDEX product_categories_category_idx ON product_categories (category_id, product_id);

CREATE TABLE product_collections (
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    collection_id {uuid} NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    PRIMARY KEY (product_id, collection_id)
);
CREATE INDEX product_collections_collection_idx ON product_collections (collection_id, product_id);

CREATE TABLE product_tags (
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    tag text NOT NULL,
    PRIMARY KEY (product_id, tag)
);
CREATE INDEX product_tags_tag_idx ON product_tags (tag, product_id);

CREATE TABLE carts (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX carts_user_id_key ON carts (user_id);
CREATE INDEX carts_updated_at_idx ON carts (updated_at);

CREATE TABLE cart_items (
    id {uuid} PRIMARY KEY,
    cart_id {uuid} NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id {uuid} NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    variant_id {uuid} NOT NULL REFERENCES product_variants (id) ON DELETE CASCADE,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX cart_items_cart_variant_key ON cart_items (cart_id, variant_id);

CREATE TABLE orders (
    id {uuid} PRIMARY KEY,
    user_id {uuid} NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded')),
    currency text NOT NULL,
    subtotal bigint NOT NULL CHECK (subtotal >= 0),
    discount_total bigint NOT NULL CHECK (discount_total >= 0),
    shipping_total bigint NOT NULL CHECK (shipping_total >= 0),
    total bigint NOT NULL CHECK (total >= 0),
    promotion_code text,
    shipping_address {json} NOT NULL,
    customer_email text NOT NULL,
    payment_provider text NOT NULL,
    payment_reference text,
    payment_status text NOT NULL,
    idempotency_key text,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at);
CREATE INDEX orders_status_created_idx ON orders (status, created_at);
CREATE INDEX orders_customer_email_idx ON orders (customer_email);
CREATE INDEX orders_total_idx ON orders (total);
CREATE UNIQUE INDEX orders_payment_reference_key ON orders (payment_reference);
CREATE UNIQUE INDEX orders_idempotency_key ON orders (user_id, idempotency_key);

CREATE TABLE order_items (
    id {uuid} PRIMARY KEY,
    order_id {uuid} NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_id {uuid} REFERENCES products (id) ON DELETE SET NULL,
    variant_id {uuid} REFERENCES product_variants (id) ON DELETE SET NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    price_at_purchase bigint NOT NULL CHECK (price_at_purchase >= 0),
    discount bigint NOT NULL DEFAULT 0 CHECK (discount >= 0),
    line_total bigint NOT NULL CHECK (line_total >= 0),
    variant_snapshot {json} NOT NULL
);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);

CREATE TABLE order_events (
    id {uuid} PRIMARY KEY,
    order_id {uuid} NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    status text NOT NULL,
    note text,
    carrier text,
    tracking_number text,
    tracking_url text,
    actor_id {uuid} REFERENCES users (id) ON DELETE SET NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX order_events_order_id_idx ON order_events (order_id, created_at);

CREATE TABLE payment_events (
    id text PRIMARY KEY,
    provider text NOT NULL,
    kind text NOT NULL,
    received_at {ts} NOT NULL
);

CREATE TABLE cms_pages (
    id {uuid} PRIMARY KEY,
    slug text NOT NULL,
    title text NOT NULL,
    content_blocks {json} NOT NULL,
    published boolean NOT NULL DEFAULT false,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX cms_pages_slug_key ON cms_pages (slug);

CREATE TABLE contact_messages (
    id {uuid} PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    subject text NOT NULL,
    message text NOT NULL,
    user_id {uuid} REFERENCES users (id) ON DELETE SET NULL,
    handled_at {ts},
    created_at {ts} NOT NULL
);
CREATE INDEX contact_messages_created_at_idx ON contact_messages (created_at);
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite's FTS5 index needs a stable integer row key on products; PostgreSQL's does not.
        let product_key = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "id {uuid} PRIMARY KEY",
            _ => "search_rowid integer PRIMARY KEY, id {uuid} NOT NULL UNIQUE",
        };
        super::run_script(manager, &SCHEMA.replace("{product_key}", product_key)).await
    }
}
