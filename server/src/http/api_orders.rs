//! `POST /api/v1/orders`: a shop system pushes an order as JSON with an API token
//! (`Authorization: Bearer ol_...`). Answers 201 with the order, 401, or 422 with field errors.

use super::error::JsonError;
use crate::auth::sha256_hex;
use crate::db::{db_error, repo};
use crate::orders::{check_items, validate_with_items, OrdersService};
use app::api::{ApiError, OrderDetail, OrderInput, OrderItem};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

/// The JSON body: the order's fields as text (phones in any format) and structured items.
#[derive(Debug, Deserialize)]
pub struct CreateOrderRequest {
    pub number: String,
    #[serde(default)]
    pub status: Option<String>,
    pub customer_name: String,
    pub customer_phone: String,
    pub delivery_address: String,
    #[serde(default)]
    pub window_start: Option<String>,
    #[serde(default)]
    pub window_end: Option<String>,
    pub items: Vec<OrderItem>,
    #[serde(default)]
    pub notes: Option<String>,
    #[serde(default)]
    pub driver_name: Option<String>,
    #[serde(default)]
    pub driver_phone: Option<String>,
    /// The customer's language: `en` or `fr` (default: the business's).
    pub language: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The handler.
pub async fn create(
    State(db): State<DatabaseConnection>,
    State(orders): State<OrdersService>,
    headers: HeaderMap,
    body: Result<Json<CreateOrderRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<OrderDetail>), JsonError> {
    let token = bearer(&headers).ok_or(ApiError::Unauthorized)?;
    let token = repo::api_tokens::authenticate(&db, &sha256_hex(token))
        .await
        .map_err(db_error)?
        .ok_or(ApiError::Unauthorized)?;
    let Json(request) = body.map_err(|rejection| ApiError::BadRequest(rejection.body_text()))?;
    let input = OrderInput {
        number: request.number,
        status: request.status.unwrap_or_default(),
        customer_name: request.customer_name,
        customer_phone: request.customer_phone,
        delivery_address: request.delivery_address,
        window_start: request.window_start.unwrap_or_default(),
        window_end: request.window_end.unwrap_or_default(),
        items: String::new(),
        notes: request.notes.unwrap_or_default(),
        driver_name: request.driver_name.unwrap_or_default(),
        driver_phone: request.driver_phone.unwrap_or_default(),
        language: request.language.unwrap_or_default(),
    };
    let order = validate_with_items(&input, check_items(request.items), orders.region)
        .map_err(ApiError::Validation)?;
    let created = orders.create(order).await?;
    tracing::info!(
        order_id = created.id,
        token_id = token.id,
        "order created through the API"
    );
    Ok((StatusCode::CREATED, Json(created)))
}
