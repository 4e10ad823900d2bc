//! Shared helpers for reading the flat, unqualified field lists of SAP PI message types strictly: unknown or
//! repeated elements and elements where text belongs are refused, so a client learns at once that its message
//! does not match the WSDL.

use snitflade_soap::Element;
use std::collections::HashMap;

/// A structural problem in a message, in Danish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StructureError(pub String);

/// A message's text fields and nested groups, by element name.
pub struct Fields<'e> {
    pub text: HashMap<&'e str, String>,
    pub groups: HashMap<&'e str, &'e Element>,
}

/// The text fields of `parent`, by name: trimmed, empty ones left out. Child elements named in `groups` are
/// returned separately (each at most once) for the caller to read.
pub fn text_fields<'e>(parent: &'e Element, allowed: &[&str], groups: &[&str]) -> Result<Fields<'e>, StructureError> {
    let mut fields = HashMap::new();
    let mut seen_empty = Vec::new();
    let mut nested = HashMap::new();
    for child in &parent.children {
        let name = child.name.as_str();
        if child.ns.is_some() {
            return Err(StructureError(format!(
                "Elementet {name} i {} må ikke have et navnerum (ukvalificeret element forventet)",
                parent.name
            )));
        }
        if groups.contains(&name) {
            if nested.insert(name, child).is_some() {
                return Err(StructureError(format!(
                    "Elementet {name} må kun forekomme én gang i {}",
                    parent.name
                )));
            }
            continue;
        }
        if !allowed.contains(&name) {
            return Err(StructureError(format!("Ukendt element {name} i {}", parent.name)));
        }
        if !child.children.is_empty() {
            return Err(StructureError(format!(
                "Elementet {name} skal indeholde tekst, ikke elementer"
            )));
        }
        let value = child.text.trim();
        if fields.contains_key(name) || seen_empty.contains(&name) {
            return Err(StructureError(format!(
                "Elementet {name} må kun forekomme én gang i {}",
                parent.name
            )));
        }
        if value.is_empty() {
            seen_empty.push(name);
        } else {
            fields.insert(name, value.to_owned());
        }
    }
    Ok(Fields {
        text: fields,
        groups: nested,
    })
}

/// [`text_fields`] for a message with one repeated text field `repeated` (e.g. `PersonnelNumber` 1..500): its
/// texts in document order (empty ones left out), and the other fields as [`text_fields`] reads them.
pub fn text_fields_repeated<'e>(
    parent: &'e Element,
    allowed: &[&str],
    groups: &[&str],
    repeated: &str,
) -> Result<(Fields<'e>, Vec<String>), StructureError> {
    let mut values = Vec::new();
    let mut rest = Vec::new();
    for child in &parent.children {
        if child.ns.is_none() && child.name == repeated {
            if !child.children.is_empty() {
                return Err(StructureError(format!(
                    "Elementet {repeated} skal indeholde tekst, ikke elementer"
                )));
            }
            let v = child.text.trim();
            if !v.is_empty() {
                values.push(v.to_owned());
            }
        } else {
            rest.push(child);
        }
    }
    if values.is_empty() {
        return Ok((text_fields(parent, allowed, groups)?, values));
    }
    // Check the other children with the repeated ones taken out.
    let mut others = parent.clone();
    others.children.retain(|c| !(c.ns.is_none() && c.name == repeated));
    text_fields(&others, allowed, groups)?;
    // Borrow the answer from `parent` itself, so it lives as long as the message.
    let mut fields = std::collections::HashMap::new();
    let mut nested = std::collections::HashMap::new();
    for child in rest {
        if groups.contains(&child.name.as_str()) {
            nested.insert(child.name.as_str(), child);
        } else if !child.text.trim().is_empty() {
            fields.insert(child.name.as_str(), child.text.trim().to_owned());
        }
    }
    Ok((
        Fields {
            text: fields,
            groups: nested,
        },
        values,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_soap::{Limits, parse_document};

    fn el(xml: &str) -> Element {
        parse_document(xml.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn reads_fields_and_groups() {
        let e = el("<r><A> 1 </A><B></B><G><C>x</C></G></r>");
        let f = text_fields(&e, &["A", "B"], &["G"]).unwrap();
        assert_eq!(f.text.get("A").map(String::as_str), Some("1"));
        assert!(!f.text.contains_key("B"));
        assert_eq!(f.groups["G"].child_text("C"), Some("x"));
    }

    #[test]
    fn reads_a_repeated_field() {
        let e = el("<r><K>d</K><P>1</P><P> 2 </P><P/></r>");
        let (f, ps) = text_fields_repeated(&e, &["K"], &[], "P").unwrap();
        assert_eq!(ps, ["1", "2"]);
        assert_eq!(f.text.get("K").map(String::as_str), Some("d"));
        assert!(text_fields_repeated(&el("<r><K/><K/><P>1</P></r>"), &["K"], &[], "P").is_err());
        assert!(text_fields_repeated(&el("<r><Z/><P>1</P></r>"), &["K"], &[], "P").is_err());
        assert!(text_fields_repeated(&el("<r><P><x/></P></r>"), &["K"], &[], "P").is_err());
    }

    #[test]
    fn refuses_unknown_duplicate_nested_and_qualified() {
        for (xml, want) in [
            ("<r><Z/></r>", "Ukendt element Z"),
            ("<r><A>1</A><A>2</A></r>", "kun forekomme én gang"),
            ("<r><A/><A>2</A></r>", "kun forekomme én gang"),
            ("<r><A><B/></A></r>", "skal indeholde tekst"),
            ("<r xmlns:x='urn:x'><x:A>1</x:A></r>", "navnerum"),
        ] {
            let e = el(xml);
            let err = text_fields(&e, &["A", "B"], &[]).err().unwrap().to_string();
            assert!(err.contains(want), "{xml}: {err}");
        }
    }
}
