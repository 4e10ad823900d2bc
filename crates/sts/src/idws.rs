//! A service call carrying a SAML assertion from the STS (the OIO IDWS SOAP profile KOMBIT's services use): the
//! assertion in the WS-Security header, signed by a trusted STS, for this service (its `Audience`) and still
//! valid; the message signed by the holder of the key the assertion names (its `KeyInfo` a
//! `SecurityTokenReference` to the assertion), that signature covering the Body, the timestamp, `Action`,
//! `MessageID` and the assertion itself (KOMBIT's clients: through an STR-Transform reference). What the call may
//! do is then the assertion's CVR and the grants'.

use crate::dsig::{self, DS, PublicKey, Transform, WSSE};
use crate::wstrust::malformed;
use crate::{Refusal, assertion, saml};

/// A call that passed every check of its security header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCall {
    pub soap: &'static str,
    pub message_id: String,
    /// The timestamp's expiry (seconds): the message ID is remembered until then.
    pub expires: i64,
    pub assertion_id: String,
    pub cvr: String,
    /// The certificate the assertion is bound to (and that signed the message).
    pub holder_cert: Vec<u8>,
}

/// Checks a call's security header at `now`: the assertion against the STS keys the service trusts and its own
/// `audience`, the message signature against the assertion's holder-of-key certificate.
pub fn read_call(xml: &str, now: i64, trusted: &[PublicKey], audience: &str) -> Result<VerifiedCall, Refusal> {
    let m = crate::wstrust::Secured::open(xml)?;
    let (doc, ids, soap) = (&m.doc, &m.ids, m.soap);
    let (body, security, timestamp, action, message_id) = (m.body, m.security, m.timestamp, m.action, m.message_id);
    let one = |parent, ns, local| dsig::only_child(doc, parent, ns, local).map_err(|e| malformed(e.0));

    // The assertion: a direct child of Security, by a trusted STS, for this service, valid now.
    let assertion = one(security, saml::NS, "Assertion")?;
    let checked = assertion::check(doc, assertion, ids, now, trusted, audience)?;

    // The message signature: the other Signature of Security, its key the assertion's (by SAML ID).
    let message_sig = dsig::elements(doc, security)
        .into_iter()
        .filter(|n| dsig::is(doc, *n, DS, "Signature"))
        .collect::<Vec<_>>();
    let [message_sig] = message_sig.as_slice() else {
        return Err(malformed("Security skal have netop én beskedsignatur"));
    };
    let s = dsig::read(
        doc,
        *message_sig,
        ids,
        &[Transform::Exclusive, Transform::SecurityTokenReference],
    )
    .map_err(|e| malformed(e.0))?;
    let key_info = s
        .key_info
        .ok_or_else(|| malformed("beskedsignaturen mangler KeyInfo"))?;
    let key_id = one(one(key_info, WSSE, "SecurityTokenReference")?, WSSE, "KeyIdentifier")?;
    if doc.text_content_deep(key_id).trim() != checked.id {
        return Err(Refusal::HolderOfKey);
    }
    let holder = PublicKey::of_cert(&checked.holder_cert).map_err(|e| malformed(e.0))?;
    let signed = dsig::verify(doc, &s, &holder, ids).map_err(|_| Refusal::HolderOfKey)?;
    for (node, what) in [
        (body, "Body"),
        (timestamp, "Timestamp"),
        (action, "Action"),
        (message_id, "MessageID"),
        (assertion, "Assertion"),
    ] {
        if !signed.contains(&node) {
            return Err(malformed(format!("{what} er ikke signeret af beskedens afsender")));
        }
    }
    let expires = m.check_timestamp(now)?;
    Ok(VerifiedCall {
        soap,
        message_id: doc.text_content_deep(message_id).trim().to_owned(),
        expires,
        assertion_id: checked.id,
        cvr: checked.cvr,
        holder_cert: checked.holder_cert,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    fn data(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/data/kombit/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn cert(name: &str) -> Vec<u8> {
        rustls_pki_types::CertificateDer::from_pem_slice(data(name).as_bytes())
            .unwrap()
            .to_vec()
    }

    fn kombit() -> Vec<PublicKey> {
        vec![PublicKey::of_cert(&cert("sts_signing_test-ekstern-adgangsstyring_2021-2024.pem")).unwrap()]
    }

    /// 2023-04-04T08:22:00Z: within the sample call's timestamp and its assertion's validity.
    const THEN: i64 = 1_680_596_520;
    const AUDIENCE: &str = "http://wsp12.oioidws-net.dk/service/service/1";

    #[test]
    fn kombits_sample_call_passes_every_check_at_its_time() {
        let call = read_call(
            &data("service_call_hellosign_2023-04-04.xml"),
            THEN,
            &kombit(),
            AUDIENCE,
        )
        .unwrap();
        assert_eq!(call.cvr, "11111111");
        assert_eq!(call.assertion_id, "_d96384ca-31d6-4c30-b904-514f5c10e8b3");
        assert_eq!(
            call.holder_cert,
            cert("client_WSC_Core_funktionscertifikat_2022-2025.pem")
        );
        assert_eq!(call.soap, crate::wstrust::SOAP12);
    }

    #[test]
    fn each_check_refuses_with_its_own_reason() {
        let xml = data("service_call_hellosign_2023-04-04.xml");
        let check = |xml: &str, now, trusted: &[PublicKey], audience| {
            read_call(xml, now, trusted, audience).unwrap_err().check()
        };
        assert_eq!(check(&xml, THEN + 86_400, &kombit(), AUDIENCE), "expired");
        assert_eq!(
            check(&xml, THEN, &kombit(), "http://entityid.kombit.dk/service/bfo_modtag/2"),
            "wrong_audience"
        );
        let other = vec![PublicKey::of_cert(&cert("client_WSC_Core_funktionscertifikat_2022-2025.pem")).unwrap()];
        assert_eq!(check(&xml, THEN, &other, AUDIENCE), "not_trusted");
        // The message changed after the holder signed it.
        let changed = xml.replacen(
            "<s:Body u:Id=\"body\">",
            "<s:Body u:Id=\"body\"><x xmlns=\"urn:x\"/>",
            1,
        );
        assert_ne!(changed, xml);
        assert_eq!(check(&changed, THEN, &kombit(), AUDIENCE), "holder_of_key");
    }
}
