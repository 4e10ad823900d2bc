#!/usr/bin/env python3
"""A real SOAP client against snitflade's Medarbejderoplysninger service (Employee_Provide_Out).

zeep is built from KMD's REFERENCE WSDL (not the one snitflade serves), with the service address overridden
to snitflade's SAP PI URL, and calls the three operations over mutual TLS with the demo certificate of
`vikarsystem`:

  1. List with a range and an exclusion (and two Datakategori values), then everyone with every category;
  2. Laes with Datakategori 0105: the employee's e-mail and work phone;
  3. Ret: create a private e-mail, change it, delete it, each seen through Laes;
  4. `kantine` (no grant for medarbejderoplysninger) gets HTTP 403 with a SOAP Fault;
  5. the WSDL snitflade serves loads in zeep with the same three operations.

Every raw response body of steps 1-3 is validated against the XSD inside the reference WSDL (the two
xsd:schema elements; the medarbejder schema imports sagdok without a schemaLocation, so xmlschema is given
the location) and against the XSD of the served WSDL.

Usage: employee_client.py --services HOST:PORT --data-dir DIR --reference-wsdl FILE

DIR is the data dir of a server started with `snitflade serve --demo`. Prints one line per step and exits
non-zero if any step fails.
"""

import sys
import tempfile
import urllib.parse
from pathlib import Path

import xmlschema
import zeep
from lxml import etree
from zeep_support import (
    WSDL_NS,
    XSD_NS,
    StepRunner,
    arguments,
    check,
    expect_forbidden,
    payload_of,
    raw_envelope,
    validate,
)

MD = "urn:oio:medarbejder:1.0.0"
SD = "urn:oio:sagdok:3.0.0"
INTERFACE_NS = "urn:kmd.dk:LPE:EMPLOYEE:external"
SERVICE = "Employee_Provide_Out"
BINDING = f"{{{INTERFACE_NS}}}Employee_Provide_OutBinding"

SYSTEM = "vikarsystem"
CLIENT = "340"
PERNR = "00000110"


def schemas_of(wsdl_bytes, workdir, name):
    """The two xsd:schema elements of a WSDL as one xmlschema schema (medarbejder, with sagdok's location)."""
    wsdl = etree.fromstring(wsdl_bytes)
    found = {s.get("targetNamespace"): s for s in wsdl.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")}
    check(set(found) == {MD, SD}, f"{name}: expected the schemas {MD} and {SD}, found {sorted(found)}")
    paths = {}
    for ns, el in found.items():
        path = Path(workdir) / f"{name}-{'sagdok' if ns == SD else 'medarbejder'}.xsd"
        # Serialised alone, the element keeps the namespace declarations it inherits from wsdl:definitions.
        path.write_bytes(etree.tostring(el))
        paths[ns] = path
    return xmlschema.XMLSchema(str(paths[MD]), locations=[(SD, str(paths[SD]))])


def unik(urn):
    return {"UUIDIdentifikator": "", "URNIdentifikator": urn}


def employee(value):
    return unik(f"urn:oio:kmd:lpe:medarbejder:{value}")


def number(result):
    urn = result.MedarbejderRef.URNIdentifikator
    check(urn.startswith("URN:OIO:KMD:LPE:MEDARBEJDERNR:"), f"URNIdentifikator {urn!r}")
    return urn.rsplit(":", 1)[1]


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        self.url = (
            f"https://{self.host}:{self.port}/XISOAPAdapter/MessageServlet?senderParty=&senderService="
            f"&receiverParty=&receiverService=&interface={SERVICE}"
            f"&interfaceNamespace={urllib.parse.quote(INTERFACE_NS, safe='')}"
        )
        self.workdir = tempfile.mkdtemp(prefix="employee-client-")
        self.validated = 0

    # -- set-up ---------------------------------------------------------------------------------------------

    def load(self):
        reference = Path(self.args.reference_wsdl).read_bytes()
        self.reference_schema = schemas_of(reference, self.workdir, "reference")
        self.client = zeep.Client(str(Path(self.args.reference_wsdl).resolve()), transport=self.transport)
        self.service = self.client.create_service(BINDING, self.url)
        served_url = f"https://{self.host}:{self.port}/ws/{SERVICE}?wsdl"
        response = self.session.get(served_url, timeout=30)
        check(response.status_code == 200, f"GET {served_url}: HTTP {response.status_code}")
        self.served_schema = schemas_of(response.content, self.workdir, "served")
        return f"reference WSDL loaded, service at {self.url}"

    # -- calls ------------------------------------------------------------------------------------------------

    def call(self, operation, **kwargs):
        """Calls an operation, validates the raw answer against both XSDs, checks StatusKode; the result."""
        mark = self.recorder.mark()
        result = getattr(self.service, operation)(**kwargs)
        self.check_answer(self.recorder.single_post_since(mark, operation), f"{operation}Output")
        return result

    def check_answer(self, exchange, root):
        check(exchange.status == 200, f"HTTP {exchange.status}:\n{exchange}")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        check(len(payload) == 1 and payload[0].tag == f"{{{MD}}}{root}", f"Body holds {[p.tag for p in payload]}")
        for name, schema in (("reference", self.reference_schema), ("served", self.served_schema)):
            validate(schema, payload[0], root, f"the {name} WSDL's XSD")
        self.validated += 1

    def status(self, result, expected=0):
        # zeep hands over RetOutput's only child, the StandardRetur itself.
        retur = getattr(result, "StandardRetur", None) or result
        check(
            int(retur.StatusKode) == expected,
            f"StatusKode {retur.StatusKode} ({retur.FejlbeskedTekst!r}), expected {expected}",
        )

    def kommunikation(self, art=None):
        result = self.call("Laes", ModtagerRef=unik(f"urn:oio:kmd:lpe:modtager:{CLIENT}"),
                           MedarbejderRef=employee(PERNR), Datakategori=["0105"])
        self.status(result)
        egenskaber = result.LaesResultat.Registrering.AttributListe.Egenskaber
        records = list(egenskaber.Kommunikation or [])
        return [r for r in records if art is None or r.Kommunikationsart == art]

    # -- steps ------------------------------------------------------------------------------------------------

    def step_list(self):
        result = self.call(
            "List",
            ModtagerRef=unik(f"urn:oio:kmd:lpe:modtager:{CLIENT}"),
            MedarbejderRef=[employee("00000101-00000110"), employee("!00000103-00000105")],
            Datakategori=["0002", "0105"],
        )
        self.status(result)
        numbers = [number(r) for r in result.LaesResultat]
        expected = ["00000101", "00000102"] + [f"{n:08}" for n in range(106, 111)]
        check(numbers == expected, f"numbers {numbers}, expected {expected}")
        first = result.LaesResultat[0].Registrering.AttributListe.Egenskaber
        check(first.Persondata and first.Kommunikation, "Persondata and Kommunikation expected")
        check(not first.Adresse, "only the categories asked for")
        # Everyone, every category: the whole demo municipality through both XSDs.
        everyone = self.call("List")
        self.status(everyone)
        # An empty RelationListe (the top manager's) reads as None in zeep.
        relations = [r.Registrering.RelationListe for r in everyone.LaesResultat]
        leaders = sum(1 for r in relations if r is not None and r.Personaleleder)
        return (
            f"{len(numbers)} employees {numbers[0]}..{numbers[-1]}; without references "
            f"{len(everyone.LaesResultat)} employees, {leaders} with a Personaleleder"
        )

    def step_laes(self):
        records = self.kommunikation()
        arts = sorted(r.Kommunikationsart for r in records)
        check("0010" in arts and "0020" in arts, f"Kommunikationsart {arts}")
        mail = next(r for r in records if r.Kommunikationsart == "0010")
        check("@" in mail.KommunikationsID, f"e-mail {mail.KommunikationsID!r}")
        return f"{PERNR}: e-mail {mail.KommunikationsID} (Sekvensnummer {mail.Sekvensnummer}), arts {arts}"

    def ret(self, item):
        result = self.call(
            "Ret",
            ModtagerRef=unik(f"urn:oio:kmd:lpe:modtager:{CLIENT}"),
            MedarbejderRef=employee(PERNR),
            AttributListe={"Egenskaber": {"Kommunikation": [item]}},
        )
        self.status(result)

    def step_ret(self):
        check(not self.kommunikation("PMAI"), "a private e-mail exists already")
        self.ret({"Kommunikationsart": "PMAI", "KommunikationsID": "zeep@example.dk"})
        created = self.kommunikation("PMAI")
        check([r.KommunikationsID for r in created] == ["zeep@example.dk"], f"after create: {created}")
        sequence = created[0].Sekvensnummer
        self.ret({"Sekvensnummer": sequence, "Kommunikationsart": "PMAI", "KommunikationsID": "zeep2@example.dk"})
        changed = self.kommunikation("PMAI")
        check([r.KommunikationsID for r in changed] == ["zeep2@example.dk"], f"after change: {changed}")
        self.ret({"Sekvensnummer": sequence, "Kommunikationsart": "PMAI", "KommunikationsID": ""})
        check(not self.kommunikation("PMAI"), "after delete the private e-mail is still there")
        return f"created, changed and deleted PMAI Sekvensnummer {sequence}"

    def step_forbidden(self):
        return expect_forbidden(
            self.data_dir,
            "kantine",
            Path(self.args.reference_wsdl).resolve(),
            BINDING,
            self.url,
            lambda service: service.Laes(MedarbejderRef=employee(PERNR)),
        )

    def step_served_wsdl(self):
        client = zeep.Client(f"https://{self.host}:{self.port}/ws/{SERVICE}?wsdl", transport=self.transport)
        operations = sorted(client.service._operations)
        check(operations == ["Laes", "List", "Ret"], f"operations {operations}")
        result = client.service.Laes(MedarbejderRef=employee(PERNR), Datakategori=["0002"])
        self.status(result)
        check(number(result.LaesResultat) == PERNR, "the served WSDL's client reads the employee")
        return f"operations {operations}, address {client.service._binding_options['address']}"

    def run(self):
        return self.run_steps(
            ("0. zeep loads the reference WSDL; both XSDs compile", self.load),
            [
                ("1. List with a range and an exclusion", self.step_list),
                ("2. Laes with Datakategori 0105", self.step_laes),
                ("3. Ret: create, change, delete a private e-mail", self.step_ret),
                ("4. kantine is refused with HTTP 403", self.step_forbidden),
                ("5. the served WSDL works in zeep too", self.step_served_wsdl),
            ],
            lambda: f"{self.validated} responses valid against both XSDs",
        )


def main():
    parser = arguments(__doc__)
    parser.add_argument("--reference-wsdl", required=True, help="KMD's Employee_Provide_OutService.wsdl")
    return Client(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
