//! The machine-hours registration message (`ZPSA_CN27_DATA_MT`, SOAP 1.1 as
//! sent by the KMD mobile equipment clients through SAP PI) and the HTTP call
//! that delivers it.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Path of the machine-hours registration service on the services listener.
pub const REGISTRATION_PATH: &str = "/ws/MobileEquipRegistration_OS_SI";

/// Value of the `SOAPAction` header, quotes included.
pub const SOAP_ACTION: &str = "\"http://sap.com/xi/WebService/soap1.1\"";

/// Value of the `Content-Type` header.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Namespace of the request payload.
pub const KMD_NAMESPACE: &str = "http://kmd.dk/mobile_equipreg/kmd";

/// Namespace of the SOAP 1.1 envelope.
pub const SOAP_ENV_NAMESPACE: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Fields of one machine-hours registration. All values are sent verbatim
/// (XML-escaped), so invalid values can be used for negative tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// `PERSONAL_ID`, e.g. `00012345`.
    pub personal_id: String,
    /// `NETWORK`, e.g. `000000519827`.
    pub network: String,
    /// `I_CONFIRMATION/ACTIVITY`, e.g. `0300`.
    pub activity: String,
    /// `I_CONFIRMATION/WORK_CNTR`, e.g. `70510004`.
    pub work_cntr: String,
    /// `I_CONFIRMATION/PLANT`, e.g. `0020`.
    pub plant: String,
    /// `I_CONFIRMATION/POSTG_DATE` as `YYYYMMDD`.
    pub postg_date: String,
    /// `I_CONFIRMATION/ACT_TYPE`, e.g. `5117`.
    pub act_type: String,
    /// `I_CONFIRMATION/ACT_WORK`, hours with two decimals, e.g. `2.50`.
    pub act_work: String,
    /// `KOMMUNEKODE`, e.g. `0751`.
    pub kommunekode: String,
    /// `EX_IDENT`: the caller's idempotency key, 32 upper-case hex digits.
    pub ex_ident: String,
    /// Place `EX_IDENT` inside `I_CONFIRMATION` (after `ACT_WORK`) instead of
    /// at top level after `NETWORK`. The normal form is `false`.
    pub ex_ident_inside_confirmation: bool,
}

impl Registration {
    /// The valid demo registration for `ex_ident`: 2.50 hours on
    /// network 000000519827 for kommune 0751, posted today (UTC date).
    pub fn valid_demo(ex_ident: impl Into<String>) -> Self {
        Registration {
            personal_id: "00012345".into(),
            network: "000000519827".into(),
            activity: "0300".into(),
            work_cntr: "70510004".into(),
            plant: "0020".into(),
            postg_date: today_yyyymmdd(),
            act_type: "5117".into(),
            act_work: "2.50".into(),
            kommunekode: "0751".into(),
            ex_ident: ex_ident.into(),
            ex_ident_inside_confirmation: false,
        }
    }
}

/// A fresh EX_IDENT: a random UUID v4 as 32 upper-case hex digits, no dashes.
pub fn new_ex_ident() -> String {
    let mut s = uuid::Uuid::new_v4().simple().to_string();
    s.make_ascii_uppercase();
    s
}

/// Today's date (UTC) as `YYYYMMDD`. The UTC date is never ahead of the
/// Danish calendar date, so it is never a future posting date there.
pub fn today_yyyymmdd() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400) as i64);
    format!("{y:04}{m:02}{d:02}")
}

/// Proleptic Gregorian date of a day number counted from 1970-01-01
/// (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Append `value` to `out` with the five XML special characters escaped.
fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

fn push_element(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "<{name}>");
    push_escaped(out, value);
    let _ = write!(out, "</{name}>");
}

/// The complete SOAP envelope for `r`, on one line, in the element order the
/// KMD clients use.
pub fn registration_xml(r: &Registration) -> String {
    let mut x = String::with_capacity(700);
    let _ = write!(
        x,
        "<soapenv:Envelope xmlns:soapenv=\"{SOAP_ENV_NAMESPACE}\" xmlns:kmd=\"{KMD_NAMESPACE}\">\
         <soapenv:Header/><soapenv:Body><kmd:ZPSA_CN27_DATA_MT>"
    );
    push_element(&mut x, "PERSONAL_ID", &r.personal_id);
    push_element(&mut x, "DEVICE_TYPE", "MOBILE");
    push_element(&mut x, "NETWORK", &r.network);
    if !r.ex_ident_inside_confirmation {
        push_element(&mut x, "EX_IDENT", &r.ex_ident);
    }
    x.push_str("<I_CONFIRMATION>");
    push_element(&mut x, "ACTIVITY", &r.activity);
    push_element(&mut x, "WORK_CNTR", &r.work_cntr);
    push_element(&mut x, "PLANT", &r.plant);
    push_element(&mut x, "POSTG_DATE", &r.postg_date);
    push_element(&mut x, "ACT_TYPE", &r.act_type);
    push_element(&mut x, "ACT_WORK", &r.act_work);
    if r.ex_ident_inside_confirmation {
        push_element(&mut x, "EX_IDENT", &r.ex_ident);
    }
    x.push_str("</I_CONFIRMATION>");
    push_element(&mut x, "KOMMUNEKODE", &r.kommunekode);
    x.push_str("</kmd:ZPSA_CN27_DATA_MT></soapenv:Body></soapenv:Envelope>");
    x
}

/// `https://<services>/ws/MobileEquipRegistration_OS_SI`.
pub fn registration_url(services: SocketAddr) -> String {
    format!("https://{services}{REGISTRATION_PATH}")
}

/// POST `xml` to the registration service with the SAP PI headers and read
/// the whole response (so the connection can be reused). Returns the status
/// and the response body.
pub async fn send_registration(
    client: &reqwest::Client,
    services: SocketAddr,
    xml: String,
) -> reqwest::Result<(reqwest::StatusCode, String)> {
    let response = client
        .post(registration_url(services))
        .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
        .header("SOAPAction", SOAP_ACTION)
        .body(xml)
        .send()
        .await?;
    let status = response.status();
    let body = response.text().await?;
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EX: &str = "0123456789ABCDEF0123456789ABCDEF";

    /// Byte offset of `needle` in `hay`, panicking with context if absent.
    fn pos(hay: &str, needle: &str) -> usize {
        hay.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {hay}"))
    }

    /// Crude well-formedness check: every start tag is closed in LIFO order.
    fn assert_balanced(xml: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = xml;
        while let Some(start) = rest.find('<') {
            let end = start + rest[start..].find('>').expect("unterminated tag");
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched close tag in {xml}");
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().expect("empty tag");
                stack.push(name);
            }
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert!(!rest.contains('>'), "stray '>'");
    }

    #[test]
    fn valid_demo_matches_the_contract_exactly() {
        let mut r = Registration::valid_demo(EX);
        r.postg_date = "20250131".into();
        let expected = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:kmd=\"http://kmd.dk/mobile_equipreg/kmd\"><soapenv:Header/><soapenv:Body><kmd:ZPSA_CN27_DATA_MT><PERSONAL_ID>00012345</PERSONAL_ID><DEVICE_TYPE>MOBILE</DEVICE_TYPE><NETWORK>000000519827</NETWORK><EX_IDENT>0123456789ABCDEF0123456789ABCDEF</EX_IDENT><I_CONFIRMATION><ACTIVITY>0300</ACTIVITY><WORK_CNTR>70510004</WORK_CNTR><PLANT>0020</PLANT><POSTG_DATE>20250131</POSTG_DATE><ACT_TYPE>5117</ACT_TYPE><ACT_WORK>2.50</ACT_WORK></I_CONFIRMATION><KOMMUNEKODE>0751</KOMMUNEKODE></kmd:ZPSA_CN27_DATA_MT></soapenv:Body></soapenv:Envelope>";
        assert_eq!(registration_xml(&r), expected);
    }

    #[test]
    fn fields_appear_in_order_and_xml_is_balanced() {
        let r = Registration::valid_demo(EX);
        let x = registration_xml(&r);
        assert_balanced(&x);
        let order = [
            "<soapenv:Envelope",
            "<soapenv:Header/>",
            "<soapenv:Body>",
            "<kmd:ZPSA_CN27_DATA_MT>",
            "<PERSONAL_ID>00012345</PERSONAL_ID>",
            "<DEVICE_TYPE>MOBILE</DEVICE_TYPE>",
            "<NETWORK>000000519827</NETWORK>",
            &format!("<EX_IDENT>{EX}</EX_IDENT>"),
            "<I_CONFIRMATION>",
            "<ACTIVITY>0300</ACTIVITY>",
            "<WORK_CNTR>70510004</WORK_CNTR>",
            "<PLANT>0020</PLANT>",
            &format!("<POSTG_DATE>{}</POSTG_DATE>", r.postg_date),
            "<ACT_TYPE>5117</ACT_TYPE>",
            "<ACT_WORK>2.50</ACT_WORK>",
            "</I_CONFIRMATION>",
            "<KOMMUNEKODE>0751</KOMMUNEKODE>",
            "</kmd:ZPSA_CN27_DATA_MT>",
            "</soapenv:Body>",
            "</soapenv:Envelope>",
        ];
        let positions: Vec<usize> = order.iter().map(|n| pos(&x, n)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn ex_ident_can_be_moved_into_the_confirmation() {
        let mut r = Registration::valid_demo(EX);
        r.ex_ident_inside_confirmation = true;
        let x = registration_xml(&r);
        assert_balanced(&x);
        assert_eq!(x.matches("<EX_IDENT>").count(), 1);
        assert!(pos(&x, "<ACT_WORK>") < pos(&x, "<EX_IDENT>"));
        assert!(pos(&x, "<EX_IDENT>") < pos(&x, "</I_CONFIRMATION>"));
    }

    #[test]
    fn values_are_escaped() {
        let mut r = Registration::valid_demo("a<b>&\"'");
        r.personal_id = "</PERSONAL_ID>".into();
        let x = registration_xml(&r);
        assert_balanced(&x);
        assert!(x.contains("<EX_IDENT>a&lt;b&gt;&amp;&quot;&apos;</EX_IDENT>"));
        assert!(x.contains("<PERSONAL_ID>&lt;/PERSONAL_ID&gt;</PERSONAL_ID>"));
    }

    #[test]
    fn ex_ident_is_32_upper_hex_and_fresh() {
        let a = new_ex_ident();
        let b = new_ex_ident();
        assert_ne!(a, b);
        for e in [&a, &b] {
            assert_eq!(e.len(), 32, "{e}");
            assert!(e.chars().all(|c| matches!(c, '0'..='9' | 'A'..='F')), "{e}");
            // Version nibble of a v4 UUID.
            assert_eq!(&e[12..13], "4", "{e}");
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_089), (2025, 1, 1));
        assert_eq!(civil_from_days(20_147), (2025, 2, 28));
        assert_eq!(civil_from_days(20_148), (2025, 3, 1));
        let t = today_yyyymmdd();
        assert_eq!(t.len(), 8);
        assert!(t.chars().all(|c| c.is_ascii_digit()));
        assert!(t.as_str() > "20240101");
    }

    #[test]
    fn url() {
        let a: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        assert_eq!(
            registration_url(a),
            "https://127.0.0.1:8443/ws/MobileEquipRegistration_OS_SI"
        );
    }
}
