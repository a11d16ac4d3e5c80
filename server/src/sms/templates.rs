//! The text templates: the two defaults written at first start (French, the default, and
//! English, from `app::sms::DEFAULT_TEMPLATES`), and saving with the rules staff expect: a name
//! and a language, a body whose placeholders all exist (refused by name otherwise), exactly one
//! default.

use crate::db::db_error;
use crate::db::entities::sms_templates;
use app::api::{ApiError, FieldError, SmsTemplateInput, SmsTemplateView};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait, TryIntoModel,
};

/// The languages a template can be in.
pub const LANGUAGES: [&str; 2] = ["fr", "en"];

impl From<sms_templates::Model> for SmsTemplateView {
    fn from(row: sms_templates::Model) -> Self {
        SmsTemplateView {
            id: row.id.into(),
            name: row.name,
            language: row.language,
            body: row.body,
            is_default: row.is_default,
        }
    }
}

/// Writes the default templates when there are none (first start).
pub async fn seed_defaults(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    if sms_templates::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let now = Utc::now();
    for (i, template) in app::sms::DEFAULT_TEMPLATES.iter().enumerate() {
        sms_templates::ActiveModel {
            name: Set(template.name.to_owned()),
            language: Set(template.language.to_owned()),
            body: Set(template.body.to_owned()),
            is_default: Set(i == 0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Every template, the default first, then by name.
pub async fn list(db: &DatabaseConnection) -> Result<Vec<sms_templates::Model>, sea_orm::DbErr> {
    sms_templates::Entity::find()
        .order_by_desc(sms_templates::Column::IsDefault)
        .order_by_asc(sms_templates::Column::Name)
        .all(db)
        .await
}

/// The input's fields refused one by one.
fn check(input: &SmsTemplateInput) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        errors.push(FieldError::new("name", "give the template a name"));
    } else if name.chars().count() > 100 {
        errors.push(FieldError::new("name", "at most 100 characters"));
    }
    if !LANGUAGES.contains(&input.language.as_str()) {
        errors.push(FieldError::new(
            "language",
            "choose French (fr) or English (en)",
        ));
    }
    if let Err(error) = app::sms::validate(&input.body) {
        errors.push(FieldError::new("body", error.to_string()));
    }
    errors
}

/// Creates (`id` None) or updates a template; making it the default unsets the previous one.
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i64>,
    input: SmsTemplateInput,
) -> Result<SmsTemplateView, ApiError> {
    let errors = check(&input);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let name = input.name.trim().to_owned();
    let id = id
        .map(i32::try_from)
        .transpose()
        .map_err(|_| ApiError::NotFound)?;
    let same_name = sms_templates::Entity::find()
        .filter(sms_templates::Column::Name.eq(name.as_str()))
        .one(db)
        .await
        .map_err(db_error)?;
    if same_name.is_some_and(|other| Some(other.id) != id) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            "another template has this name",
        )]));
    }
    let txn = db.begin().await.map_err(db_error)?;
    let now = Utc::now();
    let existing = match id {
        Some(id) => Some(
            sms_templates::Entity::find_by_id(id)
                .one(&txn)
                .await
                .map_err(db_error)?
                .ok_or(ApiError::NotFound)?,
        ),
        None => None,
    };
    // The only default cannot stop being one: another must be made the default instead.
    let is_default = input.is_default || existing.as_ref().is_some_and(|t| t.is_default);
    if is_default {
        sms_templates::Entity::update_many()
            .col_expr(sms_templates::Column::IsDefault, Expr::value(false))
            .filter(sms_templates::Column::IsDefault.eq(true))
            .exec(&txn)
            .await
            .map_err(db_error)?;
    }
    let mut row = match existing {
        Some(row) => row.into(),
        None => sms_templates::ActiveModel {
            created_at: Set(now),
            ..Default::default()
        },
    };
    row.name = Set(name);
    row.language = Set(input.language);
    row.body = Set(input.body);
    row.is_default = Set(is_default);
    row.updated_at = Set(now);
    let saved = row
        .save(&txn)
        .await
        .and_then(|saved| saved.try_into_model())
        .map_err(db_error)?;
    txn.commit().await.map_err(db_error)?;
    Ok(saved.into())
}

/// Deletes a template; the default one is refused (make another the default first).
pub async fn delete(db: &DatabaseConnection, id: i64) -> Result<(), ApiError> {
    let id = i32::try_from(id).map_err(|_| ApiError::NotFound)?;
    let row = sms_templates::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or(ApiError::NotFound)?;
    if row.is_default {
        return Err(ApiError::Conflict(
            "this is the default template: make another one the default first".into(),
        ));
    }
    sms_templates::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(())
}
