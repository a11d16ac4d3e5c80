//! The XML layer of the TwiML parser: a document's bytes into a small element tree, with
//! entities, character references and CDATA decoded. Everything that makes the document
//! not well-formed XML is a [`TwimlError::Parse`] (Twilio's 12100); this layer knows nothing of
//! verbs. Built with an explicit stack (no recursion), and nesting deeper than [`MAX_DEPTH`] is
//! refused, so a hostile document cannot exhaust the stack when the tree is walked or dropped.

use super::TwimlError;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The deepest nesting accepted. Real TwiML nests four levels (`Response`, `Connect`, `Stream`,
/// `Parameter`) plus a few of SSML inside `Say`; anything deeper is nonsense.
pub(super) const MAX_DEPTH: usize = 16;

/// An element: its qualified name, its attributes (decoded), its children in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attributes: Vec<(String, String)>,
    pub(super) children: Vec<Node>,
}

/// A child of an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    Element(Element),
    /// Character data (text, references and CDATA already decoded and joined).
    Text(String),
}

impl Element {
    /// The value of attribute `name`, if present.
    pub(super) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The element children, skipping text.
    pub(super) fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|child| match child {
            Node::Element(element) => Some(element),
            Node::Text(_) => None,
        })
    }

    /// Whether some child is text other than whitespace.
    pub(super) fn has_text(&self) -> bool {
        self.children
            .iter()
            .any(|child| matches!(child, Node::Text(text) if !text.trim().is_empty()))
    }
}

fn parse_error(reason: impl Into<String>) -> TwimlError {
    TwimlError::Parse(reason.into())
}

/// An element opened by `start`, with its attributes decoded.
fn open(start: &BytesStart<'_>) -> Result<Element, TwimlError> {
    let name = String::from_utf8(start.name().as_ref().to_vec())
        .map_err(|_| parse_error("an element name is not UTF-8"))?;
    let mut attributes: Vec<(String, String)> = Vec::new();
    for attribute in start.attributes().with_checks(true) {
        let attribute = attribute.map_err(|error| parse_error(error.to_string()))?;
        let key = String::from_utf8(attribute.key.as_ref().to_vec())
            .map_err(|_| parse_error("an attribute name is not UTF-8"))?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|error| parse_error(format!("attribute {key}: {error}")))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        children: Vec::new(),
    })
}

/// The text a `&name;` or `&#n;` reference stands for.
fn reference(name: &str) -> Result<String, TwimlError> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse::<u32>(),
        };
        return code
            .ok()
            .filter(|&code| code != 0)
            .and_then(char::from_u32)
            .map(String::from)
            .ok_or_else(|| parse_error(format!("invalid character reference &{name};")));
    }
    resolve_xml_entity(name)
        .map(str::to_owned)
        .ok_or_else(|| parse_error(format!("undefined entity &{name};")))
}

/// Collects the document's elements; text is appended to the innermost open element.
struct Builder {
    /// The open elements, outermost first.
    open: Vec<Element>,
    root: Option<Element>,
}

impl Builder {
    fn push(&mut self, element: Element) -> Result<(), TwimlError> {
        if self.root.is_some() {
            return Err(parse_error("content after the root element"));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(parse_error(format!(
                "elements nested over {MAX_DEPTH} deep"
            )));
        }
        self.open.push(element);
        Ok(())
    }

    fn close(&mut self) -> Result<(), TwimlError> {
        let element = self
            .open
            .pop()
            .ok_or_else(|| parse_error("an end tag with no start"))?;
        match self.open.last_mut() {
            Some(parent) => parent.children.push(Node::Element(element)),
            None => self.root = Some(element),
        }
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), TwimlError> {
        let Some(parent) = self.open.last_mut() else {
            return if text.trim().is_empty() {
                Ok(())
            } else {
                Err(parse_error("text outside the root element"))
            };
        };
        match parent.children.last_mut() {
            Some(Node::Text(previous)) => previous.push_str(text),
            _ => parent.children.push(Node::Text(text.to_owned())),
        }
        Ok(())
    }
}

/// Parses `document` (UTF-8, without its byte-order mark) into its root element.
pub(super) fn parse(document: &str) -> Result<Element, TwimlError> {
    let mut reader = Reader::from_str(document);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.allow_unmatched_ends = false;
    config.check_comments = true;
    let mut builder = Builder {
        open: Vec::new(),
        root: None,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|error| parse_error(format!("{error} at byte {}", reader.error_position())))?;
        match event {
            Event::Start(start) => builder.push(open(&start)?)?,
            Event::Empty(start) => {
                builder.push(open(&start)?)?;
                builder.close()?;
            }
            Event::End(_) => builder.close()?,
            Event::Text(text) => {
                let text = text
                    .xml10_content()
                    .map_err(|error| parse_error(error.to_string()))?;
                builder.text(&text)?;
            }
            Event::CData(data) => {
                let data = data
                    .xml10_content()
                    .map_err(|error| parse_error(error.to_string()))?;
                if builder.open.is_empty() {
                    return Err(parse_error("CDATA outside the root element"));
                }
                builder.text(&data)?;
            }
            Event::GeneralRef(name) => {
                let name = name
                    .decode()
                    .map_err(|error| parse_error(error.to_string()))?;
                let text = reference(&name)?;
                if builder.open.is_empty() {
                    return Err(parse_error("a reference outside the root element"));
                }
                builder.text(&text)?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(unclosed) = builder.open.last() {
        return Err(parse_error(format!("<{}> is not closed", unclosed.name)));
    }
    builder
        .root
        .ok_or_else(|| parse_error("the document has no root element"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_character_references_and_cdata_are_decoded_into_one_text() {
        let root = parse("<a>x &amp; &#233;&#x41;<![CDATA[<b>]]> &lt;</a>").unwrap();
        assert_eq!(root.children, vec![Node::Text("x & éA<b> <".into())]);
    }

    #[test]
    fn attributes_are_decoded() {
        let root = parse(r#"<a v="1&amp;2 &quot;q&quot;"/>"#).unwrap();
        assert_eq!(root.attribute("v"), Some(r#"1&2 "q""#));
    }

    #[test]
    fn documents_that_are_not_well_formed_are_parse_failures() {
        for document in [
            "",
            "   ",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "<a/>text",
            "text<a/>",
            "<a>&unknown;</a>",
            "<a>&#0;</a>",
            r#"<a x="1" x="2"/>"#,
            "<a x=1/>",
            "<a>&</a>",
            "</a>",
        ] {
            assert!(
                matches!(parse(document), Err(TwimlError::Parse(_))),
                "{document:?} should not parse"
            );
        }
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert!(matches!(parse(&deep), Err(TwimlError::Parse(_))));
    }
}
