#!/usr/bin/env python3
"""A vendor's client of snitflade's Security Token Service, the WS-Trust (SOAP) variant of KOMBIT's Adgangsstyring
(SF1514), hand-built as KOMBIT's documentation describes the request, signed with `signxml`:

  1. `dagtilbud` (granted `beskedfordeler` for Sorø, CVR 29189730) sends a SOAP 1.2 RequestSecurityToken to
     /runtime/services/kombittrust/14/certificatemixed: WS-Addressing Action, MessageID and To, a WS-Security header
     with a five-minute Timestamp and its certificate as a BinarySecurityToken, the body asking for the
     Beskedfordeler's entityID with the CvrNumberIdentifier claim, KeyType PublicKey and UseKey its certificate; an
     exclusive-C14N signature (its EC key: ecdsa-sha256) over Action, MessageID, To, Timestamp, the token and the
     Body, its KeyInfo a SecurityTokenReference to the token;
  2. the answer: RelatesTo the MessageID, signed by the STS (signxml verifies it against the listed STS
     certificate), and inside it the SAML 2.0 assertion — signed by the STS, holder-of-key with dagtilbud's
     certificate, Audience the entityID, the CVR, AssuranceLevel 3, SpecVer DK-SAML-2.0, KombitSpecVer 1.0, eight
     hours, the privilege list naming the CVR;
  3. refused, each with a SOAP 1.2 Sender fault naming its check: the same request again (replay), Aarhus' CVR
     (no grant), a request whose Body was changed after signing, an expired Timestamp, and the signed Body moved
     into a header wrapper with an unsigned one in its place (signature wrapping);
  4. the value-list service (SF1460_B) called with the assertion as the OIO IDWS SOAP profile has it: WS-Addressing
     headers, the Liberty Framework header, a WS-Security header with a Timestamp, the assertion and a
     SecurityTokenReference to it, and dagtilbud's signature over Body, headers, Timestamp and the assertion, its
     KeyInfo that reference: StatusKode 20;
  5. refused by the service, each naming its check: the same call again (replay), the call on vikarsystem's
     connection (not the holder of the key), and a call whose assertion was altered (not signed by the STS).

Usage: sts_wstrust_client.py --services HOST:PORT --admin HOST:PORT --data-dir DIR
"""

import base64
import copy
import sys
import uuid
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import SignatureMethod, DigestAlgorithm, XMLSigner, XMLVerifier, methods

from zeep_support import AARHUS_CVR, SOROE_CVR, StepRunner, arguments, check, host_port, opret_vaerdiliste

SYSTEM = "dagtilbud"
S12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
TRUST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
AUTH = "http://docs.oasis-open.org/wsfed/authorization/200706"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
B64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        pki = self.data_dir / "pki" / "clients"
        self.cert_pem = (pki / f"{SYSTEM}.pem").read_bytes()
        self.key_pem = (pki / f"{SYSTEM}-key.pem").read_bytes()
        self.cert_der = x509.load_pem_x509_certificate(self.cert_pem).public_bytes(serialization.Encoding.DER)
        self.url = None
        self.listing = None
        self.sent = None
        self.assertion = None

    def setup(self):
        self.admin("POST", "/api/v1/grants", {"system": SYSTEM, "interface": "beskedfordeler", "municipality": "0340"})
        self.listing = self.admin("GET", "/api/v1/sts/services")
        self.url = f"https://{self.host}:{self.port}{self.listing['token_endpoints']['wstrust']}"
        return self.url

    def entity(self):
        return self.listing["services"][0]["entity_id"]

    def request(self, cvr, created=None):
        """A signed RequestSecurityToken (bytes)."""
        created = created or datetime.now(timezone.utc)
        E = etree.Element
        env = E(f"{{{S12}}}Envelope", nsmap={"s": S12, "a": WSA, "wsu": WSU, "wsse": WSSE})
        header = etree.SubElement(env, f"{{{S12}}}Header")
        for local, value, id_ in [("Action", f"{TRUST}/RST/Issue", "action"),
                                  ("MessageID", f"uuid:{uuid.uuid4()}", "msgid"),
                                  ("To", self.url, "to")]:
            el = etree.SubElement(header, f"{{{WSA}}}{local}")
            el.text = value
            el.set(f"{{{WSU}}}Id", id_)
        security = etree.SubElement(header, f"{{{WSSE}}}Security")
        security.set(f"{{{S12}}}mustUnderstand", "1")
        ts = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        ts.set(f"{{{WSU}}}Id", "sec-ts")
        etree.SubElement(ts, f"{{{WSU}}}Created").text = iso(created)
        etree.SubElement(ts, f"{{{WSU}}}Expires").text = iso(created + timedelta(minutes=5))
        bst = etree.SubElement(security, f"{{{WSSE}}}BinarySecurityToken", ValueType=X509V3, EncodingType=B64)
        bst.set(f"{{{WSU}}}Id", "sec-binsectoken")
        bst.text = base64.b64encode(self.cert_der).decode()
        body = etree.SubElement(env, f"{{{S12}}}Body")
        body.set(f"{{{WSU}}}Id", "body")
        rst = etree.SubElement(body, f"{{{TRUST}}}RequestSecurityToken", Context=str(uuid.uuid4()), nsmap={"trust": TRUST})
        etree.SubElement(rst, f"{{{TRUST}}}RequestType").text = f"{TRUST}/Issue"
        etree.SubElement(rst, f"{{{TRUST}}}TokenType").text = \
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"
        etree.SubElement(rst, f"{{{TRUST}}}KeyType").text = f"{TRUST}/PublicKey"
        applies = etree.SubElement(rst, f"{{{WSP}}}AppliesTo", nsmap={"wsp": WSP})
        etree.SubElement(etree.SubElement(applies, f"{{{WSA}}}EndpointReference"), f"{{{WSA}}}Address").text = \
            self.entity()
        claims = etree.SubElement(rst, f"{{{TRUST}}}Claims",
                                  Dialect="http://docs.oasis-open.org/wsfed/authorization/200706/authclaims")
        claim = etree.SubElement(claims, f"{{{AUTH}}}ClaimType", Uri="dk:gov:saml:attribute:CvrNumberIdentifier",
                                 Optional="false", nsmap={"auth": AUTH})
        etree.SubElement(claim, f"{{{AUTH}}}Value").text = cvr
        use_key = etree.SubElement(rst, f"{{{TRUST}}}UseKey")
        inner = etree.SubElement(use_key, f"{{{WSSE}}}BinarySecurityToken", ValueType=X509V3, EncodingType=B64)
        inner.text = bst.text
        # KeyInfo: a SecurityTokenReference to the BinarySecurityToken.
        key_info = etree.Element(f"{{{DS}}}KeyInfo", nsmap={"ds": DS})
        ref = etree.SubElement(etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference"), f"{{{WSSE}}}Reference",
                               URI="#sec-binsectoken", ValueType=X509V3)
        assert ref is not None
        signer = XMLSigner(method=methods.detached, signature_algorithm=SignatureMethod.ECDSA_SHA256,
                           digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=EXC)
        signature = signer.sign(env, key=self.key_pem, key_info=key_info,
                                reference_uri=["#action", "#msgid", "#to", "#sec-ts", "#sec-binsectoken", "#body"])
        security.append(signature)
        return etree.tostring(env)

    def post(self, data):
        return self.session.post(self.url, data=data, headers={"Content-Type": "application/soap+xml; charset=utf-8"},
                                 timeout=30)

    def step_issue(self):
        self.sent = self.request(SOROE_CVR)
        r = self.post(self.sent)
        check(r.status_code == 200, f"HTTP {r.status_code}: {r.text}")
        answer = etree.fromstring(r.content)
        message_id = etree.fromstring(self.sent).find(f".//{{{WSA}}}MessageID").text
        check(answer.find(f".//{{{WSA}}}RelatesTo").text == message_id, r.text)
        sts_cert = self.listing["certificate_pem"]
        # The answer's signature (Body, Action, RelatesTo, Timestamp) by the STS: the first in the document.
        results = XMLVerifier().verify(answer, x509_cert=sts_cert, expect_references=4, id_attribute="Id")
        signed_tags = {etree.QName(res.signed_xml).localname for res in results}
        check(signed_tags == {"Body", "Action", "RelatesTo", "Timestamp"}, str(signed_tags))
        # The assertion, by the STS, bound to my certificate.
        assertion = answer.find(f".//{{{SAML}}}Assertion")
        verified = XMLVerifier().verify(copy.deepcopy(assertion), x509_cert=sts_cert).signed_xml
        def one(path):
            return verified.find(path, {"saml": SAML, "ds": DS})
        check(one("saml:Subject/saml:SubjectConfirmation").get("Method") ==
              "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", "holder-of-key")
        hok = one("saml:Subject/saml:SubjectConfirmation/saml:SubjectConfirmationData/ds:KeyInfo/ds:X509Data/"
                  "ds:X509Certificate").text
        check(base64.b64decode(hok) == self.cert_der, "the holder-of-key is my certificate")
        check(one("saml:Conditions/saml:AudienceRestriction/saml:Audience").text == self.entity(), "audience")
        attributes = {a.get("Name"): a.find(f"{{{SAML}}}AttributeValue").text
                      for a in verified.iter(f"{{{SAML}}}Attribute")}
        check(attributes["dk:gov:saml:attribute:CvrNumberIdentifier"] == SOROE_CVR, str(attributes))
        check(attributes["dk:gov:saml:attribute:AssuranceLevel"] == "3", str(attributes))
        check(attributes["dk:gov:saml:attribute:SpecVer"] == "DK-SAML-2.0", str(attributes))
        check(attributes["dk:gov:saml:attribute:KombitSpecVer"] == "1.0", str(attributes))
        privileges = base64.b64decode(attributes["dk:gov:saml:attribute:Privileges_intermediate"]).decode()
        check(f"urn:dk:gov:saml:cvrNumberIdentifier:{SOROE_CVR}" in privileges, privileges)
        conditions = one("saml:Conditions")
        lifetime = (datetime.fromisoformat(conditions.get("NotOnOrAfter").replace("Z", "+00:00"))
                    - datetime.fromisoformat(conditions.get("NotBefore").replace("Z", "+00:00")))
        check(lifetime == timedelta(hours=8), str(lifetime))
        self.assertion = assertion
        return f"assertion {assertion.get('ID')} for {SOROE_CVR}, {len(r.content)} bytes"

    def refused(self, data, reason):
        r = self.post(data)
        check(r.status_code == 400 and "Sender" in r.text and reason in r.text, f"HTTP {r.status_code}: {r.text}")
        return etree.fromstring(r.content).findtext(f".//{{{S12}}}Text")

    def step_refusals(self):
        seen = []
        seen.append(("replay", self.refused(self.sent, "allerede brugt")))
        seen.append(("Aarhus", self.refused(self.request(AARHUS_CVR), "ingen adgang")))
        changed = self.request(SOROE_CVR).replace(SOROE_CVR.encode(), AARHUS_CVR.encode(), 1)
        seen.append(("changed", self.refused(changed, "ikke signeret af en STS")))
        old = self.request(SOROE_CVR, created=datetime.now(timezone.utc) - timedelta(hours=1))
        seen.append(("expired", self.refused(old, "udløbet")))
        # Signature wrapping: the signed Body into a header wrapper, an unsigned Body asking for Aarhus instead.
        env = etree.fromstring(self.request(SOROE_CVR))
        body = env.find(f"{{{S12}}}Body")
        forged = copy.deepcopy(body)
        del forged.attrib[f"{{{WSU}}}Id"]
        forged.find(f".//{{{AUTH}}}Value").text = AARHUS_CVR
        for token in forged.iter(f"{{{WSSE}}}BinarySecurityToken"):
            token.attrib.pop(f"{{{WSU}}}Id", None)
        wrapper = etree.SubElement(env.find(f"{{{S12}}}Header"), "{urn:wrapper}Wrapper")
        env.remove(body)
        wrapper.append(body)
        env.append(forged)
        seen.append(("wrapped", self.refused(etree.tostring(env), "Body er ikke signeret")))
        return "; ".join(f"{what}: {text}" for what, text in seen)


S11 = "http://schemas.xmlsoap.org/soap/envelope/"
SBF = "urn:liberty:sb:2006-08"
WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
SAMLV2 = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"
SAMLID = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID"

class ServiceCalls:
    """Calls of the value-list service carrying the assertion (OIO IDWS SOAP profile, SOAP 1.1)."""

    def __init__(self, client):
        self.client = client
        self.url = f"https://{client.host}:{client.port}{client.listing['services'][0]['path']}"
        self.sent = None

    def envelope(self, assertion):
        c = self.client
        E = etree.SubElement
        env = etree.Element(f"{{{S11}}}Envelope", nsmap={"s": S11, "a": WSA, "u": WSU, "o": WSSE})
        header = E(env, f"{{{S11}}}Header")
        for local, value, id_ in [("Action", "opretvaerdiliste", "action"),
                                  ("MessageID", f"urn:uuid:{uuid.uuid4()}", "msgid"),
                                  ("To", self.url, "to")]:
            el = E(header, f"{{{WSA}}}{local}")
            el.text = value
            el.set(f"{{{WSU}}}Id", id_)
            el.set(f"{{{S11}}}mustUnderstand", "1")
        framework = E(header, f"{{{SBF}}}Framework", nsmap={"sbf": SBF, "sbfprofile": "urn:liberty:sb:profile"})
        framework.set("version", "2.0")
        framework.set("{urn:liberty:sb:profile}profile", "urn:liberty:sb:profile:basic")
        framework.set(f"{{{WSU}}}Id", "lib")
        framework.set(f"{{{S11}}}mustUnderstand", "1")
        security = E(header, f"{{{WSSE}}}Security")
        security.set(f"{{{S11}}}mustUnderstand", "1")
        ts = E(security, f"{{{WSU}}}Timestamp")
        ts.set(f"{{{WSU}}}Id", "sec-ts")
        now = datetime.now(timezone.utc)
        E(ts, f"{{{WSU}}}Created").text = iso(now)
        E(ts, f"{{{WSU}}}Expires").text = iso(now + timedelta(minutes=5))
        security.append(copy.deepcopy(assertion))
        str_ = E(security, f"{{{WSSE}}}SecurityTokenReference", nsmap={"b": WSSE11})
        str_.set(f"{{{WSSE11}}}TokenType", SAMLV2)
        key_id = E(str_, f"{{{WSSE}}}KeyIdentifier", ValueType=SAMLID)
        key_id.text = assertion.get("ID")
        body = E(env, f"{{{S11}}}Body")
        body.set(f"{{{WSU}}}Id", "body")
        body.append(etree.fromstring(opret_vaerdiliste("Med SAML")))
        key_info = etree.Element(f"{{{DS}}}KeyInfo", nsmap={"ds": DS})
        ref = copy.deepcopy(str_)
        key_info.append(ref)
        signer = XMLSigner(method=methods.detached, signature_algorithm=SignatureMethod.ECDSA_SHA256,
                           digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=EXC)
        signature = signer.sign(env, key=c.key_pem, key_info=key_info,
                                reference_uri=["#body", "#action", "#msgid", "#to", "#lib", "#sec-ts",
                                               f"#{assertion.get('ID')}"])
        security.append(signature)
        return etree.tostring(env)

    def post(self, data, session=None):
        return (session or self.client.session).post(
            self.url, data=data, headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}, timeout=30)

    def step_call(self):
        self.sent = self.envelope(self.client.assertion)
        r = self.post(self.sent)
        check(r.status_code == 200 and "StatusKode>20<" in r.text, f"HTTP {r.status_code}: {r.text}")
        return "opretvaerdiliste with the assertion: StatusKode 20"

    def step_refusals(self):
        from zeep_support import Recorder, mtls_session
        seen = []
        other = mtls_session(self.client.data_dir, "vikarsystem", Recorder())
        altered = copy.deepcopy(self.client.assertion)
        for value in altered.iter(f"{{{SAML}}}AttributeValue"):
            if value.text == SOROE_CVR:
                value.text = AARHUS_CVR
        for what, data, session, reason in [
            ("replay", self.sent, None, "allerede brugt"),
            ("on vikarsystem's connection", self.envelope(self.client.assertion), other, "holder-of-key"),
            ("an altered assertion", self.envelope(altered), None, "ikke signeret af en STS"),
        ]:
            r = self.post(data, session)
            check(r.status_code == 500 and "Fault" in r.text and reason in r.text, f"{what}: HTTP {r.status_code} {r.text}")
            seen.append(what)
        return "; ".join(seen)


def main():
    parser = arguments(__doc__)
    parser.add_argument("--admin", required=True, type=host_port, help="HOST:PORT of the admin listener")
    client = Client(parser.parse_args())
    calls = []

    def service():
        calls.append(ServiceCalls(client))
        return calls[0].step_call()

    return client.run_steps(
        ("0. set-up: grant, the STS's listing", client.setup),
        [
            ("1-2. a signed RequestSecurityToken, the signed answer and its assertion", client.step_issue),
            ("3. refusals, each naming its check", client.step_refusals),
            ("4. the value-list service called with the assertion", service),
            ("5. refusals by the service", lambda: calls[0].step_refusals()),
        ],
        lambda: "the STS issued a holder-of-key assertion and refused replay, other CVR, change, age and wrapping",
    )


if __name__ == "__main__":
    sys.exit(main())
