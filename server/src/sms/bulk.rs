//! Bulk sends from the orders list: the selection (checked orders, or every order matching the
//! list's search and filter), one text per order rendered from the template in its language,
//! orders without a usable number or opted out skipped with the reason; the preview writes
//! nothing; confirmed, the batch and its texts are written in one transaction; progress and
//! cancelling (what is still waiting becomes `canceled`, "not sent").

use super::service::{number_of, reachable_with, SmsService, MAX_BULK};
use super::values::template_values;
use crate::db::entities::{orders, sms_batches, sms_messages};
use crate::db::repo::sms::{self as repo, NewMessage};
use crate::db::{db_error, repo::orders as order_repo};
use app::api::{
    ApiError, BatchProgress, BulkSelection, BulkSmsReport, Recipient, SessionUser, SkippedOrder,
};
use app::ports::OrderQuery;
use app::sms::MessageStatus;
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait,
};

/// Rendered messages a bulk preview shows.
const SAMPLES: usize = 3;

impl SmsService {
    /// The orders a bulk send is for.
    pub(super) async fn selected(
        &self,
        selection: &BulkSelection,
    ) -> Result<Vec<orders::Model>, ApiError> {
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

    pub(super) async fn bulk_send(
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
        // The opted-out numbers among the selection, read once.
        let numbers: Vec<String> = orders
            .iter()
            .filter_map(|order| number_of(order, Recipient::Customer).ok())
            .collect();
        let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
        let suppressed = repo::suppressed_among(self.db(), &numbers)
            .await
            .map_err(db_error)?;
        for order in &orders {
            let skip = |reason: String| SkippedOrder {
                order_id: order.id.into(),
                order_number: order.number.clone(),
                reason,
            };
            let number = match reachable_with(order, Recipient::Customer, &suppressed) {
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

    pub(super) async fn batch_progress(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
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

    pub(super) async fn cancel_batch(&self, batch_id: i64) -> Result<BatchProgress, ApiError> {
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
        self.batch_progress(batch_id).await
    }
}
