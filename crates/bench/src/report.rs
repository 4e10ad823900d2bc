//! Result of a load run: counters, latency percentiles from an HDR
//! histogram (microsecond resolution), and their rendering as a readable
//! table and as a single JSON line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Highest latency the histograms can record, in µs (larger values saturate).
pub const MAX_TRACKABLE_US: u64 = 3_600_000_000;

/// An empty latency histogram in µs with 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_TRACKABLE_US, 3).expect("static histogram bounds are valid")
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencySummary {
    /// Number of recorded samples.
    pub count: u64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl LatencySummary {
    /// Summarise a histogram of µs values; all zero when it is empty.
    pub fn from_histogram(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return LatencySummary::default();
        }
        LatencySummary {
            count: h.len(),
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }

    /// JSON object with the values in µs.
    pub fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "p50": self.p50,
            "p90": self.p90,
            "p99": self.p99,
            "p999": self.p999,
            "max": self.max,
            "mean": (self.mean * 10.0).round() / 10.0,
        })
    }

    /// Two table lines: a header and the values in milliseconds.
    pub fn table(&self) -> String {
        let ms = |us: u64| format!("{:.3}", us as f64 / 1000.0);
        format!(
            "{:<18}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n{:<18}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n",
            "latency (ms)",
            "p50",
            "p90",
            "p99",
            "p99.9",
            "max",
            "mean",
            "",
            ms(self.p50),
            ms(self.p90),
            ms(self.p99),
            ms(self.p999),
            ms(self.max),
            format!("{:.3}", self.mean / 1000.0),
        )
    }
}

/// Outcome counters of one load run. Everything except the `total_*` fields
/// covers only requests started after the warm-up.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Number of concurrent connections (tasks).
    pub connections: usize,
    /// Warm-up excluded from the statistics.
    pub warmup: Duration,
    /// Length of the measured window (end of warm-up to last completion).
    pub measured: Duration,
    /// Requests sent (and finished one way or another) in the window.
    pub sent: u64,
    /// Of those, answered 200 (acknowledged).
    pub ok: u64,
    /// Of those, answered with another HTTP status: count per status.
    pub non_200: BTreeMap<u16, u64>,
    /// Of those, failed without an HTTP answer (connect, reset, timeout…).
    pub errors: u64,
    /// Errors per kind (`connect`, `timeout`, `request`, `body`, `other`).
    pub error_kinds: BTreeMap<String, u64>,
    /// Latency of the 200 answers.
    pub latency: LatencySummary,
    /// Requests sent including the warm-up.
    pub total_sent: u64,
    /// 200 answers including the warm-up.
    pub total_acked: u64,
    /// TLS connections opened during the whole run (warm-up included); with
    /// healthy keep-alive this equals `connections`.
    pub connections_opened: u64,
    /// First transport error seen, for diagnosis.
    pub first_error: Option<String>,
    /// First non-200 answer seen (status and start of the body).
    pub first_non_200: Option<(u16, String)>,
}

impl LoadReport {
    /// Sum of all non-200 answers in the window.
    pub fn non_200_total(&self) -> u64 {
        self.non_200.values().sum()
    }

    /// Acknowledged requests per second in the window.
    pub fn throughput(&self) -> f64 {
        per_second(self.ok, self.measured)
    }

    /// Sent requests per second in the window.
    pub fn request_rate(&self) -> f64 {
        per_second(self.sent, self.measured)
    }

    /// The readable multi-line table.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{} connections, measured {:.2} s after {:.2} s warm-up",
            self.connections,
            self.measured.as_secs_f64(),
            self.warmup.as_secs_f64()
        );
        let _ = writeln!(
            t,
            "{:<18}{:>10}{:>14}",
            "requests sent",
            self.sent,
            format!("{:.1} req/s", self.request_rate())
        );
        let _ = writeln!(
            t,
            "{:<18}{:>10}{:>14}",
            "200 OK",
            self.ok,
            format!("{:.1} req/s", self.throughput())
        );
        let _ = writeln!(
            t,
            "{:<18}{:>10}{}",
            "non-200",
            self.non_200_total(),
            detail(self.non_200.iter().map(|(k, v)| (k.to_string(), *v)))
        );
        let _ = writeln!(
            t,
            "{:<18}{:>10}{}",
            "errors",
            self.errors,
            detail(self.error_kinds.iter().map(|(k, v)| (k.clone(), *v)))
        );
        t.push_str(&self.latency.table());
        let _ = writeln!(
            t,
            "{:<18}{:>10}{:>14}",
            "incl. warm-up",
            format!("{} sent", self.total_sent),
            format!("{} acked", self.total_acked)
        );
        let _ = writeln!(t, "{:<18}{:>10}", "connections opened", self.connections_opened);
        if let Some((status, body)) = &self.first_non_200 {
            let _ = writeln!(t, "first non-200: {status} {body}");
        }
        if let Some(e) = &self.first_error {
            let _ = writeln!(t, "first error: {e}");
        }
        t
    }

    /// The report as a JSON value (latencies in µs, durations in seconds).
    pub fn to_json(&self) -> Value {
        let non_200: serde_json::Map<String, Value> =
            self.non_200.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
        json!({
            "connections": self.connections,
            "warmup_s": self.warmup.as_secs_f64(),
            "measured_s": round3(self.measured.as_secs_f64()),
            "sent": self.sent,
            "ok": self.ok,
            "non_200": non_200,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "throughput_rps": round3(self.throughput()),
            "request_rate_rps": round3(self.request_rate()),
            "latency_us": self.latency.to_json(),
            "total_sent": self.total_sent,
            "total_acked": self.total_acked,
            "connections_opened": self.connections_opened,
        })
    }

    /// [`LoadReport::to_json`] on one line.
    pub fn json_line(&self) -> String {
        self.to_json().to_string()
    }
}

fn per_second(n: u64, window: Duration) -> f64 {
    let secs = window.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `    (a: 1, b: 2)` or nothing when empty.
fn detail(items: impl Iterator<Item = (String, u64)>) -> String {
    let parts: Vec<String> = items.map(|(k, v)| format!("{k}: {v}")).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("    ({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_histogram() -> Histogram<u64> {
        let mut h = new_histogram();
        // 1..=1000 ms in µs: p50 ≈ 500 ms, p90 ≈ 900 ms, p99 ≈ 990 ms.
        for ms in 1..=1000u64 {
            h.record(ms * 1000).unwrap();
        }
        h
    }

    fn close(actual: u64, expected: u64) -> bool {
        actual.abs_diff(expected) <= expected / 500 + 1
    }

    #[test]
    fn percentiles() {
        let s = LatencySummary::from_histogram(&sample_histogram());
        assert_eq!(s.count, 1000);
        assert!(close(s.p50, 500_000), "{s:?}");
        assert!(close(s.p90, 900_000), "{s:?}");
        assert!(close(s.p99, 990_000), "{s:?}");
        assert!(close(s.p999, 999_000), "{s:?}");
        assert!(close(s.max, 1_000_000), "{s:?}");
        assert!((s.mean - 500_500.0).abs() < 1000.0, "{s:?}");
        assert_eq!(
            LatencySummary::from_histogram(&new_histogram()),
            LatencySummary::default()
        );
    }

    #[test]
    fn huge_values_saturate() {
        let mut h = new_histogram();
        h.saturating_record(u64::MAX);
        let s = LatencySummary::from_histogram(&h);
        assert!(s.max >= MAX_TRACKABLE_US);
    }

    #[test]
    fn latency_table_format() {
        let s = LatencySummary {
            count: 3,
            p50: 1234,
            p90: 2500,
            p99: 10_000,
            p999: 12_345,
            max: 20_000,
            mean: 1500.0,
        };
        let t = s.table();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "latency (ms)             p50       p90       p99     p99.9       max      mean"
        );
        assert_eq!(
            lines[1],
            "                       1.234     2.500    10.000    12.345    20.000     1.500"
        );
        assert_eq!(lines[0].len(), lines[1].len());
    }

    fn sample_report() -> LoadReport {
        let mut r = LoadReport {
            connections: 32,
            warmup: Duration::from_secs(1),
            measured: Duration::from_secs(20),
            sent: 1000,
            ok: 990,
            errors: 4,
            latency: LatencySummary::from_histogram(&sample_histogram()),
            total_sent: 1100,
            total_acked: 1090,
            connections_opened: 32,
            ..LoadReport::default()
        };
        r.non_200.insert(500, 4);
        r.non_200.insert(503, 2);
        r.error_kinds.insert("connect".into(), 4);
        r
    }

    #[test]
    fn report_table() {
        let t = sample_report().table();
        assert!(
            t.starts_with("32 connections, measured 20.00 s after 1.00 s warm-up\n"),
            "{t}"
        );
        assert!(t.contains("requests sent           1000    50.0 req/s\n"), "{t}");
        assert!(t.contains("200 OK                   990    49.5 req/s\n"), "{t}");
        assert!(t.contains("non-200                    6    (500: 4, 503: 2)\n"), "{t}");
        assert!(t.contains("errors                     4    (connect: 4)\n"), "{t}");
        assert!(t.contains("latency (ms)"), "{t}");
        assert!(t.contains("1100 sent"), "{t}");
        assert!(t.contains("connections opened        32\n"), "{t}");
        assert!(!t.contains("first error"), "{t}");
    }

    #[test]
    fn report_json_is_one_line() {
        let r = sample_report();
        let line = r.json_line();
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["sent"], 1000);
        assert_eq!(v["ok"], 990);
        assert_eq!(v["non_200"]["500"], 4);
        assert_eq!(v["errors"], 4);
        assert_eq!(v["error_kinds"]["connect"], 4);
        assert_eq!(v["throughput_rps"], 49.5);
        assert_eq!(v["latency_us"]["count"], 1000);
        assert_eq!(v["connections_opened"], 32);
        assert!(v["latency_us"]["p99"].as_u64().unwrap() > 900_000);
    }

    #[test]
    fn empty_window_has_zero_rates() {
        let r = LoadReport::default();
        assert_eq!(r.throughput(), 0.0);
        assert_eq!(r.request_rate(), 0.0);
        assert!(r.table().contains("0.000"));
    }
}
