#!/usr/bin/env python3
"""A real SOAP client against snitflade's Beskedfordeler value-list service (SF1460_B), as `dagtilbud` in 0340.

zeep is built from KOMBIT's REFERENCE WSDL (shared/reference/kombit-beskedfordeler/wsdl/Beskedfordeler.wsdl, its
XSDs imported from ../xsd/) with the service address overridden to snitflade's real path
/sts-bf-soap/StsbeskedfordelerImpl. The demo has no system with the `beskedfordeler` grant, so the set-up grants
it to `dagtilbud` for 0340 through the admin API. Steps:

  1. opretvaerdiliste: a list with three values (one repeated), the server chooses the UUID;
  2. tilfoejvaerdier (a new and an existing value) and fjernvaerdier (a held and a missing value): both 20;
     2b. a dueslag subscribed with this list as its `vaerdiliste` filter gets only the absences of the employees on
     the list at the time (00000110; then, after zeep swaps the values, 00000111);
  3. laesvaerdiliste, listvaerdiliste and soegvaerdiliste (by name pattern and by value) find it as it is now;
  4. retvaerdiliste renames it (Rettet);
  5. passivervaerdiliste: read as Passiveret, and tilfoejvaerdier is refused with 49;
  6. sletvaerdiliste: laesvaerdiliste then answers 44;
  7. flytbeskedtilfejlkoe for a message the server does not know: 44;
  8. `vikarsystem` (no grant) gets HTTP 403 with a SOAP Fault;
  9. the WSDL the server serves (?wsdl, its XSDs from /sts-bf-soap/xsd/) loads in zeep with the 11 operations.

Every raw answer of steps 1-7 is validated with xmlschema against KOMBIT's reference XSDs.

Usage: beskedfordeler_client.py --services HOST:PORT --admin HOST:PORT --data-dir DIR --reference-wsdl FILE
"""

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import xmlschema
import zeep
from lxml import etree
from zeep_support import (
    StepRunner,
    arguments,
    check,
    direct_session,
    expect_forbidden,
    host_port,
    payload_of,
    raw_envelope,
    validate,
)

WSDL_TNS = "urn:dk:kombit:vl:beskedfordeler:wsdl:1.0.0"
VL = "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0"
BF = "urn:oio:sts:beskedfordeler:1.0.0"
BINDING = f"{{{WSDL_TNS}}}Beskedfordeler"
PATH = "/sts-bf-soap/StsbeskedfordelerImpl"
SYSTEM = "dagtilbud"
EMP = "urn:oio:kmd:lpe:medarbejder:00000101"
OPERATIONS = {
    "opretvaerdiliste",
    "importvaerdiliste",
    "retvaerdiliste",
    "laesvaerdiliste",
    "sletvaerdiliste",
    "passivervaerdiliste",
    "listvaerdiliste",
    "soegvaerdiliste",
    "tilfoejvaerdier",
    "fjernvaerdier",
    "flytbeskedtilfejlkoe",
}


def egenskab(name, values, description=None):
    return {
        "AttributListe": {
            "Egenskab": [
                {
                    "BrugervendtNoegleTekst": description,
                    "Vaerdiliste": {"Navn": name, "Vaerdi": values},
                    "Virkning": {"AktoerRef": {"UUIDIdentifikator": str(uuid.uuid4())}, "AktoerTypeKode": "ItSystem"},
                }
            ]
        }
    }


def retur_of(result):
    """The StandardRetur of an answer (zeep hands over an output holding nothing else as the StandardRetur)."""
    return getattr(result, "StandardRetur", result)


def values_of(registrering):
    return list(registrering.AttributListe.Egenskab[0].Vaerdiliste.Vaerdi or [])


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        self.url = f"https://{self.host}:{self.port}{PATH}"
        self.workdir = tempfile.mkdtemp(prefix="beskedfordeler-client-")
        self.validated = 0
        self.list_id = None

    # -- set-up ---------------------------------------------------------------------------------------------

    def setup(self):
        self.admin("POST", "/api/v1/grants", {"system": SYSTEM, "interface": "beskedfordeler", "municipality": "0340"})
        wsdl = Path(self.args.reference_wsdl).resolve()
        xsd = wsdl.parent.parent / "xsd"
        wrapper = Path(self.workdir) / "beskedfordeler-outputs.xsd"
        wrapper.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
            f'<xs:import namespace="{VL}" schemaLocation="{(xsd / "VaerdilisteOperationer.xsd").as_uri()}"/>'
            f'<xs:import namespace="{BF}" schemaLocation="{(xsd / "BeskedfordelerOperationer.xsd").as_uri()}"/>'
            "</xs:schema>"
        )
        self.schema = xmlschema.XMLSchema(str(wrapper))
        self.client = zeep.Client(str(wsdl), transport=self.transport)
        self.service = self.client.create_service(BINDING, self.url)
        return f"beskedfordeler granted to {SYSTEM} for 0340; reference WSDL loaded, service at {self.url}"

    # -- calls ------------------------------------------------------------------------------------------------

    def call(self, operation, root, expect=20, **kwargs):
        """Calls an operation, validates the raw answer against KOMBIT's XSDs, checks StatusKode; the result."""
        mark = self.recorder.mark()
        result = getattr(self.service, operation)(**kwargs)
        exchange = self.recorder.single_post_since(mark, operation)
        check(exchange.status == 200, f"HTTP {exchange.status}:\n{exchange}")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        check(len(payload) == 1 and etree.QName(payload[0]).localname == root, f"Body holds {[p.tag for p in payload]}")
        validate(self.schema, payload[0], root, "KOMBIT's reference XSDs")
        self.validated += 1
        code = int(retur_of(result).StatusKode)
        check(code == expect, f"{operation}: StatusKode {code} ({retur_of(result).FejlbeskedTekst!r}), expected {expect}")
        return result

    def laes(self, expect=20):
        return self.call("laesvaerdiliste", "LaesOutput", expect=expect, UUIDIdentifikator=self.list_id)

    # -- steps ------------------------------------------------------------------------------------------------

    def opret(self):
        name = f"zeep-{uuid.uuid4().hex[:8]}"
        self.name = name
        r = self.call(
            "opretvaerdiliste",
            "OpretOutput",
            NoteTekst="oprettet af zeep",
            **egenskab(name, [EMP, "a", EMP], "Medarbejdere med abonnement"),
            TilstandListe={},
            RelationListe={},
        )
        self.list_id = r.Vaerdiliste.UUIDIdentifikator
        check(str(uuid.UUID(self.list_id)) == self.list_id, f"UUID {self.list_id!r}")
        values = values_of(r.Vaerdiliste.Registrering[0])
        check(values == ["a", EMP], f"values {values}")
        return f"{name} = {self.list_id}, values {values}"

    def add_remove(self):
        self.call("tilfoejvaerdier", "TilfoejVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=["b", EMP])
        self.call("fjernvaerdier", "FjernVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=["a", "findes-ikke"])
        values = values_of(self.laes().LaesResultat.Registrering)
        check(values == ["b", EMP], f"values after tilfoej/fjern: {values}")
        return f"values {values}"

    def sick_day(self, pernr, day):
        """Registers a sick day as `dagtilbud` (Opret fravær, SetAbsenceAttendance INS): an absence.created event."""
        body = (
            '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>'
            '<ns0:SetAbsenceAttendanceRequest_MT xmlns:ns0="urn:kmd.dk:LPT:VACAB:external">'
            f"<StartDate>{day}</StartDate><EndDate>{day}</EndDate><Operation>INS</Operation>"
            f"<PersonnelNumber>{pernr}</PersonnelNumber><AbsenceAttendanceType>SY</AbsenceAttendanceType>"
            "</ns0:SetAbsenceAttendanceRequest_MT></SOAP-ENV:Body></SOAP-ENV:Envelope>"
        )
        response = self.session.post(
            f"https://{self.host}:{self.port}/ws/SetAbsenceAttendance_OS_SI",
            data=body.encode(),
            headers={"Content-Type": "text/xml; charset=utf-8"},
            timeout=30,
        )
        check(
            response.status_code == 200 and "<StatusType>S</StatusType>" in response.text,
            f"sick day {pernr} {day}: HTTP {response.status_code} {response.text[:500]}",
        )

    def routed(self, dueslag, count):
        """The employees (ObjektId) of a dueslag's first `count` deliveries, once the router has queued them."""
        deadline = time.time() + 15
        while True:
            deliveries = self.admin("GET", f"/api/v1/dueslag/{dueslag}/deliveries")
            if len(deliveries) >= count or time.time() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # anything routed by mistake would be there by now too
        deliveries = self.admin("GET", f"/api/v1/dueslag/{dueslag}/deliveries")
        employees = []
        for d in deliveries:
            envelope = self.admin("GET", f"/api/v1/events/{d['seq']}/envelope")
            found = [e for e in ("00000110", "00000111") if f"urn:oio:kmd:lpe:medarbejder:{e}" in envelope]
            employees.extend(found)
        return employees

    def limits_delivery(self):
        """The list, maintained with zeep, decides whose absences reach a dueslag that filters on it."""
        on, off = "urn:oio:kmd:lpe:medarbejder:00000110", "urn:oio:kmd:lpe:medarbejder:00000111"
        self.call("tilfoejvaerdier", "TilfoejVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=[on])
        # Inactive: nothing is pushed, but the router still queues what the subscription lets through.
        d = self.admin(
            "POST",
            "/api/v1/dueslag",
            {"name": "zeep-liste", "system": SYSTEM, "active": False, "push_url": "https://localhost:9/modtag"},
        )
        self.admin(
            "POST",
            f"/api/v1/dueslag/{d['id']}/subscriptions",
            {"filter": {"beskedtype": ["absence.created"], "vaerdiliste": self.list_id}},
        )
        self.sick_day("00000111", "2026-03-02")
        self.sick_day("00000110", "2026-03-02")
        first = self.routed(d["id"], 1)
        check(first == ["00000110"], f"with 00000110 on the list: {first}")
        # Swap who is on the list with zeep: now only 00000111's absences get through.
        self.call("tilfoejvaerdier", "TilfoejVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=[off])
        self.call("fjernvaerdier", "FjernVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=[on])
        self.sick_day("00000110", "2026-03-03")
        self.sick_day("00000111", "2026-03-03")
        second = self.routed(d["id"], 2)
        check(second == ["00000110", "00000111"], f"after the swap: {second}")
        self.call("fjernvaerdier", "FjernVaerdierOutput", UUIDIdentifikator=self.list_id, Vaerdier=[off])
        return f"routed {second}: only the employees on the list at the time"

    def read_list_search(self):
        r = self.laes().LaesResultat.Registrering
        check(r.LivscyklusKode == "Opstaaet", f"LivscyklusKode {r.LivscyklusKode}")
        egenskab_ = r.AttributListe.Egenskab[0]
        check(egenskab_.Vaerdiliste.Navn == self.name, f"Navn {egenskab_.Vaerdiliste.Navn}")
        check(egenskab_.BrugervendtNoegleTekst == "Medarbejdere med abonnement", "BrugervendtNoegleTekst")
        listed = self.call("listvaerdiliste", "ListOutput", UUIDIdentifikator=[self.list_id]).LaesResultat
        check(len(listed) == 1, f"{len(listed)} results")
        check(listed[0].FiltreretOejebliksbillede.UUIDIdentifikator == self.list_id, "List: UUID")
        by_name = self.call(
            "soegvaerdiliste",
            "SoegOutput",
            MaksimalAntalKvantitet=10,
            SoegObjekt={"SoegAttributListe": {"SoegEgenskab": [{"Vaerdiliste": {"Navn": "zeep-*"}}]}},
        )
        by_value = self.call(
            "soegvaerdiliste",
            "SoegOutput",
            SoegObjekt={"SoegAttributListe": {"SoegEgenskab": [{"Vaerdiliste": {"Navn": "*", "Vaerdi": [EMP]}}]}},
        )
        for what, r in (("name", by_name), ("value", by_value)):
            ids = list(r.IdListe.UUIDIdentifikator or [])
            check(ids == [self.list_id], f"Soeg by {what}: {ids}")
        return "Laes, List, Soeg by name pattern and by value"

    def ret(self):
        self.call(
            "retvaerdiliste",
            "RetOutput",
            UUIDIdentifikator=self.list_id,
            NoteTekst="omdøbt",
            **egenskab(self.name + "-rettet", []),
        )
        r = self.laes().LaesResultat.Registrering
        check(r.LivscyklusKode == "Rettet", f"LivscyklusKode {r.LivscyklusKode}")
        check(r.AttributListe.Egenskab[0].Vaerdiliste.Navn == self.name + "-rettet", "Navn not changed")
        check(values_of(r) == ["b", EMP], "values changed by Ret without Vaerdi")
        return "renamed, values kept"

    def passiver(self):
        self.call("passivervaerdiliste", "PassiverOutput", UUIDIdentifikator=self.list_id)
        r = self.laes().LaesResultat.Registrering
        check(r.LivscyklusKode == "Passiveret", f"LivscyklusKode {r.LivscyklusKode}")
        refused = self.call(
            "tilfoejvaerdier", "TilfoejVaerdierOutput", expect=49, UUIDIdentifikator=self.list_id, Vaerdier=["c"]
        )
        return f"Passiveret; tilfoejvaerdier: 49 {retur_of(refused).FejlbeskedTekst!r}"

    def slet(self):
        self.call("sletvaerdiliste", "SletOutput", UUIDIdentifikator=self.list_id, NoteTekst="ryddet op")
        gone = self.laes(expect=44)
        return f"laesvaerdiliste: 44 {retur_of(gone).FejlbeskedTekst!r}"

    def flyt(self):
        kuvert = self.client.get_element("{urn:oio:besked:kuvert:1.0}Haendelsesbesked")
        besked = kuvert(
            BeskedId={"UUIDIdentifikator": str(uuid.uuid4())},
            BeskedVersion="1.0",
            Beskedkuvert={
                "Filtreringsdata": {"Beskedtype": {"UUIDIdentifikator": str(uuid.uuid4())}},
                "Leveranceinformation": {
                    "Leveranceruter": {
                        "Leverancerute": [{"ErLeveretIHenholdTil": {"UUIDIdentifikator": str(uuid.uuid4())}}]
                    }
                },
            },
        )
        r = self.call("flytbeskedtilfejlkoe", "FlytBeskedTilFejlkoeOutput", expect=44, Haendelsesbesked=besked)
        return f"unknown message: 44 {retur_of(r).FejlbeskedTekst!r}"

    def forbidden(self):
        return expect_forbidden(
            self.data_dir,
            "vikarsystem",
            Path(self.args.reference_wsdl).resolve(),
            BINDING,
            self.url,
            lambda service: service.laesvaerdiliste(UUIDIdentifikator=str(uuid.uuid4())),
        )

    def served(self):
        url = f"{self.url}?wsdl"
        response = self.session.get(url, timeout=30)
        check(response.status_code == 200, f"GET {url}: HTTP {response.status_code}")
        check(f'location="{self.url}"' in response.text, "soap:address does not point at the server")
        client = zeep.Client(url, transport=self.transport)
        operations = set(client.wsdl.bindings[BINDING]._operations)
        check(operations == OPERATIONS, f"operations {sorted(operations)}")
        return f"{len(operations)} operations, XSDs fetched from the server"


def main():
    parser = arguments(__doc__)
    parser.add_argument("--admin", required=True, type=host_port, help="HOST:PORT of the admin listener")
    parser.add_argument("--reference-wsdl", required=True, help="KOMBIT's Beskedfordeler.wsdl")
    client = Client(parser.parse_args())
    steps = [
        ("1. opretvaerdiliste", client.opret),
        ("2. tilfoejvaerdier and fjernvaerdier", client.add_remove),
        ("2b. the list limits delivery to the employees on it", client.limits_delivery),
        ("3. laesvaerdiliste, listvaerdiliste, soegvaerdiliste", client.read_list_search),
        ("4. retvaerdiliste", client.ret),
        ("5. passivervaerdiliste", client.passiver),
        ("6. sletvaerdiliste", client.slet),
        ("7. flytbeskedtilfejlkoe", client.flyt),
        ("8. no grant: HTTP 403", client.forbidden),
        ("9. the served WSDL loads in zeep", client.served),
    ]
    return client.run_steps(
        ("0. set-up", client.setup),
        steps,
        lambda: f"{len(steps)} steps, {client.validated} raw answers valid against KOMBIT's XSDs",
    )


if __name__ == "__main__":
    sys.exit(main())
