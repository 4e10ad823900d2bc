//! Text helpers shared by the layout and the writers: an estimate of how wide a string is drawn, word wrapping to a
//! width, compressing runs of ids (`SID001–SID003`), and the fixed number format that keeps the output byte-stable.
//! (Interface numbers are sorted by [`crate::naming::natural_cmp`].)

/// Estimated advance of one character, in ems, for a common sans-serif (DejaVu Sans / Arial, rounded up).
fn char_em(c: char) -> f64 {
    match c {
        ' ' => 0.32,
        'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | 'I' => 0.3,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' => 0.4,
        'm' | 'w' | 'æ' | 'œ' => 0.9,
        'M' | 'W' | 'Æ' | 'Œ' | '%' | '&' | '@' => 0.92,
        '–' | '—' | '→' | '←' | '↔' => 0.85,
        c if c.is_ascii_digit() => 0.64,
        c if c.is_uppercase() => 0.7,
        c if c.is_lowercase() => 0.58,
        _ => 0.64,
    }
}

/// Estimated width of `s` drawn at `size` px, regular weight.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().map(char_em).sum::<f64>() * size
}

/// Estimated width of `s` drawn at `size` px in bold.
pub fn bold_width(s: &str, size: f64) -> f64 {
    text_width(s, size) * 1.08
}

/// Wraps `s` at spaces so that every line is at most `max` px wide at `size` px (a single word wider than that
/// is broken by characters). Never returns an empty vector for a non-blank string.
pub fn wrap(s: &str, size: f64, max: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if text_width(word, size) <= max {
            line = word.to_string();
        } else {
            for c in word.chars() {
                if !line.is_empty() && text_width(&format!("{line}{c}"), size) > max {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Shortens `s` to at most `max` characters, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(max.saturating_sub(1)).collect();
    cut = cut.trim_end().to_string();
    cut.push('…');
    cut
}

/// Joins ids, compressing three or more consecutive ones with the same prefix and digit width into a range:
/// `SID001, SID002, SID003, SID007` → `SID001–SID003, SID007`.
pub fn compress_ids(ids: &[String]) -> String {
    fn split(id: &str) -> Option<(&str, &str)> {
        // The trailing digits are ASCII, so this is a char boundary whatever the prefix holds (`KØ1`).
        let at = id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (prefix, digits) = id.split_at(at);
        (!digits.is_empty() && digits.len() <= 18).then_some((prefix, digits))
    }
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        if let Some((prefix, digits)) = split(&ids[i]) {
            let start: u64 = digits.parse().unwrap_or(0);
            while j + 1 < ids.len() {
                match split(&ids[j + 1]) {
                    Some((p, d))
                        if p == prefix
                            && d.len() == digits.len()
                            && d.parse::<u64>().ok() == Some(start + (j + 1 - i) as u64) =>
                    {
                        j += 1
                    }
                    _ => break,
                }
            }
        }
        if j >= i + 2 {
            parts.push(format!("{}–{}", ids[i], ids[j]));
            i = j + 1;
        } else {
            parts.push(ids[i].clone());
            i += 1;
        }
    }
    parts.join(", ")
}

/// A coordinate with one decimal, never `-0.0`.
pub fn num(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded == 0.0 {
        "0.0".to_string()
    } else {
        format!("{rounded:.1}")
    }
}

/// Drops characters that XML 1.0 (and so SVG, DOT's HTML labels and Mermaid's HTML) cannot carry.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' || c == '\u{7F}' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_breaks_long_words() {
        let lines = wrap(
            "Modtageroplysninger, beløb, udbetalingsmeddelelse til borger",
            11.0,
            170.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 11.0) <= 170.0));
        assert_eq!(
            lines.join(" "),
            "Modtageroplysninger, beløb, udbetalingsmeddelelse til borger"
        );
        let long = wrap(&"x".repeat(100), 10.0, 50.0);
        assert!(long.len() > 1 && long.iter().all(|l| text_width(l, 10.0) <= 50.0));
        assert!(wrap("   ", 10.0, 50.0).is_empty());
    }

    #[test]
    fn compresses_runs() {
        let ids: Vec<String> = ["SID001", "SID002", "SID003", "SID007", "SID008", "2045"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(compress_ids(&ids), "SID001–SID003, SID007, SID008, 2045");
    }

    #[test]
    fn compresses_ids_with_non_ascii_prefixes() {
        let ids = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
        assert_eq!(
            compress_ids(&ids(&["KØ1", "KØ2", "KØ3", "KØ5", "Æ", "ÅÅ9", "ø"])),
            "KØ1–KØ3, KØ5, Æ, ÅÅ9, ø"
        );
        assert_eq!(compress_ids(&ids(&["Ø1", "Ø2", "Ø3"])), "Ø1–Ø3");
        assert_eq!(compress_ids(&ids(&["1", "2", "3", "→7"])), "1–3, →7");
    }

    #[test]
    fn numbers_are_stable() {
        assert_eq!(num(-0.04), "0.0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-3.96), "-4.0");
    }
}
