//! KOMBIT's own sample messages (tests/data/kombit/, see tests/data/README.md) read and verified by
//! snitflade's XML-DSig profile: the WS-Trust request, the STS's response and its SAML assertion, a service call
//! carrying the assertion — each signature checked with the key KOMBIT's rules name, and each signed element found
//! where it must be. Then the same messages altered: a changed value, a duplicated ID.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use snitflade_sts::dsig::{self, DS, Document, NodeId, PublicKey, Transform, WSSE, WSU};

const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WSA: &str = "http://www.w3.org/2005/08/addressing";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

fn data(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/kombit/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn cert(name: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(data(name).as_bytes()).unwrap().to_vec()
}

fn sts_key() -> PublicKey {
    PublicKey::of_cert(&cert("sts_signing_test-ekstern-adgangsstyring_2021-2024.pem")).unwrap()
}

/// The `{ns}local` descendants of `from`.
fn find(doc: &Document, from: NodeId, ns: &str, local: &str) -> Vec<NodeId> {
    doc.descendants(from)
        .into_iter()
        .filter(|n| dsig::is(doc, *n, ns, local))
        .collect()
}

/// Verifies the assertion at `a` with the STS's key: its one enveloped reference is the assertion itself.
fn verify_assertion(doc: &Document, a: NodeId) -> Result<(), dsig::DsigError> {
    let ids = dsig::ids(doc)?;
    let sig = dsig::only_child(doc, a, DS, "Signature")?;
    let s = dsig::read(doc, sig, &ids, &[Transform::Enveloped])?;
    let signed = dsig::verify(doc, &s, &sts_key(), &ids)?;
    assert_eq!(signed, vec![a], "the assertion signs exactly itself");
    Ok(())
}

#[test]
fn the_sample_assertion_is_signed_by_kombits_sts() {
    let xml = data("assertion_signature_scenario_2022-11-28.xml");
    let doc = dsig::parse(&xml).unwrap();
    let a = doc.document_element().unwrap();
    assert!(dsig::is(&doc, a, SAML, "Assertion"));
    verify_assertion(&doc, a).unwrap();
    // The certificate in its KeyInfo is the STS's (a verifier pins it; it never takes the one in the message).
    let in_message = find(&doc, a, DS, "X509Certificate")[0];
    assert_eq!(
        dsig::base64_of(&doc, in_message).unwrap(),
        cert("sts_signing_test-ekstern-adgangsstyring_2021-2024.pem")
    );
    // Another key does not verify it.
    let other = PublicKey::of_cert(&cert("client_WSC_Core_funktionscertifikat_2022-2025.pem")).unwrap();
    let ids = dsig::ids(&doc).unwrap();
    let s = dsig::read(
        &doc,
        dsig::only_child(&doc, a, DS, "Signature").unwrap(),
        &ids,
        &[Transform::Enveloped],
    )
    .unwrap();
    assert!(dsig::verify(&doc, &s, &other, &ids).is_err());
}

#[test]
fn the_sample_request_is_signed_by_the_certificate_it_carries() {
    let xml = data("rst_soap12_2023-04-04.xml");
    let doc = dsig::parse(&xml).unwrap();
    let ids = dsig::ids(&doc).unwrap();
    let env = doc.document_element().unwrap();
    let (header, security) = dsig::security_header(&doc, SOAP12).unwrap();
    let body = dsig::only_child(&doc, env, SOAP12, "Body").unwrap();
    let sig = dsig::only_child(&doc, security, DS, "Signature").unwrap();
    let s = dsig::read(&doc, sig, &ids, &[Transform::Exclusive]).unwrap();
    // KeyInfo → SecurityTokenReference → the BinarySecurityToken in the same Security header.
    let reference = find(&doc, s.key_info.unwrap(), WSSE, "Reference")[0];
    let bst = ids[dsig::attr(&doc, reference, "URI").unwrap().trim_start_matches('#')];
    assert_eq!(doc.parent(bst), Some(security));
    let signer = PublicKey::of_cert(&dsig::base64_of(&doc, bst).unwrap()).unwrap();
    let mut signed = dsig::verify(&doc, &s, &signer, &ids).unwrap();
    let mut expected = vec![
        dsig::only_child(&doc, header, WSA, "Action").unwrap(),
        dsig::only_child(&doc, header, WSA, "MessageID").unwrap(),
        dsig::only_child(&doc, header, WSA, "To").unwrap(),
        dsig::only_child(&doc, security, WSU, "Timestamp").unwrap(),
        bst,
        body,
    ];
    signed.sort_by_key(|n| n.index());
    expected.sort_by_key(|n| n.index());
    assert_eq!(signed, expected);
}

#[test]
fn the_sample_response_and_its_assertion_are_signed_by_the_sts() {
    let xml = data("rstr_soap12_2023-04-04.xml");
    let doc = dsig::parse(&xml).unwrap();
    let ids = dsig::ids(&doc).unwrap();
    let env = doc.document_element().unwrap();
    let (_, security) = dsig::security_header(&doc, SOAP12).unwrap();
    let sig = dsig::only_child(&doc, security, DS, "Signature").unwrap();
    let s = dsig::read(&doc, sig, &ids, &[Transform::Exclusive]).unwrap();
    let signed = dsig::verify(&doc, &s, &sts_key(), &ids).unwrap();
    assert!(signed.contains(&dsig::only_child(&doc, env, SOAP12, "Body").unwrap()));
    let assertion = find(&doc, env, SAML, "Assertion")[0];
    verify_assertion(&doc, assertion).unwrap();
}

#[test]
fn the_sample_service_call_is_signed_by_the_holder_of_key() {
    let xml = data("service_call_hellosign_2023-04-04.xml");
    let doc = dsig::parse(&xml).unwrap();
    let ids = dsig::ids(&doc).unwrap();
    let env = doc.document_element().unwrap();
    let (_, security) = dsig::security_header(&doc, SOAP12).unwrap();
    let assertion = dsig::only_child(&doc, security, SAML, "Assertion").unwrap();
    verify_assertion(&doc, assertion).unwrap();
    // The holder-of-key: the certificate in the assertion's SubjectConfirmationData.
    let confirmation = find(&doc, assertion, SAML, "SubjectConfirmationData")[0];
    let hok = dsig::base64_of(&doc, find(&doc, confirmation, DS, "X509Certificate")[0]).unwrap();
    assert_eq!(hok, cert("client_WSC_Core_funktionscertifikat_2022-2025.pem"));
    let sig = dsig::only_child(&doc, security, DS, "Signature").unwrap();
    let s = dsig::read(
        &doc,
        sig,
        &ids,
        &[Transform::Exclusive, Transform::SecurityTokenReference],
    )
    .unwrap();
    let signed = dsig::verify(&doc, &s, &PublicKey::of_cert(&hok).unwrap(), &ids).unwrap();
    assert!(
        signed.contains(&assertion),
        "the message signature covers the assertion through the STR-Transform"
    );
    assert!(signed.contains(&dsig::only_child(&doc, env, SOAP12, "Body").unwrap()));
    assert_eq!(signed.len(), 8);
}

#[test]
fn an_altered_sample_is_refused() {
    // A changed value in the signed assertion (the CVR claim).
    let xml = data("assertion_signature_scenario_2022-11-28.xml");
    let cvr = xml.find("<AttributeValue>").unwrap() + "<AttributeValue>".len();
    let mut altered = xml.clone();
    altered.replace_range(cvr..cvr + 1, if &xml[cvr..cvr + 1] == "9" { "8" } else { "9" });
    let doc = dsig::parse(&altered).unwrap();
    let e = verify_assertion(&doc, doc.document_element().unwrap()).unwrap_err();
    assert!(e.0.contains("digest"), "{e}");

    // A second element with the Body's ID (the first step of wrapping the Body): refused before anything else.
    let xml = data("rst_soap12_2023-04-04.xml");
    let id = xml.find("Id=\"body\"").expect("the Body's ID");
    assert!(id > 0);
    let wrapped = xml.replacen("</s:Header>", "<x:Wrapper xmlns:x=\"urn:x\" xmlns:u=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\" u:Id=\"body\"/></s:Header>", 1);
    let doc = dsig::parse(&wrapped).unwrap();
    let e = dsig::ids(&doc).unwrap_err();
    assert!(e.0.contains("flere gange"), "{e}");

    // A DOCTYPE is refused at parsing.
    assert!(dsig::parse("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").is_err());
}
