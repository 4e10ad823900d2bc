//! A small checker of answers against a set of qualified OIO XSD files (KOMBIT's Beskedfordeler schemas, as
//! the server serves them): global and local elements in their namespaces, `sequence`, `choice`, `any`,
//! `complexContent/extension`, occurrence bounds, enumerations and integers of simple types. The schemas' own
//! prefixes are resolved by a fixed table (the files use `tns`, `sd`, `besked`, `orgfaelles`, `part`, `ds`).
#![allow(dead_code, reason = "each test binary uses the parts of `common` it needs")]

use snitflade_soap::{Element, Limits};
use std::collections::HashMap;

const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The schemas: declarations by (namespace, name), each with the namespace of the schema declaring it.
pub struct Schemas {
    elements: HashMap<(String, String), (String, Element)>,
    complex: HashMap<(String, String), (String, Element)>,
    simple: HashMap<(String, String), Element>,
}

fn prefixes(tns: &str, prefix: &str) -> Option<String> {
    Some(
        match prefix {
            "tns" => tns,
            "sd" => "urn:oio:sagdok:3.0.0",
            "besked" => "urn:oio:besked:kuvert:1.0",
            "orgfaelles" => "urn:oio:sagdok:organisation:2.0.0",
            "part" => "urn:oio:sagdok:part:1.0.0",
            "ds" => "http://www.w3.org/2000/09/xmldsig#",
            "vl" => "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0",
            "bf" => "urn:oio:sts:beskedfordeler:1.0.0",
            "" => XSD_NS,
            _ => return None,
        }
        .to_owned(),
    )
}

fn qname(tns: &str, value: &str) -> (String, String) {
    let (prefix, name) = value.split_once(':').unwrap_or(("", value));
    let ns = prefixes(tns, prefix).unwrap_or_else(|| panic!("unknown prefix in {value}"));
    (ns, name.to_owned())
}

impl Schemas {
    /// The schemas from `files` (text of each XSD document).
    pub fn load<'a>(files: impl IntoIterator<Item = &'a str>) -> Self {
        let mut s = Schemas {
            elements: HashMap::new(),
            complex: HashMap::new(),
            simple: HashMap::new(),
        };
        let limits = Limits {
            max_depth: 64,
            max_elements: 100_000,
            ..Limits::default()
        };
        for text in files {
            let doc = snitflade_soap::parse_document(text.as_bytes(), &limits).expect("XSD parses");
            let tns = doc.attribute("targetNamespace").unwrap_or_default().to_owned();
            for c in &doc.children {
                let Some(name) = c.attribute("name") else { continue };
                let key = (tns.clone(), name.to_owned());
                match c.name.as_str() {
                    "element" => {
                        s.elements.insert(key, (tns.clone(), c.clone()));
                    }
                    "complexType" => {
                        s.complex.insert(key, (tns.clone(), c.clone()));
                    }
                    "simpleType" => {
                        s.simple.insert(key, c.clone());
                    }
                    _ => {}
                }
            }
        }
        s
    }

    /// Checks `e` against its global declaration.
    pub fn check(&self, e: &Element) -> Result<(), String> {
        let ns = e.ns.clone().unwrap_or_default();
        let (tns, decl) = self
            .elements
            .get(&(ns.clone(), e.name.clone()))
            .ok_or_else(|| format!("{{{ns}}}{} is not declared", e.name))?;
        self.check_element(tns, decl, e, &e.name)
    }

    fn check_element(&self, tns: &str, decl: &Element, e: &Element, path: &str) -> Result<(), String> {
        if let Some(t) = decl.attribute("type") {
            let key = qname(tns, t);
            if let Some((ctns, ct)) = self.complex.get(&key) {
                return self.check_complex(ctns, ct, e, path);
            }
            return self.check_simple(&key, e, path);
        }
        if let Some(ct) = decl.child_ns(Some(XSD_NS), "complexType") {
            return self.check_complex(tns, ct, e, path);
        }
        match e.children.first() {
            Some(c) => Err(format!("{path}: simple content with child {}", c.name)),
            None => Ok(()),
        }
    }

    fn check_simple(&self, key: &(String, String), e: &Element, path: &str) -> Result<(), String> {
        if let Some(c) = e.children.first() {
            return Err(format!("{path}: simple type {} with child {}", key.1, c.name));
        }
        let text = e.text.trim();
        if key.0 == XSD_NS {
            if key.1 == "integer" && text.parse::<i64>().is_err() {
                return Err(format!("{path}: '{text}' is not an integer"));
            }
            if key.1 == "dateTime" && (text.len() < 19 || text.as_bytes()[10] != b'T') {
                return Err(format!("{path}: '{text}' is not a dateTime"));
            }
            return Ok(());
        }
        let st = self
            .simple
            .get(key)
            .ok_or_else(|| format!("{path}: unknown type {}", key.1))?;
        let enums: Vec<&str> = st
            .child_ns(Some(XSD_NS), "restriction")
            .map(|r| {
                r.children
                    .iter()
                    .filter(|c| c.name == "enumeration")
                    .filter_map(|c| c.attribute("value"))
                    .collect()
            })
            .unwrap_or_default();
        if !enums.is_empty() && !enums.contains(&text) {
            return Err(format!("{path}: '{text}' is not one of {enums:?}"));
        }
        Ok(())
    }

    /// The particles of a complex type: its base's first (extension), then its own.
    fn particles<'a>(&'a self, tns: &'a str, ct: &'a Element, out: &mut Vec<(&'a str, &'a Element)>) {
        if let Some(ext) = ct
            .child_ns(Some(XSD_NS), "complexContent")
            .and_then(|cc| cc.child_ns(Some(XSD_NS), "extension"))
        {
            let base = qname(tns, ext.attribute("base").unwrap());
            let (btns, bct) = self.complex.get(&base).unwrap_or_else(|| panic!("base {base:?}"));
            self.particles(btns, bct, out);
            for c in &ext.children {
                if c.name == "sequence" || c.name == "choice" {
                    out.push((tns, c));
                }
            }
            return;
        }
        for c in &ct.children {
            if c.name == "sequence" || c.name == "choice" {
                out.push((tns, c));
            }
        }
    }

    fn check_complex(&self, tns: &str, ct: &Element, e: &Element, path: &str) -> Result<(), String> {
        let mut groups = Vec::new();
        self.particles(tns, ct, &mut groups);
        let mut pos = 0;
        for (gtns, g) in groups {
            pos = self.match_particle(gtns, g, &e.children, pos, path)?.ok_or_else(|| {
                format!(
                    "{path}: content does not match at {:?}",
                    e.children.get(pos).map(|c| &c.name)
                )
            })?;
        }
        if let Some(c) = e.children.get(pos) {
            return Err(format!("{path}/{} is not allowed here (order or unknown)", c.name));
        }
        Ok(())
    }

    fn occurs(p: &Element) -> (usize, usize) {
        let min = p.attribute("minOccurs").map_or(1, |v| v.parse().unwrap());
        let max = match p.attribute("maxOccurs") {
            Some("unbounded") => usize::MAX,
            Some(v) => v.parse().unwrap(),
            None => 1,
        };
        (min, max)
    }

    /// Matches particle `p` (with its occurrences) from `pos`: the position after it, `None` if it cannot match.
    fn match_particle(
        &self,
        tns: &str,
        p: &Element,
        children: &[Element],
        mut pos: usize,
        path: &str,
    ) -> Result<Option<usize>, String> {
        let (min, max) = Self::occurs(p);
        let mut count = 0;
        while count < max {
            match self.match_once(tns, p, children, pos, path)? {
                Some(next) if next > pos => {
                    pos = next;
                    count += 1;
                }
                // An empty match (a group of optional parts) satisfies any minimum.
                Some(_) => {
                    count = count.max(min);
                    break;
                }
                None => break,
            }
        }
        Ok((count >= min).then_some(pos))
    }

    fn match_once(
        &self,
        tns: &str,
        p: &Element,
        children: &[Element],
        pos: usize,
        path: &str,
    ) -> Result<Option<usize>, String> {
        match p.name.as_str() {
            "element" => {
                let Some(child) = children.get(pos) else {
                    return Ok(None);
                };
                let (ns, name, decl_tns, decl) = if let Some(r) = p.attribute("ref") {
                    let key = qname(tns, r);
                    let (dtns, decl) = self.elements.get(&key).unwrap_or_else(|| panic!("ref {key:?}"));
                    (key.0.clone(), key.1.clone(), dtns.as_str(), decl)
                } else {
                    (tns.to_owned(), p.attribute("name").unwrap().to_owned(), tns, p)
                };
                if child.ns.as_deref() != Some(ns.as_str()) || child.name != name {
                    return Ok(None);
                }
                self.check_element(decl_tns, decl, child, &format!("{path}/{name}"))?;
                Ok(Some(pos + 1))
            }
            "sequence" => {
                let mut at = pos;
                for c in p.children.iter().filter(|c| c.ns.as_deref() == Some(XSD_NS)) {
                    match self.match_particle(tns, c, children, at, path)? {
                        Some(next) => at = next,
                        None => return Ok(None),
                    }
                }
                Ok(Some(at))
            }
            "choice" => {
                for c in p.children.iter().filter(|c| c.ns.as_deref() == Some(XSD_NS)) {
                    if let Some(next) = self.match_particle(tns, c, children, pos, path)?
                        && next > pos
                    {
                        return Ok(Some(next));
                    }
                }
                Ok(None)
            }
            "any" => Ok(children.get(pos).map(|_| pos + 1)),
            _ => Ok(None),
        }
    }
}
