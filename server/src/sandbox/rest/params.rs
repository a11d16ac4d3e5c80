//! Reading requests as Twilio does: form-encoded bodies and queries with repeated keys kept
//! ([`Params`]), phone numbers and URLs checked, and list paging (`PageSize`, `Page`,
//! `PageToken`) with the paging fields of Twilio's list answers.

use super::errors::ApiError;
use crate::sandbox::credentials::is_e164;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};

/// A request's parameters in order, repeated keys kept (`StatusCallbackEvent=a&...=b`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text.
    pub fn parse(text: &[u8]) -> Self {
        Params(url::form_urlencoded::parse(text).into_owned().collect())
    }

    /// The first value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// The form body of a POST.
#[derive(Debug, Clone, Default)]
pub struct Form(pub Params);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|_| ApiError::invalid(20001, "The request body could not be read"))?;
        Ok(Form(Params::parse(&body)))
    }
}

/// The query string of a request.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Query(Params::parse(
            parts.uri.query().unwrap_or_default().as_bytes(),
        )))
    }
}

/// `number` in E.164 once spaces, dashes, dots and parentheses are removed, if it is one.
pub fn phone(number: &str) -> Option<String> {
    let compact: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    is_e164(&compact).then_some(compact)
}

/// Whether `text` is an absolute http(s) URL with a host free of underscores (Twilio refuses
/// underscores in callback hostnames).
pub fn is_webhook_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url
                .host_str()
                .is_some_and(|h| !h.is_empty() && !h.contains('_'))
    })
}

/// The largest page Twilio serves.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The page asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub page_size: usize,
    /// `PA<sid>`: the page after that resource; `PB<sid>`: the page before it.
    pub token: Option<String>,
}

impl Paging {
    /// Reads `Page`, `PageSize` (default 50, at most 1000) and `PageToken`.
    pub fn from_query(query: &Params) -> Result<Self, ApiError> {
        let number = |name: &str, default: usize| match query.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<usize>()
                .map_err(|_| ApiError::invalid(20001, format!("Invalid {name}: {text}"))),
        };
        Ok(Paging {
            page: number("Page", 0)?,
            page_size: number("PageSize", 50)?.clamp(1, MAX_PAGE_SIZE),
            token: query.get("PageToken").map(str::to_owned),
        })
    }

    /// Where this page starts in `sids` (the whole filtered list, in list order).
    fn start(&self, sids: &[&str]) -> usize {
        let position = |sid: &str| sids.iter().position(|s| *s == sid);
        match self.token.as_deref() {
            Some(token) if token.starts_with("PA") => {
                position(&token[2..]).map_or(self.page * self.page_size, |i| i + 1)
            }
            Some(token) if token.starts_with("PB") => position(&token[2..])
                .map_or(self.page * self.page_size, |i| {
                    i.saturating_sub(self.page_size)
                }),
            _ => self.page * self.page_size,
        }
    }
}

/// One page of `items` as Twilio's list answer: the items under `key` and the paging fields.
/// `path` is the list's path (`/2010-04-01/Accounts/AC.../Calls.json`), `filters` the query
/// filters to keep in the page URIs.
pub fn page_json<T>(
    items: &[T],
    sid: impl Fn(&T) -> &str,
    json: impl Fn(&T) -> Value,
    paging: &Paging,
    key: &str,
    path: &str,
    filters: &[(String, String)],
) -> Value {
    let sids: Vec<&str> = items.iter().map(&sid).collect();
    let start = paging.start(&sids).min(items.len());
    let end = (start + paging.page_size).min(items.len());
    let page_items = &items[start..end];
    let uri = |page: usize, token: Option<String>| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(filters);
        query.append_pair("PageSize", &paging.page_size.to_string());
        query.append_pair("Page", &page.to_string());
        if let Some(token) = token {
            query.append_pair("PageToken", &token);
        }
        Value::String(format!("{path}?{}", query.finish()))
    };
    let next = match page_items.last() {
        Some(last) if end < items.len() => uri(paging.page + 1, Some(format!("PA{}", sid(last)))),
        _ => Value::Null,
    };
    let previous = match page_items.first() {
        Some(first) if paging.page > 0 && start > 0 => {
            uri(paging.page - 1, Some(format!("PB{}", sid(first))))
        }
        _ => Value::Null,
    };
    let first_index = paging.page * paging.page_size;
    let mut body = Map::new();
    body.insert(key.to_owned(), page_items.iter().map(json).collect());
    body.insert(
        "end".into(),
        (first_index + page_items.len().saturating_sub(1)).into(),
    );
    body.insert("first_page_uri".into(), uri(0, None));
    body.insert("next_page_uri".into(), next);
    body.insert("page".into(), paging.page.into());
    body.insert("page_size".into(), paging.page_size.into());
    body.insert("previous_page_uri".into(), previous);
    body.insert("start".into(), first_index.into());
    body.insert("uri".into(), uri(paging.page, paging.token.clone()));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(page: usize, size: usize, token: Option<&str>) -> Paging {
        Paging {
            page,
            page_size: size,
            token: token.map(str::to_owned),
        }
    }

    fn page(items: &[&str], p: &Paging) -> Value {
        page_json(
            items,
            |s| s,
            |s| Value::String((*s).to_owned()),
            p,
            "calls",
            "/2010-04-01/Accounts/AC1/Calls.json",
            &[("To".to_owned(), "+33612345678".to_owned())],
        )
    }

    #[test]
    fn repeated_keys_are_kept_and_empty_values_skipped() {
        let params = Params::parse(b"A=1&E=initiated&E=ringing&B=&To=%2B336");
        assert_eq!(params.all("E"), vec!["initiated", "ringing"]);
        assert_eq!(params.get("B"), None);
        assert_eq!(params.get("To"), Some("+336"));
    }

    #[test]
    fn phones_and_urls_are_checked_as_twilio_does() {
        assert_eq!(phone("+1 (201) 555-0142").as_deref(), Some("+12015550142"));
        assert_eq!(phone("0612345678"), None);
        assert_eq!(phone("+12"), None);
        assert!(is_webhook_url("https://desk.example/a?b=c"));
        assert!(!is_webhook_url("https://my_desk.example/a"));
        assert!(!is_webhook_url("ftp://desk.example/a"));
        assert!(!is_webhook_url("/relative"));
    }

    #[test]
    fn page_size_defaults_to_50_and_is_capped_at_1000() {
        let p = Paging::from_query(&Params::parse(b"")).unwrap();
        assert_eq!((p.page, p.page_size), (0, 50));
        let p = Paging::from_query(&Params::parse(b"PageSize=5000&Page=2")).unwrap();
        assert_eq!((p.page, p.page_size), (2, 1000));
        assert_eq!(
            Paging::from_query(&Params::parse(b"PageSize=x"))
                .unwrap_err()
                .code,
            20001
        );
    }

    #[test]
    fn a_middle_page_links_both_ways_and_the_last_has_no_next() {
        let items = ["CA1", "CA2", "CA3", "CA4", "CA5"];
        let first = page(&items, &paging(0, 2, None));
        assert_eq!(first["calls"], serde_json::json!(["CA1", "CA2"]));
        assert_eq!(
            first["next_page_uri"],
            "/2010-04-01/Accounts/AC1/Calls.json?To=%2B33612345678&PageSize=2&Page=1&PageToken=PACA2"
        );
        assert_eq!(first["previous_page_uri"], Value::Null);
        assert_eq!(
            first["first_page_uri"],
            "/2010-04-01/Accounts/AC1/Calls.json?To=%2B33612345678&PageSize=2&Page=0"
        );
        assert_eq!(
            (first["start"].as_u64(), first["end"].as_u64()),
            (Some(0), Some(1))
        );

        let second = page(&items, &paging(1, 2, Some("PACA2")));
        assert_eq!(second["calls"], serde_json::json!(["CA3", "CA4"]));
        assert_eq!(
            second["previous_page_uri"],
            "/2010-04-01/Accounts/AC1/Calls.json?To=%2B33612345678&PageSize=2&Page=0&PageToken=PBCA3"
        );
        let back = page(&items, &paging(0, 2, Some("PBCA3")));
        assert_eq!(back["calls"], serde_json::json!(["CA1", "CA2"]));

        let last = page(&items, &paging(2, 2, Some("PACA4")));
        assert_eq!(last["calls"], serde_json::json!(["CA5"]));
        assert_eq!(last["next_page_uri"], Value::Null);
        assert_eq!(
            (last["start"].as_u64(), last["end"].as_u64()),
            (Some(4), Some(4))
        );
    }
}
