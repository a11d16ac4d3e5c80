//! PLACEHOLDER until the journal branch lands: the order's facts for the agent's templates.

use crate::db::repo;
use crate::providers::script::OrderFacts;
use crate::settings::EffectiveSettings;
use app::api::SettingKey;
use sea_orm::{DatabaseConnection, DbErr};

/// The facts of order `order_id`, or None when there is no such order.
pub async fn order_facts(
    db: &DatabaseConnection,
    settings: &EffectiveSettings,
    order_id: i32,
) -> Result<Option<OrderFacts>, DbErr> {
    let Some(order) = repo::orders::find(db, order_id).await? else {
        return Ok(None);
    };
    Ok(Some(OrderFacts {
        customer_name: order.customer_name,
        order_number: order.number,
        business_name: settings.get(SettingKey::BusinessName).to_owned(),
        ..OrderFacts::default()
    }))
}
