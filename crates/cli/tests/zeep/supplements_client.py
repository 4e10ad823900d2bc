#!/usr/bin/env python3
"""A real SOAP client against snitflade's Faste tillæg (fixed supplements), as the payroll system `loen`, which holds
the faste-tillaeg grant for 0340 and 0751 and so names the municipality with `kommune=` in the URL.

zeep is built from the WSDLs the server serves (snitflade's own design, urn:snitflade:opus:faste-tillaeg:1). Steps:

  1. INS a function supplement (2010, 1250.00 a month) for 00000110 in 0340 → GetFixedSupplements shows it with
     the catalogue's text and unit;
  2. MOD its amount, END it on 30 June, a second one over the same months is refused with "E" (code 934), one from
     1 July is accepted; an on-call supplement in hours (2030) on a PSP element; DEL it;
  3. the rules answer "E" with KMD's codes: an unknown cost centre (119), cost centre and PSP element (167), the
     locked employee 00000127 (138);
  4. 0751: a supplement for 00012345 with kommune=0751;
  5. without kommune= the call is ambiguous for `loen` and refused with HTTP 403; `dagtilbud` (no grant) gets 403.

Every raw answer is validated against the XSD of the served WSDL.

Usage: supplements_client.py --services HOST:PORT --data-dir DIR
"""

import sys

from zeep_support import SapPiRunner, arguments, check, expect_forbidden

NS = "urn:snitflade:opus:faste-tillaeg:1"
SET = "SetFixedSupplement_OS_SI"
GET = "GetFixedSupplements_OS_SI"
SYSTEM = "loen"
PERNR = "00000110"
LOCKED = "00000127"


class Client(SapPiRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM, "supplements-client-")

    def load(self):
        for kommune in ("0340", "0751"):
            for name in (SET, GET):
                self.load_served(name, NS, kommune, key=f"{name}@{kommune}")
        return "the two served WSDLs load, at kommune=0340 and kommune=0751; their XSDs compile"

    def set(self, expect="S", kommune="0340", **fields):
        fields.setdefault("PersonnelNumber", PERNR)
        result, text = self.call(SET, expect=expect, key=f"{SET}@{kommune}", **fields)
        return result.SupplementId, text

    def supplements(self, kommune="0340", **fields):
        fields.setdefault("PersonnelNumber", PERNR)
        result, _ = self.call(GET, key=f"{GET}@{kommune}", **fields)
        return (result.FixedSupplement.item if result.FixedSupplement else None) or []

    def step_register(self):
        check(not self.supplements(), f"{PERNR} has supplements already")
        sid, text = self.set(Operation="INS", WageType="2010", Amount="1250", StartDate="2026-01-01", Text="Teamleder")
        [item] = self.supplements()
        check(item.SupplementId == sid, f"id {item.SupplementId} != {sid}")
        check(item.WageTypeText == "Funktionstillæg" and item.Unit == "beløb", f"catalogue {item}")
        check(item.Amount == "1250.00" and item.Frequency == "M" and item.EndDate == "9999-12-31", f"values {item}")
        self.function = sid
        return f"{text!r}"

    def step_lifecycle(self):
        sid = self.function
        self.set(Operation="MOD", SupplementId=sid, Amount="1500.50")
        _, text = self.set(Operation="END", SupplementId=sid, EndDate="2026-06-30")
        _, refused = self.set(expect="E", Operation="INS", WageType="2010", Amount="1", StartDate="2026-03-01")
        check("(kode 934)" in refused, f"overlap: {refused!r}")
        self.set(Operation="INS", WageType="2010", Amount="1600", StartDate="2026-07-01")
        on_call, _ = self.set(
            Operation="INS",
            WageType="2030",
            Quantity="4",
            StartDate="2026-02-01",
            EndDate="2026-12-31",
            PspElement="XG-0000000001-00001",
        )
        items = self.supplements(StartDate="2026-01-01", EndDate="2026-12-31")
        check(len(items) == 3, f"three supplements in 2026, got {len(items)}")
        ended = [i for i in items if i.SupplementId == sid][0]
        check(ended.Amount == "1500.50" and ended.EndDate == "2026-06-30", f"ended {ended}")
        self.set(Operation="DEL", SupplementId=on_call)
        check(len(self.supplements()) == 2, "DEL left the on-call supplement")
        return f"{text!r}; overlap refused: {refused!r}"

    def step_rules(self):
        base = dict(Operation="INS", WageType="2020", Amount="500", StartDate="2026-01-01")
        _, a = self.set(expect="E", CostCenter="9999999999", **base)
        _, b = self.set(expect="E", CostCenter="1000000001", PspElement="XG-0000000001-00001", **base)
        _, c = self.set(expect="E", PersonnelNumber=LOCKED, **base)
        check("(kode 119)" in a and "(kode 167)" in b and "(kode 138)" in c, f"{a!r} {b!r} {c!r}")
        return "119, 167, 138"

    def step_aarhus(self):
        sid, _ = self.set(
            kommune="0751", PersonnelNumber="00012345", Operation="INS", WageType="2010", Amount="900",
            StartDate="2026-01-01",
        )
        [item] = self.supplements(kommune="0751", PersonnelNumber="00012345")
        check(item.SupplementId == sid and item.Amount == "900.00", f"0751: {item}")
        return f"00012345 in 0751: {sid}"

    def step_forbidden(self):
        url, _ = self.served_wsdl(GET)
        ambiguous = expect_forbidden(
            self.data_dir, SYSTEM, url, f"{{{NS}}}{GET}Binding", self.pi_url(GET, NS),
            lambda service: service.GetFixedSupplements_OS_SI(PersonnelNumber=PERNR),
        )
        no_grant = expect_forbidden(
            self.data_dir, "dagtilbud", url, f"{{{NS}}}{GET}Binding", self.pi_url(GET, NS, "0340"),
            lambda service: service.GetFixedSupplements_OS_SI(PersonnelNumber=PERNR),
        )
        return f"loen without kommune=: {ambiguous}; dagtilbud: {no_grant}"

    def run(self):
        return self.run_steps(
            ("0. zeep loads the served WSDLs", self.load),
            [
                ("1. INS a function supplement and read it back", self.step_register),
                ("2. MOD, END, an overlap refused, a new one, DEL", self.step_lifecycle),
                ("3. KMD's codes for the booking and the lock", self.step_rules),
                ("4. the same system in 0751", self.step_aarhus),
                ("5. grants: kommune= required, dagtilbud refused", self.step_forbidden),
            ],
            lambda: f"{self.validated} responses valid against their XSDs",
        )


def main():
    return Client(arguments(__doc__).parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
