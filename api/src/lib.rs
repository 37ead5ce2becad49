//! Beeget: the backend of Beeget Fashion.
//!
//! Layers, outermost first: `routes` (HTTP, thin) → `services` (business operations) →
//! `repos` (storage traits and their SQL implementation) with `domain` (validated values and
//! rules) shared by all. `startup` wires them from `config`.

pub mod auth;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod email;
pub mod http;
pub mod infra;
pub mod jobs;
pub mod media;
pub mod payments;
pub mod repos;
pub mod routes;
pub mod services;
pub mod startup;
pub mod tabular;
pub mod tasks;
pub mod telemetry;
pub mod tls;
