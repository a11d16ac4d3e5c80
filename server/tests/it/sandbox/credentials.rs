//! The sandbox account is generated once and kept, its token sealed, on SQLite and PostgreSQL.

use crate::helpers::test_database_url;
use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, Statement};
use secrecy::ExposeSecret;
use server::config::SecretKey;
use server::sandbox::credentials::SandboxCredentials;

#[tokio::test]
async fn the_account_is_created_once_and_its_token_is_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::connect(test_database_url(dir.path()).await)
        .await
        .unwrap();
    migration::Migrator::up(&db, None).await.unwrap();
    let key = SecretKey::generate();

    let first = SandboxCredentials::load_or_create(&db, &key).await.unwrap();
    let again = SandboxCredentials::load_or_create(&db, &key).await.unwrap();
    assert_eq!(first.account_sid, again.account_sid);
    assert_eq!(
        first.auth_token.expose_secret(),
        again.auth_token.expose_secret()
    );
    assert_eq!(first.phone_number, again.phone_number);

    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT auth_token_sealed FROM sandbox_account",
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = row.try_get("", "auth_token_sealed").unwrap();
    assert!(sealed.starts_with("v1:"));
    assert!(!sealed.contains(first.auth_token.expose_secret()));

    let other_key = SandboxCredentials::load_or_create(&db, &SecretKey::generate()).await;
    assert!(
        other_key.is_err(),
        "a changed secret key cannot open the token"
    );
}
