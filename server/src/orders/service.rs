//! [`OrdersService`]: the `OrdersPort` over the database.

use super::{csv_import::CsvRow, demo, parse_csv, validate_input, ValidOrder};
use crate::db::repo::orders::Term;
use crate::db::{db_error, repo};
use crate::phone::{looks_like_phone, parse_e164};
use app::api::{
    ApiError, FieldError, ImportReport, ImportRow, OrderDetail, OrderInput, OrderPage, SessionUser,
};
use app::ports::{OrderQuery, OrdersPort};
use migration::search_text::{digits, words};
use phonenumber::country;
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// The highest page number asked of the database; beyond it the last page is shown anyway.
const MAX_PAGE: u64 = 1_000_000;

/// Rows per page of the orders table.
pub const PER_PAGE: u64 = 50;

/// Orders backed by the database.
#[derive(Clone)]
pub struct OrdersService {
    pub db: DatabaseConnection,
    pub region: phonenumber::country::Id,
}

impl OrdersService {
    /// Turns the search box text into a query: a whole phone number is matched exactly in E.164,
    /// anything else as terms (see [`search_terms`]).
    pub(crate) fn interpret(&self, query: &OrderQuery) -> repo::orders::Search {
        let text = query.search.trim();
        let phone = looks_like_phone(text)
            .then(|| parse_e164(text, self.region).ok())
            .flatten();
        repo::orders::Search {
            terms: match phone {
                Some(_) => Vec::new(),
                None => search_terms(text, self.region),
            },
            phone,
            status: query.status,
        }
    }

    /// Creates an order that was validated elsewhere (the JSON API), refusing a taken number.
    pub async fn create(&self, order: ValidOrder) -> Result<OrderDetail, ApiError> {
        if repo::orders::number_taken(&self.db, &order.number, None)
            .await
            .map_err(db_error)?
        {
            return Err(number_taken());
        }
        let model = repo::orders::insert(&self.db, &order)
            .await
            .map_err(db_error)?;
        Ok(model.into())
    }

    /// Parses a CSV file and adds the duplicate-number checks that need the database.
    async fn check_csv(&self, csv: &str) -> Result<Vec<CsvRow>, ApiError> {
        let mut rows = parse_csv(csv, self.region).map_err(ApiError::BadRequest)?;
        let numbers: Vec<String> = rows
            .iter()
            .filter_map(|row| row.result.as_ref().ok().map(|o| o.number.clone()))
            .collect();
        let existing: HashSet<String> = repo::orders::existing_numbers(&self.db, &numbers)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        let mut seen = HashSet::new();
        for row in &mut rows {
            let Ok(order) = &row.result else { continue };
            let message = if existing.contains(&order.number) {
                Some("an order with this number already exists")
            } else if !seen.insert(order.number.clone()) {
                Some("appears twice in this file")
            } else {
                None
            };
            if let Some(message) = message {
                row.result = Err(vec![FieldError::new("number", message)]);
            }
        }
        Ok(rows)
    }
}

/// What people type between the digits of a phone number.
const PHONE_SEPARATORS: [char; 7] = [' ', '+', '-', '.', '(', ')', '/'];

/// The search box text as terms that must all match. A phone typed in part with its separators
/// ("06 12", "+33 6 12") is one term of its digits; any other text is one term per word, folded
/// like `search_text` ("Inès D-1012" -> "ines", "d1012").
fn search_terms(text: &str, region: country::Id) -> Vec<Term> {
    let phone_part = text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || PHONE_SEPARATORS.contains(&c));
    if !phone_part {
        return words(text)
            .into_iter()
            .map(|word| term(word, region))
            .collect();
    }
    let digits = digits(text);
    let international = match digits.strip_prefix("00") {
        Some(rest) => Some(rest.to_owned()),
        None => text.starts_with('+').then(|| digits.clone()),
    };
    let phone = match international {
        // Already international ("+33 6 12", "0033 6 12"): the digits after "+" in E.164.
        Some(digits) => Term {
            text: digits,
            or_phone: None,
        },
        None => term(digits, region),
    };
    // Nothing is left of "00" alone: no term, like an empty search.
    [phone].into_iter().filter(|t| !t.text.is_empty()).collect()
}

/// A term; three digits or more starting with the region's national prefix may also be the start
/// of a phone typed in national format ("0612" in France is also "33612").
fn term(text: String, region: country::Id) -> Term {
    let or_phone = (text.len() >= 3 && text.chars().all(|c| c.is_ascii_digit()))
        .then(|| {
            let metadata = phonenumber::metadata::DATABASE.by_id(region.as_ref())?;
            let national = text.strip_prefix(metadata.national_prefix()?)?;
            Some(format!("{}{national}", metadata.country_code()))
        })
        .flatten();
    Term { text, or_phone }
}

fn number_taken() -> ApiError {
    ApiError::Validation(vec![FieldError::new(
        "number",
        "an order with this number already exists",
    )])
}

fn report_row(row: &CsvRow) -> ImportRow {
    let (total_cents, errors) = match &row.result {
        Ok(order) => (order.total_cents(), Vec::new()),
        Err(errors) => (0, errors.clone()),
    };
    ImportRow {
        line: row.line,
        number: row.input.number.clone(),
        customer_name: row.input.customer_name.clone(),
        customer_phone: row
            .result
            .as_ref()
            .map(|o| o.customer_phone.clone())
            .unwrap_or_else(|_| row.input.customer_phone.clone()),
        total_cents,
        errors,
    }
}

#[async_trait::async_trait]
impl OrdersPort for OrdersService {
    async fn list(&self, query: OrderQuery) -> Result<OrderPage, ApiError> {
        let search = self.interpret(&query);
        let mut page = query.page.clamp(1, MAX_PAGE);
        let (mut rows, total) = repo::orders::search(&self.db, &search, page, PER_PAGE)
            .await
            .map_err(db_error)?;
        let last_page = total.div_ceil(PER_PAGE).max(1);
        if page > last_page {
            // A page past the end (an old link, a hand-typed URL) shows the last page.
            page = last_page;
            rows = repo::orders::search(&self.db, &search, page, PER_PAGE)
                .await
                .map_err(db_error)?
                .0;
        }
        Ok(OrderPage {
            orders: rows.into_iter().map(Into::into).collect(),
            total,
            page,
            per_page: PER_PAGE,
        })
    }

    async fn get(&self, id: i64) -> Result<OrderDetail, ApiError> {
        let id = repo::row_id(id).ok_or(ApiError::NotFound)?;
        repo::orders::find(&self.db, id)
            .await
            .map_err(db_error)?
            .map(Into::into)
            .ok_or(ApiError::NotFound)
    }

    async fn save(&self, id: Option<i64>, input: OrderInput) -> Result<OrderDetail, ApiError> {
        let order = validate_input(&input, self.region).map_err(ApiError::Validation)?;
        let Some(id) = id else {
            return self.create(order).await;
        };
        let id = repo::row_id(id).ok_or(ApiError::NotFound)?;
        let existing = repo::orders::find(&self.db, id)
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)?;
        if repo::orders::number_taken(&self.db, &order.number, Some(id))
            .await
            .map_err(db_error)?
        {
            return Err(number_taken());
        }
        let model = repo::orders::update(&self.db, existing, &order)
            .await
            .map_err(db_error)?;
        Ok(model.into())
    }

    async fn delete(&self, actor: &SessionUser, id: i64) -> Result<(), ApiError> {
        use crate::db::entities::{calls, orders, sms_messages, sms_replies};
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
        let id = repo::row_id(id).ok_or(ApiError::NotFound)?;
        let txn = self.db.begin().await.map_err(db_error)?;
        let order = orders::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)?;
        let calls = calls::Entity::find()
            .filter(calls::Column::OrderId.eq(id))
            .count(&txn)
            .await
            .map_err(db_error)?;
        let texts = sms_messages::Entity::find()
            .filter(sms_messages::Column::OrderId.eq(id))
            .count(&txn)
            .await
            .map_err(db_error)?
            + sms_replies::Entity::find()
                .filter(sms_replies::Column::OrderId.eq(id))
                .count(&txn)
                .await
                .map_err(db_error)?;
        if calls + texts > 0 {
            return Err(ApiError::Conflict(format!(
                "order {} has {calls} call(s) and {texts} text(s): it stays on record with them; set its status to cancelled instead",
                order.number
            )));
        }
        // A call or text created meanwhile makes the delete fail on its foreign key: refused too.
        let deleted = orders::Entity::delete_by_id(id).exec(&txn).await;
        match deleted {
            Ok(_) => txn.commit().await.map_err(db_error)?,
            Err(error) => {
                tracing::warn!(%error, order_id = id, "order delete refused by the database");
                return Err(ApiError::Conflict(format!(
                    "order {} just got a call or a text: it stays on record",
                    order.number
                )));
            }
        }
        tracing::info!(order_id = id, number = %order.number, by = actor.id, "order deleted");
        Ok(())
    }

    async fn load_demo_data(&self) -> Result<u64, ApiError> {
        let now = chrono::Utc::now();
        for attempt in 0..100u64 {
            let batch = demo::generate(50, 1001 + attempt * 50, now, attempt);
            let numbers: Vec<String> = batch.iter().map(|(o, _)| o.number.clone()).collect();
            if repo::orders::existing_numbers(&self.db, &numbers)
                .await
                .map_err(db_error)?
                .is_empty()
            {
                repo::orders::insert_demo(&self.db, &batch)
                    .await
                    .map_err(db_error)?;
                return Ok(50);
            }
        }
        Err(ApiError::Conflict(
            "demo order numbers are all taken".into(),
        ))
    }

    async fn preview_import(&self, csv: &str) -> Result<ImportReport, ApiError> {
        let rows = self.check_csv(csv).await?;
        Ok(ImportReport {
            rows: rows.iter().map(report_row).collect(),
            imported: 0,
        })
    }

    async fn import(&self, csv: &str) -> Result<ImportReport, ApiError> {
        let mut rows = self.check_csv(csv).await?;
        let mut imported = 0;
        for row in &mut rows {
            let Ok(order) = &row.result else { continue };
            match repo::orders::insert(&self.db, order).await {
                Ok(_) => imported += 1,
                Err(error) => {
                    tracing::warn!(line = row.line, %error, "import row not written");
                    row.result = Err(vec![FieldError::new(
                        "row",
                        "could not be saved (is the number already used?)",
                    )]);
                }
            }
        }
        tracing::info!(
            imported,
            refused = rows.len() as u64 - imported,
            "CSV import"
        );
        Ok(ImportReport {
            rows: rows.iter().map(report_row).collect(),
            imported,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<(String, Option<String>)> {
        search_terms(text, country::Id::FR)
            .into_iter()
            .map(|term| (term.text, term.or_phone))
            .collect()
    }

    fn plain(text: &str) -> (String, Option<String>) {
        (text.to_owned(), None)
    }

    #[test]
    fn words_are_folded_terms() {
        assert_eq!(terms("Inès  D-1012"), [plain("ines"), plain("d1012")]);
        assert_eq!(terms("d1012"), [plain("d1012")]);
        assert_eq!(terms("  "), []);
    }

    #[test]
    fn a_national_phone_fragment_is_also_its_international_form() {
        for text in ["0612", "06 12", "06.12", "(06) 12"] {
            assert_eq!(terms(text), [("0612".to_owned(), Some("33612".to_owned()))]);
        }
        assert_eq!(terms("5678"), [plain("5678")]);
        assert_eq!(
            terms("06"),
            [plain("06")],
            "two digits are too short to be a phone"
        );
    }

    #[test]
    fn an_international_phone_fragment_is_its_e164_digits() {
        assert_eq!(terms("+33 6 12"), [plain("33612")]);
        assert_eq!(terms("0033 6 12"), [plain("33612")]);
        assert_eq!(terms("00"), []);
    }
}
