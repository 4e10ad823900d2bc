//! Names and codes every part of the landscape reads the same way: the natural order of local numbers and ids
//! (`1 < 2 < 5a < 12b < 27`, `SID009 < SID010`), and the kommunekode in the landscape's form (four digits, `0340`).

use std::cmp::Ordering;

/// Compares two local numbers (or any ids with embedded numbers) naturally: runs of ASCII digits compare by value,
/// other runs case-insensitively, so `1 < 2 < 3 < 5a < 5b < 12a < 27` and `SID009 < SID010`. A number sorts before
/// text (`5 < a`), a prefix before what it starts (`5 < 5a`). Ties are broken run by run: a number with more leading
/// zeros after the same value (`5 < 05`), then the exact text (`A < a`). Two strings compare equal only when they are
/// equal, so this is a total order fit for sorting and for [`NaturalKey`] in ordered maps.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        let (ca, ra) = split_run(a);
        let (cb, rb) = split_run(b);
        let a_digits = ca.starts_with(|c: char| c.is_ascii_digit());
        let b_digits = cb.starts_with(|c: char| c.is_ascii_digit());
        let ord = match (a_digits, b_digits) {
            (true, true) => {
                let (ta, tb) = (ca.trim_start_matches('0'), cb.trim_start_matches('0'));
                // Compared as text of equal length, so digit runs of any length compare by value.
                ta.len()
                    .cmp(&tb.len())
                    .then_with(|| ta.cmp(tb))
                    .then_with(|| ca.len().cmp(&cb.len()))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => ca
                .chars()
                .flat_map(char::to_lowercase)
                .cmp(cb.chars().flat_map(char::to_lowercase))
                .then_with(|| ca.cmp(cb)),
        };
        if ord != Ordering::Equal {
            return ord;
        }
        (a, b) = (ra, rb);
    }
}

/// Splits off the leading run of ASCII digits or of non-digits.
fn split_run(s: &str) -> (&str, &str) {
    let digits = s.starts_with(|c: char| c.is_ascii_digit());
    let end = s
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit() != digits)
        .map_or(s.len(), |(i, _)| i);
    s.split_at(end)
}

/// A string ordered by [`natural_cmp`], for sort keys and ordered maps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NaturalKey(String);

impl Ord for NaturalKey {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for NaturalKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

pub fn natural_key(s: &str) -> NaturalKey {
    NaturalKey(s.to_string())
}

/// A kommunekode in the landscape's form: four digits, as everywhere in snitflade (`340` → `0340`). Anything that is
/// not 1–3 digits is returned trimmed but otherwise as it is (see [`kommunekode`] to check it).
pub fn municipality_key(code: &str) -> String {
    let code = code.trim();
    if !code.is_empty() && code.len() < 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        format!("{code:0>4}")
    } else {
        code.to_owned()
    }
}

/// The kommunekode in the landscape's form (`340` → `0340`), or `None` when `code` is not one: 1–4 digits, not 0.
pub fn kommunekode(code: &str) -> Option<String> {
    let code = code.trim();
    let digits = (1..=4).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit());
    (digits && code.bytes().any(|b| b != b'0')).then(|| municipality_key(code))
}

/// Whether `code` is a kommunekode in the landscape's form: four digits, not `0000`.
pub fn is_municipality_form(code: &str) -> bool {
    code.len() == 4 && kommunekode(code).is_some()
}

/// Whether two kommunekoder name the same municipality once in the landscape's form (`340` and `0340` do), without
/// allocating: what [`municipality_key`] of both would compare.
pub fn same_municipality(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    let short = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit());
    if short(a) && short(b) {
        a.trim_start_matches('0') == b.trim_start_matches('0')
    } else {
        a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["27", "5b", "12a", "SID001", "2", "5a", "1", "10a", "5C", "05", "5"];
        v.sort_by(|a, b| natural_cmp(a, b));
        // Leading zeros break the tie of the run they are in: `5a < 05`.
        assert_eq!(v, ["1", "2", "5", "5a", "5b", "5C", "05", "10a", "12a", "27", "SID001"]);
        assert!(natural_cmp("SID009", "SID010").is_lt());
        // Digit runs longer than any integer type still compare by value.
        assert!(
            natural_cmp(
                "x99999999999999999999999999999999999999999",
                "x100000000000000000000000000000000000000000"
            )
            .is_lt()
        );
        // Equal only when equal: a total order.
        assert!(natural_cmp("A", "a").is_lt());
        assert!(natural_cmp("a", "a").is_eq());
        let mut keys = vec![
            natural_key("12b"),
            natural_key("5a"),
            natural_key("KØ2"),
            natural_key("KØ10"),
        ];
        keys.sort();
        assert_eq!(
            keys,
            [
                natural_key("5a"),
                natural_key("12b"),
                natural_key("KØ2"),
                natural_key("KØ10")
            ]
        );
    }

    #[test]
    fn kommunekoder_take_the_landscape_form() {
        assert_eq!(municipality_key("340"), "0340");
        assert_eq!(municipality_key(" 0340 "), "0340");
        assert_eq!(municipality_key("03400"), "03400");
        assert_eq!(kommunekode("340").as_deref(), Some("0340"));
        assert_eq!(kommunekode("0751").as_deref(), Some("0751"));
        assert_eq!(kommunekode("1").as_deref(), Some("0001"));
        for bad in ["0", "0000", "", "12345", "34x", "-340", "3 4"] {
            assert_eq!(kommunekode(bad), None, "{bad}");
        }
        assert!(is_municipality_form("0340"));
        assert!(!is_municipality_form("340"));
        assert!(!is_municipality_form("0000"));
        assert!(same_municipality("340", "0340"));
        assert!(same_municipality("0340", " 340"));
        assert!(!same_municipality("340", "0341"));
        assert!(!same_municipality("03400", "340"));
        assert!(!same_municipality("", "0"));
        assert!(same_municipality("x", "x"));
    }
}
