//! Pure SMS text logic, shared by the server and the browser (std, serde and the app's texts;
//! no I/O).
//!
//! - [`segments`]: GSM-7 or UCS-2 encoding (GSM 03.38 / 3GPP TS 23.038) and the number of
//!   segments Twilio bills (160/153 septets, 70/67 UTF-16 units; empty body = 0 segments).
//! - [`template`]: message templates with `{placeholder}`s, validation, rendering and the
//!   default French and English templates.
//! - [`status`]: outbound message statuses, the merge rule for out-of-order Twilio callbacks,
//!   and Twilio error codes explained in plain words (English, or the reader's language with
//!   the `_in(locale)` variants).
//! - [`keywords`]: opt-out (`STOP`…) and opt-in (`START`…) keywords in a customer's reply.

pub mod keywords;
pub mod segments;
pub mod status;
pub mod template;

pub use keywords::{keyword, Keyword};
pub use segments::{count, too_long, Encoding, SmsCount, MAX_CHARACTERS};
pub use status::{
    describe_error, describe_error_in, explain_error, explain_error_in, merge, MessageStatus,
};
pub use template::{
    render, validate, DefaultTemplate, Placeholder, TemplateError, TemplateValues,
    DEFAULT_TEMPLATES,
};
