//! Credentials: access JWTs with key rotation, argon2id passwords, opaque one-time tokens.
//! Nothing here knows HTTP or storage.

pub mod jwt;
pub mod opaque;
pub mod password;

pub use jwt::{AccessClaims, IssuedAccess, JwtKeys, TokenError};
pub use password::{PasswordCheck, Passwords};
