//! Operator tasks behind the `beeget` command line: loading the demo catalogue, synthetic
//! benchmark products and order history, and creating staff and demo accounts.

pub mod accounts;
pub mod seed;
pub mod synthetic;
pub mod synthetic_orders;
