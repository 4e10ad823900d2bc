//! Parsing and printing of human durations for the command line
//! (`500ms`, `20s`, `1.5s`, `2m`, `1h`).

use std::time::Duration;

/// Parse a duration: a non-negative number (integer or decimal) directly
/// followed by one of the units `us`, `ms`, `s`, `m`, `min`, `h`.
/// A bare `0` is accepted without unit.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let s = input.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("duration {input:?} needs a unit (us, ms, s, m, h), e.g. 20s"))?;
    let (number, unit) = s.split_at(split);
    let seconds_per_unit = match unit {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in duration {input:?}")),
    };
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(format!("invalid number in duration {input:?}"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid number in duration {input:?}"))?;
    Duration::try_from_secs_f64(value * seconds_per_unit).map_err(|e| format!("duration {input:?} out of range: {e}"))
}

/// Short human form: `500ms`, `20s`, `1.5s`.
pub fn format_duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        let secs = format!("{:.3}", d.as_secs_f64());
        format!("{}s", secs.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration(" 5s "), Ok(Duration::from_secs(5)));
    }

    #[test]
    fn rejected_forms() {
        for bad in [
            "", "20", "s", "-1s", "1.s", ".5s", "1..5s", "5 s", "5sec2", "3d", "1e3s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_secs(20)), "20s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
    }
}
