//! PLACEHOLDER until the journal branch lands.

use crate::providers::script::Tool;
use crate::providers::session::{Speaker, Usage};
use crate::realtime::Hub;
use app::api::Provider;
use sea_orm::DatabaseConnection;
use serde_json::{json, Value};

#[derive(Clone)]
pub struct Journal {
    _db: DatabaseConnection,
    _hub: Hub,
    order_id: i32,
    call_id: i32,
}

impl Journal {
    pub fn new(
        db: DatabaseConnection,
        hub: Hub,
        order_id: i32,
        call_id: i32,
        _provider: Provider,
    ) -> Self {
        Journal {
            _db: db,
            _hub: hub,
            order_id,
            call_id,
        }
    }
    pub async fn transcript(&self, speaker: Speaker, text: &str, done: bool) {
        tracing::info!(self.call_id, ?speaker, text, done, "transcript");
    }
    pub async fn run_tool(&self, tool: Tool, _arguments: &Value) -> Value {
        json!({"error": format!("{} is not available yet for order {}", tool.name(), self.order_id)})
    }
    pub async fn usage(&self, usage: Usage) {
        tracing::info!(?usage, "usage");
    }
    pub async fn latency(&self, median_ms: u32) {
        tracing::info!(median_ms, "latency");
    }
}
