//! Writer of a ZLPE dump, formatted like Opus's own files: UTF-8 declaration, one element per line, the samples'
//! element order, correct escaping.
//!
//! Each record is built and checked in memory first and then written in one piece, so a record that cannot be
//! written (a character XML 1.0 cannot hold, an invalid extra element name, …) leaves the output untouched.

use std::io::{self, Write};

use jiff::civil::Date;
use snitflade_soap::chars::{invalid_char, is_name, push_attr, push_text};

use crate::model::{
    EMPLOYEE_ELEMENTS, Employee, EmployeeRecord, ExtraElement, Leave, ORG_UNIT_ELEMENTS, OrgUnit, Record,
};
use crate::xml::{clip, format_date};

/// Why a record (or the file) could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("write error: {0}")]
    Io(#[from] io::Error),
    #[error("{context}: the character U+{code:04X} cannot be represented in XML 1.0")]
    InvalidChar { context: String, code: u32 },
    #[error("'{0}' is not a valid XML name")]
    InvalidName(String),
    #[error("the extra element <{0}> has the name of a known element (set the field instead)")]
    ShadowsKnownElement(String),
    #[error("the attribute {0} occurs twice (or repeats a known attribute)")]
    DuplicateAttribute(String),
    #[error("org units must all be written before the first employee (the format is orgUnit* then employee*)")]
    OrgUnitAfterEmployee,
    #[error("the date {0} cannot be written as yyyy-MM-dd")]
    DateOutOfRange(Date),
    #[error("root attributes can only be set before the first record is written")]
    AlreadyStarted,
}

/// Writes one dump: [`DumpWriter::write_org_unit`] for every unit, then [`DumpWriter::write_employee`] for every
/// employee or leave record, then [`DumpWriter::finish`]. Wrap the output in a `BufWriter`: every record is one
/// `write_all` call.
pub struct DumpWriter<W: Write> {
    out: W,
    started: bool,
    employees_started: bool,
    root_attributes: Vec<(String, String)>,
    scratch: String,
    records: u64,
}

impl<W: Write> DumpWriter<W> {
    /// A writer; nothing is written until the first record (or [`DumpWriter::finish`]).
    pub fn new(out: W) -> Self {
        Self {
            out,
            started: false,
            employees_started: false,
            root_attributes: Vec::new(),
            scratch: String::with_capacity(2048),
            records: 0,
        }
    }

    /// Attributes for `<kmd>` (Opus writes none; [`crate::DumpReader::root_attributes`] gives what was read).
    pub fn set_root_attributes(&mut self, attributes: Vec<(String, String)>) -> Result<(), WriteError> {
        if self.started {
            return Err(WriteError::AlreadyStarted);
        }
        let mut s = String::new();
        push_attributes(&mut s, &[], &attributes, "<kmd>")?;
        self.root_attributes = attributes;
        Ok(())
    }

    /// Writes one `<orgUnit>`. All org units must come before the first employee.
    pub fn write_org_unit(&mut self, unit: &OrgUnit) -> Result<(), WriteError> {
        if self.employees_started {
            return Err(WriteError::OrgUnitAfterEmployee);
        }
        self.scratch.clear();
        org_unit(&mut self.scratch, unit)?;
        self.emit()
    }

    /// Writes one `<employee>`: an active employment or a leave record.
    pub fn write_employee(&mut self, employee: &EmployeeRecord) -> Result<(), WriteError> {
        self.scratch.clear();
        match employee {
            EmployeeRecord::Active(e) => active(&mut self.scratch, e)?,
            EmployeeRecord::Leave(l) => leave(&mut self.scratch, l)?,
        }
        self.employees_started = true;
        self.emit()
    }

    /// Writes an ended employment as a leave record that carries its last data: `<employee id=".." client=".."
    /// lastChanged=".." action="leave">` (then `e`'s other attributes) with `e`'s fields as children in the form
    /// and order of an active employee. Consumers that read only `id` and `client` of a leave record see an
    /// ordinary one; [`Leave::employment`] gives `e` back.
    pub fn write_ended_employment(&mut self, e: &Employee) -> Result<(), WriteError> {
        self.scratch.clear();
        ended(&mut self.scratch, e)?;
        self.employees_started = true;
        self.emit()
    }

    /// Writes any record.
    pub fn write_record(&mut self, record: &Record) -> Result<(), WriteError> {
        match record {
            Record::OrgUnit(u) => self.write_org_unit(u),
            Record::Employee(e) => self.write_employee(e),
        }
    }

    /// Records written so far.
    pub fn records_written(&self) -> u64 {
        self.records
    }

    /// Closes `</kmd>`, flushes and gives the output back.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.start()?;
        self.out.write_all(b"</kmd>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn start(&mut self) -> Result<(), WriteError> {
        if !self.started {
            let mut head = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd");
            push_attributes(&mut head, &[], &self.root_attributes, "<kmd>")?;
            head.push_str(">\n");
            self.out.write_all(head.as_bytes())?;
            self.started = true;
        }
        Ok(())
    }

    fn emit(&mut self) -> Result<(), WriteError> {
        self.start()?;
        self.out.write_all(self.scratch.as_bytes())?;
        self.records += 1;
        Ok(())
    }
}

fn check_text(s: &str, context: &str) -> Result<(), WriteError> {
    match invalid_char(s) {
        Some(c) => Err(WriteError::InvalidChar {
            context: context.to_owned(),
            code: c as u32,
        }),
        None => Ok(()),
    }
}

fn date(d: Date) -> Result<String, WriteError> {
    format_date(d).ok_or(WriteError::DateOutOfRange(d))
}

/// ` name="value"` for the known attributes, then the extra ones (checked: valid, unique names).
fn push_attributes(
    out: &mut String,
    known: &[(&str, &str)],
    extra: &[(String, String)],
    context: &str,
) -> Result<(), WriteError> {
    for (i, (name, value)) in extra.iter().enumerate() {
        if !is_name(name) {
            return Err(WriteError::InvalidName(clip(name)));
        }
        if known.iter().any(|(k, _)| k == name) || extra[..i].iter().any(|(k, _)| k == name) {
            return Err(WriteError::DuplicateAttribute(clip(name)));
        }
        check_text(value, &format!("{context} @{}", clip(name)))?;
    }
    let all = known
        .iter()
        .copied()
        .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    for (name, value) in all {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        push_attr(out, value);
        out.push('"');
    }
    Ok(())
}

/// `  <name attrs>text</name>` (or `<name attrs/>` for empty text) on its own line.
fn push_element(out: &mut String, name: &str, attrs: &[(&str, &str)], text: &str) -> Result<(), WriteError> {
    check_text(text, &format!("<{name}>"))?;
    out.push_str("  <");
    out.push_str(name);
    push_attributes(out, attrs, &[], name)?;
    if text.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push('>');
        push_text(out, text);
        out.push_str("</");
        out.push_str(name);
        out.push_str(">\n");
    }
    Ok(())
}

/// A free-text field: written only when present.
fn push_opt_text(out: &mut String, name: &str, value: Option<&String>) -> Result<(), WriteError> {
    match value {
        Some(text) => push_element(out, name, &[], text),
        None => Ok(()),
    }
}

/// A typed field: always written, empty when `None`.
fn push_typed(out: &mut String, name: &str, value: Option<String>) -> Result<(), WriteError> {
    push_element(out, name, &[], value.as_deref().unwrap_or(""))
}

fn push_opt_date(out: &mut String, name: &str, value: Option<Date>) -> Result<(), WriteError> {
    push_typed(out, name, value.map(date).transpose()?)
}

fn push_extras(out: &mut String, extras: &[ExtraElement], known: &[&str]) -> Result<(), WriteError> {
    for e in extras {
        if !is_name(&e.name) {
            return Err(WriteError::InvalidName(clip(&e.name)));
        }
        if known.contains(&e.name.as_str()) {
            return Err(WriteError::ShadowsKnownElement(clip(&e.name)));
        }
        check_text(&e.text, &format!("<{}>", clip(&e.name)))?;
        out.push_str("  <");
        out.push_str(&e.name);
        push_attributes(out, &[], &e.attributes, &e.name)?;
        if e.text.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push('>');
            push_text(out, &e.text);
            out.push_str("</");
            out.push_str(&e.name);
            out.push_str(">\n");
        }
    }
    Ok(())
}

fn org_unit(out: &mut String, u: &OrgUnit) -> Result<(), WriteError> {
    let (id, client, last_changed) = (u.id.to_string(), u.client.client(), date(u.last_changed)?);
    out.push_str(" <orgUnit");
    push_attributes(
        out,
        &[("id", &id), ("client", &client), ("lastChanged", &last_changed)],
        &u.extra_attributes,
        "<orgUnit>",
    )?;
    out.push_str(">\n");
    push_opt_date(out, "startDate", u.start_date)?;
    push_opt_date(out, "endDate", u.end_date)?;
    push_typed(out, "parentOrgUnit", u.parent.map(|p| p.to_string()))?;
    push_opt_text(out, "shortName", u.short_name.as_ref())?;
    push_opt_text(out, "longName", u.long_name.as_ref())?;
    push_opt_text(out, "street", u.street.as_ref())?;
    push_opt_text(out, "zipCode", u.zip_code.as_ref())?;
    push_opt_text(out, "city", u.city.as_ref())?;
    push_opt_text(out, "phoneNumber", u.phone_number.as_ref())?;
    push_opt_text(out, "cvrNr", u.cvr_nr.as_ref())?;
    push_opt_text(out, "eanNr", u.ean_nr.as_ref())?;
    push_opt_text(out, "seNr", u.se_nr.as_ref())?;
    push_opt_text(out, "pNr", u.p_nr.as_ref())?;
    push_opt_text(out, "costCenter", u.cost_center.as_ref())?;
    push_opt_text(out, "orgType", u.org_type.as_ref())?;
    push_opt_text(out, "orgTypeTxt", u.org_type_txt.as_ref())?;
    push_extras(out, &u.extra, ORG_UNIT_ELEMENTS)?;
    out.push_str(" </orgUnit>\n");
    Ok(())
}

fn active(out: &mut String, e: &Employee) -> Result<(), WriteError> {
    employment(out, e, false)
}

/// An ended employment as a leave record with the employment's fields as children, exactly as [`active`] writes
/// them.
fn ended(out: &mut String, e: &Employee) -> Result<(), WriteError> {
    employment(out, e, true)
}

/// `<employee id client lastChanged [action="leave"] …>`, the employment's fields, `</employee>`.
fn employment(out: &mut String, e: &Employee, leave: bool) -> Result<(), WriteError> {
    let (id, client, last_changed) = (e.id.number().to_string(), e.client.client(), date(e.last_changed)?);
    let mut known = vec![("id", id.as_str()), ("client", &client), ("lastChanged", &last_changed)];
    if leave {
        known.push(("action", "leave"));
    } else if e.extra_attributes.iter().any(|(k, _)| k == "action") {
        // An active employee must not turn into a leave record (or a record of an unknown action).
        return Err(WriteError::DuplicateAttribute("action".into()));
    }
    out.push_str(" <employee");
    push_attributes(out, &known, &e.extra_attributes, "<employee>")?;
    out.push_str(">\n");
    employee_fields(out, e)?;
    out.push_str(" </employee>\n");
    Ok(())
}

/// The children of an employment, in the samples' order: the known fields, then the extras.
fn employee_fields(out: &mut String, e: &Employee) -> Result<(), WriteError> {
    push_opt_date(out, "entryDate", e.entry_date)?;
    push_opt_date(out, "leaveDate", e.leave_date)?;
    match &e.cpr {
        Some(c) => {
            let supp = c.supp_id.map(|s| s.to_string());
            let attrs: Vec<(&str, &str)> = supp.iter().map(|s| ("suppId", s.as_str())).collect();
            push_element(out, "cpr", &attrs, c.cpr.expose())?;
        }
        None => push_element(out, "cpr", &[], "")?,
    }
    push_opt_text(out, "firstName", e.first_name.as_ref())?;
    push_opt_text(out, "lastName", e.last_name.as_ref())?;
    push_opt_text(out, "address", e.address.as_ref())?;
    push_opt_text(out, "postalCode", e.postal_code.as_ref())?;
    push_opt_text(out, "city", e.city.as_ref())?;
    push_opt_text(out, "country", e.country.as_ref())?;
    push_opt_text(out, "workPhone", e.work_phone.as_ref())?;
    push_opt_text(out, "workContract", e.work_contract.as_ref())?;
    push_opt_text(out, "workContractText", e.work_contract_text.as_ref())?;
    push_opt_text(out, "positionId", e.position_id.as_ref())?;
    push_opt_text(out, "position", e.position.as_ref())?;
    push_opt_text(out, "positionShort", e.position_short.as_ref())?;
    push_typed(out, "isManager", e.is_manager.map(|b| b.to_string()))?;
    push_opt_text(out, "superiorLevel", e.superior_level.as_ref())?;
    push_opt_text(out, "subordinateLevel", e.subordinate_level.as_ref())?;
    push_typed(out, "orgUnit", e.org_unit.map(|o| o.to_string()))?;
    push_opt_text(out, "payGradeText", e.pay_grade_text.as_ref())?;
    // Opus pads these numbers with a trailing blank (SAP's sign position); consumers are used to it.
    push_typed(out, "numerator", e.numerator.as_ref().map(|q| format!("{q} ")))?;
    push_typed(out, "denominator", e.denominator.as_ref().map(|q| format!("{q} ")))?;
    push_extras(out, &e.extra, EMPLOYEE_ELEMENTS)
}

fn leave(out: &mut String, l: &Leave) -> Result<(), WriteError> {
    let (id, client) = (l.id.number().to_string(), l.client.client());
    let last_changed = l.last_changed.map(date).transpose()?;
    let mut known = vec![("id", id.as_str()), ("client", client.as_str())];
    if let Some(d) = &last_changed {
        known.push(("lastChanged", d));
    }
    known.push(("action", "leave"));
    out.push_str(" <employee");
    push_attributes(out, &known, &l.extra_attributes, "<employee>")?;
    if l.children.is_empty() {
        out.push_str("/>\n");
    } else {
        out.push_str(">\n");
        push_extras(out, &l.children, &[])?;
        out.push_str(" </employee>\n");
    }
    Ok(())
}
