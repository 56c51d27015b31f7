//! Helpers shared by the keeper's tests.

use sqlx::Connection;

/// The Postgres server every test may use (trust auth).
#[allow(dead_code)]
pub(crate) const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// A fresh Postgres database for one test: its URL.
#[allow(dead_code)]
pub(crate) async fn pg_database(name: &str) -> String {
    let db = format!("swan_keeper_{name}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&format!("{PG}/test"))
        .await
        .expect("Postgres on 127.0.0.1:5432");
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .unwrap();
    }
    format!("{PG}/{db}")
}
