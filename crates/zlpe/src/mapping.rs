//! Mapping between a ZLPE record and snitflade's HR model, in both directions.
//!
//! An `<employee>` becomes an [`Employment`] (the core fields), category records valid from `entryDate` (or
//! 1900-01-01) to `leaveDate` (or 9999-12-31) for the categories the dump carries, and a `zlpe` JSON object
//! with everything that has no category (`lastChanged`, `workContractText`, `superiorLevel`,
//! `subordinateLevel`, unknown attributes and elements, and which known elements were absent), so that an
//! export writes the record again as it was read. An `<orgUnit>` becomes an HR [`OrgUnit`] plus an `extra`
//! JSON object in the same way. Opus's leave records have no data; what they carry is kept under `zlpe.leave`. An
//! ended employment is written as a leave record that carries its last data as children (as an active
//! `<employee>` has them); read back, such a record creates the employment as ended.
//!
//! | ZLPE element | category / field |
//! |---|---|
//! | `entryDate`, `leaveDate` | 0000 Aktiviteter `Ansaettelsesdato`, `Fratraedelsesdato` (+ `StatusBeskaeftigelse` 3 / 0) |
//! | `orgUnit`, unit names, parent, `workContract`, `positionId`, `position`, `positionShort`, `isManager` | 0001 Organisation |
//! | `cpr`, `firstName`, `lastName` | 0002 Persondata |
//! | `address`, `postalCode`, `city`, `country` | 0006 Adresse, `Adresseart` 1 |
//! | `numerator`, `denominator` | 0007 Arbejdstid `TimetalTaeller`, `TimetalNaevner` |
//! | `workPhone` | 0105 Kommunikation, `Kommunikationsart` 0020 (only these records belong to the import) |
//! | `payGradeText` | 9001 Loenindplacering `Loenklassenummer` |

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde_json::{Map, Value, json};
use snitflade_domain::hr::{
    Category, CategoryRecord, Employment, EmploymentStatus, MAX_VALUE_CHARS, OPEN_END, OPEN_START, OrgUnit,
};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_opus_dump::{
    EMPLOYEE_ELEMENTS, Employee, EmployeeCpr, ExtraElement, Leave, OrgUnit as DumpOrgUnit, OrgUnitId, Quantity,
};
use snitflade_store::hr::{StoredEmployment, StoredOrgUnit};

/// `workContractText` of a cancelled employment.
pub const ANNULLERET: &str = "Annulleret";
/// `Kommunikationsart` of the work phone, the only communication records the dump carries.
pub const WORK_PHONE: &str = "0020";
/// `Adresseart` of the home address.
pub const HOME_ADDRESS: &str = "1";

/// The categories an import writes, in XSD order. Of Kommunikation only the work-phone records and of Adresse
/// only the home address belong to the import (see [`is_imported`]); the others in full.
pub const IMPORTED_CATEGORIES: [Category; 7] = [
    Category::Aktiviteter,
    Category::Organisation,
    Category::Persondata,
    Category::Adresse,
    Category::Arbejdstid,
    Category::Kommunikation,
    Category::Loenindplacering,
];

/// Whether a current record is one the import owns (and so may close or replace). E-mail addresses entered
/// through the web service (Kommunikation 0010), other address kinds and all other categories are not.
pub fn is_imported(record: &CategoryRecord) -> bool {
    match record.category {
        Category::Kommunikation => record.get("Kommunikationsart") == Some(WORK_PHONE),
        Category::Adresse => record.get("Adresseart") == Some(HOME_ADDRESS),
        c => IMPORTED_CATEGORIES.contains(&c),
    }
}

/// A record that cannot be mapped (it is skipped and reported with its line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MappingError(pub String);

fn fail(s: impl Into<String>) -> MappingError {
    MappingError(s.into())
}

/// `StatusBeskaeftigelse`: 3 = active, 0 = not (left or cancelled).
pub fn employment_status_code(status: EmploymentStatus) -> &'static str {
    match status {
        EmploymentStatus::Active => "3",
        EmploymentStatus::Left | EmploymentStatus::Deleted => "0",
    }
}

/// The validity of an employment's records: entry (or 1900-01-01) to leave (or 9999-12-31).
pub fn validity(entry: Option<Date>, leave: Option<Date>) -> (Date, Date) {
    let from = entry.unwrap_or(OPEN_START);
    (from, leave.unwrap_or(OPEN_END).max(from))
}

/// The 0000 Aktiviteter record of an employment.
pub fn aktiviteter(entry: Option<Date>, leave: Option<Date>, status: EmploymentStatus) -> CategoryRecord {
    let (from, to) = validity(entry, leave);
    let mut values = vec![("StatusBeskaeftigelse", employment_status_code(status).to_owned())];
    if let Some(d) = entry {
        values.push(("Ansaettelsesdato", d.to_string()));
    }
    if let Some(d) = leave {
        values.push(("Fratraedelsesdato", d.to_string()));
    }
    CategoryRecord::new(Category::Aktiviteter, from, to, values).expect("dates and a status code are valid values")
}

/// An employee record mapped to the HR model.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedEmployee {
    /// `replaced_by` is `None`: which employment replaces a cancelled one is decided over the whole snapshot.
    pub employment: Employment,
    /// In XSD order of categories.
    pub records: Vec<CategoryRecord>,
    pub zlpe: Value,
}

/// Collects one category's values, leaving out empty ones and refusing values a category field cannot hold.
struct Values {
    values: Vec<(&'static str, String)>,
}

impl Values {
    fn new() -> Self {
        Self { values: Vec::new() }
    }
    fn add(&mut self, field: &'static str, element: &str, value: Option<&str>) -> Result<(), MappingError> {
        let Some(v) = value.filter(|v| !v.is_empty()) else {
            return Ok(());
        };
        if v.chars().count() > MAX_VALUE_CHARS || v.chars().any(char::is_control) {
            return Err(fail(format!(
                "<{element}> cannot be stored in {field}: longer than {MAX_VALUE_CHARS} characters or with control \
                 characters (line breaks, tabs)"
            )));
        }
        self.values.push((field, v.to_owned()));
        Ok(())
    }
    fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    fn record(self, category: Category, (from, to): (Date, Date)) -> Result<CategoryRecord, MappingError> {
        CategoryRecord::new(category, from, to, self.values).map_err(|e| fail(e.0))
    }
}

fn extra_to_json(extra: &[ExtraElement]) -> Value {
    Value::Array(
        extra
            .iter()
            .map(|e| json!({ "name": e.name, "attributes": pairs_to_json(&e.attributes), "text": e.text }))
            .collect(),
    )
}

fn pairs_to_json(pairs: &[(String, String)]) -> Value {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect())
}

fn json_to_pairs(v: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|p| Some((p.get(0)?.as_str()?.to_owned(), p.get(1)?.as_str()?.to_owned())))
        .collect()
}

fn json_to_extra(v: Option<&Value>) -> Vec<ExtraElement> {
    let Some(Value::Array(items)) = v else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|e| {
            Some(ExtraElement {
                name: e.get("name")?.as_str()?.to_owned(),
                attributes: json_to_pairs(e.get("attributes")),
                text: e.get("text")?.as_str()?.to_owned(),
            })
        })
        .collect()
}

/// Sets `attributes`, `extra` and `unset` on a JSON object, each only when non-empty.
fn put_common(
    z: &mut Map<String, Value>,
    extra_attributes: &[(String, String)],
    extra: &[ExtraElement],
    unset: BTreeSet<&str>,
) {
    if !extra_attributes.is_empty() {
        z.insert("extraAttributes".into(), pairs_to_json(extra_attributes));
    }
    if !extra.is_empty() {
        z.insert("extra".into(), extra_to_json(extra));
    }
    if !unset.is_empty() {
        z.insert("unset".into(), json!(unset));
    }
}

fn unset_list(z: Option<&Value>) -> BTreeSet<String> {
    z.and_then(|z| z.get("unset"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn text_of(z: Option<&Value>, key: &str) -> Option<String> {
    z.and_then(|z| z.get(key)).and_then(Value::as_str).map(str::to_owned)
}

fn date_of(z: Option<&Value>, key: &str) -> Option<Date> {
    text_of(z, key).and_then(|s| snitflade_domain::hr::parse_date(&s))
}

/// Maps an active `<employee>`; `unit` is its org unit as known (for the unit names and parent in 0001).
pub fn employee_to_hr(e: &Employee, unit: Option<&OrgUnit>) -> Result<MappedEmployee, MappingError> {
    let Some(EmployeeCpr { cpr, supp_id }) = &e.cpr else {
        return Err(fail("<cpr> is empty: an employment needs the person's CPR number"));
    };
    if let (Some(entry), Some(leave)) = (e.entry_date, e.leave_date)
        && leave < entry
    {
        return Err(fail(format!("<leaveDate> {leave} lies before <entryDate> {entry}")));
    }
    let cancelled = e
        .work_contract_text
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case(ANNULLERET));
    let status = if cancelled {
        EmploymentStatus::Deleted
    } else {
        EmploymentStatus::Active
    };
    let employment = Employment {
        municipality: e.client,
        pernr: e.id,
        cpr: cpr.clone(),
        ekstraciffer: supp_id.unwrap_or(0),
        first_name: e.first_name.clone().unwrap_or_default(),
        last_name: e.last_name.clone().unwrap_or_default(),
        org_unit: e.org_unit.map(|u| u.to_string()),
        entry_date: e.entry_date,
        leave_date: e.leave_date,
        is_manager: e.is_manager.unwrap_or(false),
        status,
        replaced_by: None,
    };
    let period = validity(e.entry_date, e.leave_date);
    let mut records = vec![aktiviteter(e.entry_date, e.leave_date, status)];

    let mut org = Values::new();
    org.add("Organisationsenhed", "orgUnit", employment.org_unit.as_deref())?;
    org.add("Ansaettelsesforhold", "workContract", e.work_contract.as_deref())?;
    org.add("Stilling", "positionId", e.position_id.as_deref())?;
    org.add("StillingTekst", "position", e.position.as_deref())?;
    org.add("StillingTekstKort", "positionShort", e.position_short.as_deref())?;
    org.add("Ledermarkering", "isManager", employment.is_manager.then_some("X"))?;
    if let Some(unit) = unit {
        org.add("OrganisationsenhedTekst", "longName", Some(&unit.long_name))?;
        org.add("OrganisationsenhedTekstKort", "shortName", Some(&unit.short_name))?;
        org.add("OvenliggendeOrgEnhed", "parentOrgUnit", unit.parent.as_deref())?;
    }
    if !org.is_empty() {
        records.push(org.record(Category::Organisation, period)?);
    }

    let mut person = Values::new();
    person.add("CPR-nummer", "cpr", Some(cpr.expose()))?;
    person.add("Fornavn", "firstName", e.first_name.as_deref())?;
    person.add("Efternavn", "lastName", e.last_name.as_deref())?;
    records.push(person.record(Category::Persondata, period)?);

    let mut address = Values::new();
    address.add("GadeVejNr", "address", e.address.as_deref())?;
    address.add("Postnummer", "postalCode", e.postal_code.as_deref())?;
    address.add("By", "city", e.city.as_deref())?;
    address.add("Land", "country", e.country.as_deref())?;
    if !address.is_empty() {
        address.add("Adresseart", "", Some(HOME_ADDRESS))?;
        records.push(address.record(Category::Adresse, period)?);
    }

    let mut time = Values::new();
    time.add(
        "TimetalTaeller",
        "numerator",
        e.numerator.as_ref().map(Quantity::as_str),
    )?;
    time.add(
        "TimetalNaevner",
        "denominator",
        e.denominator.as_ref().map(Quantity::as_str),
    )?;
    if !time.is_empty() {
        records.push(time.record(Category::Arbejdstid, period)?);
    }

    let mut phone = Values::new();
    phone.add("KommunikationsID", "workPhone", e.work_phone.as_deref())?;
    if !phone.is_empty() {
        phone.add("Sekvensnummer", "", Some("000"))?;
        phone.add("Kommunikationsart", "", Some(WORK_PHONE))?;
        records.push(phone.record(Category::Kommunikation, period)?);
    }

    let mut pay = Values::new();
    pay.add("Loenklassenummer", "payGradeText", e.pay_grade_text.as_deref())?;
    if !pay.is_empty() {
        records.push(pay.record(Category::Loenindplacering, period)?);
    }

    // Known elements whose absence (or, for typed values, emptiness) the HR model cannot express.
    let mut unset = BTreeSet::new();
    let free_text = [
        ("firstName", &e.first_name),
        ("lastName", &e.last_name),
        ("address", &e.address),
        ("postalCode", &e.postal_code),
        ("city", &e.city),
        ("country", &e.country),
        ("workPhone", &e.work_phone),
        ("workContract", &e.work_contract),
        ("positionId", &e.position_id),
        ("position", &e.position),
        ("positionShort", &e.position_short),
        ("payGradeText", &e.pay_grade_text),
    ];
    for (name, value) in free_text {
        if value.is_none() {
            unset.insert(name);
        }
    }
    if e.is_manager.is_none() {
        unset.insert("isManager");
    }
    if supp_id.is_none() {
        unset.insert("suppId");
    }
    let mut z = Map::new();
    z.insert("lastChanged".into(), json!(e.last_changed.to_string()));
    z.insert("workContractText".into(), json!(e.work_contract_text));
    z.insert("superiorLevel".into(), json!(e.superior_level));
    z.insert("subordinateLevel".into(), json!(e.subordinate_level));
    put_common(&mut z, &e.extra_attributes, &e.extra, unset);
    Ok(MappedEmployee {
        employment,
        records,
        zlpe: Value::Object(z),
    })
}

/// What a leave record carries besides its id and client, for `zlpe.leave`.
pub fn leave_to_json(l: &Leave) -> Value {
    let mut z = Map::new();
    if let Some(d) = l.last_changed {
        z.insert("lastChanged".into(), json!(d.to_string()));
    }
    if !l.extra_attributes.is_empty() {
        z.insert("extraAttributes".into(), pairs_to_json(&l.extra_attributes));
    }
    // A record that carries the employment's data: the data goes into the employment, not here.
    if !l.children.is_empty() && !l.has_employment() {
        z.insert("children".into(), extra_to_json(&l.children));
    }
    Value::Object(z)
}

/// Maps the ended employment a leave record carries ([`Leave::employment`]): as [`employee_to_hr`], but with
/// status left and `leave_date` as its leave date, so that every record ends then.
pub fn ended_employee_to_hr(
    e: &Employee,
    unit: Option<&OrgUnit>,
    leave_date: Date,
) -> Result<MappedEmployee, MappingError> {
    let mut e = e.clone();
    e.leave_date = Some(leave_date);
    let mut mapped = employee_to_hr(&e, unit)?;
    mapped.employment.status = EmploymentStatus::Left;
    mapped.records[0] = aktiviteter(e.entry_date, e.leave_date, EmploymentStatus::Left);
    Ok(mapped)
}

/// The leave date a leave record states in a `leaveDate` child (Opus's own samples have none).
pub fn leave_date_of(l: &Leave) -> Option<Date> {
    l.child_text("leaveDate").and_then(snitflade_domain::hr::parse_date)
}

/// The record to take from a category for a single-valued export field: among those `filter` accepts, the one
/// valid on `today`, else the one that starts last.
fn pick(
    records: &[CategoryRecord],
    category: Category,
    today: Date,
    filter: impl Fn(&CategoryRecord) -> bool,
) -> Option<&CategoryRecord> {
    let mut candidates: Vec<&CategoryRecord> = records.iter().filter(|r| r.category == category && filter(r)).collect();
    candidates.sort_by_key(|r| r.valid_from);
    candidates
        .iter()
        .rev()
        .find(|r| r.overlaps(today, today))
        .or(candidates.last())
        .copied()
}

/// An employment written back as an active `<employee>` (also a cancelled one, with `workContractText`
/// Annulleret). Employments that did not come from a dump (no `zlpe`) are written from their categories, with
/// `lastChanged` = `today`.
pub fn hr_to_employee(
    stored: &StoredEmployment,
    records: &[CategoryRecord],
    today: Date,
) -> Result<Employee, MappingError> {
    let e = &stored.employment;
    let z = stored.zlpe.as_ref();
    let unset = unset_list(z);
    let mut out = Employee::new(e.pernr, e.municipality, date_of(z, "lastChanged").unwrap_or(today));
    out.entry_date = e.entry_date;
    out.leave_date = e.leave_date;
    out.cpr = Some(EmployeeCpr {
        cpr: e.cpr.clone(),
        supp_id: (!unset.contains("suppId")).then_some(e.ekstraciffer),
    });
    let org = pick(records, Category::Organisation, today, |_| true);
    let address = pick(records, Category::Adresse, today, |r| {
        r.get("Adresseart") == Some(HOME_ADDRESS)
    })
    .or_else(|| pick(records, Category::Adresse, today, |_| true));
    let time = pick(records, Category::Arbejdstid, today, |_| true);
    let phone = pick(records, Category::Kommunikation, today, |r| {
        r.get("Kommunikationsart") == Some(WORK_PHONE)
    });
    let pay = pick(records, Category::Loenindplacering, today, |_| true);
    let field = |r: Option<&CategoryRecord>, name: &str| r.and_then(|r| r.get(name)).map(str::to_owned);
    let text = |element: &str, value: Option<String>| -> Option<String> {
        (!unset.contains(element)).then(|| value.unwrap_or_default())
    };
    out.first_name = text("firstName", Some(e.first_name.clone()));
    out.last_name = text("lastName", Some(e.last_name.clone()));
    out.address = text("address", field(address, "GadeVejNr"));
    out.postal_code = text("postalCode", field(address, "Postnummer"));
    out.city = text("city", field(address, "By"));
    out.country = text("country", field(address, "Land"));
    out.work_phone = text("workPhone", field(phone, "KommunikationsID"));
    out.work_contract = text("workContract", field(org, "Ansaettelsesforhold"));
    out.position_id = text("positionId", field(org, "Stilling"));
    out.position = text("position", field(org, "StillingTekst"));
    out.position_short = text("positionShort", field(org, "StillingTekstKort"));
    out.pay_grade_text = text("payGradeText", field(pay, "Loenklassenummer"));
    out.is_manager = (!unset.contains("isManager")).then_some(e.is_manager);
    out.org_unit = match &e.org_unit {
        Some(id) => Some(OrgUnitId::parse(id).map_err(|_| {
            fail(format!(
                "the org unit id '{id}' cannot be written in a dump (digits only)"
            ))
        })?),
        None => None,
    };
    // Values other sources wrote that are no decimal number (e.g. "37,00") are left out rather than guessed.
    out.numerator = field(time, "TimetalTaeller").and_then(|q| Quantity::parse(&q).ok());
    out.denominator = field(time, "TimetalNaevner").and_then(|q| Quantity::parse(&q).ok());
    let contract_text = if z.is_some() {
        text_of(z, "workContractText")
    } else {
        Some(String::new())
    };
    // The status decides: a cancelled employment says so, an active one must not.
    out.work_contract_text = match (e.status, contract_text) {
        (EmploymentStatus::Deleted, _) => Some(ANNULLERET.to_owned()),
        (_, Some(t)) if t.trim().eq_ignore_ascii_case(ANNULLERET) => Some(String::new()),
        (_, t) => t,
    };
    if z.is_some() {
        out.superior_level = text_of(z, "superiorLevel");
        out.subordinate_level = text_of(z, "subordinateLevel");
    } else {
        out.superior_level = Some(String::new());
        out.subordinate_level = Some(String::new());
    }
    out.extra_attributes = json_to_pairs(z.and_then(|z| z.get("extraAttributes")));
    out.extra = json_to_extra(z.and_then(|z| z.get("extra")));
    Ok(out)
}

/// An ended employment written back as a leave record that carries its last data
/// ([`snitflade_opus_dump::DumpWriter::write_ended_employment`]): the data as [`hr_to_employee`] gives it (with
/// the leave date), and what the employment's own leave record carried (`zlpe.leave`): its `lastChanged` and
/// attributes, and children other than the employee's elements (those are written from the data).
pub fn hr_to_ended(
    stored: &StoredEmployment,
    records: &[CategoryRecord],
    today: Date,
) -> Result<Employee, MappingError> {
    let mut out = hr_to_employee(stored, records, today)?;
    let leave = stored.zlpe.as_ref().and_then(|z| z.get("leave"));
    if let Some(d) = date_of(leave, "lastChanged") {
        out.last_changed = d;
    }
    for (k, v) in json_to_pairs(leave.and_then(|l| l.get("extraAttributes"))) {
        if k != "action" && !out.extra_attributes.iter().any(|(have, _)| *have == k) {
            out.extra_attributes.push((k, v));
        }
    }
    out.extra.extend(
        json_to_extra(leave.and_then(|l| l.get("children")))
            .into_iter()
            .filter(|c| !EMPLOYEE_ELEMENTS.contains(&c.name.as_str())),
    );
    Ok(out)
}

/// Maps an `<orgUnit>` to the HR org unit and its `extra` JSON.
pub fn org_unit_to_hr(u: &DumpOrgUnit) -> (OrgUnit, Value) {
    let unit = OrgUnit {
        id: u.id.to_string(),
        parent: u.parent.map(|p| p.to_string()),
        short_name: u.short_name.clone().unwrap_or_default(),
        long_name: u.long_name.clone().unwrap_or_default(),
        valid_from: u.start_date.unwrap_or(OPEN_START),
        valid_to: u.end_date.unwrap_or(OPEN_END),
        street: u.street.clone(),
        zip_code: u.zip_code.clone(),
        city: u.city.clone(),
        phone: u.phone_number.clone(),
        cost_center: u.cost_center.clone(),
    };
    let mut unset = BTreeSet::new();
    for (name, absent) in [
        ("shortName", u.short_name.is_none()),
        ("longName", u.long_name.is_none()),
        ("startDate", u.start_date.is_none()),
        ("endDate", u.end_date.is_none()),
    ] {
        if absent {
            unset.insert(name);
        }
    }
    let mut z = Map::new();
    z.insert("lastChanged".into(), json!(u.last_changed.to_string()));
    for (name, value) in [
        ("cvrNr", &u.cvr_nr),
        ("eanNr", &u.ean_nr),
        ("seNr", &u.se_nr),
        ("pNr", &u.p_nr),
        ("orgType", &u.org_type),
        ("orgTypeTxt", &u.org_type_txt),
    ] {
        z.insert(name.into(), json!(value));
    }
    put_common(&mut z, &u.extra_attributes, &u.extra, unset);
    (unit, Value::Object(z))
}

/// An org unit written back as an `<orgUnit>`. Units that did not come from a dump get `lastChanged` = `today`
/// and no numbers (CVR, EAN, SE, P, type).
pub fn hr_to_org_unit(
    municipality: Kommunekode,
    stored: &StoredOrgUnit,
    today: Date,
) -> Result<DumpOrgUnit, MappingError> {
    let u = &stored.unit;
    let z = stored.extra.as_ref();
    let unset = unset_list(z);
    let id = |s: &str| {
        OrgUnitId::parse(s).map_err(|_| {
            fail(format!(
                "the org unit id '{s}' cannot be written in a dump (digits only)"
            ))
        })
    };
    let mut out = DumpOrgUnit::new(id(&u.id)?, municipality, date_of(z, "lastChanged").unwrap_or(today));
    out.start_date = (!unset.contains("startDate")).then_some(u.valid_from);
    out.end_date = (!unset.contains("endDate")).then_some(u.valid_to);
    out.parent = u.parent.as_deref().map(id).transpose()?;
    out.short_name = (!unset.contains("shortName")).then(|| u.short_name.clone());
    out.long_name = (!unset.contains("longName")).then(|| u.long_name.clone());
    out.street = u.street.clone();
    out.zip_code = u.zip_code.clone();
    out.city = u.city.clone();
    out.phone_number = u.phone.clone();
    out.cost_center = u.cost_center.clone();
    out.cvr_nr = text_of(z, "cvrNr");
    out.ean_nr = text_of(z, "eanNr");
    out.se_nr = text_of(z, "seNr");
    out.p_nr = text_of(z, "pNr");
    out.org_type = text_of(z, "orgType");
    out.org_type_txt = text_of(z, "orgTypeTxt");
    out.extra_attributes = json_to_pairs(z.and_then(|z| z.get("extraAttributes")));
    out.extra = json_to_extra(z.and_then(|z| z.get("extra")));
    Ok(out)
}

/// The personnel number as the dump writes it (no leading zeros), for messages.
pub fn dump_id(pernr: Pernr) -> String {
    pernr.number().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::Cpr;
    use snitflade_opus_dump::{DumpReader, EmployeeRecord, Record};

    const SAMPLE: &str = include_str!("../../../../shared/reference/opus-dump/ZLPE20200101_delta.xml");

    fn records() -> (Vec<DumpOrgUnit>, Vec<Employee>) {
        let (mut units, mut employees) = (Vec::new(), Vec::new());
        for r in DumpReader::new(SAMPLE.as_bytes()) {
            match r.unwrap() {
                Record::OrgUnit(u) => units.push(u),
                Record::Employee(EmployeeRecord::Active(e)) => employees.push(e),
                Record::Employee(EmployeeRecord::Leave(_)) => {}
            }
        }
        (units, employees)
    }

    fn today() -> Date {
        jiff::civil::date(2024, 5, 1)
    }

    #[test]
    fn an_employee_maps_to_categories_and_back() {
        let (units, employees) = records();
        let unit3 = org_unit_to_hr(&units[2]).0;
        let m = employee_to_hr(&employees[0], Some(&unit3)).unwrap();
        assert_eq!(m.employment.pernr.to_string(), "00001000");
        assert_eq!(m.employment.status, EmploymentStatus::Active);
        assert_eq!(m.employment.org_unit.as_deref(), Some("3"));
        let codes: Vec<_> = m.records.iter().map(|r| r.category.code()).collect();
        assert_eq!(codes, ["0000", "0001", "0002", "0006", "0007", "9001"]);
        assert!(
            m.records
                .iter()
                .all(|r| r.valid_from == OPEN_START && r.valid_to == OPEN_END)
        );
        let org = &m.records[1];
        assert_eq!(org.get("OrganisationsenhedTekst"), Some("Under-under-enhed"));
        assert_eq!(org.get("OrganisationsenhedTekstKort"), Some("U-U-Enh"));
        assert_eq!(org.get("OvenliggendeOrgEnhed"), Some("2"));
        assert_eq!(org.get("StillingTekstKort"), Some("TESTER"));
        assert_eq!(org.get("Ledermarkering"), None);
        assert_eq!(m.records[0].get("StatusBeskaeftigelse"), Some("3"));
        assert_eq!(m.records[4].get("TimetalTaeller"), Some("1"));
        assert_eq!(m.zlpe["workContractText"], "Ansat");
        assert_eq!(m.zlpe["lastChanged"], "2020-10-01");
        assert!(m.zlpe.get("unset").is_none());

        let stored = StoredEmployment {
            employment: m.employment.clone(),
            zlpe: Some(m.zlpe.clone()),
        };
        assert_eq!(hr_to_employee(&stored, &m.records, today()).unwrap(), employees[0]);
    }

    #[test]
    fn cancelled_absent_and_extra_survive_the_round_trip() {
        let (_, employees) = records();
        let mut e = employees[3].clone();
        assert_eq!(e.work_contract_text.as_deref(), Some(ANNULLERET));
        e.work_phone = Some("89345738".into());
        e.address = None;
        e.is_manager = None;
        e.cpr.as_mut().unwrap().supp_id = None;
        e.entry_date = Some(jiff::civil::date(2019, 3, 1));
        e.extra.push(ExtraElement::new("userId", "AB12"));
        e.extra_attributes.push(("source".into(), "x".into()));
        let m = employee_to_hr(&e, None).unwrap();
        assert_eq!(m.employment.status, EmploymentStatus::Deleted);
        assert_eq!(m.records[0].get("StatusBeskaeftigelse"), Some("0"));
        assert_eq!(m.records[0].valid_from, jiff::civil::date(2019, 3, 1));
        let phone = m
            .records
            .iter()
            .find(|r| r.category == Category::Kommunikation)
            .unwrap();
        assert_eq!(phone.get("Kommunikationsart"), Some(WORK_PHONE));
        assert!(is_imported(phone));
        let stored = StoredEmployment {
            employment: m.employment.clone(),
            zlpe: Some(m.zlpe.clone()),
        };
        assert_eq!(hr_to_employee(&stored, &m.records, today()).unwrap(), e);
    }

    #[test]
    fn bad_records_are_refused() {
        let (_, employees) = records();
        let mut e = employees[0].clone();
        e.cpr = None;
        assert!(employee_to_hr(&e, None).unwrap_err().0.contains("CPR"));
        let mut e = employees[0].clone();
        e.address = Some("Testvej 1\nBagved".into());
        assert!(employee_to_hr(&e, None).unwrap_err().0.contains("<address>"));
        let mut e = employees[0].clone();
        e.entry_date = Some(jiff::civil::date(2020, 2, 1));
        e.leave_date = Some(jiff::civil::date(2020, 1, 1));
        assert!(employee_to_hr(&e, None).is_err());
    }

    #[test]
    fn org_units_round_trip() {
        let (units, _) = records();
        for u in &units {
            let (unit, extra) = org_unit_to_hr(u);
            let stored = StoredOrgUnit {
                unit,
                extra: Some(extra),
            };
            assert_eq!(&hr_to_org_unit(u.client, &stored, today()).unwrap(), u);
        }
        let mut bare = DumpOrgUnit::new(OrgUnitId::new(9), units[0].client, today());
        bare.extra.push(ExtraElement::new("note", "x"));
        let (unit, extra) = org_unit_to_hr(&bare);
        let stored = StoredOrgUnit {
            unit,
            extra: Some(extra),
        };
        assert_eq!(hr_to_org_unit(bare.client, &stored, today()).unwrap(), bare);
    }

    #[test]
    fn employments_from_other_sources_export_from_their_categories() {
        let employment = Employment {
            municipality: Kommunekode::parse("0340").unwrap(),
            pernr: Pernr::parse("101").unwrap(),
            cpr: Cpr::parse("0101801234").unwrap(),
            ekstraciffer: 1,
            first_name: "Anna".into(),
            last_name: "Berg".into(),
            org_unit: Some("11".into()),
            entry_date: Some(jiff::civil::date(2015, 8, 1)),
            leave_date: None,
            is_manager: true,
            status: EmploymentStatus::Active,
            replaced_by: None,
        };
        let from = jiff::civil::date(2015, 8, 1);
        let rec = |c, v: Vec<(&str, &str)>| CategoryRecord::new(c, from, OPEN_END, v).unwrap();
        let records = vec![
            rec(
                Category::Organisation,
                vec![
                    ("Organisationsenhed", "11"),
                    ("Stilling", "P1"),
                    ("StillingTekst", "Pædagog"),
                ],
            ),
            rec(
                Category::Kommunikation,
                vec![("Kommunikationsart", "0010"), ("KommunikationsID", "a@b.dk")],
            ),
            rec(
                Category::Kommunikation,
                vec![("Kommunikationsart", "0020"), ("KommunikationsID", "57876101")],
            ),
            rec(Category::Arbejdstid, vec![("TimetalTaeller", "37,00")]),
        ];
        let stored = StoredEmployment { employment, zlpe: None };
        let e = hr_to_employee(&stored, &records, today()).unwrap();
        assert_eq!(e.last_changed, today());
        assert_eq!(e.work_phone.as_deref(), Some("57876101"));
        assert_eq!(e.position.as_deref(), Some("Pædagog"));
        assert_eq!(e.is_manager, Some(true));
        assert_eq!(e.cpr.as_ref().unwrap().supp_id, Some(1));
        assert_eq!(e.address.as_deref(), Some(""));
        assert_eq!(e.work_contract_text.as_deref(), Some(""));
        assert_eq!(e.numerator, None);
    }
}
