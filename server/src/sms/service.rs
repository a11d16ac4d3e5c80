//! [`SmsService`]: what the pages ask of texts. Sending only writes to the outbox (the worker
//! in `outbox` posts to Twilio), so a click, or a bulk send of 10,000, returns at once and nothing
//! is lost if the process stops.

use super::{blocked_reason, templates, values::template_values, SmsContext};
use crate::db::entities::{orders, sms_batches, sms_messages};
use crate::db::repo::sms::{self as repo, NewMessage};
use crate::db::{db_error, repo::orders as order_repo};
use crate::orders::OrdersService;
use app::api::{
    ApiError, BatchProgress, BulkSelection, BulkSmsReport, FieldError, OrderSmsData, Recipient,
    SessionUser, SettingKey, SkippedOrder, SmsMessageView, SmsRecipients, SmsTemplateInput,
    SmsTemplateView,
};
use app::ports::{OrderQuery, SmsPort};
use app::sms::MessageStatus;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

/// Rendered messages a bulk preview shows.
const SAMPLES: usize = 3;
/// The most orders one bulk send takes.
pub const MAX_BULK: u64 = 20_000;

#[derive(Clone)]
pub struct SmsService {
    pub context: SmsContext,
    pub orders: OrdersService,
}

/// The number of `recipient` on `order`, or why it cannot be texted.
fn number_of(order: &orders::Model, recipient: Recipient) -> Result<String, String> {
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

impl SmsService {
    fn db(&self) -> &sea_orm::DatabaseConnection {
        &self.context.db
    }

    async fn order(&self, order_id: i64) -> Result<orders::Model, ApiError> {
        let id = i32::try_from(order_id).map_err(|_| ApiError::NotFound)?;
        orders::Entity::find_by_id(id)
            .one(self.db())
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)
    }

    /// Whom of `order` can be texted: the number, or why not (no number, opted out).
    async fn reachable(
        &self,
        order: &orders::Model,
        recipient: Recipient,
    ) -> Result<Result<String, String>, ApiError> {
        let number = match number_of(order, recipient) {
            Ok(number) => number,
            Err(reason) => return Ok(Err(reason)),
        };
        if repo::is_suppressed(self.db(), &number)
            .await
            .map_err(db_error)?
        {
            return Ok(Err(format!("{number} opted out of texts (replied STOP)")));
        }
        Ok(Ok(number))
    }

    fn ready(&self) -> Result<(), ApiError> {
        match blocked_reason(&self.context.settings.current()) {
            Some(reason) => Err(ApiError::Conflict(reason)),
            None => Ok(()),
        }
    }

    fn business_name(&self) -> String {
        self.context
            .settings
            .current()
            .get(SettingKey::BusinessName)
            .to_owned()
    }

    async fn template(&self, id: i64) -> Result<app::api::SmsTemplateView, ApiError> {
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

    /// The orders a bulk send is for.
    async fn selected(&self, selection: &BulkSelection) -> Result<Vec<orders::Model>, ApiError> {
        if selection.all_matching {
            let query = OrderQuery {
                search: selection.search.clone(),
                status: selection.status,
                page: 1,
            };
            let search = self.orders.interpret(&query);
            let (rows, _) = order_repo::search(self.db(), &search, 1, MAX_BULK)
                .await
                .map_err(db_error)?;
            return Ok(rows);
        }
        if selection.order_ids.len() as u64 > MAX_BULK {
            return Err(ApiError::BadRequest(format!(
                "at most {MAX_BULK} orders per bulk send"
            )));
        }
        let ids: Vec<i32> = selection
            .order_ids
            .iter()
            .filter_map(|id| i32::try_from(*id).ok())
            .collect();
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            rows.extend(
                orders::Entity::find()
                    .filter(orders::Column::Id.is_in(chunk.iter().copied()))
                    .all(self.db())
                    .await
                    .map_err(db_error)?,
            );
        }
        Ok(rows)
    }
}

#[async_trait::async_trait]
impl SmsPort for SmsService {
    async fn order_data(&self, order_id: i64) -> Result<OrderSmsData, ApiError> {
        let order = self.order(order_id).await?;
        let db = self.db();
        let all = templates::list(db).await.map_err(db_error)?;
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
        let template = self.template(template_id).await?;
        let orders = self.selected(&selection).await?;
        let business = self.business_name();
        let mut messages = Vec::new();
        let mut samples = Vec::new();
        let mut skipped = Vec::new();
        for order in &orders {
            let skip = |reason: String| SkippedOrder {
                order_id: order.id.into(),
                order_number: order.number.clone(),
                reason,
            };
            let number = match self.reachable(order, Recipient::Customer).await? {
                Ok(number) => number,
                Err(reason) => {
                    skipped.push(skip(reason));
                    continue;
                }
            };
            let values = template_values(order, &business, &template.language);
            let body = match app::sms::render(&template.body, &values) {
                Ok(body) => body,
                Err(error) => {
                    skipped.push(skip(error.to_string()));
                    continue;
                }
            };
            if samples.len() < SAMPLES {
                samples.push((order.number.clone(), body.clone()));
            }
            messages.push(NewMessage {
                order_id: order.id,
                batch_id: None,
                recipient: Recipient::Customer,
                to_number: number,
                body,
                created_by: i32::try_from(actor.id).ok(),
            });
        }
        let count = messages.len() as u64;
        if !confirm || messages.is_empty() {
            return Ok(BulkSmsReport {
                batch_id: None,
                count,
                samples,
                skipped,
            });
        }
        self.ready()?;
        let txn = self.db().begin().await.map_err(db_error)?;
        let batch = sms_batches::ActiveModel {
            template_id: Set(i32::try_from(template.id).ok()),
            created_by: Set(i32::try_from(actor.id).ok()),
            total: Set(i32::try_from(count).unwrap_or(i32::MAX)),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(db_error)?;
        for message in &mut messages {
            message.batch_id = Some(batch.id);
        }
        repo::insert_many(&txn, messages).await.map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        self.context.wake.notify_one();
        tracing::info!(batch = batch.id, count, "bulk SMS queued");
        Ok(BulkSmsReport {
            batch_id: Some(batch.id.into()),
            count,
            samples,
            skipped,
        })
    }

    async fn progress(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
        let id = i32::try_from(batch_id).map_err(|_| ApiError::NotFound)?;
        let batch = sms_batches::Entity::find_by_id(id)
            .one(self.db())
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)?;
        let statuses: Vec<String> = sms_messages::Entity::find()
            .select_only()
            .column(sms_messages::Column::Status)
            .filter(sms_messages::Column::BatchId.eq(id))
            .into_tuple()
            .all(self.db())
            .await
            .map_err(db_error)?;
        let mut progress = BatchProgress {
            batch_id,
            total: batch.total.max(0) as u64,
            pending: 0,
            sent: 0,
            delivered: 0,
            failed: 0,
            cancelled: 0,
            cancelled_at: batch.cancelled_at,
        };
        for status in statuses.iter().filter_map(|s| MessageStatus::parse(s)) {
            match status {
                MessageStatus::Pending | MessageStatus::Posting => progress.pending += 1,
                MessageStatus::Delivered | MessageStatus::Read => progress.delivered += 1,
                MessageStatus::Canceled => progress.cancelled += 1,
                status if status.is_failure() => progress.failed += 1,
                _ => progress.sent += 1,
            }
        }
        Ok(progress)
    }

    async fn cancel(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
        let id = i32::try_from(batch_id).map_err(|_| ApiError::NotFound)?;
        let now = Utc::now();
        sms_batches::Entity::update_many()
            .col_expr(sms_batches::Column::CancelledAt, Expr::value(now))
            .filter(sms_batches::Column::Id.eq(id))
            .filter(sms_batches::Column::CancelledAt.is_null())
            .exec(self.db())
            .await
            .map_err(db_error)?;
        // Only what is still waiting: a message being posted right now finishes its request.
        sms_messages::Entity::update_many()
            .col_expr(
                sms_messages::Column::Status,
                Expr::value(MessageStatus::Canceled.as_str()),
            )
            .col_expr(
                sms_messages::Column::ErrorMessage,
                Expr::value("cancelled before it was sent: not sent"),
            )
            .col_expr(sms_messages::Column::UpdatedAt, Expr::value(now))
            .filter(sms_messages::Column::BatchId.eq(id))
            .filter(sms_messages::Column::Status.eq(MessageStatus::Pending.as_str()))
            .exec(self.db())
            .await
            .map_err(db_error)?;
        self.progress(batch_id).await
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
