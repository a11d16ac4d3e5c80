//! `orders`: one row per order; items are a JSON array of `{name, quantity, unit_price_cents}`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub number: String,
    pub status: String,
    pub customer_name: String,
    pub customer_phone: String,
    #[sea_orm(column_type = "Text")]
    pub delivery_address: String,
    pub window_start: Option<DateTime>,
    pub window_end: Option<DateTime>,
    pub items: Json,
    pub total_cents: i64,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub last_contact_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// What the search looks in: phone digits, number and customer name, lower-cased without
    /// accents (`migration::search_text::order_search_text`); written with every insert/update.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
    /// Made by "Load demo data": its numbers are reserved for fiction; calling asks first.
    pub demo: bool,
    /// When the customer confirmed the delivery window on a call (the agent's tool).
    pub window_confirmed_at: Option<DateTimeUtc>,
    /// The other window the customer asked for on a call, in their words (and why).
    #[sea_orm(column_type = "Text", nullable)]
    pub window_request: Option<String>,
    pub window_request_at: Option<DateTimeUtc>,
    /// The customer's language (`en`, `fr`); NULL: the business's language.
    pub language: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The customer's language, parsed (`None`: the business's, or a value no longer known).
    pub fn customer_lang(&self) -> Option<app::api::Lang> {
        self.language.as_deref().and_then(|code| code.parse().ok())
    }
}
