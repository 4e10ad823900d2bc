#!/usr/bin/env python3
"""A real SOAP client against snitflade's machine-hours services (interface id `maskintimer`).

zeep builds its clients from the WSDLs the server serves (`GET /ws/<ServiceInterface>?wsdl`) and calls
both operations over mutual TLS with the demo certificate of `maskinregistrering`:

  1. MobileEquipMasterdata_OS_SI for employee 00012345 in 0751: the master data of the example in KMD's
     machine-hours service description;
  2. the raw response body of that call validates against the XSD embedded in the served WSDL;
  3. the same call again the same day: a Fault carrying the once-a-day text;
  4. unknown employee 77736333: the service description's Fault (faultcode Server, "Medarbejdernummer
     77736333 findes ikke i systemet");
  5. MobileEquipRegistration_OS_SI (one-way) twice, EX_IDENT inside I_CONFIRMATION and at the top level;
     both are answered with an empty SOAP body and are found through the admin API.

Usage: maskintimer_client.py --services HOST:PORT --admin HOST:PORT --data-dir DIR

DIR is the data dir of a server started with `snitflade serve --demo` (pki/ and admin-token). The
master-data steps need a server on which `maskinregistrering` has not fetched 00012345's master data
today (a fresh data dir). Prints one line per step and exits non-zero if any step fails.
"""

import datetime
import sys
import time
import urllib.parse
import uuid
from decimal import Decimal

import xmlschema
import zeep
from lxml import etree
from zeep.exceptions import Fault
from zeep_support import (
    SOAP_ENV,
    WSDL_NS,
    XSD_NS,
    StepFailed,
    StepRunner,
    arguments,
    check,
    direct_session,
    host_port,
    payload_of,
    raw_envelope,
    validate,
)

MASTERDATA = "MobileEquipMasterdata_OS_SI"
MASTERDATA_NS = "http://kmd.dk/mobile_equip_masterdata/kmd"
REGISTRATION = "MobileEquipRegistration_OS_SI"
REGISTRATION_NS = "http://kmd.dk/mobile_equipreg/kmd"
FAULT_ELEMENT = f"{{{MASTERDATA_NS}}}CN27_FaultMsg_FMT_OB"

SYSTEM = "maskinregistrering"
PERNR = "00012345"
KOMMUNE = "0751"
UNKNOWN_PERNR = "77736333"
ONCE_A_DAY = "én gang pr. dag"

# The master data of the example in KMD's machine-hours service description (the demo's 00012345 in 0751), in document
# order.
EXPECTED_NETWORKS = [{"NETWORK": "000000519827", "KTEXT": "Mobiltest LWZ netværk"}]
EXPECTED_NETWORK_ACTIVITIES = [
    ("000000519827", "0300", None),
    ("000000519827", "0300", "0400"),
    ("000000519827", "0320", None),
    ("000000519827", "0410", None),
]
EXPECTED_ACTIVITY_TYPES = [{"ARBPL": "70510004", "LSTAR": "5117", "LTEXT": "Tromle, stor"}]
EXPECTED_WORK_CENTERS = [{"WERKS": "0020", "ARBPL": "70510004", "KTEXT": "Tromle M410"}]


def copenhagen_today():
    """The server's day (Europe/Copenhagen), falling back to the local day without tz data."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    except Exception:  # no tz database
        return datetime.date.today()


def schema_of(wsdl_bytes, where):
    """The xsd:schema embedded in a served WSDL, as an xmlschema schema."""
    wsdl = etree.fromstring(wsdl_bytes)
    schemas = wsdl.findall(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema")
    check(len(schemas) == 1, f"{where}: expected one xsd:schema in wsdl:types, found {len(schemas)}")
    # Serialised on its own, the schema element keeps the namespace declarations it inherits from
    # wsdl:definitions (the xsd: prefix and the target namespace).
    return xmlschema.XMLSchema(etree.tostring(schemas[0], encoding="unicode"))


def rows(value, fields):
    return [{f: getattr(r, f) for f in fields} for r in (value or [])]


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM)
        self.clients = {}
        self.wsdl_bytes = {}
        self.schemas = {}
        self.today = copenhagen_today()

    # -- step 0 ---------------------------------------------------------------------------------------

    def load_wsdls(self):
        notes = []
        for name, ns in ((MASTERDATA, MASTERDATA_NS), (REGISTRATION, REGISTRATION_NS)):
            url = f"https://{self.host}:{self.port}/ws/{name}?wsdl"
            mark = self.recorder.mark()
            client = zeep.Client(url, transport=self.transport)
            gets = [e for e in self.recorder.exchanges[mark:] if e.method == "GET"]
            check(gets and gets[0].status == 200, f"GET {url} failed")
            self.wsdl_bytes[name] = gets[0].body
            self.schemas[name] = schema_of(gets[0].body, url)
            address = client.service._binding_options["address"]
            parsed = urllib.parse.urlsplit(address)
            query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
            check(
                parsed.scheme == "https"
                and parsed.netloc == f"{self.host}:{self.port}"
                and parsed.path == "/XISOAPAdapter/MessageServlet",
                f"{name}: soap:address {address!r} does not point back at the SAP PI URL on "
                f"https://{self.host}:{self.port}",
            )
            check(
                query.get("interface") == [name] and query.get("interfaceNamespace") == [ns],
                f"{name}: soap:address {address!r} names the wrong interface/interfaceNamespace",
            )
            operations = sorted(client.service._operations)
            check(operations == [name], f"{name}: zeep sees the operations {operations}")
            self.clients[name] = client
            notes.append(f"{name} -> {address}")
        return "; ".join(notes)

    # -- steps 1-4 ------------------------------------------------------------------------------------

    def masterdata(self, pernr):
        return self.clients[MASTERDATA].service.MobileEquipMasterdata_OS_SI(
            PERSONAL_ID=pernr, DEVICE_TYPE="MOBILE", KOMMUNEKODE=KOMMUNE
        )

    def step_masterdata(self):
        mark = self.recorder.mark()
        try:
            result = self.masterdata(PERNR)
        except Fault as f:
            detail = etree.tostring(f.detail, encoding="unicode") if f.detail is not None else None
            hint = (
                " (master data were already fetched today on this server: run against a fresh data dir)"
                if detail and ONCE_A_DAY in detail
                else ""
            )
            raise StepFailed(f"zeep raised Fault {f.code} {f.message!r}{hint}: {detail}")
        self.masterdata_exchange = self.recorder.single_post_since(mark)
        check(result is not None, "zeep returned no response object")
        check(result.PERNR == PERNR, f"PERNR {result.PERNR!r}, expected {PERNR!r}")
        networks = rows(result.NETWORK_TBL, ["NETWORK", "KTEXT"])
        check(networks == EXPECTED_NETWORKS, f"NETWORK_TBL {networks}, expected {EXPECTED_NETWORKS}")
        activities = [(r.NETWORK, r.ACTIVITY, r.SUBACTIVITY) for r in (result.NETWORK_ACTIVITY_TBL or [])]
        check(
            activities == EXPECTED_NETWORK_ACTIVITIES,
            f"NETWORK_ACTIVITY_TBL {activities}, expected {EXPECTED_NETWORK_ACTIVITIES}",
        )
        types = rows(result.ACTIVITY_TBL, ["ARBPL", "LSTAR", "LTEXT"])
        check(types == EXPECTED_ACTIVITY_TYPES, f"ACTIVITY_TBL {types}, expected {EXPECTED_ACTIVITY_TYPES}")
        centers = rows(result.WORK_CENTER_TBL, ["WERKS", "ARBPL", "KTEXT"])
        check(centers == EXPECTED_WORK_CENTERS, f"WORK_CENTER_TBL {centers}, expected {EXPECTED_WORK_CENTERS}")
        return (
            f"PERNR {result.PERNR}, network {networks[0]['NETWORK']} {networks[0]['KTEXT']!r}, activities "
            + ", ".join(a + (f"/{s}" if s else "") for _, a, s in activities)
            + f", ARBPL {types[0]['ARBPL']} LSTAR {types[0]['LSTAR']} {types[0]['LTEXT']!r}"
            + f", WERKS {centers[0]['WERKS']} ARBPL {centers[0]['ARBPL']} {centers[0]['KTEXT']!r}"
        )

    def step_validate_response(self):
        exchange = getattr(self, "masterdata_exchange", None)
        check(exchange is not None, "no master-data response was captured (step 1 failed)")
        check(exchange.status == 200, f"HTTP {exchange.status}, expected 200")
        _, body = raw_envelope(exchange)
        payload = payload_of(body)
        check(len(payload) == 1, f"the Body holds {len(payload)} elements, expected 1")
        check(
            payload[0].tag == f"{{{MASTERDATA_NS}}}ZPSA_CN27_MASTERDATA_RESPONSE_MT",
            f"the Body holds {payload[0].tag}",
        )
        validate(self.schemas[MASTERDATA], payload[0], "the response payload")
        return f"{len(exchange.body)} bytes, {payload[0].tag} valid"

    def expect_fault(self, pernr):
        """Call master data for `pernr`, expecting a Fault; returns (fault, parsed detail, exchange)."""
        mark = self.recorder.mark()
        try:
            result = self.masterdata(pernr)
        except Fault as f:
            fault = f
        else:
            raise StepFailed(f"expected a Fault, zeep returned {result!r}")
        exchange = self.recorder.single_post_since(mark)
        check(fault.detail is not None, f"the Fault has no detail:\n{exchange}")
        node = fault.detail.find(FAULT_ELEMENT)
        check(node is not None, f"the Fault detail holds no {FAULT_ELEMENT}:\n{exchange}")
        # The detail, as zeep reads it with the WSDL's fault type, and as the XSD sees it.
        client = self.clients[MASTERDATA]
        parsed = client.get_element(FAULT_ELEMENT).parse(node, client.wsdl.types)
        validate(self.schemas[MASTERDATA], node, "the fault detail")
        return fault, parsed, exchange

    def faultcode(self, fault, exchange):
        """The faultcode as a resolved QName (zeep hands over the raw text, e.g. 'SOAP:Server')."""
        root, body = raw_envelope(exchange)
        code_el = body.find(f"{{{SOAP_ENV}}}Fault/faultcode")
        check(code_el is not None, "no faultcode element in the raw Fault")
        check((code_el.text or "").strip() == fault.code, f"zeep's code {fault.code!r} vs raw {code_el.text!r}")
        prefix, _, local = fault.code.rpartition(":")
        ns = code_el.nsmap.get(prefix or None)
        return ns, local

    def step_once_a_day(self):
        fault, parsed, exchange = self.expect_fault(PERNR)
        texts = [d.text for d in (parsed.standard.faultDetail or [])]
        check(any(ONCE_A_DAY in (t or "") for t in texts), f"no once-a-day text in the detail texts {texts}")
        ns, local = self.faultcode(fault, exchange)
        check(ns == SOAP_ENV, f"faultcode {fault.code!r} is not in the SOAP 1.1 envelope namespace")
        return f"HTTP {exchange.status}, Fault {local} {fault.message!r}: {texts[0]!r}"

    def step_unknown_employee(self):
        fault, parsed, exchange = self.expect_fault(UNKNOWN_PERNR)
        ns, local = self.faultcode(fault, exchange)
        check(
            ns == SOAP_ENV and local == "Server",
            f"faultcode {fault.code!r} ({{{ns}}}{local}), expected SOAP 1.1 Server",
        )
        check(exchange.status == 500, f"HTTP {exchange.status}; SOAP 1.1 faults travel with HTTP 500")
        expected = f"Medarbejdernummer {UNKNOWN_PERNR} findes ikke i systemet"
        texts = [d.text for d in (parsed.standard.faultDetail or [])]
        check(texts == [expected], f"detail texts {texts}, expected [{expected!r}]")
        return f"HTTP {exchange.status}, Fault {local} {fault.message!r}: {texts[0]!r}"

    # -- step 5 ---------------------------------------------------------------------------------------

    def register(self, ex_ident, inside):
        confirmation = {
            "ACTIVITY": "0300",
            "WORK_CNTR": "70510004",
            "PLANT": "0020",
            "POSTG_DATE": self.today.strftime("%Y%m%d"),
            "ACT_TYPE": "5117",
            "ACT_WORK": "1.50",
        }
        top = {}
        if inside:
            confirmation["EX_IDENT"] = ex_ident
        else:
            top["EX_IDENT"] = ex_ident
        mark = self.recorder.mark()
        result = self.clients[REGISTRATION].service.MobileEquipRegistration_OS_SI(
            PERSONAL_ID=PERNR,
            DEVICE_TYPE="MOBILE",
            NETWORK="000000519827",
            I_CONFIRMATION=confirmation,
            KOMMUNEKODE=KOMMUNE,
            **top,
        )
        exchange = self.recorder.single_post_since(mark)
        check(result is None, f"a one-way operation returned {result!r}")
        check(exchange.status == 200, f"HTTP {exchange.status}, expected 200:\n{exchange}")
        _, body = raw_envelope(exchange)
        check(len(body) == 0 and not (body.text or "").strip(), f"the SOAP Body is not empty:\n{exchange}")
        return exchange

    def stored(self, ex_ident):
        """Poll the admin API (briefly) for the accepted registration with this EX_IDENT."""
        admin_host, admin_port = self.args.admin
        host = f"[{admin_host}]" if ":" in admin_host else admin_host
        url = f"http://{host}:{admin_port}/api/v1/maskintimer/registrations"
        token = (self.data_dir / "admin-token").read_text().strip()
        session = direct_session()
        deadline = time.monotonic() + 10
        while True:
            response = session.get(
                url, params={"ex_ident": ex_ident}, headers={"Authorization": f"Bearer {token}"}, timeout=10
            )
            check(response.status_code == 200, f"GET {response.url} -> HTTP {response.status_code}: {response.text}")
            found = response.json()
            check(isinstance(found, list), f"GET {response.url} did not answer a JSON array: {found!r}")
            found = [r for r in found if r.get("ex_ident") == ex_ident]
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        check(len(found) == 1, f"{len(found)} stored registrations with EX_IDENT {ex_ident}: {found}")
        return found[0]

    def check_stored(self, row, ex_ident):
        expected = {
            "ex_ident": ex_ident,
            "municipality": KOMMUNE,
            "system": SYSTEM,
            "pernr": PERNR,
            "network": "000000519827",
            "activity": "0300",
            "work_cntr": "70510004",
            "plant": "0020",
            "act_type": "5117",
        }
        wrong = {k: (row.get(k), v) for k, v in expected.items() if row.get(k) != v}
        check(not wrong, f"stored registration differs (got, expected): {wrong}\n{row}")
        postg = str(row.get("postg_date", "")).replace("-", "")
        check(postg == self.today.strftime("%Y%m%d"), f"stored postg_date {row.get('postg_date')!r}")
        check(Decimal(str(row.get("act_work"))) == Decimal("1.50"), f"stored act_work {row.get('act_work')!r}")
        check(row.get("error_id") is None, f"the registration went to the error table: {row}")

    def step_registration(self, inside):
        ex_ident = uuid.uuid4().hex.upper()
        exchange = self.register(ex_ident, inside)
        row = self.stored(ex_ident)
        self.check_stored(row, ex_ident)
        where = "I_CONFIRMATION/EX_IDENT" if inside else "top-level EX_IDENT"
        return f"{where} {ex_ident}: HTTP {exchange.status} empty SOAP body, zeep returned None; stored, registered_at {row.get('registered_at')}"

    def run(self):
        return self.run_steps(
            ("0. zeep loads both WSDLs from GET /ws/<name>?wsdl", self.load_wsdls),
            [
                (f"1. master data for {PERNR} in {KOMMUNE}", self.step_masterdata),
                ("2. raw master-data response validates against the served WSDL's XSD", self.step_validate_response),
                ("3. master data again the same day is refused with a Fault", self.step_once_a_day),
                (f"4. unknown employee {UNKNOWN_PERNR} gives KMD's documented Fault", self.step_unknown_employee),
                ("5a. registration with EX_IDENT inside I_CONFIRMATION", lambda: self.step_registration(True)),
                ("5b. registration with EX_IDENT at the top level", lambda: self.step_registration(False)),
            ],
            lambda: "zeep called both operations successfully",
        )


def main():
    parser = arguments(__doc__)
    parser.add_argument("--admin", required=True, type=host_port, help="HOST:PORT of the admin listener")
    return Client(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
