#!/usr/bin/env python3
"""A vendor's client of snitflade's Security Token Service, the JWT variant of KOMBIT's Adgangsstyring (SF1514),
built as KOMBIT describes it, with Python `requests` and `cryptography`:

  1. the operator's listing (GET /api/v1/sts/services) names the Beskedfordeler's entityID, the token endpoint and
     the STS's signing certificate;
  2. `dagtilbud` (granted `beskedfordeler` for Sorø, CVR 29189730) posts client_id, grant_type=client_credentials and
     scope=entityid:<entityID>,anvenderkontekst:29189730 over mutual TLS: a `Holder-of-key` token for 8 hours — a
     PS256 JWT whose signature verifies with the listed certificate, bound to dagtilbud's certificate
     (cnf.x5t#S256), its `priv` naming the CVR;
  3. the same request in the query string, as some of KOMBIT's clients send it;
  4. the value-list service (SF1460_B) called with `Authorization: Holder-of-key <token>`: StatusKode 20;
  5. refused by the STS, each with its reason: Aarhus' CVR (no grant), an unknown entityID, grant_type=password,
     a malformed scope, `ingen-adgang` (a system without the grant);
  6. refused by the service, each with its reason: the token on another system's connection (holder-of-key), a
     claim changed (not signed by a trusted STS), an Authorization header without a token.

Usage: sts_jwt_client.py --services HOST:PORT --admin HOST:PORT --data-dir DIR
"""

import base64
import hashlib
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from zeep_support import (AARHUS_CVR, SOROE_CVR, Recorder, StepRunner, arguments, check, host_port, mtls_session,
                          opret_vaerdiliste)

SYSTEM = "dagtilbud"
OPRET = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
         + opret_vaerdiliste("Med token") + "</s:Body></s:Envelope>")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        self.base = f"https://{self.host}:{self.port}"
        self.listing = None
        self.token = None

    def entity(self):
        return self.listing["services"][0]["entity_id"]

    def issue(self, cvr, session=None, entity=None, grant_type="client_credentials", in_query=False, scope=None):
        entity = entity or self.entity()
        form = {"client_id": entity, "grant_type": grant_type,
                "scope": scope or f"entityid:{entity},anvenderkontekst:{cvr}"}
        url = self.base + self.listing["token_endpoints"]["jwt"]
        s = session or self.session
        if in_query:
            return s.post(url, params=form, timeout=30)
        return s.post(url, data=form, timeout=30)

    def call_value_lists(self, token, session=None, scheme="Holder-of-key"):
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}".strip()
        return (session or self.session).post(self.base + self.listing["services"][0]["path"], data=OPRET,
                                              headers=headers, timeout=30)

    def setup(self):
        self.admin("POST", "/api/v1/grants", {"system": SYSTEM, "interface": "beskedfordeler", "municipality": "0340"})
        return "granted beskedfordeler to dagtilbud for 0340"

    def step_listing(self):
        self.listing = self.admin("GET", "/api/v1/sts/services")
        check(self.entity() == "http://entityid.kombit.dk/service/bfo_modtag/2", json.dumps(self.listing))
        check(self.listing["token_endpoints"]["jwt"] == "/runtime/api/rest/oauth/v1/issue", json.dumps(self.listing))
        cert = x509.load_pem_x509_certificate(self.listing["certificate_pem"].encode())
        check(cert.fingerprint(hashes.SHA256()).hex() == self.listing["certificate_sha256"], "the listed SHA-256")
        self.sts_cert = cert
        return f"{self.entity()}, STS certificate {cert.subject.rfc4514_string()}"

    def step_issue(self):
        r = self.issue(SOROE_CVR)
        check(r.status_code == 200, f"HTTP {r.status_code}: {r.text}")
        answer = r.json()
        check(answer["token_type"] == "Holder-of-key" and answer["expires_in"] == 28800, r.text)
        check(r.headers.get("Cache-Control") == "no-store", str(r.headers))
        token = answer["access_token"]
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        check(header["alg"] == "PS256", str(header))
        sha1 = b64url(self.sts_cert.fingerprint(hashes.SHA1()))
        check(header["kid"] == sha1 and header["x5t"] == sha1, str(header))
        self.sts_cert.public_key().verify(
            unb64url(signature_b64), f"{header_b64}.{claims_b64}".encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        claims = json.loads(unb64url(claims_b64))
        mine = (self.data_dir / "pki" / "clients" / f"{SYSTEM}.pem").read_bytes()
        mine_der = x509.load_pem_x509_certificate(mine).public_bytes(encoding=__import__(
            "cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER)
        check(claims["cnf"]["x5t#S256"] == b64url(hashlib.sha256(mine_der).digest()), str(claims))
        check(claims["aud"] == self.entity() and claims["cvr"] == SOROE_CVR, str(claims))
        check(claims["exp"] - claims["iat"] == 28800, str(claims))
        groups = json.loads(base64.b64decode(claims["priv"]))["privilegegroups"]
        check(groups and all(g["scope"] == f"urn:dk:gov:saml:cvrNumberIdentifier:{SOROE_CVR}" for g in groups),
              str(groups))
        self.token = token
        return f"{len(token)} bytes, jti {claims['jti']}, {len(groups)} privilege(s)"

    def step_issue_in_query(self):
        r = self.issue(SOROE_CVR, in_query=True)
        check(r.status_code == 200 and r.json()["access_token"] != self.token, f"HTTP {r.status_code}: {r.text}")
        return "a fresh token"

    def step_call_with_token(self):
        r = self.call_value_lists(self.token)
        check(r.status_code == 200 and "StatusKode>20<" in r.text, f"HTTP {r.status_code}: {r.text}")
        return "opretvaerdiliste: StatusKode 20"

    def step_sts_refusals(self):
        refusals = []
        for what, response, error, reason in [
            ("Aarhus' CVR", self.issue(AARHUS_CVR), "invalid_scope", "ingen adgang"),
            ("an unknown entityID", self.issue(SOROE_CVR, entity="http://entityid.kombit.dk/service/ukendt/1"),
             "invalid_scope", "Ukendt service"),
            ("grant_type password", self.issue(SOROE_CVR, grant_type="password"), "unsupported_grant_type",
             "client_credentials"),
            ("a scope without CVR", self.issue(SOROE_CVR, scope=f"entityid:{self.entity()}"), "invalid_scope",
             "anvenderkontekst"),
            ("a system without the grant (ingen-adgang)",
             self.issue(SOROE_CVR, session=mtls_session(self.data_dir, "ingen-adgang", Recorder())),
             "invalid_scope", "ingen adgang"),
        ]:
            body = response.json()
            check(response.status_code in (400, 401) and body["error"] == error and reason in body["error_description"],
                  f"{what}: HTTP {response.status_code} {response.text}")
            refusals.append(f"{what}: {body['error']}")
        return "; ".join(refusals)

    def step_service_refusals(self):
        other = mtls_session(self.data_dir, "vikarsystem", Recorder())
        head, claims, signature = self.token.split(".")
        forged_claims = json.loads(unb64url(claims))
        forged_claims["cvr"] = AARHUS_CVR
        forged = f"{head}.{b64url(json.dumps(forged_claims).encode())}.{signature}"
        seen = []
        for what, response, reason in [
            ("on vikarsystem's connection", self.call_value_lists(self.token, session=other), "holder-of-key"),
            ("a claim changed", self.call_value_lists(forged), "ikke signeret af en STS"),
            ("no token after the scheme", self.call_value_lists("", scheme="Holder-of-key"), "Authorization"),
        ]:
            check(response.status_code == 500 and "Fault" in response.text and reason in response.text,
                  f"{what}: HTTP {response.status_code} {response.text}")
            seen.append(what)
        return "; ".join(seen)


def main():
    parser = arguments(__doc__)
    parser.add_argument("--admin", required=True, type=host_port, help="HOST:PORT of the admin listener")
    client = Client(parser.parse_args())
    return client.run_steps(
        ("0. set-up: grant", client.setup),
        [
            ("1. the operator's listing", client.step_listing),
            ("2. a token (form body), checked as a vendor would", client.step_issue),
            ("3. a token (query string)", client.step_issue_in_query),
            ("4. the value-list service with the token", client.step_call_with_token),
            ("5. refusals by the STS", client.step_sts_refusals),
            ("6. refusals by the service", client.step_service_refusals),
        ],
        lambda: "the STS issued, the service accepted, every refusal named its check",
    )


if __name__ == "__main__":
    sys.exit(main())
