//! XML signatures (XML-DSig) in the one profile KOMBIT's Adgangsstyring uses, and nothing more: exclusive C14N,
//! RSA-SHA256 (or ECDSA-P256-SHA256, for certificates with EC keys), SHA-256 digests, same-document `#id`
//! references, and the transform chains `[exc-c14n]`, `[enveloped-signature, exc-c14n]` (a signed SAML assertion)
//! and the WS-Security STR-Transform (a message signature covering the assertion a `SecurityTokenReference` names).
//!
//! A document is parsed once (uppsala, no DTD, bounded depth) and everything — canonicalisation (bergshamra-c14n),
//! the digests, and the caller's reading afterwards — works on that one tree. [`verify`] answers the nodes that were
//! actually signed, so the caller decides by node identity, never by name, whether the elements it will act on are
//! the signed ones: that is what defeats signature wrapping (a second, unsigned copy of an element elsewhere). Any
//! duplicate ID in the document is refused outright.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bergshamra_c14n::{C14nMode, canonicalize_doc};
use bergshamra_xml::NodeSet;
use ring::signature::{self, UnparsedPublicKey};
use std::collections::HashMap;
pub use uppsala::{Document, NodeId};

pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const STR_TRANSFORM: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#STR-Transform";
pub const WSSE: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
pub const WSU: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

/// Deepest nesting parsed (a SOAP message with an assertion is about 12 deep).
const MAX_DEPTH: u32 = 64;
/// Most references one signature may carry.
const MAX_REFERENCES: usize = 16;

/// Why a signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DsigError(pub String);

fn err<T>(text: impl Into<String>) -> Result<T, DsigError> {
    Err(DsigError(text.into()))
}

/// Parses untrusted XML: no DTD (so no entities and no DTD-declared IDs), bounded depth.
pub fn parse(xml: &str) -> Result<Document<'_>, DsigError> {
    uppsala::Parser::new()
        .with_forbid_dtd(true)
        .with_max_depth(MAX_DEPTH)
        .parse(xml)
        .map_err(|e| DsigError(format!("XML kan ikke læses: {e}")))
}

/// Whether `n` is the element `{ns}local`.
pub fn is(doc: &Document, n: NodeId, ns: &str, local: &str) -> bool {
    doc.element(n).is_some_and(|e| e.matches_name_ns(ns, local))
}

/// The element children of `n`.
pub fn elements(doc: &Document, n: NodeId) -> Vec<NodeId> {
    doc.children(n)
        .into_iter()
        .filter(|c| doc.element(*c).is_some())
        .collect()
}

/// The one child `{ns}local` of `n` (none or several are refused).
pub fn only_child(doc: &Document, n: NodeId, ns: &str, local: &str) -> Result<NodeId, DsigError> {
    match doc.child_elements_by_name_ns(n, ns, local).as_slice() {
        [one] => Ok(*one),
        [] => err(format!("{local} mangler")),
        _ => err(format!("{local} findes flere gange")),
    }
}

/// An attribute without namespace.
pub fn attr<'d>(doc: &'d Document, n: NodeId, name: &str) -> Option<&'d str> {
    doc.element(n)?
        .attributes
        .iter()
        .find(|a| a.name.namespace_uri.is_none() && a.name.local_name == name)
        .map(|a| &*a.value)
}

/// The base64 content of an element (whitespace inside ignored).
pub fn base64_of(doc: &Document, n: NodeId) -> Result<Vec<u8>, DsigError> {
    let text: String = doc
        .text_content_deep(n)
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(text).map_err(|_| DsigError("ugyldig base64".into()))
}

/// Every ID of the document — `ID` and `Id` without namespace, and `wsu:Id` — with its element; a value given
/// twice is refused (a duplicate ID is how a wrapped copy gets referenced).
pub fn ids(doc: &Document) -> Result<HashMap<String, NodeId>, DsigError> {
    let mut map = HashMap::new();
    for n in doc.descendants(doc.root()) {
        let Some(e) = doc.element(n) else { continue };
        for a in &e.attributes {
            let (local, ns) = (&*a.name.local_name, a.name.namespace_uri.as_deref());
            let is_id = (ns.is_none() && (local == "ID" || local == "Id")) || (ns == Some(WSU) && local == "Id");
            if is_id && map.insert(a.value.to_string(), n).is_some() {
                return err(format!("ID'et {} findes flere gange", a.value));
            }
        }
    }
    Ok(map)
}

/// The exclusive canonical form of the subtree at `node` (without the subtree `without`, for an enveloped
/// signature), with the `InclusiveNamespaces` prefixes.
pub fn exc_c14n(
    doc: &Document,
    node: NodeId,
    without: Option<NodeId>,
    prefixes: &[String],
) -> Result<Vec<u8>, DsigError> {
    let mut set = NodeSet::tree_without_comments(node, doc);
    if let Some(x) = without {
        set = set.subtract(&NodeSet::tree_with_comments(x, doc));
    }
    canonicalize_doc(doc, C14nMode::Exclusive, Some(&set), prefixes).map_err(|e| DsigError(format!("C14N: {e}")))
}

/// How a reference's target is digested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// `[exc-c14n]`: the element itself.
    Exclusive,
    /// `[enveloped-signature, exc-c14n]`: the element without the signature inside it.
    Enveloped,
    /// STR-Transform: the security token the `SecurityTokenReference` names (by its `KeyIdentifier`).
    SecurityTokenReference,
}

/// One reference of a signature.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The element the `URI` names.
    pub target: NodeId,
    pub transform: Transform,
    prefixes: Vec<String>,
    digest: Vec<u8>,
}

/// A `ds:Signature` read against the profile.
#[derive(Debug, Clone)]
pub struct Signature {
    pub node: NodeId,
    signed_info: NodeId,
    prefixes: Vec<String>,
    algorithm: &'static str,
    pub references: Vec<Reference>,
    value: Vec<u8>,
    /// `ds:KeyInfo`, for the caller to find the key by its own rules.
    pub key_info: Option<NodeId>,
}

fn prefix_list(doc: &Document, method: NodeId) -> Result<Vec<String>, DsigError> {
    match elements(doc, method).as_slice() {
        [] => Ok(Vec::new()),
        [inc] if is(doc, *inc, EXC_C14N, "InclusiveNamespaces") => Ok(attr(doc, *inc, "PrefixList")
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect()),
        _ => err("kanoniseringsmetoden har ukendt indhold"),
    }
}

/// Reads the signature at `node`: exactly the profile's algorithms, `#id` references that resolve, and only the
/// transforms in `allowed`.
pub fn read(
    doc: &Document,
    node: NodeId,
    ids: &HashMap<String, NodeId>,
    allowed: &[Transform],
) -> Result<Signature, DsigError> {
    if !is(doc, node, DS, "Signature") {
        return err("ikke en ds:Signature");
    }
    let (signed_info, value, key_info) = match elements(doc, node).as_slice() {
        [si, sv] => (*si, *sv, None),
        [si, sv, ki] if is(doc, *ki, DS, "KeyInfo") => (*si, *sv, Some(*ki)),
        _ => return err("Signature skal indeholde SignedInfo, SignatureValue og evt. KeyInfo"),
    };
    if !is(doc, signed_info, DS, "SignedInfo") || !is(doc, value, DS, "SignatureValue") {
        return err("Signature skal indeholde SignedInfo, SignatureValue og evt. KeyInfo");
    }
    let parts = elements(doc, signed_info);
    if parts.len() < 3 || !is(doc, parts[0], DS, "CanonicalizationMethod") || !is(doc, parts[1], DS, "SignatureMethod")
    {
        return err("SignedInfo skal have CanonicalizationMethod, SignatureMethod og Reference");
    }
    if attr(doc, parts[0], "Algorithm") != Some(EXC_C14N) {
        return err("kun exclusive C14N (xml-exc-c14n#) understøttes");
    }
    let algorithm = match attr(doc, parts[1], "Algorithm") {
        Some(RSA_SHA256) => RSA_SHA256,
        Some(ECDSA_SHA256) => ECDSA_SHA256,
        other => {
            return err(format!(
                "signaturalgoritmen {} understøttes ikke",
                other.unwrap_or("(ingen)")
            ));
        }
    };
    if !elements(doc, parts[1]).is_empty() {
        return err("SignatureMethod må ikke have indhold");
    }
    if parts.len() - 2 > MAX_REFERENCES {
        return err(format!("højst {MAX_REFERENCES} referencer"));
    }
    let mut references = Vec::new();
    for &r in &parts[2..] {
        if !is(doc, r, DS, "Reference") {
            return err("SignedInfo må kun indeholde Reference efter metoderne");
        }
        let uri = attr(doc, r, "URI").unwrap_or("");
        let Some(id) = uri.strip_prefix('#').filter(|id| !id.is_empty()) else {
            return err(format!("kun referencer til #id i samme dokument, ikke '{uri}'"));
        };
        let target = *ids
            .get(id)
            .ok_or_else(|| DsigError(format!("referencen #{id} findes ikke")))?;
        let (transforms, method, digest) = match elements(doc, r).as_slice() {
            [t, m, v]
                if is(doc, *t, DS, "Transforms")
                    && is(doc, *m, DS, "DigestMethod")
                    && is(doc, *v, DS, "DigestValue") =>
            {
                (*t, *m, *v)
            }
            _ => return err("Reference skal have Transforms, DigestMethod og DigestValue"),
        };
        if attr(doc, method, "Algorithm") != Some(SHA256) {
            return err("kun SHA-256 som digest");
        }
        let chain = elements(doc, transforms);
        let algorithms: Vec<&str> = chain.iter().map(|t| attr(doc, *t, "Algorithm").unwrap_or("")).collect();
        let (transform, last) = match algorithms.as_slice() {
            [EXC_C14N] => (Transform::Exclusive, chain[0]),
            [ENVELOPED, EXC_C14N] => (Transform::Enveloped, chain[1]),
            [STR_TRANSFORM] => (Transform::SecurityTokenReference, chain[0]),
            _ => return err(format!("transformationerne {algorithms:?} understøttes ikke")),
        };
        if !allowed.contains(&transform) {
            return err(format!("transformationen {transform:?} er ikke tilladt her"));
        }
        let prefixes = match transform {
            Transform::SecurityTokenReference => {
                // <wsse:TransformationParameters><ds:CanonicalizationMethod Algorithm="exc-c14n"/>
                let params = only_child(doc, last, WSSE, "TransformationParameters")?;
                let method = only_child(doc, params, DS, "CanonicalizationMethod")?;
                if attr(doc, method, "Algorithm") != Some(EXC_C14N) {
                    return err("STR-Transform skal kanonisere med exclusive C14N");
                }
                prefix_list(doc, method)?
            }
            _ => prefix_list(doc, last)?,
        };
        references.push(Reference {
            target,
            transform,
            prefixes,
            digest: base64_of(doc, digest)?,
        });
    }
    Ok(Signature {
        node,
        signed_info,
        prefixes: prefix_list(doc, parts[0])?,
        algorithm,
        references,
        value: base64_of(doc, value)?,
        key_info,
    })
}

/// A public key to check a signature with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// PKCS#1 `RSAPublicKey` DER.
    Rsa(Vec<u8>),
    /// An uncompressed P-256 point.
    EcP256(Vec<u8>),
}

impl PublicKey {
    /// The key of a certificate.
    pub fn of_cert(der: &[u8]) -> Result<PublicKey, DsigError> {
        use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION};
        let (_, cert) =
            x509_parser::parse_x509_certificate(der).map_err(|_| DsigError("certifikatet kan ikke læses".into()))?;
        let spki = &cert.tbs_certificate.subject_pki;
        let key = spki.subject_public_key.data.to_vec();
        if spki.algorithm.algorithm == OID_PKCS1_RSAENCRYPTION {
            return Ok(PublicKey::Rsa(key));
        }
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
        if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY && curve == Some(OID_EC_P256) {
            return Ok(PublicKey::EcP256(key));
        }
        err("certifikatets nøgle er hverken RSA eller EC P-256")
    }
}

/// The `Header` of a SOAP envelope (of the version `soap`) and the WS-Security `Security` header in it, each the one
/// there is.
pub fn security_header(doc: &Document, soap: &str) -> Result<(NodeId, NodeId), DsigError> {
    let env = doc
        .document_element()
        .ok_or_else(|| DsigError("tomt dokument".into()))?;
    let header = only_child(doc, env, soap, "Header")?;
    Ok((header, only_child(doc, header, WSSE, "Security")?))
}

/// The security token a `SecurityTokenReference` names by `KeyIdentifier` (a SAML assertion's ID).
fn referenced_token(doc: &Document, reference: NodeId, ids: &HashMap<String, NodeId>) -> Result<NodeId, DsigError> {
    if !is(doc, reference, WSSE, "SecurityTokenReference") {
        return err("STR-Transform skal pege på en SecurityTokenReference");
    }
    let key_id = only_child(doc, reference, WSSE, "KeyIdentifier")?;
    let id = doc.text_content_deep(key_id);
    ids.get(id.trim())
        .copied()
        .ok_or_else(|| DsigError(format!("tokenet {} findes ikke", id.trim())))
}

/// Checks the signature value with `key`, then every digest; answers the signed elements (for an STR-Transform
/// reference: the token it names), each once.
pub fn verify(
    doc: &Document,
    s: &Signature,
    key: &PublicKey,
    ids: &HashMap<String, NodeId>,
) -> Result<Vec<NodeId>, DsigError> {
    let signed_info = exc_c14n(doc, s.signed_info, None, &s.prefixes)?;
    let ok = match (s.algorithm, key) {
        (RSA_SHA256, PublicKey::Rsa(k)) => UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, k)
            .verify(&signed_info, &s.value)
            .is_ok(),
        (ECDSA_SHA256, PublicKey::EcP256(k)) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, k)
            .verify(&signed_info, &s.value)
            .is_ok(),
        _ => return err("signaturalgoritmen passer ikke til nøglen"),
    };
    if !ok {
        return err("signaturværdien passer ikke");
    }
    let mut signed = Vec::new();
    for r in &s.references {
        let (node, without) = match r.transform {
            Transform::Exclusive => (r.target, None),
            Transform::Enveloped => {
                if !doc.ancestors(s.node).contains(&r.target) {
                    return err("en enveloped signatur skal ligge i det signerede element");
                }
                (r.target, Some(s.node))
            }
            Transform::SecurityTokenReference => (referenced_token(doc, r.target, ids)?, None),
        };
        let canonical = exc_c14n(doc, node, without, &r.prefixes)?;
        if ring::digest::digest(&ring::digest::SHA256, &canonical).as_ref() != r.digest.as_slice() {
            return err("et signeret element er ændret (digest passer ikke)");
        }
        if signed.contains(&node) {
            return err("det samme element er refereret to gange");
        }
        signed.push(node);
    }
    Ok(signed)
}

/// A `ds:Signature` by the STS over the elements of `xml` with the IDs `references` (each `[exc-c14n]`), with the
/// STS's certificate in `KeyInfo`: for the caller to put into its message's `wsse:Security` header. Inserting it
/// must not change the referenced elements (exclusive C14N makes their form independent of where they sit).
pub fn signature_over(key: &crate::StsKey, xml: &str, references: &[&str]) -> Result<String, DsigError> {
    use std::fmt::Write;
    let doc = parse(xml)?;
    let ids = ids(&doc)?;
    let mut refs = String::new();
    for id in references {
        let node = *ids
            .get(*id)
            .ok_or_else(|| DsigError(format!("elementet #{id} findes ikke")))?;
        let digest = STANDARD.encode(ring::digest::digest(
            &ring::digest::SHA256,
            &exc_c14n(&doc, node, None, &[])?,
        ));
        let _ = write!(
            refs,
            "<ds:Reference URI=\"#{id}\"><ds:Transforms><ds:Transform Algorithm=\"{EXC_C14N}\"/></ds:Transforms>\
             <ds:DigestMethod Algorithm=\"{SHA256}\"/><ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
        );
    }
    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{DS}\"><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"/>\
         <ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"/>{refs}</ds:SignedInfo>"
    );
    let info = parse(&signed_info)?;
    let canonical = exc_c14n(&info, info.document_element().expect("SignedInfo"), None, &[])?;
    let value = STANDARD.encode(key.sign_pkcs1(&canonical));
    Ok(format!(
        "<ds:Signature xmlns:ds=\"{DS}\">{}<ds:SignatureValue>{value}</ds:SignatureValue><ds:KeyInfo><ds:X509Data>\
         <ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>",
        signed_info.replacen(&format!(" xmlns:ds=\"{DS}\""), "", 1),
        STANDARD.encode(&key.cert_der)
    ))
}
