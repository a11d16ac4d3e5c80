//! What a call's tools change on its order: a note appended for the driver, the delivery window
//! confirmed, another window asked for. Each statement names the order by id and bumps
//! `updated_at`; each answers whether the order exists.

use crate::db::entities::orders;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{BinOper, Expr, SimpleExpr};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

/// Sets `changes` and `updated_at` on order `order_id`; true when the order exists.
async fn set(
    db: &DatabaseConnection,
    order_id: i32,
    at: DateTime<Utc>,
    changes: Vec<(orders::Column, SimpleExpr)>,
) -> Result<bool, DbErr> {
    let mut update = orders::Entity::update_many()
        .col_expr(orders::Column::UpdatedAt, Expr::value(at))
        .filter(orders::Column::Id.eq(order_id));
    for (column, value) in changes {
        update = update.col_expr(column, value);
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Appends `line` to the order's notes, on a new line unless the notes are empty. One statement
/// (`notes || ...`), so a note added while staff save the order is not lost to a read-then-write.
pub async fn append_note(
    db: &DatabaseConnection,
    order_id: i32,
    line: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let notes = || Expr::col(orders::Column::Notes);
    let concat = |left: SimpleExpr, right: String| {
        SimpleExpr::Binary(
            Box::new(left),
            BinOper::Custom("||"),
            Box::new(Expr::val(right).into()),
        )
    };
    let appended = Expr::case(notes().eq(""), Expr::val(line.to_owned()))
        .finally(concat(notes().into(), format!("\n{line}")));
    set(
        db,
        order_id,
        at,
        vec![(orders::Column::Notes, appended.into())],
    )
    .await
}

/// Records that the customer confirmed the planned window; an earlier request for another
/// window is cleared, as the customer has now agreed to the planned one.
pub async fn confirm_window(
    db: &DatabaseConnection,
    order_id: i32,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changes = vec![
        (orders::Column::WindowConfirmedAt, Expr::value(at)),
        (
            orders::Column::WindowRequest,
            Expr::value(Option::<String>::None),
        ),
        (
            orders::Column::WindowRequestAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        ),
    ];
    set(db, order_id, at, changes).await
}

/// Records the window the customer asked for instead; an earlier confirmation is cleared, as the
/// planned window no longer suits them.
pub async fn request_window(
    db: &DatabaseConnection,
    order_id: i32,
    request: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let changes = vec![
        (orders::Column::WindowRequest, Expr::value(request)),
        (orders::Column::WindowRequestAt, Expr::value(at)),
        (
            orders::Column::WindowConfirmedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        ),
    ];
    set(db, order_id, at, changes).await
}
