//! Operator tasks behind the `beeget` command line: loading the demo catalogue and synthetic
//! benchmark products, and creating staff and demo accounts.

pub mod accounts;
pub mod seed;
pub mod synthetic;
