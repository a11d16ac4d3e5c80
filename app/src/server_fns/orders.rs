//! Orders: list, read, create/edit, demo data and CSV import.

use crate::api::{ApiError, ImportReport, OrderDetail, OrderInput, OrderPage};
use leptos::prelude::*;

/// One page of orders, newest first, filtered by search text and status.
#[server(endpoint = "orders/list")]
pub async fn list_orders(
    search: String,
    status: Option<String>,
    page: u64,
) -> Result<OrderPage, ApiError> {
    use crate::ports::{require_user, OrderQuery};
    require_user().await?;
    let status = match status.as_deref() {
        None | Some("") => None,
        Some(name) => Some(
            name.parse()
                .map_err(|_| ApiError::BadRequest(format!("unknown status {name:?}")))?,
        ),
    };
    let query = OrderQuery {
        search,
        status,
        page: page.max(1),
    };
    let key = format!("orders/list {query:?}");
    crate::ports::memo(key, || load_page(query)).await
}

/// The page asked for, or the last one when the number is past the end.
#[cfg(feature = "ssr")]
async fn load_page(query: crate::ports::OrderQuery) -> Result<OrderPage, ApiError> {
    use crate::ports::{ports, with_status, OrderQuery};
    let ports = ports()?;
    let result = with_status(ports.orders.list(query.clone()).await)?;
    // A page past the end (an old link, fewer orders now) shows the last page instead.
    let last = result.page_count();
    if result.page > last && result.total > 0 {
        return with_status(
            ports
                .orders
                .list(OrderQuery {
                    page: last,
                    ..query
                })
                .await,
        );
    }
    Ok(result)
}

/// One order with all its fields.
#[server(endpoint = "orders/get")]
pub async fn get_order(id: i64) -> Result<OrderDetail, ApiError> {
    use crate::ports::{memo, ports, require_user, with_status};
    require_user().await?;
    memo(format!("orders/get {id}"), || async move {
        with_status(ports()?.orders.get(id).await)
    })
    .await
}

/// Creates (no `order_id`) or updates an order, then shows it.
#[server(endpoint = "orders/save")]
pub async fn save_order(order_id: Option<i64>, input: OrderInput) -> Result<OrderDetail, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    let order = with_status(ports()?.orders.save(order_id, input).await)?;
    leptos_axum::redirect(&format!("/orders/{}", order.id));
    Ok(order)
}

/// Loads 50 demo orders (used from the empty orders page).
#[server(endpoint = "orders/demo-data")]
pub async fn load_demo_data() -> Result<u64, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.orders.load_demo_data().await)
}

/// Checks a CSV file row by row without writing anything.
#[server(endpoint = "orders/import-preview")]
pub async fn preview_import(csv: String) -> Result<ImportReport, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.orders.preview_import(&csv).await)
}

/// Imports every valid row of a CSV file and reports the refused ones.
#[server(endpoint = "orders/import")]
pub async fn import_orders(csv: String) -> Result<ImportReport, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.orders.import(&csv).await)
}

/// Deletes an order created by mistake (admins). Refused once the order has calls or texts.
#[server(endpoint = "orders/delete")]
pub async fn delete_order(id: i64) -> Result<(), ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    let admin = require_admin().await?;
    with_status(ports()?.orders.delete(&admin, id).await)
}
