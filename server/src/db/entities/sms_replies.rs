//! `sms_replies`: inbound texts, on the most recent order of their number.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_replies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub order_id: Option<i32>,
    pub from_number: String,
    pub to_number: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(unique)]
    pub sid: String,
    /// "opt_out", "opt_in" or None.
    pub keyword: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
