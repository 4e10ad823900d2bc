//! Checking a SAML assertion issued by an STS, wherever it arrives: in a service call's WS-Security header
//! ([`crate::idws`]) or on its own (the `token` header of a message published to the Beskedfordeler): signed —
//! exactly itself — by a trusted STS, valid now within the clock skew, for this service (its `Audience`), and
//! holder-of-key, naming the certificate of its holder and the CVR it acts for.

use crate::dsig::{self, DS, Document, NodeId, PublicKey, Transform};
use crate::wstrust::malformed;
use crate::{Refusal, jwt, saml};
use std::collections::HashMap;

/// The largest assertion read on its own, in bytes (KOMBIT's are 6–8 KiB).
pub const MAX_ASSERTION_BYTES: usize = 64 * 1024;

/// An assertion that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Its `ID`.
    pub id: String,
    pub cvr: String,
    /// The certificate it is bound to (DER).
    pub holder_cert: Vec<u8>,
    /// Its `NotOnOrAfter` (seconds).
    pub expires: i64,
}

/// A time attribute, in seconds.
pub(crate) fn seconds(doc: &Document, n: NodeId, attribute: &str) -> Result<i64, Refusal> {
    let text = dsig::attr(doc, n, attribute).unwrap_or_default().to_owned();
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| malformed(format!("tidspunktet '{text}' kan ikke læses")))
}

/// Checks the assertion element `assertion` of `doc` (its IDs `ids`) at `now` against the STS keys trusted and
/// the service's own `audience`.
pub fn check(
    doc: &Document,
    assertion: NodeId,
    ids: &HashMap<String, NodeId>,
    now: i64,
    trusted: &[PublicKey],
    audience: &str,
) -> Result<Checked, Refusal> {
    let one = |parent, ns, local| dsig::only_child(doc, parent, ns, local).map_err(|e| malformed(e.0));
    let assertion_sig = one(assertion, DS, "Signature")?;
    let s = dsig::read(doc, assertion_sig, ids, &[Transform::Enveloped]).map_err(|e| malformed(e.0))?;
    let by_sts = trusted
        .iter()
        .any(|key| dsig::verify(doc, &s, key, ids).is_ok_and(|signed| signed == vec![assertion]));
    if !by_sts {
        return Err(Refusal::NotTrusted);
    }
    let conditions = one(assertion, saml::NS, "Conditions")?;
    let expires = seconds(doc, conditions, "NotOnOrAfter")?;
    jwt::check_time(seconds(doc, conditions, "NotBefore")?, expires, now)?;
    let restriction = one(conditions, saml::NS, "AudienceRestriction")?;
    let audiences: Vec<String> = doc
        .child_elements_by_name_ns(restriction, saml::NS, "Audience")
        .into_iter()
        .map(|a| doc.text_content_deep(a).trim().to_owned())
        .collect();
    if !audiences.iter().any(|a| a == audience) {
        return Err(Refusal::WrongAudience(audiences.join(" "), audience.to_owned()));
    }
    let subject = one(assertion, saml::NS, "Subject")?;
    let confirmation = one(subject, saml::NS, "SubjectConfirmation")?;
    if dsig::attr(doc, confirmation, "Method") != Some("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key") {
        return Err(malformed("tokenet er ikke holder-of-key"));
    }
    let data = one(confirmation, saml::NS, "SubjectConfirmationData")?;
    let certificate = one(one(one(data, DS, "KeyInfo")?, DS, "X509Data")?, DS, "X509Certificate")?;
    let holder_cert = dsig::base64_of(doc, certificate).map_err(|e| malformed(e.0))?;
    let statement = one(assertion, saml::NS, "AttributeStatement")?;
    let cvr = dsig::elements(doc, statement)
        .into_iter()
        .find(|a| dsig::attr(doc, *a, "Name") == Some(saml::CVR))
        .and_then(|a| dsig::elements(doc, a).first().copied())
        .map(|v| doc.text_content_deep(v).trim().to_owned())
        .ok_or_else(|| malformed("tokenet har intet CVR"))?;
    Ok(Checked {
        id: dsig::attr(doc, assertion, "ID").unwrap_or_default().to_owned(),
        cvr,
        holder_cert,
        expires,
    })
}

/// Checks an assertion sent on its own: `token` is its XML or that XML base64-encoded (as clients carry the
/// token an STS answered); the document's root must be the assertion.
pub fn read_token(token: &str, now: i64, trusted: &[PublicKey], audience: &str) -> Result<Checked, Refusal> {
    use base64::Engine as _;
    if token.len() > MAX_ASSERTION_BYTES * 2 {
        return Err(malformed("tokenet er for stort"));
    }
    let decoded;
    let xml = if token.trim_start().starts_with('<') {
        token
    } else {
        let compact: String = token.split_ascii_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| malformed("tokenet er hverken XML eller base64-kodet XML"))?;
        decoded = String::from_utf8(bytes).map_err(|_| malformed("tokenet er ikke UTF-8"))?;
        &decoded
    };
    if xml.len() > MAX_ASSERTION_BYTES {
        return Err(malformed("tokenet er for stort"));
    }
    let doc = dsig::parse(xml).map_err(|e| malformed(e.0))?;
    let root = doc.document_element().ok_or_else(|| malformed("tokenet er tomt"))?;
    if !dsig::is(&doc, root, saml::NS, "Assertion") {
        return Err(malformed("tokenet er ikke en SAML-assertion"));
    }
    let ids = dsig::ids(&doc).map_err(|e| malformed(e.0))?;
    check(&doc, root, &ids, now, trusted, audience)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StsKey;
    use base64::Engine as _;

    const AUD: &str = "http://entityid.kombit.dk/service/bfo_modtag/2";
    const NOW: i64 = 1_800_000_000;

    fn issued(key: &StsKey) -> String {
        let now = jiff::Timestamp::from_second(NOW).unwrap();
        saml::issue(
            key,
            &saml::Assertion {
                id: "_4f1c",
                issuer: crate::ISSUER,
                audience: AUD,
                subject: "CN=dagtilbud, O=Vikar A/S, C=DK",
                holder_cert: &key.cert_der,
                cvr: "29189730",
                privileges_base64: "cHJpdg==",
                not_before: now,
                not_on_or_after: now + jiff::SignedDuration::from_hours(8),
            },
        )
        .unwrap()
    }

    #[test]
    fn an_assertion_on_its_own_is_checked_as_in_a_call() {
        let dir = tempfile::tempdir().unwrap();
        let key = StsKey::load_or_create(dir.path()).unwrap();
        let trusted = [PublicKey::of_cert(&key.cert_der).unwrap()];
        let xml = issued(&key);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&xml);
        for token in [xml.as_str(), b64.as_str()] {
            let checked = read_token(token, NOW + 60, &trusted, AUD).unwrap();
            assert_eq!(
                (checked.id.as_str(), checked.cvr.as_str(), checked.expires),
                ("_4f1c", "29189730", NOW + 8 * 3600)
            );
            assert_eq!(checked.holder_cert, key.cert_der);
        }
        let refused = |token: &str, now: i64, audience: &str| read_token(token, now, &trusted, audience).unwrap_err();
        assert_eq!(refused(&b64, NOW + 9 * 3600, AUD).check(), "expired");
        assert_eq!(refused(&b64, NOW, "http://other/service").check(), "wrong_audience");
        assert_eq!(
            refused(&xml.replace("29189730", "55133018"), NOW, AUD).check(),
            "not_trusted"
        );
        // Another STS's assertion.
        let other = tempfile::tempdir().unwrap();
        let stranger = StsKey::load_or_create(other.path()).unwrap();
        assert_eq!(refused(&issued(&stranger), NOW, AUD).check(), "not_trusted");
        // The signed assertion wrapped in another root is not read as the token.
        let wrapped = format!("<Wrapper>{}</Wrapper>", xml.trim_start_matches(|c| c != '<'));
        assert_eq!(refused(&wrapped, NOW, AUD).check(), "malformed");
        assert_eq!(refused("bm90IFhNTA==", NOW, AUD).check(), "malformed");
        assert_eq!(refused("!!", NOW, AUD).check(), "malformed");
    }
}
