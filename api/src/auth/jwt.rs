//! Access tokens: HS256 JWTs naming their key (`kid`). The current key signs; every key in
//! `auth.signing_keys` verifies, so a key can be retired gracefully and then removed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{config::AuthConfig, domain::user::Role};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub sub: String,
    pub role: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub iss: String,
    pub aud: String,
    /// The refresh-token family (session) the token was issued in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AccessClaims {
    pub fn user_id(&self) -> Option<Uuid> {
        Uuid::parse_str(&self.sub).ok()
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.exp, 0).unwrap_or_else(Utc::now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is not valid")]
    Invalid,
}

pub struct IssuedAccess {
    pub token: String,
    pub jti: Uuid,
    pub expires_in: u64,
}

pub struct JwtKeys {
    current: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl JwtKeys {
    /// Keys were checked when the configuration loaded.
    pub fn from_config(config: &AuthConfig) -> Self {
        let decoding = config
            .signing_keys
            .iter()
            .map(|(kid, secret)| (kid.clone(), DecodingKey::from_secret(secret.expose().as_bytes())))
            .collect();
        let current_secret = config.signing_keys[&config.current_key].expose().as_bytes();
        // One algorithm only: `alg: none` and RS/ES confusion are refused before any key is used.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = config.leeway_secs;
        Self {
            current: config.current_key.clone(),
            encoding: EncodingKey::from_secret(current_secret),
            decoding,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            ttl_secs: config.access_ttl_secs,
        }
    }

    pub fn issue(&self, user_id: Uuid, role: Role, session: Uuid) -> IssuedAccess {
        let now = Utc::now().timestamp();
        let jti = Uuid::now_v7();
        let claims = AccessClaims {
            sub: user_id.to_string(),
            role: role.as_str().to_owned(),
            exp: now + self.ttl_secs as i64,
            iat: now,
            nbf: now,
            jti: jti.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sid: Some(session.to_string()),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding).expect("HS256 signing cannot fail");
        IssuedAccess {
            token,
            jti,
            expires_in: self.ttl_secs,
        }
    }

    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 {
            return Err(TokenError::Invalid);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.decoding.get(kid))
            .ok_or(TokenError::Invalid)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, &self.validation).map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })?;
        if data.claims.user_id().is_none() || Uuid::parse_str(&data.claims.jti).is_err() {
            return Err(TokenError::Invalid);
        }
        Ok(data.claims)
    }
}
