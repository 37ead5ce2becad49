//! Black-box suites: the real application over HTTP, and the repository contract on every backend.

mod admin_products;
mod admin_stock;
mod admin_users;
mod audit;
mod auth;
mod bad_bytes;
mod calculated_prices;
mod cart;
mod catalogue;
mod catalogue_facets;
mod catalogue_freshness;
mod catalogue_index;
mod catalogue_validation;
mod contract;
mod declared_statuses;
mod email;
mod http_edges;
mod jobs;
mod mail_jobs;
mod openapi;
mod orders;
mod outages;
mod redis_keys;
mod slow_clients;
mod stripe;
mod users;
