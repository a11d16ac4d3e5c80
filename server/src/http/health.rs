//! `GET /api/v1/health` (liveness): 200 with `{status, version, instance_id}` when the database
//! answers. `GET /api/v1/ready` (readiness, for the load balancer): 200 `{"ready":true}`, or 503
//! with the reason while this instance drains or its database does not answer.

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

/// The readiness answer.
#[derive(Debug, serde::Serialize)]
pub struct Readiness {
    pub ready: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// The readiness handler.
pub async fn ready(
    State(db): State<DatabaseConnection>,
    State(drain): State<crate::drain::Drain>,
) -> (StatusCode, Json<Readiness>) {
    let reason = if drain.is_draining() {
        Some("draining")
    } else if let Err(error) = db.ping().await {
        tracing::error!(%error, "readiness: database unreachable");
        Some("database unavailable")
    } else {
        None
    };
    let status = match reason {
        Some(_) => StatusCode::SERVICE_UNAVAILABLE,
        None => StatusCode::OK,
    };
    let body = Readiness {
        ready: reason.is_none(),
        reason,
    };
    (status, Json(body))
}
