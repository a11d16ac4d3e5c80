//! The database: connecting (SQLite or PostgreSQL by URL), migrating at start, the SeaORM
//! entities, and one repository module per aggregate. Handlers never build queries themselves.

pub mod entities;
pub mod repo;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::time::Duration;

/// Opens the pool and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> anyhow::Result<DatabaseConnection> {
    if let Some(path) = sqlite_file_path(url) {
        let path = std::path::Path::new(&path);
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                crate::config::create_private_dir(dir)?;
            }
        }
        // SQLite gives its -wal and -shm files the database file's permissions.
        crate::config::create_private_file(path)?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers proceed while one writer commits; it persists in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
        db.execute_unprepared("PRAGMA synchronous=NORMAL;").await?;
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// The file behind a `sqlite://path?...` URL, if it names one.
fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Logs a database error and hides it from the client behind `ApiError::Internal`.
pub fn db_error(error: sea_orm::DbErr) -> app::api::ApiError {
    tracing::error!(%error, "database error");
    app::api::ApiError::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file_path("sqlite://data/orderline.db?mode=rwc").as_deref(),
            Some("data/orderline.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
        assert_eq!(sqlite_file_path("postgres://x/y"), None);
    }
}
