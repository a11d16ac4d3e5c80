//! `sms_batches`: one bulk send from the orders list.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_batches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub template_id: Option<i32>,
    pub created_by: Option<i32>,
    /// Messages written to the outbox for it.
    pub total: i32,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
