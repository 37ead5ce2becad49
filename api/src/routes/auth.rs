use std::sync::Arc;

use poem::web::Data;

use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::{ApiTags, AppState, security::BearerAuth, users::UserView};
use crate::{
    http::problem::operation_errors,
    services::auth::{Registration, TokenPair},
};

pub struct AuthApi;

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    /// 1 to 100 characters.
    pub name: String,
    /// Unique, compared case-insensitively.
    pub email: String,
    /// 10 to 128 characters, not a common password, not the email address.
    pub password: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    /// The token from the emailed link.
    pub token: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Object, Debug)]
#[oai(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the emailed link.
    pub token: String,
    /// The new password, under the same rules as at registration.
    pub password: String,
}

/// Credentials for API calls: send `accessToken` as `Authorization: Bearer …`; trade
/// `refreshToken` for a new pair before it runs out (each refresh token works once).
#[derive(Object, Debug)]
#[oai(rename = "TokenPair", rename_all = "camelCase")]
pub struct TokenPairView {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds the access token stays valid.
    pub expires_in: u64,
}

impl From<TokenPair> for TokenPairView {
    fn from(pair: TokenPair) -> Self {
        Self {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: "Bearer".into(),
            expires_in: pair.expires_in,
        }
    }
}

operation_errors!(
    /// Errors of `register`.
    pub enum RegisterError {
        BadRequest,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `verifyEmail`, `resetPassword`, `resendVerification` and `forgotPassword`.
    pub enum EmailLinkError {
        BadRequest,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

operation_errors!(
    /// Errors of `login`, `refreshTokens` and `logout`.
    pub enum SignInError {
        BadRequest,
        Unauthorized,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        Unavailable,
    }
);

#[derive(ApiResponse)]
enum Registered {
    /// The account exists; a verification email is on its way.
    #[oai(status = 201)]
    Created(Json<UserView>),
}

#[derive(ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum Accepted {
    /// Accepted; an email follows if the account exists (the answer never tells).
    #[oai(status = 202)]
    Accepted,
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Create an account
    ///
    /// Registers a shopper and emails a verification link (valid 24 hours).
    #[oai(path = "/auth/register", method = "post", operation_id = "register")]
    async fn register(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<RegisterRequest>,
    ) -> Result<Registered, RegisterError> {
        let body = body.0;
        let user = state
            .auth
            .register(Registration {
                name: body.name,
                email: body.email,
                password: body.password,
            })
            .await?;
        Ok(Registered::Created(Json(user.into())))
    }

    /// Verify an email address
    ///
    /// Uses the token from the verification email; each token works once.
    #[oai(path = "/auth/verify-email", method = "post", operation_id = "verifyEmail")]
    async fn verify_email(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<TokenRequest>,
    ) -> Result<Done, EmailLinkError> {
        state.auth.verify_email(&body.0.token).await?;
        Ok(Done::NoContent)
    }

    /// Send the verification email again
    #[oai(
        path = "/auth/resend-verification",
        method = "post",
        operation_id = "resendVerification"
    )]
    async fn resend_verification(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<EmailRequest>,
    ) -> Result<Accepted, EmailLinkError> {
        state.auth.resend_verification(&body.0.email).await?;
        Ok(Accepted::Accepted)
    }

    /// Sign in
    ///
    /// A wrong email and a wrong password get the same `invalid_credentials` answer.
    #[oai(path = "/auth/login", method = "post", operation_id = "login")]
    async fn login(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<LoginRequest>,
    ) -> Result<Json<TokenPairView>, SignInError> {
        let pair = state.auth.login(&body.0.email, &body.0.password).await?;
        Ok(Json(pair.into()))
    }

    /// Refresh the token pair
    ///
    /// The refresh token is replaced; presenting a replaced one again ends the whole session.
    #[oai(path = "/auth/refresh", method = "post", operation_id = "refreshTokens")]
    async fn refresh(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<RefreshRequest>,
    ) -> Result<Json<TokenPairView>, SignInError> {
        let pair = state.auth.refresh(&body.0.refresh_token).await?;
        Ok(Json(pair.into()))
    }

    /// Sign out
    ///
    /// Ends the session of the refresh token; the access token is refused from now on.
    #[oai(path = "/auth/logout", method = "post", operation_id = "logout")]
    async fn logout(
        &self,
        state: Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: Json<RefreshRequest>,
    ) -> Result<Done, SignInError> {
        let principal = auth.principal(&state).await?;
        state.auth.logout(&principal, &body.0.refresh_token).await?;
        Ok(Done::NoContent)
    }

    /// Ask for a password reset email
    #[oai(path = "/auth/forgot-password", method = "post", operation_id = "forgotPassword")]
    async fn forgot_password(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<EmailRequest>,
    ) -> Result<Accepted, EmailLinkError> {
        state.auth.forgot_password(&body.0.email).await?;
        Ok(Accepted::Accepted)
    }

    /// Set a new password with a reset token
    ///
    /// Each token works once, for an hour; every session of the account ends.
    #[oai(path = "/auth/reset-password", method = "post", operation_id = "resetPassword")]
    async fn reset_password(
        &self,
        state: Data<&Arc<AppState>>,
        body: Json<ResetPasswordRequest>,
    ) -> Result<Done, EmailLinkError> {
        state.auth.reset_password(&body.0.token, &body.0.password).await?;
        Ok(Done::NoContent)
    }
}
