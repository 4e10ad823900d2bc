//! The rules an absence must pass before it is registered, as SAP HR checks them: a known absence type of the
//! municipality's catalogue, inside the employment, `AdditionalData` that names what the type needs (a child of
//! the right age, a maternity case, a reason, a work accident), no collision with the employee's other absences,
//! and no quota overdrawn by the change. Each refusal is a Danish text a person can act on.

use jiff::civil::Date;
use rust_decimal::Decimal;
use snitflade_domain::absence::{Absence, AbsenceType, Attachment, QuotaKind, reasons};
use snitflade_domain::hr::{MaternityCase, WorkAccidentCase};
use snitflade_domain::quotas::{balances, overdrawn_by_kind, total_overdrawn};
use snitflade_domain::schedule::{AbsencePeriod, cost};
use snitflade_store::absence::StoredAbsence;
use snitflade_store::time_data::TimeData;

pub use crate::sap::days_phrase;

/// The employee's cases an absence may link to.
pub struct Cases {
    pub maternity: Vec<MaternityCase>,
    pub accidents: Vec<WorkAccidentCase>,
}

/// A period as a person reads it: `2026-11-24` or `2026-11-24–2026-11-25`, with times when given.
pub fn describe(code: &str, p: &AbsencePeriod) -> String {
    let mut s = if p.start == p.end {
        format!("{code} {}", p.start)
    } else {
        format!("{code} {}–{}", p.start, p.end)
    };
    if p.is_partial() {
        let t = |t: Option<jiff::civil::Time>| t.map(crate::sap::time_text).unwrap_or_default();
        s.push_str(&format!(" {}–{}", t(p.start_time), t(p.end_time)));
    }
    s
}

/// Checks `candidate` against the employee's data; `replacing` is the registration a MOD replaces. The type of
/// the absence, or the refusal.
pub fn check<'d>(
    data: &'d TimeData,
    cases: &Cases,
    candidate: &Absence,
    replacing: Option<&StoredAbsence>,
) -> Result<&'d AbsenceType, String> {
    let Some(ty) = data.absence_type(&candidate.type_code) else {
        let codes: Vec<&str> = data.catalogue.iter().map(|t| t.code.as_str()).collect();
        return Err(format!(
            "Fraværsarten {} findes ikke i kommunens fraværskatalog; gyldige arter: {}",
            crate::sap::clip(&candidate.type_code),
            codes.join(", ")
        ));
    };
    let p = &candidate.period;
    let e = &data.employment;
    let before_entry = e.entry_date.is_some_and(|d| p.start < d);
    let after_leave = e.leave_date.is_some_and(|d| p.end > d);
    if before_entry || after_leave {
        let from = e.entry_date.map_or_else(String::new, |d| d.to_string());
        let to = e.leave_date.map_or_else(|| "i dag".to_owned(), |d| d.to_string());
        return Err(format!(
            "Fraværet ligger uden for ansættelsen (medarbejdernummer {} er ansat {from}–{to})",
            e.pernr
        ));
    }
    attachment(data, cases, ty, candidate)?;
    for other in data.absences.iter().filter(|a| replacing.is_none_or(|r| r.id != a.id)) {
        if p.collides(&other.absence.period, &data.schedules) {
            return Err(format!(
                "Fraværet kolliderer med det registrerede fravær {}",
                describe(&other.absence.type_code, &other.absence.period)
            ));
        }
    }
    if ty.quota.is_some() {
        quota(data, ty, candidate, replacing)?;
    }
    Ok(ty)
}

/// `AdditionalData` against what the type needs.
fn attachment(data: &TimeData, cases: &Cases, ty: &AbsenceType, a: &Absence) -> Result<(), String> {
    let extra = a.additional.as_str();
    let missing = |what: &str| format!("Fraværsart {} kræver {what} i AdditionalData", ty.code);
    match ty.attachment {
        Attachment::None {} if extra.is_empty() => Ok(()),
        Attachment::None {} => Err(format!(
            "Fraværsart {} bruger ikke AdditionalData; lad feltet være tomt",
            ty.code
        )),
        Attachment::Child { max_age_year } => {
            if extra.is_empty() {
                return Err(missing("barnets nummer fra GetChildren (2 cifre)"));
            }
            if extra.len() != 2 || !extra.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "AdditionalData skal være barnets nummer fra GetChildren med 2 cifre, fx 01 (modtaget: {})",
                    crate::sap::clip(extra)
                ));
            }
            let Some(child) = data.children.iter().find(|c| c.child_number == extra) else {
                return Err(format!("Medarbejderen har intet barn nummer {extra} (se GetChildren)"));
            };
            let born = child.cpr.birth_date();
            if let Some(limit) = max_age_year
                && a.period.end.year() > born.year() + i16::from(limit)
            {
                return Err(format!(
                    "Barn {extra} (født {}) er over aldersgrænsen for {}: til og med det år barnet fylder {limit}",
                    born.year(),
                    ty.text
                ));
            }
            if a.period.start < born {
                return Err(format!("Barn {extra} er født {born}, efter fraværets start"));
            }
            Ok(())
        }
        Attachment::MaternityCase {} => {
            if extra.is_empty() {
                return Err(missing("barselssagens nøgle fra GetMaternityCases"));
            }
            match cases.maternity.iter().find(|c| c.case_key == extra) {
                None => Err(format!(
                    "Medarbejderen har ingen barselssag {}",
                    crate::sap::clip(extra)
                )),
                Some(c) if a.period.start < c.valid_start || a.period.end > c.valid_end => Err(format!(
                    "Fraværet skal ligge inden for barselssag {extra} ({}–{})",
                    c.valid_start, c.valid_end
                )),
                Some(_) => Ok(()),
            }
        }
        Attachment::Reason { pay } => {
            let valid: Vec<&str> = reasons(Some(pay)).map(|r| r.code).collect();
            if valid.contains(&extra) {
                Ok(())
            } else if extra.is_empty() {
                Err(missing(&format!("en årsagskode fra GetReasons ({})", valid.join(", "))))
            } else {
                Err(format!(
                    "Årsagskode {} gælder ikke for {}; gyldige: {}",
                    crate::sap::clip(extra),
                    ty.text,
                    valid.join(", ")
                ))
            }
        }
        Attachment::WorkAccident { required } => {
            if extra.is_empty() {
                return if required {
                    Err(missing("arbejdsskadens nummer fra GetWorkAccidentCases"))
                } else {
                    Ok(())
                };
            }
            if cases.accidents.iter().any(|c| c.accident_number == extra) {
                Ok(())
            } else {
                Err(format!(
                    "Medarbejderen har ingen arbejdsskade {}",
                    crate::sap::clip(extra)
                ))
            }
        }
    }
}

/// Refuses a change that overdraws a quota more than it already was, saying which quota and what is left of it,
/// e.g. "Ikke flere omsorgsdage tilbage for barn 02 i 2026 (2 dage, 2 brugt)".
fn quota(data: &TimeData, ty: &AbsenceType, a: &Absence, replacing: Option<&StoredAbsence>) -> Result<(), String> {
    let current = data.current_quota_input();
    let after = data.quota_input(
        data.absences
            .iter()
            .filter(|x| replacing.is_none_or(|r| r.id != x.id))
            .map(|x| &x.absence)
            .chain(std::iter::once(a)),
    );
    if total_overdrawn(&after) <= total_overdrawn(&current) {
        return Ok(());
    }
    let (before_kinds, after_kinds) = (overdrawn_by_kind(&current), overdrawn_by_kind(&after));
    let kind = after_kinds
        .iter()
        .find(|(k, v)| **v > before_kinds.get(k).copied().unwrap_or_default())
        .map_or(ty.quota.expect("a quota"), |(k, _)| *k);
    let start: Date = a.period.start;
    let child = (kind == QuotaKind::CareDay && !a.additional.is_empty()).then(|| a.additional.clone());
    let all = balances(&current, start);
    let relevant: Vec<_> = all
        .iter()
        .filter(|b| b.key.kind == kind && b.key.child == child)
        .filter(|b| b.key.deduction().0 <= start && start <= b.key.deduction().1)
        .collect();
    let earned: Decimal = relevant.iter().map(|b| b.accrued).sum();
    let used: Decimal = relevant.iter().map(|b| b.used).sum();
    let left: Decimal = relevant.iter().map(|b| b.remaining().max(Decimal::ZERO)).sum();
    let name = kind.text().to_lowercase();
    let for_child = child.map(|c| format!(" for barn {c}")).unwrap_or_default();
    let when = match kind {
        QuotaKind::CareDay | QuotaKind::SeniorDay => format!(" i {}", start.year()),
        QuotaKind::Holiday | QuotaKind::SixthWeek => format!(" pr. {start}"),
    };
    let used = format!(
        "{}, {} brugt",
        days_phrase(earned),
        used.normalize().to_string().replace('.', ",")
    );
    if left <= Decimal::ZERO {
        Err(format!("Ikke flere {name} tilbage{for_child}{when} ({used})"))
    } else {
        Err(format!(
            "Ikke nok {name} tilbage{for_child}{when}: {} tilbage ({used}), fraværet koster {}",
            days_phrase(left),
            days_phrase(cost(&a.period, &data.schedules).days)
        ))
    }
}
