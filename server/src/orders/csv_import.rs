//! CSV files of orders: the header names the columns (any order; unknown columns are refused so
//! typos do not silently drop data), each row becomes an [`OrderInput`] and is validated alone.

use super::validate::{validate_input, ValidOrder};
use app::api::{FieldError, OrderInput};

/// One parsed row: the line it came from, the raw input, and the validation result.
#[derive(Debug)]
pub struct CsvRow {
    pub line: u64,
    pub input: OrderInput,
    pub result: Result<ValidOrder, Vec<FieldError>>,
}

const COLUMNS: [&str; 12] = [
    "number",
    "status",
    "customer_name",
    "customer_phone",
    "delivery_address",
    "window_start",
    "window_end",
    "items",
    "notes",
    "driver_name",
    "driver_phone",
    "language",
];
const REQUIRED: [&str; 5] = [
    "number",
    "customer_name",
    "customer_phone",
    "delivery_address",
    "items",
];

/// Windows line endings (`\r\n`, as spreadsheet programs save) and old Mac ones (`\r`) become
/// `\n`: the csv reader counts lines by `\n` only and reported every row one line too low.
fn normalise_line_endings(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The separator of the file: `;` (spreadsheets in French and other locales where the comma is
/// the decimal mark), tab, or `,`, whichever the header line (outside quotes) has most of.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (separator, count) in &mut counts {
                if byte == *separator {
                    *count += 1;
                }
            }
        }
    }
    // Ties (a one-column header) go to the comma, the first entry.
    counts
        .iter()
        .fold((b',', 0), |best, &(separator, count)| {
            if count > best.1 {
                (separator, count)
            } else {
                best
            }
        })
        .0
}

/// Parses a whole file. Errors of the file itself (no header, unknown column) fail the call;
/// errors of a row stay on that row.
pub fn parse_csv(text: &str, region: phonenumber::country::Id) -> Result<Vec<CsvRow>, String> {
    let text = normalise_line_endings(text.trim_start_matches('\u{feff}'));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err("the file is empty; the first line must name the columns".into());
    }
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(format!(
            "unknown column {unknown:?}; known columns: {}",
            COLUMNS.join(", ")
        ));
    }
    if let Some(missing) = REQUIRED.iter().find(|c| !headers.iter().any(|h| h == *c)) {
        return Err(format!("the column {missing:?} is missing"));
    }

    let mut rows = Vec::new();
    for record in reader.records() {
        let (line, input, mut errors) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let get = |name: &str| {
                    headers
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| record.get(i))
                        .unwrap_or_default()
                        .to_owned()
                };
                let input = OrderInput {
                    number: get("number"),
                    status: get("status"),
                    customer_name: get("customer_name"),
                    customer_phone: get("customer_phone"),
                    delivery_address: get("delivery_address"),
                    window_start: get("window_start"),
                    window_end: get("window_end"),
                    items: get("items"),
                    notes: get("notes"),
                    driver_name: get("driver_name"),
                    driver_phone: get("driver_phone"),
                    language: get("language"),
                };
                let errors = if record.len() != headers.len() {
                    vec![FieldError::new(
                        "row",
                        format!(
                            "has {} fields, the header has {}",
                            record.len(),
                            headers.len()
                        ),
                    )]
                } else {
                    Vec::new()
                };
                (line, input, errors)
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                (
                    line,
                    OrderInput::default(),
                    vec![FieldError::new("row", error.to_string())],
                )
            }
        };
        if record_is_blank(&input) && errors.is_empty() {
            continue;
        }
        let result = if errors.is_empty() {
            validate_input(&input, region)
        } else {
            Err(std::mem::take(&mut errors))
        };
        rows.push(CsvRow {
            line,
            input,
            result,
        });
    }
    Ok(rows)
}

fn record_is_blank(input: &OrderInput) -> bool {
    input == &OrderInput::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::country::Id::FR;

    const HEADER: &str = "number,customer_name,customer_phone,delivery_address,items\n";

    #[test]
    fn a_bad_row_keeps_its_errors_and_the_good_rows_parse() {
        let text = format!(
            "{HEADER}A-1,Ann,06 12 34 56 78,1 rue A,1 x Pizza @ 10\nA-2,Bob,123,2 rue B,1 x Pizza @ 10\nA-3,Cy,0612345679,3 rue C,2 x Cola @ 2\n"
        );
        let rows = parse_csv(&text, FR).unwrap();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].result.is_ok());
        let errors = rows[1].result.as_ref().unwrap_err();
        assert_eq!(rows[1].line, 3);
        assert_eq!(errors[0].field, "customer_phone");
        assert_eq!(rows[2].result.as_ref().unwrap().total_cents(), 400);
    }

    #[test]
    fn unknown_and_missing_columns_fail_the_file() {
        assert!(parse_csv("number,custmer_name\n", FR)
            .unwrap_err()
            .contains("custmer_name"));
        assert!(parse_csv("number,customer_name\n", FR)
            .unwrap_err()
            .contains("customer_phone"));
    }

    #[test]
    fn the_language_column_sets_the_customer_s_language() {
        let text = format!(
            "{},language\nA-1,Ann,06 12 34 56 78,1 rue A,1 x Pizza @ 10,en\nA-2,Bob,06 12 34 56 79,2 rue B,1 x Pizza @ 10,\nA-3,Cy,06 12 34 56 77,3 rue C,1 x Pizza @ 10,de\n",
            HEADER.trim_end()
        );
        let rows = parse_csv(&text, FR).unwrap();
        let language = |i: usize| rows[i].result.as_ref().map(|order| order.language);
        assert_eq!(language(0), Ok(Some(app::api::Lang::En)));
        assert_eq!(language(1), Ok(None));
        let refused = rows[2].result.as_ref().unwrap_err();
        assert_eq!(refused[0].field, "language");
    }

    #[test]
    fn windows_line_endings_keep_the_line_numbers() {
        let unix = format!(
            "{HEADER}A-1,Ann,06 12 34 56 78,1 rue A,1 x Pizza @ 10\nA-2,Bob,123,2 rue B,1 x Pizza @ 10\n"
        );
        let windows = unix.replace('\n', "\r\n");
        for text in [&unix, &windows] {
            let rows = parse_csv(text, FR).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{text:?}");
            assert_eq!(rows[0].input.items, "1 x Pizza @ 10", "no stray \\r");
        }
    }

    #[test]
    fn semicolon_and_tab_separated_files_are_recognised() {
        let semicolons = "number;customer_name;customer_phone;delivery_address;items\r\nA-1;Ann;06 12 34 56 78;\"1 rue A, Paris\";1 x Pizza @ 10,50\r\n";
        let rows = parse_csv(semicolons, FR).unwrap();
        assert_eq!(rows[0].input.delivery_address, "1 rue A, Paris");
        assert_eq!(rows[0].line, 2);
        let tabs = "number\tcustomer_name\tcustomer_phone\tdelivery_address\titems\nA-1\tAnn\t0612345678\t1 rue A\t1 x Pizza @ 10\n";
        assert!(parse_csv(tabs, FR).unwrap()[0].result.is_ok());
        assert_eq!(delimiter("number,\"a;b;c\",items"), b',');
    }

    #[test]
    fn a_row_with_the_wrong_field_count_is_refused_alone() {
        let text = format!("{HEADER}A-1,Ann\nA-3,Cy,0612345679,3 rue C,2 x Cola @ 2\n");
        let rows = parse_csv(&text, FR).unwrap();
        assert_eq!(rows[0].result.as_ref().unwrap_err()[0].field, "row");
        assert!(rows[1].result.is_ok());
    }
}
