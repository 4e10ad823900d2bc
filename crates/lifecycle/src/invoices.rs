//! What each municipality owes for a period (a calendar month): the one-time fees (start-up licence, access
//! set-up) of orders whose billing starts in the month, and the running fees of every order in force on at least
//! one day of it — from the month its billing starts to the month before its closing day. As JSON or as CSV lines.

use crate::orders::billing_start;
use crate::{Lifecycle, LifecycleError, Result, day};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use snitflade_store::orders as store_orders;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvoiceLine {
    pub order: String,
    pub system: String,
    pub fee: String,
    pub interface: Option<String>,
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MunicipalityInvoice {
    pub municipality: String,
    pub total: Decimal,
    pub lines: Vec<InvoiceLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoices {
    pub period: String,
    pub municipalities: Vec<MunicipalityInvoice>,
}

/// One cost line as stored on an order.
#[derive(Debug, Deserialize)]
struct StoredLine {
    fee: String,
    interface: Option<String>,
    amount: Decimal,
}

/// A period `yyyy-mm`: its first day and the first day of the next month.
fn month(period: &str) -> Result<(jiff::civil::Date, jiff::civil::Date)> {
    let bad = || LifecycleError::BadRequest(format!("period skal være en måned som 2026-12, ikke '{period}'"));
    let (y, m) = period.split_once('-').ok_or_else(bad)?;
    let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if y.to_string().len() != 4 || period.len() != 7 {
        return Err(bad());
    }
    let first = jiff::civil::Date::new(y, m, 1).map_err(|_| bad())?;
    let next = first.checked_add(jiff::Span::new().months(1)).map_err(|_| bad())?;
    Ok((first, next))
}

impl Lifecycle {
    pub async fn invoices(&self, period: &str, municipality: Option<&str>) -> Result<Invoices> {
        let (first, next) = month(period)?;
        let systems: BTreeMap<String, String> = snitflade_store::access::systems(self.store.pool())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let records = store_orders::list(self.store.pool(), municipality, None, None).await?;
        let mut by_municipality: BTreeMap<String, Vec<InvoiceLine>> = BTreeMap::new();
        for rec in &records {
            let (Some(start), Some(cost)) = (billing_start(rec), rec.cost.as_ref()) else {
                continue;
            };
            let end = rec.closed_on.as_deref().and_then(day);
            let in_force = start < next && end.is_none_or(|e| e > first && e > start);
            let starts_here = first <= start && start < next;
            let lines: Vec<StoredLine> = serde_json::from_value(cost["lines"].clone())
                .map_err(|e| LifecycleError::Store(snitflade_store::StoreError::Corrupt(e.to_string())))?;
            for l in lines {
                let due = if l.fee == "running" { in_force } else { starts_here };
                if due {
                    by_municipality
                        .entry(rec.municipality.clone())
                        .or_default()
                        .push(InvoiceLine {
                            order: rec.id.clone(),
                            system: systems.get(&rec.system_id).cloned().unwrap_or_default(),
                            fee: l.fee,
                            interface: l.interface,
                            amount: l.amount,
                        });
                }
            }
        }
        Ok(Invoices {
            period: period.to_owned(),
            municipalities: by_municipality
                .into_iter()
                .map(|(municipality, lines)| MunicipalityInvoice {
                    total: lines.iter().map(|l| l.amount).sum(),
                    municipality,
                    lines,
                })
                .collect(),
        })
    }
}

impl Invoices {
    /// The lines as CSV (RFC 4180, comma-separated, decimal point), one header line first.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("period,municipality,order,system,fee,interface,amount\r\n");
        for m in &self.municipalities {
            for l in &m.lines {
                let fields = [
                    self.period.as_str(),
                    m.municipality.as_str(),
                    l.order.as_str(),
                    l.system.as_str(),
                    l.fee.as_str(),
                    l.interface.as_deref().unwrap_or(""),
                ];
                for f in fields {
                    out.push_str(&csv_field(f));
                    out.push(',');
                }
                out.push_str(&l.amount.to_string());
                out.push_str("\r\n");
            }
        }
        out
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@` is prefixed
/// with `'` so a spreadsheet does not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_months() {
        let (a, b) = month("2026-12").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-12-01".into(), "2027-01-01".into())
        );
        for bad in ["2026-13", "2026-1", "26-01", "2026", "x-y", "2026-12-01"] {
            assert!(month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
    }
}
