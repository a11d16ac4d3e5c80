//! Stored settings and their audit log.

use crate::db::entities::{settings, settings_audit};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

/// Every stored row (key, stored value).
pub async fn load_all(db: &DatabaseConnection) -> Result<Vec<(String, String)>, DbErr> {
    Ok(settings::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.key, row.value))
        .collect())
}

/// Who made a change, for the audit log.
pub struct Actor<'a> {
    pub id: Option<i32>,
    pub name: &'a str,
}

/// Stores (or, with `None`, deletes) a value and records the change, in one transaction.
pub async fn write(
    db: &DatabaseConnection,
    key: &str,
    stored: Option<String>,
    actor: Actor<'_>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let action = match stored {
        Some(value) => {
            settings::Entity::insert(settings::ActiveModel {
                key: Set(key.to_owned()),
                value: Set(value),
                updated_at: Set(now),
                updated_by: Set(actor.id),
            })
            .on_conflict(
                OnConflict::column(settings::Column::Key)
                    .update_columns([
                        settings::Column::Value,
                        settings::Column::UpdatedAt,
                        settings::Column::UpdatedBy,
                    ])
                    .to_owned(),
            )
            .exec(&txn)
            .await?;
            "changed"
        }
        None => {
            settings::Entity::delete_many()
                .filter(settings::Column::Key.eq(key))
                .exec(&txn)
                .await?;
            "cleared"
        }
    };
    settings_audit::ActiveModel {
        at: Set(now),
        user_id: Set(actor.id),
        user_name: Set(actor.name.to_owned()),
        key: Set(key.to_owned()),
        action: Set(action.to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await
}

/// The most recent audit entries, newest first.
pub async fn audit(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<settings_audit::Model>, DbErr> {
    settings_audit::Entity::find()
        .order_by_desc(settings_audit::Column::At)
        .order_by_desc(settings_audit::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
