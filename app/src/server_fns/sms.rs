//! Texts: compose and send for an order, bulk sends, progress, templates (staff; templates
//! admin), unread replies.

use crate::api::{
    ApiError, BatchProgress, BulkSelection, BulkSmsReport, OrderSmsData, SmsMessageView,
    SmsRecipients, SmsTemplateInput, SmsTemplateView,
};
use leptos::prelude::*;

/// The composer's data for an order (marks its replies read).
#[server(endpoint = "sms/for-order")]
pub async fn order_sms(order_id: i64) -> Result<OrderSmsData, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sms.order_data(order_id).await)
}

/// Queues a text to the order's customer, driver or both.
#[server(endpoint = "sms/send")]
pub async fn send_sms(
    order_id: i64,
    recipients: SmsRecipients,
    body: String,
) -> Result<Vec<SmsMessageView>, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    let actor = require_user().await?;
    with_status(ports()?.sms.send(&actor, order_id, recipients, &body).await)
}

/// Previews (`confirm` false) or queues (`confirm` true) a bulk send.
#[server(endpoint = "sms/bulk")]
pub async fn bulk_sms(
    selection: BulkSelection,
    template_id: i64,
    #[server(default)] confirm: bool,
) -> Result<BulkSmsReport, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    let actor = require_user().await?;
    with_status(
        ports()?
            .sms
            .bulk(&actor, selection, template_id, confirm)
            .await,
    )
}

/// Where a bulk send stands.
#[server(endpoint = "sms/progress")]
pub async fn sms_batch_progress(batch_id: i64) -> Result<BatchProgress, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sms.progress(batch_id).await)
}

/// Cancels what a bulk send has not sent yet.
#[server(endpoint = "sms/cancel")]
pub async fn cancel_batch(batch_id: i64) -> Result<BatchProgress, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sms.cancel(batch_id).await)
}

/// The templates (everyone who sends texts picks from them).
#[server(endpoint = "sms/templates")]
pub async fn sms_templates() -> Result<Vec<SmsTemplateView>, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sms.templates().await)
}

/// Creates or updates a template (admin).
#[server(endpoint = "sms/templates/save")]
pub async fn save_sms_template(
    #[server(default)] id: Option<i64>,
    input: SmsTemplateInput,
) -> Result<SmsTemplateView, ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(ports()?.sms.save_template(id, input).await)
}

/// Deletes a template (admin; the default cannot be deleted).
#[server(endpoint = "sms/templates/delete")]
pub async fn delete_sms_template(id: i64) -> Result<(), ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(ports()?.sms.delete_template(id).await)
}

/// How many replies nobody has read.
#[server(endpoint = "sms/unread")]
pub async fn unread_replies() -> Result<u64, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sms.unread_replies().await)
}
