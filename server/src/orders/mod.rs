//! Orders: turning what people type (forms, CSV rows, JSON) into a [`ValidOrder`], field by field,
//! the [`OrdersService`] that implements the app's `OrdersPort`, and the order's facts as the
//! agent says them (`facts`).

mod csv_import;
pub mod demo;
pub mod facts;
mod service;
mod validate;

pub use csv_import::parse_csv;
pub use service::OrdersService;
pub use validate::{check_items, parse_items, validate_input, validate_with_items, ValidOrder};
