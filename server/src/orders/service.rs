//! [`OrdersService`]: the `OrdersPort` over the database.

use super::{csv_import::CsvRow, demo, parse_csv, validate_input, ValidOrder};
use crate::db::{db_error, repo};
use crate::phone::{looks_like_phone, parse_e164};
use app::api::{ApiError, FieldError, ImportReport, ImportRow, OrderDetail, OrderInput, OrderPage};
use app::ports::{OrderQuery, OrdersPort};
use sea_orm::DatabaseConnection;
use std::collections::HashSet;

/// Rows per page of the orders table.
pub const PER_PAGE: u64 = 50;

/// Orders backed by the database.
#[derive(Clone)]
pub struct OrdersService {
    pub db: DatabaseConnection,
    pub region: phonenumber::country::Id,
}

impl OrdersService {
    /// Turns the search box text into a query: a phone number is matched exactly in E.164.
    fn interpret(&self, query: &OrderQuery) -> repo::orders::Search {
        let text = query.search.trim();
        let phone = looks_like_phone(text)
            .then(|| parse_e164(text, self.region).ok())
            .flatten();
        repo::orders::Search {
            text: (phone.is_none() && !text.is_empty()).then(|| text.to_owned()),
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
        let page = query.page.max(1);
        let (rows, total) = repo::orders::search(&self.db, &search, page, PER_PAGE)
            .await
            .map_err(db_error)?;
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
                repo::orders::insert_many(&self.db, &batch)
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
