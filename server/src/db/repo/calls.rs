//! Calls and their status events.

use crate::db::entities::{call_events, calls, orders};
use app::api::{CallStatus, CallView, Provider, Recipient};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, Statement, TransactionTrait,
};

/// A call about to be placed.
pub struct NewCall<'a> {
    pub order_id: i32,
    pub placed_by: Option<i32>,
    pub placed_by_name: &'a str,
    pub recipient: Recipient,
    pub to_number: &'a str,
    pub provider: Provider,
    pub purpose: &'a str,
    /// Placed through the sandbox.
    pub sandbox: bool,
}

/// Serialises placements on PostgreSQL (`pg_advisory_xact_lock` key; any constant unique to
/// this purpose).
const PLACEMENT_LOCK: i64 = 0x4f72_6465_724c_0001;

/// Inserts the call record in `queued` before Twilio is asked, unless `limit` calls are already
/// not over: then nothing is inserted and the answer is None. The order's last contact is stamped
/// only when someone answers (see [`apply_status`]), not when a call is attempted.
///
/// Counting and inserting are one statement, `INSERT ... SELECT ... WHERE (SELECT count(*) ...) <
/// limit`, so parallel requests cannot all see room for themselves. On SQLite that statement
/// holds the database's single write lock from its start, so no other insert can interleave. On
/// PostgreSQL (READ COMMITTED) two such statements could count the same rows, so the transaction
/// first takes a transaction-scoped advisory lock that serialises placements for every server
/// instance sharing the database.
pub async fn insert_within_limit(
    db: &DatabaseConnection,
    call: &NewCall<'_>,
    limit: u64,
) -> Result<Option<calls::Model>, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        txn.execute(Statement::from_sql_and_values(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            [PLACEMENT_LOCK.into()],
        ))
        .await?;
    }
    let active = Query::select()
        .expr(Expr::col(calls::Column::Id).count())
        .from(calls::Entity)
        .cond_where(not_final())
        .to_owned();
    let values = Query::select()
        .exprs([
            Expr::val(call.order_id),
            Expr::val(call.placed_by),
            Expr::val(call.placed_by_name),
            Expr::val(call.recipient.as_str()),
            Expr::val(call.to_number),
            Expr::val(call.provider.as_str()),
            Expr::val(call.purpose),
            Expr::val(CallStatus::Queued.as_str()),
            Expr::val(-1),
            Expr::val(now),
            Expr::val(now),
            Expr::val(call.sandbox),
        ])
        .and_where(
            Expr::expr(SimpleExpr::SubQuery(
                None,
                Box::new(active.into_sub_query_statement()),
            ))
            .lt(i64::try_from(limit).unwrap_or(i64::MAX)),
        )
        .to_owned();
    let insert = Query::insert()
        .into_table(calls::Entity)
        .columns([
            calls::Column::OrderId,
            calls::Column::PlacedBy,
            calls::Column::PlacedByName,
            calls::Column::Recipient,
            calls::Column::ToNumber,
            calls::Column::Provider,
            calls::Column::Purpose,
            calls::Column::Status,
            calls::Column::LastSequence,
            calls::Column::CreatedAt,
            calls::Column::UpdatedAt,
            calls::Column::Sandbox,
        ])
        .select_from(values)
        .map_err(|error| DbErr::Custom(error.to_string()))?
        .returning_all()
        .to_owned();
    let model = calls::Entity::find()
        .from_raw_sql(backend.build(&insert))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn find(db: &DatabaseConnection, id: i32) -> Result<Option<calls::Model>, DbErr> {
    calls::Entity::find_by_id(id).one(db).await
}

/// The call with this Twilio SID on this order (a webhook must match both).
pub async fn find_by_sid(
    db: &impl ConnectionTrait,
    order_id: i32,
    call_sid: &str,
) -> Result<Option<calls::Model>, DbErr> {
    calls::Entity::find()
        .filter(calls::Column::CallSid.eq(call_sid))
        .filter(calls::Column::OrderId.eq(order_id))
        .one(db)
        .await
}

/// Stores the SID Twilio gave the call, unless one is stored already (an early callback may have
/// stored it first); true when stored now.
pub async fn claim_sid(db: &impl ConnectionTrait, call_id: i32, sid: &str) -> Result<bool, DbErr> {
    let result = calls::Entity::update_many()
        .col_expr(calls::Column::CallSid, Expr::value(sid))
        .col_expr(calls::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(calls::Column::Id.eq(call_id))
        .filter(calls::Column::CallSid.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The call a Twilio request is about. With our call id (the `call` query parameter of the URLs
/// given to Twilio) the call is found even before its SID is stored, and `sid` is stored then; a
/// SID other than the stored one names no call. Without the id (URLs issued before they carried
/// it), the SID alone decides. Without a SID (the reconciler failing a call that never got one),
/// the id alone decides.
pub async fn find_for_callback(
    db: &impl ConnectionTrait,
    order_id: i32,
    call_id: Option<i32>,
    sid: Option<&str>,
) -> Result<Option<calls::Model>, DbErr> {
    let (call_id, sid) = match (call_id, sid) {
        (Some(call_id), sid) => (call_id, sid),
        (None, Some(sid)) => return find_by_sid(db, order_id, sid).await,
        (None, None) => return Ok(None),
    };
    let by_id = || {
        calls::Entity::find_by_id(call_id)
            .filter(calls::Column::OrderId.eq(order_id))
            .one(db)
    };
    let Some(mut call) = by_id().await? else {
        return Ok(None);
    };
    let Some(sid) = sid else {
        return Ok(Some(call));
    };
    if call.call_sid.is_none() {
        claim_sid(db, call_id, sid).await?;
        call = match by_id().await? {
            Some(call) => call,
            None => return Ok(None),
        };
    }
    Ok((call.call_sid.as_deref() == Some(sid)).then_some(call))
}

/// Ends a call as `failed` with a reason (Twilio refused it, or it could not be sent).
pub async fn mark_failed(
    db: &DatabaseConnection,
    call: calls::Model,
    reason: &str,
) -> Result<calls::Model, DbErr> {
    let mut active: calls::ActiveModel = call.into();
    active.status = Set(CallStatus::Failed.as_str().to_owned());
    active.failure_reason = Set(Some(reason.to_owned()));
    active.updated_at = Set(Utc::now());
    active.update(db).await
}

/// Details a status callback may carry.
#[derive(Debug, Clone, Default)]
pub struct StatusDetails {
    pub duration_seconds: Option<i64>,
    pub answered_by: Option<String>,
    pub sip_response_code: Option<i32>,
    pub failure_reason: Option<String>,
}

/// Applies a status (already decided to be applied): records the event and updates the call.
/// Runs on the caller's connection or transaction (the status writer batches many in one).
/// `sequence` is the callback's `SequenceNumber`, or None for a status read from Twilio's call
/// record (the reconciler): the event is then stored with -1 and the call keeps its last sequence.
pub async fn apply_status(
    db: &impl ConnectionTrait,
    call: calls::Model,
    status: CallStatus,
    sequence: Option<i32>,
    at: DateTime<Utc>,
    details: StatusDetails,
) -> Result<calls::Model, DbErr> {
    call_events::ActiveModel {
        call_id: Set(call.id),
        status: Set(status.as_str().to_owned()),
        sequence_number: Set(sequence.unwrap_or(-1)),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Someone was reached: the call was answered (in-progress), or completed having lasted (its
    // in-progress callback may have been lost). Failed, busy, unanswered calls are not a contact.
    let answered = status == CallStatus::InProgress
        || (status == CallStatus::Completed && details.duration_seconds.unwrap_or(0) > 0);
    if answered {
        orders::Entity::update_many()
            .col_expr(orders::Column::LastContactAt, Expr::value(at))
            .filter(orders::Column::Id.eq(call.order_id))
            .exec(db)
            .await?;
    }
    let mut active: calls::ActiveModel = call.into();
    active.status = Set(status.as_str().to_owned());
    if let Some(sequence) = sequence {
        active.last_sequence = Set(sequence);
    }
    active.updated_at = Set(Utc::now());
    if details.duration_seconds.is_some() {
        active.duration_seconds = Set(details.duration_seconds);
    }
    if details.answered_by.is_some() {
        active.answered_by = Set(details.answered_by);
    }
    if details.sip_response_code.is_some() {
        active.sip_response_code = Set(details.sip_response_code);
    }
    if details.failure_reason.is_some() {
        active.failure_reason = Set(details.failure_reason);
    }
    active.update(db).await
}

/// Records the answering-machine result of the voice webhook.
pub async fn set_answered_by(
    db: &DatabaseConnection,
    call: calls::Model,
    answered_by: &str,
) -> Result<calls::Model, DbErr> {
    let mut active: calls::ActiveModel = call.into();
    active.answered_by = Set(Some(answered_by.to_owned()));
    active.update(db).await
}

/// When the call's Media Streams token was issued: `now` (to the millisecond, which every backend
/// stores exactly) unless one was issued already, in which case that first time; so a replayed
/// voice webhook derives the same token instead of a new one. None when there is no such call.
pub async fn issue_media_token(
    db: &DatabaseConnection,
    call_id: i32,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let now = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    calls::Entity::update_many()
        .col_expr(calls::Column::MediaTokenIssuedAt, Expr::value(now))
        .filter(calls::Column::Id.eq(call_id))
        .filter(calls::Column::MediaTokenIssuedAt.is_null())
        .exec(db)
        .await?;
    let call = calls::Entity::find_by_id(call_id).one(db).await?;
    Ok(call.and_then(|call| call.media_token_issued_at))
}

/// Uses up the call's Media Streams token: true the first time only, and only while the call is
/// not over (one statement, so two sockets racing with the same token cannot both win).
pub async fn use_media_token(
    db: &DatabaseConnection,
    call_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let result = calls::Entity::update_many()
        .col_expr(calls::Column::MediaTokenUsedAt, Expr::value(now))
        .filter(calls::Column::Id.eq(call_id))
        .filter(calls::Column::MediaTokenUsedAt.is_null())
        .filter(not_final())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The calls of an order, newest first.
pub async fn for_order(db: &DatabaseConnection, order_id: i32) -> Result<Vec<calls::Model>, DbErr> {
    calls::Entity::find()
        .filter(calls::Column::OrderId.eq(order_id))
        .order_by_desc(calls::Column::CreatedAt)
        .order_by_desc(calls::Column::Id)
        .all(db)
        .await
}

fn not_final() -> sea_orm::Condition {
    let finals: Vec<&str> = CallStatus::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect();
    sea_orm::Condition::all().add(calls::Column::Status.is_not_in(finals))
}

/// Calls that are not over.
pub async fn active(db: &DatabaseConnection) -> Result<Vec<calls::Model>, DbErr> {
    calls::Entity::find()
        .filter(not_final())
        .order_by_desc(calls::Column::CreatedAt)
        .all(db)
        .await
}

/// Calls not over that were created before `before` (the reconciler's candidates), oldest first.
pub async fn open_created_before(
    db: &DatabaseConnection,
    before: DateTime<Utc>,
) -> Result<Vec<calls::Model>, DbErr> {
    calls::Entity::find()
        .filter(not_final())
        .filter(calls::Column::CreatedAt.lt(before))
        .order_by_asc(calls::Column::CreatedAt)
        .all(db)
        .await
}

/// How many calls are not over.
pub async fn count_active(db: &DatabaseConnection) -> Result<u64, DbErr> {
    calls::Entity::find().filter(not_final()).count(db).await
}

impl From<calls::Model> for CallView {
    fn from(call: calls::Model) -> Self {
        CallView {
            id: i64::from(call.id),
            order_id: i64::from(call.order_id),
            created_at: call.created_at,
            updated_at: call.updated_at,
            placed_by: call.placed_by_name,
            recipient: call.recipient.parse().unwrap_or(Recipient::Customer),
            to_number: call.to_number,
            provider: call.provider.parse().unwrap_or(Provider::Openai),
            status: call.status.parse().unwrap_or_else(|_| {
                tracing::error!(call_id = call.id, status = %call.status, "unknown call status in database");
                CallStatus::Failed
            }),
            duration_seconds: call.duration_seconds,
            answered_by: call.answered_by,
            failure_reason: call.failure_reason,
            sandbox: call.sandbox,
        }
    }
}
