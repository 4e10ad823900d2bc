//! The SAML 2.0 assertion snitflade's STS issues, in KOMBIT's shape (OIO-SAML for Adgangsstyring): holder-of-key
//! (the caller's certificate in the `SubjectConfirmationData`), for one service (`Audience` and `Recipient`: its
//! entityID) and one municipality (`CvrNumberIdentifier`), with the privileges of the caller's grants
//! (`Privileges_intermediate`), signed enveloped by the STS's key. Elements in the order of KOMBIT's samples:
//! Issuer, Signature, Subject, Conditions, AttributeStatement, AuthnStatement; no prefixes (the default namespace).

use crate::StsKey;
use crate::dsig::{self, DS, DsigError, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256, Transform};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub const NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The attribute names KOMBIT's assertions carry.
pub const CVR: &str = "dk:gov:saml:attribute:CvrNumberIdentifier";
pub const ASSURANCE_LEVEL: &str = "dk:gov:saml:attribute:AssuranceLevel";
pub const SPEC_VER: &str = "dk:gov:saml:attribute:SpecVer";
pub const KOMBIT_SPEC_VER: &str = "dk:gov:saml:attribute:KombitSpecVer";
pub const PRIVILEGES: &str = "dk:gov:saml:attribute:Privileges_intermediate";

/// What an assertion says.
pub struct Assertion<'a> {
    /// `_` and a UUID.
    pub id: &'a str,
    /// The STS's entityID.
    pub issuer: &'a str,
    /// The service's entityID.
    pub audience: &'a str,
    /// The caller's certificate subject, as an X.509 subject name.
    pub subject: &'a str,
    /// The caller's certificate (DER): the holder of the key.
    pub holder_cert: &'a [u8],
    pub cvr: &'a str,
    /// The privilege list, base64 ([`crate::privileges::list_base64`]).
    pub privileges_base64: &'a str,
    pub not_before: jiff::Timestamp,
    pub not_on_or_after: jiff::Timestamp,
}

/// SAML's time format: UTC with milliseconds.
pub fn time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Text or an attribute value, escaped.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn attribute(name: &str, value: &str) -> String {
    format!(
        "<Attribute Name=\"{name}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\">\
         <AttributeValue>{}</AttributeValue></Attribute>",
        escape(value)
    )
}

/// The assertion, signed by `key`.
pub fn issue(key: &StsKey, a: &Assertion<'_>) -> Result<String, DsigError> {
    let (from, until) = (time(a.not_before), time(a.not_on_or_after));
    let audience = escape(a.audience);
    let unsigned = format!(
        "<Assertion ID=\"{id}\" IssueInstant=\"{from}\" Version=\"2.0\" xmlns=\"{NS}\">\
         <Issuer Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:entity\">{issuer}</Issuer>\
         <Subject><NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName\">{subject}</NameID>\
         <SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:holder-of-key\">\
         <SubjectConfirmationData a:type=\"KeyInfoConfirmationDataType\" NotBefore=\"{from}\" NotOnOrAfter=\"{until}\" \
         Recipient=\"{audience}\" xmlns:a=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <KeyInfo xmlns=\"{DS}\"><X509Data><X509Certificate>{holder}</X509Certificate></X509Data></KeyInfo>\
         </SubjectConfirmationData></SubjectConfirmation></Subject>\
         <Conditions NotBefore=\"{from}\" NotOnOrAfter=\"{until}\"><AudienceRestriction><Audience>{audience}</Audience>\
         </AudienceRestriction></Conditions>\
         <AttributeStatement>{cvr}{level}{spec}{kombit}{privileges}</AttributeStatement>\
         <AuthnStatement AuthnInstant=\"{from}\"><AuthnContext>\
         <AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:X509</AuthnContextClassRef>\
         </AuthnContext></AuthnStatement></Assertion>",
        id = escape(a.id),
        issuer = escape(a.issuer),
        subject = escape(a.subject),
        holder = STANDARD.encode(a.holder_cert),
        cvr = attribute(CVR, a.cvr),
        level = attribute(ASSURANCE_LEVEL, "3"),
        spec = attribute(SPEC_VER, "DK-SAML-2.0"),
        kombit = attribute(KOMBIT_SPEC_VER, "1.0"),
        privileges = attribute(PRIVILEGES, a.privileges_base64),
    );
    sign_enveloped(key, &unsigned, a.id)
}

/// Signs the document element of `xml` (whose ID is `id`) enveloped, the `Signature` placed after its first child
/// (SAML's `Issuer`); checks the result with the STS's own key before answering it.
pub fn sign_enveloped(key: &StsKey, xml: &str, id: &str) -> Result<String, DsigError> {
    let doc = dsig::parse(xml)?;
    let root = doc
        .document_element()
        .ok_or_else(|| DsigError("tomt dokument".into()))?;
    let first = *dsig::elements(&doc, root)
        .first()
        .ok_or_else(|| DsigError("intet element at placere signaturen efter".into()))?;
    let digest = STANDARD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        &dsig::exc_c14n(&doc, root, None, &[])?,
    ));
    let signed_info = format!(
        "<SignedInfo xmlns=\"{DS}\"><CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
         <SignatureMethod Algorithm=\"{RSA_SHA256}\"/><Reference URI=\"#{id}\"><Transforms>\
         <Transform Algorithm=\"{ENVELOPED}\"/><Transform Algorithm=\"{EXC_C14N}\"/></Transforms>\
         <DigestMethod Algorithm=\"{SHA256}\"/><DigestValue>{digest}</DigestValue></Reference></SignedInfo>",
        id = escape(id)
    );
    let info = dsig::parse(&signed_info)?;
    let canonical = dsig::exc_c14n(&info, info.document_element().expect("SignedInfo"), None, &[])?;
    let value = STANDARD.encode(key.sign_pkcs1(&canonical));
    let signature = format!(
        "<Signature xmlns=\"{DS}\">{}<SignatureValue>{value}</SignatureValue><KeyInfo><X509Data>\
         <X509Certificate>{}</X509Certificate></X509Data></KeyInfo></Signature>",
        &signed_info.replacen(&format!(" xmlns=\"{DS}\""), "", 1),
        STANDARD.encode(&key.cert_der)
    );
    let at = doc
        .node_range(first)
        .ok_or_else(|| DsigError("elementets placering mangler".into()))?
        .end;
    let out = format!("{}{signature}{}", &xml[..at], &xml[at..]);
    // Never hand out a signature that does not verify.
    let check = dsig::parse(&out)?;
    let ids = dsig::ids(&check)?;
    let root = check.document_element().expect("the signed element");
    let node = dsig::only_child(&check, root, DS, "Signature")?;
    let s = dsig::read(&check, node, &ids, &[Transform::Enveloped])?;
    let signed = dsig::verify(&check, &s, &dsig::PublicKey::of_cert(&key.cert_der)?, &ids)?;
    if signed != vec![root] {
        return Err(DsigError("signaturen dækker ikke elementet".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_assertion_verifies_and_says_what_it_was_given() {
        let dir = tempfile::tempdir().unwrap();
        let key = StsKey::load_or_create(dir.path()).unwrap();
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let xml = issue(
            &key,
            &Assertion {
                id: "_4f1c",
                issuer: "https://snitflade/runtime",
                audience: "http://entityid.kombit.dk/service/bfo_modtag/2",
                subject: "CN=dagtilbud & co, O=Vikar A/S, C=DK",
                holder_cert: b"not really a certificate",
                cvr: "29189730",
                privileges_base64: "cHJpdg==",
                not_before: now,
                not_on_or_after: now + jiff::SignedDuration::from_hours(8),
            },
        )
        .unwrap();
        assert!(xml.contains("<AttributeValue>29189730</AttributeValue>"), "{xml}");
        assert!(xml.contains("CN=dagtilbud &amp; co"), "{xml}");
        assert!(xml.contains("NotOnOrAfter=\"2027-01-15T16:00:00.000Z\""), "{xml}");
        // Issuer, then the signature, as KOMBIT's samples.
        let issuer_end = xml.find("</Issuer>").unwrap();
        assert_eq!(xml.find("<Signature ").unwrap(), issuer_end + "</Issuer>".len());
        // Changing a claim breaks it.
        let altered = xml.replace("29189730", "55133018");
        let doc = dsig::parse(&altered).unwrap();
        let ids = dsig::ids(&doc).unwrap();
        let root = doc.document_element().unwrap();
        let s = dsig::read(
            &doc,
            dsig::only_child(&doc, root, DS, "Signature").unwrap(),
            &ids,
            &[Transform::Enveloped],
        )
        .unwrap();
        assert!(dsig::verify(&doc, &s, &dsig::PublicKey::of_cert(&key.cert_der).unwrap(), &ids).is_err());
    }
}
