//! The WS-Trust 1.3 request a system sends KOMBIT's STS (`/runtime/services/kombittrust/14/certificatemixed`): a
//! SOAP 1.2 (or 1.1) `RequestSecurityToken` whose WS-Security header carries a timestamp, the caller's certificate
//! (a `BinarySecurityToken`) and its signature over at least the Body, the timestamp and the WS-Addressing `Action`
//! and `MessageID` (and `To` when sent). What the request asks for is read only from the signed Body of the one
//! parsed tree, so an unsigned copy elsewhere (signature wrapping) is never what is believed. The elements of the
//! request are found by name in any order (KOMBIT's public clients order them differently), the claim's `Value` in
//! the authorization namespace or none (as the Java client writes it).

use crate::Refusal;
use crate::dsig::{self, DS, Document, NodeId, PublicKey, Transform, WSSE, WSU};

pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
pub const TRUST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
pub const WSP: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
pub const AUTH: &str = "http://docs.oasis-open.org/wsfed/authorization/200706";
pub const ISSUE_ACTION: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue";
pub const ISSUE: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue";
pub const SAML_TOKEN: &str = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
pub const PUBLIC_KEY: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey";
pub const X509V3: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";

/// A request that passed every check of the message itself (what it may get is the grants' to decide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// The SOAP version's namespace, for the answer.
    pub soap: &'static str,
    pub message_id: String,
    /// `RequestSecurityToken/@Context`, echoed in the answer.
    pub context: Option<String>,
    /// The service's entityID (`AppliesTo`).
    pub applies_to: String,
    /// The municipality's CVR (the `CvrNumberIdentifier` claim).
    pub cvr: String,
    /// The certificate that signed the request (and is the key the token is bound to).
    pub certificate: Vec<u8>,
    /// The timestamp's expiry, seconds since the epoch (a message ID is remembered until then).
    pub expires: i64,
}

/// A SOAP message with a WS-Security header, parsed once: its parts found where they must be (each once).
pub(crate) struct Secured<'a> {
    pub doc: Document<'a>,
    pub ids: std::collections::HashMap<String, NodeId>,
    pub soap: &'static str,
    pub header: NodeId,
    pub body: NodeId,
    pub security: NodeId,
    pub timestamp: NodeId,
    pub action: NodeId,
    pub message_id: NodeId,
}

impl<'a> Secured<'a> {
    pub(crate) fn open(xml: &'a str) -> Result<Secured<'a>, Refusal> {
        let doc = dsig::parse(xml).map_err(|e| malformed(e.0))?;
        let ids = dsig::ids(&doc).map_err(|e| malformed(e.0))?;
        let env = doc.document_element().ok_or_else(|| malformed("tomt dokument"))?;
        let soap = if dsig::is(&doc, env, SOAP12, "Envelope") {
            SOAP12
        } else if dsig::is(&doc, env, SOAP11, "Envelope") {
            SOAP11
        } else {
            return Err(malformed("ikke en SOAP-konvolut"));
        };
        let one = |parent, ns, local| dsig::only_child(&doc, parent, ns, local).map_err(|e| malformed(e.0));
        let (header, security) = dsig::security_header(&doc, soap).map_err(|e| malformed(e.0))?;
        let body = one(env, soap, "Body")?;
        let timestamp = one(security, WSU, "Timestamp")?;
        let action = one(header, WSA, "Action")?;
        let message_id = one(header, WSA, "MessageID")?;
        Ok(Secured {
            doc,
            ids,
            soap,
            header,
            body,
            security,
            timestamp,
            action,
            message_id,
        })
    }

    /// The timestamp's `Created` and `Expires`, checked against `now`; the expiry.
    pub(crate) fn check_timestamp(&self, now: i64) -> Result<i64, Refusal> {
        let one = |local| dsig::only_child(&self.doc, self.timestamp, WSU, local).map_err(|e| malformed(e.0));
        let created = seconds(&self.doc, one("Created")?)?;
        let expires = seconds(&self.doc, one("Expires")?)?;
        crate::jwt::check_time(created, expires, now)?;
        Ok(expires)
    }
}

pub(crate) fn malformed(text: impl Into<String>) -> Refusal {
    Refusal::Malformed(text.into())
}

fn text(doc: &Document, n: NodeId) -> String {
    doc.text_content_deep(n).trim().to_owned()
}

fn seconds(doc: &Document, n: NodeId) -> Result<i64, Refusal> {
    text(doc, n)
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| malformed(format!("tidsstemplet '{}' kan ikke læses", text(doc, n))))
}

/// Reads and checks a request at `now` (seconds): its signature by the certificate it carries, what the
/// signature covers, the timestamp, and the request's content.
pub fn read_request(xml: &str, now: i64) -> Result<IssueRequest, Refusal> {
    let m = Secured::open(xml)?;
    let (doc, ids, soap) = (&m.doc, &m.ids, m.soap);
    let (header, body, security, timestamp, action, message_id) =
        (m.header, m.body, m.security, m.timestamp, m.action, m.message_id);
    let one = |parent, ns, local| dsig::only_child(doc, parent, ns, local).map_err(|e| malformed(e.0));
    let to = doc.child_elements_by_name_ns(header, WSA, "To");
    if to.len() > 1 {
        return Err(malformed("To findes flere gange"));
    }
    // The signature and its key: KeyInfo → SecurityTokenReference → a BinarySecurityToken of this header.
    let sig = one(security, DS, "Signature")?;
    let signature = dsig::read(doc, sig, ids, &[Transform::Exclusive]).map_err(|e| malformed(e.0))?;
    let key_info = signature
        .key_info
        .ok_or_else(|| malformed("signaturen mangler KeyInfo"))?;
    let str_ = one(key_info, WSSE, "SecurityTokenReference")?;
    let reference = one(str_, WSSE, "Reference")?;
    let bst = dsig::attr(doc, reference, "URI")
        .and_then(|u| u.strip_prefix('#'))
        .and_then(|id| ids.get(id).copied())
        .ok_or_else(|| malformed("signaturens nøgle (BinarySecurityToken) findes ikke"))?;
    if !dsig::is(doc, bst, WSSE, "BinarySecurityToken")
        || doc.parent(bst) != Some(security)
        || dsig::attr(doc, bst, "ValueType") != Some(X509V3)
    {
        return Err(malformed(
            "signaturens nøgle skal være et X.509-certifikat i Security-headeren",
        ));
    }
    let certificate = dsig::base64_of(doc, bst).map_err(|e| malformed(e.0))?;
    let key = PublicKey::of_cert(&certificate).map_err(|e| malformed(e.0))?;
    let signed = dsig::verify(doc, &signature, &key, ids).map_err(|_| Refusal::NotTrusted)?;
    for (node, what) in [
        (body, "Body"),
        (timestamp, "Timestamp"),
        (action, "Action"),
        (message_id, "MessageID"),
    ]
    .into_iter()
    .chain(to.first().map(|t| (*t, "To")))
    {
        if !signed.contains(&node) {
            return Err(malformed(format!("{what} er ikke signeret")));
        }
    }
    let expires = m.check_timestamp(now)?;
    if text(doc, action) != ISSUE_ACTION {
        return Err(malformed(format!("Action skal være {ISSUE_ACTION}")));
    }
    // The request, from the signed Body only.
    let rst = one(body, TRUST, "RequestSecurityToken")?;
    let field = |local: &str| -> Result<Option<NodeId>, Refusal> {
        match doc.child_elements_by_name_ns(rst, TRUST, local).as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(malformed(format!("{local} findes flere gange"))),
        }
    };
    let required = |local: &str| field(local)?.ok_or_else(|| malformed(format!("{local} mangler")));
    if text(doc, required("RequestType")?) != ISSUE {
        return Err(malformed(format!("RequestType skal være {ISSUE}")));
    }
    for (local, expected) in [("TokenType", SAML_TOKEN), ("KeyType", PUBLIC_KEY)] {
        if let Some(n) = field(local)?
            && text(doc, n) != expected
        {
            return Err(malformed(format!("{local} skal være {expected}")));
        }
    }
    let applies_to = one(rst, WSP, "AppliesTo")?;
    let address = one(one(applies_to, WSA, "EndpointReference")?, WSA, "Address")?;
    let claims = required("Claims")?;
    let cvr_claim = dsig::elements(doc, claims)
        .into_iter()
        .filter(|c| dsig::is(doc, *c, AUTH, "ClaimType"))
        .find(|c| dsig::attr(doc, *c, "Uri") == Some(crate::saml::CVR))
        .ok_or_else(|| malformed("kravet dk:gov:saml:attribute:CvrNumberIdentifier mangler"))?;
    let value = dsig::elements(doc, cvr_claim)
        .into_iter()
        .find(|v| {
            doc.element(*v).is_some_and(|e| {
                e.name.local_name == "Value" && matches!(e.name.namespace_uri.as_deref(), None | Some(AUTH))
            })
        })
        .ok_or_else(|| malformed("kravet har ingen Value"))?;
    // UseKey, when given, is the signing certificate: the token is bound to the key that asked for it.
    if let Some(use_key) = field("UseKey")? {
        let token = one(use_key, WSSE, "BinarySecurityToken")?;
        if dsig::base64_of(doc, token).map_err(|e| malformed(e.0))? != certificate {
            return Err(Refusal::HolderOfKey);
        }
    }
    Ok(IssueRequest {
        soap,
        message_id: text(doc, message_id),
        context: dsig::attr(doc, rst, "Context").map(str::to_owned),
        applies_to: text(doc, address),
        cvr: text(doc, value),
        certificate,
        expires,
    })
}

/// The STS's answer to `request`: a `RequestSecurityTokenResponseCollection` holding the signed `assertion` (its
/// ID `assertion_id`, valid `from` … `until`), in the request's SOAP version, with `RelatesTo` the request's
/// `MessageID`, and signed by the STS over Body, Action, RelatesTo and Timestamp as KOMBIT's STS signs its answers.
pub fn response(
    key: &crate::StsKey,
    request: &IssueRequest,
    assertion: &str,
    assertion_id: &str,
    (from, until): (jiff::Timestamp, jiff::Timestamp),
    now: jiff::Timestamp,
) -> Result<String, crate::dsig::DsigError> {
    use crate::saml::{escape, time};
    let s = request.soap;
    let context = request
        .context
        .as_ref()
        .map(|c| format!(" Context=\"{}\"", escape(c)))
        .unwrap_or_default();
    let reference = |kind: &str| {
        format!(
            "<trust:{kind}><wsse:SecurityTokenReference b:TokenType=\"{SAML_TOKEN}\" \
             xmlns:b=\"http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd\">\
             <wsse:KeyIdentifier ValueType=\"http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID\">\
             {}</wsse:KeyIdentifier></wsse:SecurityTokenReference></trust:{kind}>",
            escape(assertion_id)
        )
    };
    let unsigned = format!(
        "<s:Envelope xmlns:s=\"{s}\" xmlns:a=\"{WSA}\" xmlns:u=\"{WSU}\" xmlns:wsse=\"{WSSE}\">\
         <s:Header><a:Action s:mustUnderstand=\"1\" u:Id=\"_2\">{TRUST}/RSTRC/IssueFinal</a:Action>\
         <a:RelatesTo u:Id=\"_3\">{relates}</a:RelatesTo><wsse:Security s:mustUnderstand=\"1\">\
         <u:Timestamp u:Id=\"_4\"><u:Created>{created}</u:Created><u:Expires>{expires}</u:Expires></u:Timestamp>\
         <!--signature--></wsse:Security></s:Header>\
         <s:Body u:Id=\"_1\"><trust:RequestSecurityTokenResponseCollection xmlns:trust=\"{TRUST}\">\
         <trust:RequestSecurityTokenResponse{context}><trust:Lifetime><u:Created>{from}</u:Created>\
         <u:Expires>{until}</u:Expires></trust:Lifetime><wsp:AppliesTo xmlns:wsp=\"{WSP}\"><a:EndpointReference>\
         <a:Address>{applies}</a:Address></a:EndpointReference></wsp:AppliesTo>\
         <trust:RequestedSecurityToken>{assertion}</trust:RequestedSecurityToken>{attached}{unattached}\
         <trust:TokenType>{SAML_TOKEN}</trust:TokenType><trust:RequestType>{ISSUE}</trust:RequestType>\
         <trust:KeyType>{PUBLIC_KEY}</trust:KeyType></trust:RequestSecurityTokenResponse>\
         </trust:RequestSecurityTokenResponseCollection></s:Body></s:Envelope>",
        relates = escape(&request.message_id),
        created = time(now),
        expires = time(now + jiff::SignedDuration::from_mins(5)),
        from = time(from),
        until = time(until),
        applies = escape(&request.applies_to),
        attached = reference("RequestedAttachedReference"),
        unattached = reference("RequestedUnattachedReference"),
    );
    let signature = crate::dsig::signature_over(key, &unsigned, &["_1", "_2", "_3", "_4"])?;
    Ok(unsigned.replacen("<!--signature-->", &signature, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/kombit/rst_soap12_2023-04-04.xml"
        ))
        .unwrap()
    }

    /// 2023-04-04T08:22:00Z: within the sample's timestamp.
    const THEN: i64 = 1_680_596_520;

    #[test]
    fn kombits_sample_request_reads_at_its_time() {
        let r = read_request(&sample(), THEN).unwrap();
        assert_eq!(r.soap, SOAP12);
        assert_eq!(r.applies_to, "http://wsp12.oioidws-net.dk/service/service/1");
        assert_eq!(r.cvr, "11111111");
        assert_eq!(r.message_id, "uuid:7406c567-1f02-4e86-9227-14d8e1fd1eea");
        assert_eq!(r.context.as_deref(), Some("1f63c4fe-509e-47c9-bd78-eb9f342579be"));
        let holder = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/kombit/client_WSC_Core_funktionscertifikat_2022-2025.pem"
        ))
        .unwrap();
        use rustls_pki_types::pem::PemObject;
        let der = rustls_pki_types::CertificateDer::from_pem_slice(holder.as_bytes()).unwrap();
        assert_eq!(r.certificate, der.to_vec());
        // Today the sample's timestamp has long expired.
        assert_eq!(read_request(&sample(), THEN + 3600).unwrap_err().check(), "expired");
    }

    #[test]
    fn a_wrapped_or_altered_request_is_refused() {
        let xml = sample();
        // The signed Body moved into a header wrapper, an unsigned Body in its place asking for another CVR.
        let start = xml.find("<s:Body").unwrap();
        let end = xml.find("</s:Body>").unwrap() + "</s:Body>".len();
        let signed_body = &xml[start..end];
        let forged_body = signed_body
            .replacen(" wsu:Id=\"body\"", "", 1)
            .replacen(" p2:Id=\"uuid:fba124a4-38a9-40c0-a550-89e2594c09c8\"", "", 1)
            .replace("<auth:Value>11111111</auth:Value>", "<auth:Value>29189730</auth:Value>");
        let wrapped = format!(
            "{}{}{}",
            &xml[..start].replacen(
                "</s:Header>",
                &format!("<w:Wrapper xmlns:w=\"urn:x\">{signed_body}</w:Wrapper></s:Header>"),
                1
            ),
            forged_body,
            &xml[end..]
        );
        let e = read_request(&wrapped, THEN).unwrap_err();
        assert_eq!(e, Refusal::Malformed("Body er ikke signeret".into()));
        // The same with the copy's IDs left in: two elements with one ID are refused before anything else.
        let twice = wrapped.replacen("<s:Body>", "<s:Body wsu:Id=\"body\">", 1);
        let e = read_request(&twice, THEN).unwrap_err();
        assert!(
            matches!(e, Refusal::Malformed(ref t) if t.contains("flere gange")),
            "{e:?}"
        );
        // A changed claim in place: the digest no longer holds.
        let altered = xml.replace("<auth:Value>11111111</auth:Value>", "<auth:Value>29189730</auth:Value>");
        assert_eq!(read_request(&altered, THEN).unwrap_err().check(), "not_trusted");
        // Garbage.
        assert_eq!(read_request("<a/>", THEN).unwrap_err().check(), "malformed");
    }

    #[test]
    fn the_answer_carries_the_assertion_and_is_signed_by_the_sts() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::StsKey::load_or_create(dir.path()).unwrap();
        let request = read_request(&sample(), THEN).unwrap();
        let now = jiff::Timestamp::from_second(THEN).unwrap();
        let until = now + jiff::SignedDuration::from_hours(8);
        let assertion = crate::saml::issue(
            &key,
            &crate::saml::Assertion {
                id: "_a1",
                issuer: crate::ISSUER,
                audience: &request.applies_to,
                subject: "CN=WSC_Core",
                holder_cert: &request.certificate,
                cvr: &request.cvr,
                privileges_base64: "",
                not_before: now,
                not_on_or_after: until,
            },
        )
        .unwrap();
        let xml = response(&key, &request, &assertion, "_a1", (now, until), now).unwrap();
        let doc = dsig::parse(&xml).unwrap();
        let ids = dsig::ids(&doc).unwrap();
        let env = doc.document_element().unwrap();
        let (_, security) = dsig::security_header(&doc, SOAP12).unwrap();
        let sig = dsig::only_child(&doc, security, DS, "Signature").unwrap();
        let s = dsig::read(&doc, sig, &ids, &[Transform::Exclusive]).unwrap();
        let signed = dsig::verify(&doc, &s, &PublicKey::of_cert(&key.cert_der).unwrap(), &ids).unwrap();
        assert!(signed.contains(&dsig::only_child(&doc, env, SOAP12, "Body").unwrap()));
        assert_eq!(signed.len(), 4);
        assert!(xml.contains("<a:RelatesTo u:Id=\"_3\">uuid:7406c567-1f02-4e86-9227-14d8e1fd1eea</a:RelatesTo>"));
        assert!(xml.contains("Context=\"1f63c4fe-509e-47c9-bd78-eb9f342579be\""));
        // The assertion inside still verifies (its signature is independent of where it sits).
        let a = doc
            .descendants(env)
            .into_iter()
            .find(|n| dsig::is(&doc, *n, crate::saml::NS, "Assertion"))
            .unwrap();
        let inner = dsig::read(
            &doc,
            dsig::only_child(&doc, a, DS, "Signature").unwrap(),
            &ids,
            &[Transform::Enveloped],
        )
        .unwrap();
        assert_eq!(
            dsig::verify(&doc, &inner, &PublicKey::of_cert(&key.cert_der).unwrap(), &ids).unwrap(),
            vec![a]
        );
    }
}
