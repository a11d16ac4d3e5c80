//! `sms_suppressions`: numbers that opted out (STOP, or Twilio error 21610).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_suppressions")]
pub struct Model {
    /// E.164.
    #[sea_orm(primary_key, auto_increment = false)]
    pub phone: String,
    pub reason: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
