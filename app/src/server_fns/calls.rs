//! Calls: readiness, place, hang up, list, journals (staff and admin).

use crate::api::{
    ApiError, CallJournal, CallReadiness, CallView, OrderPageData, Provider, Recipient,
};
use leptos::prelude::*;

/// Whether the Call button can be used, and the default provider.
#[server(endpoint = "calls/readiness")]
pub async fn get_call_readiness() -> Result<CallReadiness, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.calls.readiness().await)
}

/// Places a call about an order; `confirm_demo` ("true" from the dialog's checkbox) is needed
/// to call a demo order.
#[server(endpoint = "calls/place")]
pub async fn place_call(
    order_id: i64,
    recipient: Recipient,
    provider: Provider,
    purpose: String,
    #[server(default)] confirm_demo: bool,
) -> Result<CallView, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    let actor = require_user().await?;
    with_status(
        ports()?
            .calls
            .place(
                &actor,
                order_id,
                recipient,
                provider,
                &purpose,
                confirm_demo,
            )
            .await,
    )
}

/// Ends a live call.
#[server(endpoint = "calls/hang-up")]
pub async fn hang_up(call_id: i64) -> Result<CallView, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.calls.hang_up(call_id).await)
}

/// The calls of an order, newest first.
#[server(endpoint = "calls/for-order")]
pub async fn order_calls(order_id: i64) -> Result<Vec<CallView>, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.calls.for_order(order_id).await)
}

/// What was said and done on each call of an order, newest call first.
#[server(endpoint = "calls/journals")]
pub async fn order_journals(order_id: i64) -> Result<Vec<CallJournal>, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.calls.journals(order_id).await)
}

/// Everything the order page shows in one call: the order, whether it can be called, its calls.
#[server(endpoint = "orders/page")]
pub async fn order_page(order_id: i64) -> Result<OrderPageData, ApiError> {
    use crate::ports::{memo, ports, require_user, with_status};
    require_user().await?;
    memo(format!("orders/page {order_id}"), || async move {
        let ports = ports()?;
        let order = with_status(ports.orders.get(order_id).await)?;
        let readiness = with_status(ports.calls.readiness().await)?;
        let calls = with_status(ports.calls.for_order(order_id).await)?;
        let journals = with_status(ports.calls.journals(order_id).await)?;
        let sms = with_status(ports.sms.order_data(order_id).await)?;
        Ok(OrderPageData {
            order,
            readiness,
            calls,
            journals,
            sms,
        })
    })
    .await
}
