//! `GET /api/v1/health`: 200 with `{status, version, instance_id}` when the database answers.

use app::api::Health;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use sea_orm::DatabaseConnection;

/// This process: a random id per start, so a caller can tell which instance answered.
#[derive(Clone, Debug)]
pub struct Instance {
    pub id: String,
}

impl Instance {
    /// A fresh instance id.
    pub fn new() -> Self {
        Instance {
            id: uuid::Uuid::new_v4().to_string(),
        }
    }
}

impl Default for Instance {
    fn default() -> Self {
        Self::new()
    }
}

/// The handler.
pub async fn health(
    State(db): State<DatabaseConnection>,
    State(instance): State<Instance>,
) -> (StatusCode, Json<Health>) {
    let (status, text) = match db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    };
    let body = Health {
        status: text.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        instance_id: instance.id,
    };
    (status, Json(body))
}
