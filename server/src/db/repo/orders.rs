//! Orders: the search behind the orders table, reads and writes.

use crate::db::entities::orders::{self, Entity as Orders};
use crate::orders::ValidOrder;
use app::api::{OrderDetail, OrderItem, OrderStatus, OrderSummary};
use chrono::{DateTime, Utc};
use migration::search_text::{order_search_text, PHONES_END};
use sea_orm::sea_query::{Expr, LikeExpr, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};

/// What to search for, already interpreted by the orders service.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// A whole phone number in E.164: matches the customer or driver phone exactly (indexed).
    pub phone: Option<String>,
    /// Words that must all match, each somewhere in `search_text`.
    pub terms: Vec<Term>,
    pub status: Option<OrderStatus>,
}

/// One word of the search box, normalised like `search_text` (see [`search_text`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Term {
    /// Found anywhere in `search_text` ("ines", "d10", "5678"); one or two digits are looked for
    /// in the number and name only, as nearly every phone contains them.
    pub text: String,
    /// Another form that matches too: the international digits of a phone typed in national
    /// format ("0612" -> "33612").
    pub or_phone: Option<String>,
}

/// What `orders.search_text` holds for this order.
pub fn search_text(order: &ValidOrder) -> String {
    let phones =
        std::iter::once(order.customer_phone.as_str()).chain(order.driver_phone.as_deref());
    order_search_text(&order.number, &order.customer_name, phones)
}

/// The LIKE pattern for a term: anywhere in `search_text`, or after the phones for one or two
/// digits. LIKE wildcards in the term are escaped (with `\`).
fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let short_number = term.len() < 3 && term.chars().all(|c| c.is_ascii_digit());
    if short_number {
        format!("%{PHONES_END}%{escaped}%")
    } else {
        format!("%{escaped}%")
    }
}

fn text_matches(term: &str) -> SimpleExpr {
    Expr::col(orders::Column::SearchText).like(LikeExpr::new(like_pattern(term)).escape('\\'))
}

fn condition(search: &Search) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = search.status {
        condition = condition.add(orders::Column::Status.eq(status.as_str()));
    }
    if let Some(phone) = &search.phone {
        condition = condition.add(
            Condition::any()
                .add(orders::Column::CustomerPhone.eq(phone.as_str()))
                .add(orders::Column::DriverPhone.eq(phone.as_str())),
        );
    }
    for term in &search.terms {
        let mut any = Condition::any().add(text_matches(&term.text));
        if let Some(phone) = &term.or_phone {
            any = any.add(text_matches(phone));
        }
        condition = condition.add(any);
    }
    condition
}

/// A text search that matches at most this many orders reads their ids in one pass over
/// `idx_orders_search`, then just the page; beyond, it counts and pages like any other search.
const FEW_MATCHES: u64 = 1000;

/// One page (1-based) of matching orders, newest first, and the number of matches.
pub async fn search(
    db: &DatabaseConnection,
    search: &Search,
    page: u64,
    per_page: u64,
) -> Result<(Vec<orders::Model>, u64), DbErr> {
    let filter = condition(search);
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    if !search.terms.is_empty() {
        // Text is matched by scanning. The usual search (a name, part of a phone) matches few
        // orders: one scan finds them all, which both counts them and names the page's rows.
        // Ordering the scan by date instead would read every row of the table.
        let ids: Vec<i32> = Orders::find()
            .select_only()
            .column(orders::Column::Id)
            .filter(filter.clone())
            .limit(FEW_MATCHES + 1)
            .into_tuple()
            .all(db)
            .await?;
        let total = ids.len() as u64;
        if total <= FEW_MATCHES {
            let rows = newest_first(Orders::find().filter(orders::Column::Id.is_in(ids)))
                .offset(offset)
                .limit(per_page)
                .all(db)
                .await?;
            return Ok((rows, total));
        }
    }
    let total = Orders::find().filter(filter.clone()).count(db).await?;
    let rows = newest_first(Orders::find().filter(filter))
        .offset(offset)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

fn newest_first(select: Select<Orders>) -> Select<Orders> {
    select
        .order_by_desc(orders::Column::CreatedAt)
        .order_by_desc(orders::Column::Id)
}

pub async fn find(db: &DatabaseConnection, id: i32) -> Result<Option<orders::Model>, DbErr> {
    Orders::find_by_id(id).one(db).await
}

/// Whether another order (not `except`) already has this number.
pub async fn number_taken(
    db: &DatabaseConnection,
    number: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let mut query = Orders::find().filter(orders::Column::Number.eq(number));
    if let Some(id) = except {
        query = query.filter(orders::Column::Id.ne(id));
    }
    Ok(query.count(db).await? > 0)
}

/// Which of these numbers already exist.
pub async fn existing_numbers(
    db: &DatabaseConnection,
    numbers: &[String],
) -> Result<Vec<String>, DbErr> {
    let mut found = Vec::new();
    for chunk in numbers.chunks(500) {
        let rows: Vec<String> = Orders::find()
            .select_only()
            .column(orders::Column::Number)
            .filter(orders::Column::Number.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

fn active_model(order: &ValidOrder, now: DateTime<Utc>) -> orders::ActiveModel {
    orders::ActiveModel {
        number: Set(order.number.clone()),
        status: Set(order.status.as_str().to_owned()),
        customer_name: Set(order.customer_name.clone()),
        customer_phone: Set(order.customer_phone.clone()),
        delivery_address: Set(order.delivery_address.clone()),
        window_start: Set(order.window_start),
        window_end: Set(order.window_end),
        items: Set(serde_json::to_value(&order.items).unwrap_or_default()),
        total_cents: Set(order.total_cents()),
        notes: Set(order.notes.clone()),
        driver_name: Set(order.driver_name.clone()),
        driver_phone: Set(order.driver_phone.clone()),
        language: Set(order.language.map(|l| l.code().to_owned())),
        search_text: Set(search_text(order)),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Inserts one order.
pub async fn insert(db: &impl ConnectionTrait, order: &ValidOrder) -> Result<orders::Model, DbErr> {
    let now = Utc::now();
    let mut model = active_model(order, now);
    model.created_at = Set(now);
    model.insert(db).await
}

/// Inserts generated demo orders (see `orders::demo`) in one statement, marked as demo orders,
/// each with its own `created_at`.
pub async fn insert_demo(
    db: &impl ConnectionTrait,
    orders_to_insert: &[(ValidOrder, DateTime<Utc>)],
) -> Result<(), DbErr> {
    if orders_to_insert.is_empty() {
        return Ok(());
    }
    let models = orders_to_insert.iter().map(|(order, created)| {
        let mut model = active_model(order, *created);
        model.created_at = Set(*created);
        model.demo = Set(true);
        model
    });
    Orders::insert_many(models).exec(db).await.map(drop)
}

/// Replaces every field of an existing order.
pub async fn update(
    db: &DatabaseConnection,
    existing: orders::Model,
    order: &ValidOrder,
) -> Result<orders::Model, DbErr> {
    let mut model = active_model(order, Utc::now());
    model.id = Set(existing.id);
    model.created_at = Set(existing.created_at);
    model.last_contact_at = Set(existing.last_contact_at);
    model.update(db).await
}

fn status_of(model: &orders::Model) -> OrderStatus {
    model.status.parse().unwrap_or_else(|_| {
        tracing::error!(order_id = model.id, status = %model.status, "unknown order status in database");
        OrderStatus::Pending
    })
}

impl From<orders::Model> for OrderSummary {
    fn from(model: orders::Model) -> Self {
        OrderSummary {
            id: i64::from(model.id),
            status: status_of(&model),
            number: model.number,
            customer_name: model.customer_name,
            customer_phone: model.customer_phone,
            window_start: model.window_start,
            window_end: model.window_end,
            total_cents: model.total_cents,
            last_contact_at: model.last_contact_at,
            demo: model.demo,
        }
    }
}

impl From<orders::Model> for OrderDetail {
    fn from(model: orders::Model) -> Self {
        let items: Vec<OrderItem> =
            serde_json::from_value(model.items.clone()).unwrap_or_else(|e| {
                tracing::error!(order_id = model.id, error = %e, "order items are not valid JSON");
                Vec::new()
            });
        OrderDetail {
            language: model.customer_lang(),
            id: i64::from(model.id),
            status: status_of(&model),
            number: model.number,
            customer_name: model.customer_name,
            customer_phone: model.customer_phone,
            delivery_address: model.delivery_address,
            window_start: model.window_start,
            window_end: model.window_end,
            items,
            total_cents: model.total_cents,
            notes: model.notes,
            driver_name: model.driver_name,
            driver_phone: model.driver_phone,
            last_contact_at: model.last_contact_at,
            created_at: model.created_at,
            updated_at: model.updated_at,
            demo: model.demo,
            window_confirmed_at: model.window_confirmed_at,
            window_request: model.window_request,
            window_request_at: model.window_request_at,
        }
    }
}

/// The normalisation itself lives in `migration::search_text` (the backfill needs it too); it is
/// tested here with what the server builds from it.
/// How many orders there are.
pub async fn count_all(db: &DatabaseConnection) -> Result<u64, DbErr> {
    Orders::find().count(db).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::search_text::{digits, fold, words};

    fn order(number: &str, customer_name: &str, driver_phone: Option<&str>) -> ValidOrder {
        ValidOrder {
            number: number.into(),
            status: OrderStatus::Pending,
            customer_name: customer_name.into(),
            customer_phone: "+33612345678".into(),
            delivery_address: "1 rue A".into(),
            window_start: None,
            window_end: None,
            items: Vec::new(),
            notes: String::new(),
            driver_name: None,
            driver_phone: driver_phone.map(Into::into),
            language: None,
        }
    }

    #[test]
    fn accents_and_case_are_folded() {
        assert_eq!(fold("Inès"), "ines");
        assert_eq!(fold("INÈS"), "ines");
        assert_eq!(fold("Ines"), "ines");
        // Decomposed text (e + combining grave accent), as some keyboards and macOS produce.
        assert_eq!(fold("Ine\u{300}s"), "ines");
        assert_eq!(fold("Œuvre Lætitia"), "oeuvre laetitia");
        assert_eq!(fold("Straße STRAẞE"), "strasse strasse");
        assert_eq!(
            fold("François Müller Łukasz Nguyễn Şahin İlker"),
            "francois muller lukasz nguyen sahin ilker"
        );
        assert_eq!(
            fold("Ωμέγα"),
            "ωμέγα",
            "other scripts are lower-cased, kept"
        );
    }

    #[test]
    fn words_drop_punctuation_and_digits_are_extracted() {
        assert_eq!(words("D-1012"), ["d1012"]);
        assert_eq!(words("  Jean-Luc   O'Neil "), ["jeanluc", "oneil"]);
        assert_eq!(words("- 100%"), ["100"]);
        assert_eq!(digits("+33 6 12-34.56(78)"), "33612345678");
        assert_eq!(digits("Inès"), "");
    }

    #[test]
    fn search_text_holds_phone_digits_then_number_and_name() {
        assert_eq!(
            search_text(&order("D-1012", "Inès Dupont", None)),
            "33612345678 | d1012 ines dupont"
        );
        assert_eq!(
            search_text(&order("A/7", "ÉLODIE", Some("+33698765401"))),
            "33612345678 33698765401 | a7 elodie"
        );
    }

    #[test]
    fn like_patterns_escape_wildcards_and_keep_short_numbers_out_of_phones() {
        assert_eq!(like_pattern("ines"), "%ines%");
        assert_eq!(like_pattern("5678"), "%5678%");
        assert_eq!(like_pattern("12"), "%|%12%");
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
