//! [`SmsService`]: what the pages ask of texts. Sending only writes to the outbox (the worker
//! in `outbox` posts to Twilio), so a click, or a bulk send of 10,000, returns at once and nothing
//! is lost if the process stops.

use super::{blocked_reason, templates, values::template_values, SmsContext};
use crate::db::db_error;
use crate::db::entities::orders;
use crate::db::repo::sms::{self as repo, NewMessage};
use crate::orders::OrdersService;
use app::api::{
    ApiError, BatchProgress, BulkSelection, BulkSmsReport, FieldError, OrderSmsData, Recipient,
    SessionUser, SettingKey, SmsMessageView, SmsRecipients, SmsTemplateInput, SmsTemplateView,
};
use app::ports::SmsPort;
use sea_orm::EntityTrait;

/// The most orders one bulk send takes.
pub const MAX_BULK: u64 = 20_000;

#[derive(Clone)]
pub struct SmsService {
    pub context: SmsContext,
    pub orders: OrdersService,
}

/// The number of `recipient` on `order`, or why it cannot be texted.
pub(super) fn number_of(order: &orders::Model, recipient: Recipient) -> Result<String, String> {
    let number = match recipient {
        Recipient::Customer => Some(order.customer_phone.as_str()),
        Recipient::Driver => order.driver_phone.as_deref(),
    };
    match number.map(str::trim).filter(|n| !n.is_empty()) {
        Some(number) if number.starts_with('+') => Ok(number.to_owned()),
        Some(_) => Err(format!("the {} number is not in E.164", recipient.as_str())),
        None => Err(format!("the order has no {} number", recipient.as_str())),
    }
}

/// `number_of`, refused when the number is in `suppressed` (the opted-out numbers among those
/// asked about).
pub(super) fn reachable_with(
    order: &orders::Model,
    recipient: Recipient,
    suppressed: &std::collections::HashSet<String>,
) -> Result<String, String> {
    let number = number_of(order, recipient)?;
    if suppressed.contains(&number) {
        return Err(format!("{number} opted out of texts (replied STOP)"));
    }
    Ok(number)
}

impl SmsService {
    pub(super) fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.context.db
    }

    pub(super) async fn order(&self, order_id: i64) -> Result<orders::Model, ApiError> {
        let id = i32::try_from(order_id).map_err(|_| ApiError::NotFound)?;
        orders::Entity::find_by_id(id)
            .one(self.db())
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)
    }

    /// Whom of `order` can be texted: the number, or why not (no number, opted out).
    pub(super) async fn reachable(
        &self,
        order: &orders::Model,
        recipient: Recipient,
    ) -> Result<Result<String, String>, ApiError> {
        let suppressed = match number_of(order, recipient) {
            Ok(number) => repo::suppressed_among(self.db(), &[number.as_str()])
                .await
                .map_err(db_error)?,
            Err(_) => Default::default(),
        };
        Ok(reachable_with(order, recipient, &suppressed))
    }

    pub(super) fn ready(&self) -> Result<(), ApiError> {
        match blocked_reason(&self.context.settings.current()) {
            Some(reason) => Err(ApiError::Conflict(reason)),
            None => Ok(()),
        }
    }

    pub(super) fn business_name(&self) -> String {
        self.context
            .settings
            .current()
            .get(SettingKey::BusinessName)
            .to_owned()
    }

    pub(super) async fn template(&self, id: i64) -> Result<app::api::SmsTemplateView, ApiError> {
        templates::list(self.db())
            .await
            .map_err(db_error)?
            .into_iter()
            .map(SmsTemplateView::from)
            .find(|t| t.id == id)
            .ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new("template_id", "no such template")])
            })
    }
}

#[async_trait::async_trait]
impl SmsPort for SmsService {
    async fn order_data(&self, order_id: i64) -> Result<OrderSmsData, ApiError> {
        let order = self.order(order_id).await?;
        let db = self.db();
        let mut all = templates::list(db).await.map_err(db_error)?;
        // The composer opens on the first: for a customer whose language is known, the
        // templates in that language come first (the default among them first).
        if let Some(language) = order.language.as_deref() {
            all.sort_by_key(|t| t.language != language);
        }
        let business = self.business_name();
        let rendered = all
            .iter()
            .map(|t| {
                let values = template_values(&order, &business, &t.language);
                app::sms::render(&t.body, &values).unwrap_or_else(|_| t.body.clone())
            })
            .collect();
        let mut unavailable = Vec::new();
        for recipient in [Recipient::Customer, Recipient::Driver] {
            if let Err(reason) = self.reachable(&order, recipient).await? {
                unavailable.push((recipient, reason));
            }
        }
        repo::mark_replies_read(db, order.id)
            .await
            .map_err(db_error)?;
        Ok(OrderSmsData {
            blocked: blocked_reason(&self.context.settings.current()),
            templates: all.into_iter().map(Into::into).collect(),
            rendered,
            messages: repo::for_order(db, order.id)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(Into::into)
                .collect(),
            replies: repo::replies_for_order(db, order.id)
                .await
                .map_err(db_error)?
                .into_iter()
                .map(Into::into)
                .collect(),
            unavailable,
        })
    }

    async fn send(
        &self,
        actor: &SessionUser,
        order_id: i64,
        recipients: SmsRecipients,
        body: &str,
    ) -> Result<Vec<SmsMessageView>, ApiError> {
        self.ready()?;
        let order = self.order(order_id).await?;
        let mut errors = Vec::new();
        if body.trim().is_empty() {
            errors.push(FieldError::new("body", "write the message"));
        } else if app::sms::too_long(body) {
            errors.push(FieldError::new(
                "body",
                format!("at most {} characters", app::sms::MAX_CHARACTERS),
            ));
        }
        let mut numbers = Vec::new();
        for &recipient in recipients.list() {
            match self.reachable(&order, recipient).await? {
                Ok(number) => numbers.push((recipient, number)),
                Err(reason) => errors.push(FieldError::new("recipients", reason)),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let mut sent = Vec::new();
        for (recipient, to_number) in numbers {
            let row = repo::insert(
                self.db(),
                NewMessage {
                    order_id: order.id,
                    batch_id: None,
                    recipient,
                    to_number,
                    body: body.to_owned(),
                    created_by: i32::try_from(actor.id).ok(),
                },
            )
            .await
            .map_err(db_error)?;
            let view: SmsMessageView = row.into();
            self.context.hub.publish_sms(view.clone());
            sent.push(view);
        }
        self.context.wake.notify_one();
        Ok(sent)
    }

    async fn bulk(
        &self,
        actor: &SessionUser,
        selection: BulkSelection,
        template_id: i64,
        confirm: bool,
    ) -> Result<BulkSmsReport, ApiError> {
        self.bulk_send(actor, selection, template_id, confirm).await
    }

    async fn progress(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
        self.batch_progress(batch_id).await
    }

    async fn cancel(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
        self.cancel_batch(batch_id).await
    }

    async fn templates(&self) -> Result<Vec<SmsTemplateView>, ApiError> {
        Ok(templates::list(self.db())
            .await
            .map_err(db_error)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    async fn save_template(
        &self,
        id: Option<i64>,
        input: SmsTemplateInput,
    ) -> Result<SmsTemplateView, ApiError> {
        templates::save(self.db(), id, input).await
    }

    async fn delete_template(&self, id: i64) -> Result<(), ApiError> {
        templates::delete(self.db(), id).await
    }

    async fn unread_replies(&self) -> Result<u64, ApiError> {
        repo::unread_replies(self.db()).await.map_err(db_error)
    }
}
