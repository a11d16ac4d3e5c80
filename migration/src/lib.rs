//! Database schema migrations. They run at every server start, on SQLite and on PostgreSQL alike,
//! so each migration must use only what both backends support through SeaQuery's schema builder.
//! [`search_text`] is the orders search normalisation, shared with the server (see its doc).

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_foundation;
mod m20261127_000002_settings;
mod m20261127_000003_calls;
mod m20261128_000004_order_search_text;
mod m20261128_000005_call_hardening;
mod m20261128_000006_demo_orders;
mod m20261128_000007_login_hardening;
mod m20261129_000008_call_journal;
mod m20261129_000009_sms;
mod m20261130_000010_sandbox;
mod m20261130_000011_sandbox_marks;
mod m20261201_000012_cluster_events;
mod m20261201_000013_sms_pace;
mod m20261202_000014_people;
pub mod search_text;

/// Every migration in order; `Migrator::up(db, None)` applies the missing ones.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_foundation::Migration),
            Box::new(m20261127_000002_settings::Migration),
            Box::new(m20261127_000003_calls::Migration),
            Box::new(m20261128_000004_order_search_text::Migration),
            Box::new(m20261128_000005_call_hardening::Migration),
            Box::new(m20261128_000006_demo_orders::Migration),
            Box::new(m20261128_000007_login_hardening::Migration),
            Box::new(m20261129_000008_call_journal::Migration),
            Box::new(m20261129_000009_sms::Migration),
            Box::new(m20261130_000010_sandbox::Migration),
            Box::new(m20261130_000011_sandbox_marks::Migration),
            Box::new(m20261201_000012_cluster_events::Migration),
            Box::new(m20261201_000013_sms_pace::Migration),
            Box::new(m20261202_000014_people::Migration),
        ]
    }
}
