//! A small checker of answers against the XSD inside a served WSDL: every element declared, in the declared
//! order, as often as allowed, unqualified below the root, simple types without children. The Python tests
//! validate with xmlschema from outside; this catches the same mistakes in process.
#![allow(dead_code, reason = "each test binary uses the parts of `common` it needs")]

use snitflade_services::find_service;
use snitflade_soap::{Element, Limits};

/// Checks `payload` (an answer's root element) against the XSD in the WSDL of `service`: every element declared,
/// in the declared order, as often as allowed, unqualified below the root, simple types without children.
pub fn check_schema(service: &str, payload: &Element) -> Result<(), String> {
    let def = find_service(service).unwrap();
    let limits = Limits {
        max_depth: 64,
        ..Limits::default()
    };
    let doc = snitflade_soap::parse_document(def.wsdl.as_bytes(), &limits).map_err(|e| e.to_string())?;
    fn find<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
        if e.name == name {
            return Some(e);
        }
        e.children.iter().find_map(|c| find(c, name))
    }
    let schema = find(&doc, "schema").ok_or("no schema")?;
    if payload.ns.as_deref() != Some(def.namespace) {
        return Err(format!("{} is not in {}", payload.name, def.namespace));
    }
    let decl = schema
        .children
        .iter()
        .find(|c| c.name == "element" && c.attribute("name") == Some(&payload.name))
        .ok_or_else(|| format!("{} is not declared", payload.name))?;
    check_element(schema, decl, payload, &payload.name)
}

fn check_element(schema: &Element, decl: &Element, e: &Element, path: &str) -> Result<(), String> {
    let named = decl.attribute("type").and_then(|t| t.strip_prefix("p1:")).map(|t| {
        schema
            .children
            .iter()
            .find(|c| c.name == "complexType" && c.attribute("name") == Some(t))
            .unwrap_or_else(|| panic!("type {t}"))
    });
    let Some(ct) = decl.child_ns(decl.ns.as_deref(), "complexType").or(named) else {
        return match e.children.first() {
            Some(c) => Err(format!("{path}: simple type with child {}", c.name)),
            None => Ok(()),
        };
    };
    let seq = ct.children.iter().find(|c| c.name == "sequence").ok_or("no sequence")?;
    let decls: Vec<&Element> = seq.children.iter().filter(|c| c.name == "element").collect();
    let occurs = |d: &Element| {
        let min: usize = d.attribute("minOccurs").map_or(1, |v| v.parse().unwrap());
        let max = match d.attribute("maxOccurs") {
            Some("unbounded") => usize::MAX,
            Some(v) => v.parse().unwrap(),
            None => 1,
        };
        (min, max)
    };
    let (mut i, mut count) = (0, 0);
    for child in &e.children {
        let child_path = format!("{path}/{}", child.name);
        if child.ns.is_some() {
            return Err(format!("{child_path} is qualified"));
        }
        loop {
            let d = decls
                .get(i)
                .ok_or_else(|| format!("{child_path} is not allowed here (order or unknown)"))?;
            if d.attribute("name") == Some(&child.name) {
                count += 1;
                if count > occurs(d).1 {
                    return Err(format!("{child_path} repeated"));
                }
                check_element(schema, d, child, &child_path)?;
                break;
            }
            if count < occurs(d).0 {
                return Err(format!("{path}: {} missing", d.attribute("name").unwrap()));
            }
            i += 1;
            count = 0;
        }
    }
    for (j, d) in decls.iter().enumerate().skip(i) {
        if (j > i || count == 0) && occurs(d).0 > 0 {
            return Err(format!("{path}: {} missing", d.attribute("name").unwrap()));
        }
    }
    Ok(())
}
