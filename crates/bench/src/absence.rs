//! The absence benchmark: a fresh demo data dir gets N synthetic employees (every data category, a schedule, a
//! week's holiday in July 2026) and a year of absences each (1–3 day sick days and holidays every 15 days from
//! December 2025, written straight into the database with their FVNV records). Then, against the real server
//! over mutual TLS as `dagtilbud`:
//!
//! 1. SetAbsenceAttendance throughput: INS of one-day sick days on distinct (employee, day) pairs in 2027 by
//!    `concurrency` clients; every answer must be "S" (each INS reads the employee's year of absences for the
//!    collision check).
//! 2. GetAbsenceAttendanceByPeriod latency: one employee's whole year, sequentially for random employees.
//! 3. GetAbsenceAttendanceByPeriod for the whole municipality for one week, one call (a week, not a month: at
//!    10,000 employees a month holds more absences than the service answers in one call, `MAX_RECORDS`).
//!
//! SQLite in the data dir by default; `database_url` selects another (empty) database, e.g. PostgreSQL.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use snitflade_domain::absence::Absence;
use snitflade_domain::schedule::AbsencePeriod;
use snitflade_domain::{Kommunekode, Pernr};

use crate::employee_list::{FIRST_SYNTHETIC, fresh_demo_store, opened_after_kill, write_synthetic};
use crate::message::{CONTENT_TYPE, SOAP_ACTION};
use crate::report::{LatencySummary, new_histogram};
use crate::{ServerProcess, mtls_client};

/// Employments written per transaction while preparing.
const PREPARE_BATCH: u32 = 1_000;
/// The first day of the year of absences.
const YEAR_START: Date = date(2025, 12, 1);
/// The summer holiday every synthetic employee has already (see `write_synthetic`).
const SUMMER: (Date, Date) = (date(2026, 7, 6), date(2026, 7, 10));

/// The `j`-th absence of employee number `i`: every 15 days from [`YEAR_START`] (shifted by `i % 5` days), 1–3
/// days long, a holiday every fourth, else sick; `None` where it would touch the summer holiday.
pub fn generated(i: u32, j: u32) -> Option<Absence> {
    let start = YEAR_START.checked_add((j as i64 * 15 + (i % 5) as i64).days()).ok()?;
    let end = start.checked_add((((i + j) % 3) as i64).days()).ok()?;
    if start <= SUMMER.1 && end >= SUMMER.0 {
        return None;
    }
    Some(Absence {
        object_id: format!("BENCH{i:08}{j:03}"),
        type_code: if j % 4 == 3 { "FE" } else { "SY" }.into(),
        period: AbsencePeriod {
            start,
            end,
            start_time: None,
            end_time: None,
        },
        additional: String::new(),
        registered_by: "bench".into(),
    })
}

/// A SetAbsenceAttendance INS of a one-day sick day.
pub fn set_request(pernr: u32, day: Date) -> String {
    set_request_op(pernr, day, "INS")
}

/// A SetAbsenceAttendance of a one-day sick day with `operation` (`INS`, or `DEL` naming it by its main fields).
pub fn set_request_op(pernr: u32, day: Date, operation: &str) -> String {
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:SetAbsenceAttendanceRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"><StartDate>{day}</StartDate>\
         <EndDate>{day}</EndDate><Operation>{operation}</Operation><PersonnelNumber>{pernr:08}</PersonnelNumber>\
         <AbsenceAttendanceType>SY</AbsenceAttendanceType></ns0:SetAbsenceAttendanceRequest_MT></SOAP-ENV:Body>\
         </SOAP-ENV:Envelope>"
    )
}

/// A GetAbsenceAttendanceByPeriod request (the whole municipality without `pernr`).
pub fn period_request(pernr: Option<u32>, from: Date, to: Date) -> String {
    let who = pernr.map_or_else(String::new, |p| format!("<PersonnelNumber>{p:08}</PersonnelNumber>"));
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:GetAbsenceAttendanceByPeriodRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\">\
         <StartDate>{from}</StartDate><EndDate>{to}</EndDate>{who}</ns0:GetAbsenceAttendanceByPeriodRequest_MT>\
         </SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
}

/// What to prepare and measure.
#[derive(Debug, Clone)]
pub struct AbsenceConfig {
    /// The `snitflade` binary.
    pub bin: PathBuf,
    /// The demo data dir (created; the caller removes an old one).
    pub dir: PathBuf,
    /// Passed on as `--database-url` (an empty database); default: SQLite in `dir`.
    pub database_url: Option<String>,
    /// Synthetic employees in 0340.
    pub employees: u32,
    /// Absences generated per employee (at most 24 fit the year; one near the summer holiday is left out).
    pub absences_per_employee: u32,
    /// SetAbsenceAttendance INS requests.
    pub inserts: u32,
    /// Concurrent INS clients.
    pub concurrency: u32,
    /// Sequential one-employee reads.
    pub reads: u32,
}

impl AbsenceConfig {
    fn server_command(&self) -> Command {
        ServerProcess::demo_command_on(&self.bin, &self.dir, self.database_url.as_deref())
    }

    /// "sqlite" or the scheme of the database URL.
    pub fn engine(&self) -> &str {
        crate::server::engine_of(self.database_url.as_deref())
    }
}

/// The day of the `i`-th measured INS: employees in turn, the next day of 2027 once every employee had one, so
/// that no two INS share an (employee, day) pair.
pub fn insert_target(i: u32, n: u32) -> Option<(u32, Date)> {
    let day = date(2027, 1, 1).checked_add(((i / n) as i64).days()).ok()?;
    (day.year() == 2027).then_some((FIRST_SYNTHETIC + i % n, day))
}

/// Creates the demo data dir with the synthetic employees and their absences.
pub async fn prepare(cfg: &AbsenceConfig) -> Result<()> {
    let (n, per_employee) = (cfg.employees, cfg.absences_per_employee);
    ensure!(
        cfg.inserts <= n.saturating_mul(365),
        "--requests {} needs more than a year of distinct days per employee; at most {} for {n} employees",
        cfg.inserts,
        n.saturating_mul(365)
    );
    std::fs::create_dir_all(&cfg.dir)?;
    let store = match &cfg.database_url {
        None => fresh_demo_store(&cfg.bin, &cfg.dir).await?,
        Some(url) => {
            // The first start creates the demo PKI in the dir and the demo data in the database.
            let mut server = ServerProcess::spawn_async(cfg.server_command()).await?;
            server.kill9()?;
            opened_after_kill(url).await?
        }
    };
    let soroe = Kommunekode::parse("0340")?;
    let mut written = 0;
    while written < n {
        let (first, count) = (FIRST_SYNTHETIC + written, PREPARE_BATCH.min(n - written));
        write_synthetic(&store, first, count).await?;
        let rows: Arc<Vec<(Pernr, Absence)>> = Arc::new(
            (first..first + count)
                .flat_map(|i| (0..per_employee).filter_map(move |j| generated(i, j).map(|a| (i, a))))
                .map(|(i, a)| (Pernr::parse(&i.to_string()).expect("a number"), a))
                .collect(),
        );
        store
            .write(move |c| {
                let rows = rows.clone();
                Box::pin(async move {
                    let now = snitflade_store::now_text();
                    snitflade_store::absence::insert_absences(c, soroe, &rows, &now).await?;
                    // Their FVNV records, as the service keeps them, so a measured INS adds one record, not a year.
                    let mut done = std::collections::HashSet::new();
                    for (pernr, _) in rows.iter() {
                        if done.insert(*pernr) {
                            snitflade_store::hr_derived::sync_absence_records(c, soroe, *pernr, "bench", &now).await?;
                        }
                    }
                    Ok(())
                })
            })
            .await?;
        written += count;
    }
    store.close().await;
    Ok(())
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct AbsenceReport {
    pub engine: String,
    pub employees: u32,
    pub absences_per_employee: u32,
    pub inserts: u32,
    pub concurrency: u32,
    /// INS answered "S".
    pub accepted: u32,
    /// INS answered "E" (refused); the run fails when there are any.
    pub refused: u32,
    /// The first refusal's answer.
    pub first_refusal: Option<String>,
    pub insert_elapsed: Duration,
    /// The server's CPU (user and system, all threads) during the INS phase, per request.
    pub insert_cpu_us_per_request: f64,
    pub insert_latency: LatencySummary,
    pub read_latency: LatencySummary,
    pub items_per_read: f64,
    pub week_elapsed: Duration,
    pub week_items: usize,
}

impl AbsenceReport {
    pub fn to_json(&self) -> Value {
        json!({
            "engine": self.engine,
            "employees": self.employees,
            "absences_per_employee": self.absences_per_employee,
            "inserts": self.inserts,
            "concurrency": self.concurrency,
            "accepted": self.accepted,
            "refused": self.refused,
            "inserts_per_s": self.inserts as f64 / self.insert_elapsed.as_secs_f64(),
            "insert_server_cpu_us_per_request": self.insert_cpu_us_per_request,
            "insert_latency_us": self.insert_latency.to_json(),
            "read_latency_us": self.read_latency.to_json(),
            "items_per_read": self.items_per_read,
            "week_ms": self.week_elapsed.as_secs_f64() * 1000.0,
            "week_items": self.week_items,
        })
    }

    pub fn table(&self) -> String {
        format!(
            "{}: {} employees, {} absences each\nSetAbsenceAttendance INS: {} requests, concurrency {}: {:.0}/s, \
             {} S, {} E, server CPU {:.0} µs per INS\n{}\
             GetAbsenceAttendanceByPeriod, one employee's year ({:.1} items):\n{}\
             GetAbsenceAttendanceByPeriod, the municipality for a week: {} items in {:.0} ms\n",
            self.engine,
            self.employees,
            self.absences_per_employee,
            self.inserts,
            self.concurrency,
            self.inserts as f64 / self.insert_elapsed.as_secs_f64(),
            self.accepted,
            self.refused,
            self.insert_cpu_us_per_request,
            self.insert_latency.table(),
            self.items_per_read,
            self.read_latency.table(),
            self.week_items,
            self.week_elapsed.as_secs_f64() * 1000.0,
        )
    }
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> Result<String> {
    let r = client
        .post(url)
        .header("Content-Type", CONTENT_TYPE)
        .header("SOAPAction", SOAP_ACTION)
        .body(body)
        .timeout(Duration::from_secs(600))
        .send()
        .await?;
    let status = r.status();
    let text = r.text().await?;
    if !status.is_success() {
        bail!("HTTP {status}: {text}");
    }
    Ok(text)
}

/// Runs the three measurements against a server on a prepared dir. Refused INS are counted, not fatal here:
/// the caller fails the run after printing the report.
pub async fn measure(cfg: &AbsenceConfig) -> Result<AbsenceReport> {
    let (n, inserts) = (cfg.employees, cfg.inserts);
    let server = ServerProcess::spawn_async(cfg.server_command()).await?;
    let client = mtls_client(&cfg.dir, "dagtilbud")?;
    let base = format!("https://{}/ws", server.services);

    // 1. INS throughput.
    let set_url = Arc::new(format!("{base}/SetAbsenceAttendance_OS_SI"));
    let next = Arc::new(AtomicU32::new(0));
    let cpu_before = crate::soak::cpu_seconds(server.pid())?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..cfg.concurrency {
        let (client, url, next) = (client.clone(), set_url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = new_histogram();
            let (mut accepted, mut refused, mut first_refusal) = (0u32, 0u32, None);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= inserts {
                    break;
                }
                let (pernr, day) = insert_target(i, n).context("out of distinct days")?;
                let t = Instant::now();
                let body = post(&client, &url, set_request(pernr, day))
                    .await
                    .with_context(|| format!("INS {pernr:08} {day}"))?;
                h.saturating_record(t.elapsed().as_micros() as u64);
                if body.contains("<StatusType>S</StatusType>") {
                    accepted += 1;
                } else {
                    refused += 1;
                    first_refusal.get_or_insert(body);
                }
            }
            anyhow::Ok((h, accepted, refused, first_refusal))
        }));
    }
    let mut insert_h = new_histogram();
    let (mut accepted, mut refused, mut first_refusal) = (0, 0, None);
    for t in tasks {
        let (h, a, r, first) = t.await??;
        insert_h.add(h)?;
        accepted += a;
        refused += r;
        if first_refusal.is_none() {
            first_refusal = first;
        }
    }
    let insert_elapsed = start.elapsed();
    let insert_cpu = crate::soak::cpu_seconds(server.pid())? - cpu_before;

    // 2. One employee's year, sequentially.
    let read_url = format!("{base}/GetAbsenceAttendanceByPeriod_OS_SI");
    let mut read_h = new_histogram();
    let mut items = 0usize;
    for j in 0..cfg.reads {
        let pernr = FIRST_SYNTHETIC + (j * 7919) % n;
        let t = Instant::now();
        let body = post(
            &client,
            &read_url,
            period_request(Some(pernr), YEAR_START, date(2026, 12, 31)),
        )
        .await?;
        read_h.saturating_record(t.elapsed().as_micros() as u64);
        ensure!(body.contains("<StatusType>S</StatusType>"), "read refused: {body}");
        items += body.matches("<Key>").count();
    }

    // 3. The whole municipality for one week.
    let t = Instant::now();
    let body = post(
        &client,
        &read_url,
        period_request(None, date(2026, 3, 2), date(2026, 3, 8)),
    )
    .await?;
    let week_elapsed = t.elapsed();
    ensure!(
        body.contains("<StatusType>S</StatusType>"),
        "week refused: {}",
        &body[..body.len().min(2000)]
    );
    drop(server);
    Ok(AbsenceReport {
        engine: cfg.engine().to_string(),
        employees: n,
        absences_per_employee: cfg.absences_per_employee,
        inserts,
        concurrency: cfg.concurrency,
        accepted,
        refused,
        first_refusal,
        insert_elapsed,
        insert_cpu_us_per_request: insert_cpu * 1e6 / f64::from(inserts.max(1)),
        insert_latency: LatencySummary::from_histogram(&insert_h),
        read_latency: LatencySummary::from_histogram(&read_h),
        items_per_read: items as f64 / cfg.reads.max(1) as f64,
        week_elapsed,
        week_items: body.matches("<Key>").count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::schedule::Schedules;

    #[test]
    fn generated_absences_never_collide() {
        let schedules = Schedules::default();
        for i in [FIRST_SYNTHETIC, FIRST_SYNTHETIC + 1, FIRST_SYNTHETIC + 4] {
            let all: Vec<Absence> = (0..24).filter_map(|j| generated(i, j)).collect();
            assert!(all.len() >= 20, "{}", all.len());
            let summer = AbsencePeriod {
                start: SUMMER.0,
                end: SUMMER.1,
                start_time: None,
                end_time: None,
            };
            for (n, a) in all.iter().enumerate() {
                assert!(!a.period.collides(&summer, &schedules));
                assert!(all[n + 1..].iter().all(|b| !a.period.collides(&b.period, &schedules)));
            }
        }
    }

    #[test]
    fn requests_are_well_formed() {
        for xml in [
            set_request(100_001, date(2027, 1, 4)),
            period_request(None, date(2026, 3, 2), date(2026, 3, 8)),
        ] {
            let e = snitflade_soap::parse_envelope(xml.as_bytes(), &snitflade_soap::Limits::default()).unwrap();
            assert_eq!(e.payload.ns.as_deref(), Some("urn:kmd.dk:LPT:VACAB:external"));
        }
        assert!(set_request(100_001, date(2027, 1, 4)).contains("<PersonnelNumber>00100001</PersonnelNumber>"));
        let e = snitflade_soap::parse_envelope(
            period_request(Some(100_001), YEAR_START, date(2026, 12, 31)).as_bytes(),
            &snitflade_soap::Limits::default(),
        )
        .unwrap();
        assert_eq!(e.payload.name, "GetAbsenceAttendanceByPeriodRequest_MT");
    }

    #[test]
    fn insert_targets_are_distinct_and_in_2027() {
        let n = 7;
        let all: Vec<(u32, Date)> = (0..n * 365).map(|i| insert_target(i, n).unwrap()).collect();
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        assert!(
            all.iter()
                .all(|(p, d)| d.year() == 2027 && (FIRST_SYNTHETIC..FIRST_SYNTHETIC + n).contains(p))
        );
        assert_eq!(insert_target(n * 365, n), None);
    }

    #[test]
    fn engine_names() {
        let mut cfg = AbsenceConfig {
            bin: "b".into(),
            dir: "d".into(),
            database_url: None,
            employees: 1,
            absences_per_employee: 1,
            inserts: 1,
            concurrency: 1,
            reads: 1,
        };
        assert_eq!(cfg.engine(), "sqlite");
        cfg.database_url = Some("postgres://postgres@127.0.0.1:5432/abs_bench".into());
        assert_eq!(cfg.engine(), "postgres");
    }
}
