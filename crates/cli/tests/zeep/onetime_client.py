#!/usr/bin/env python3
"""A plain JSON client (requests) against snitflade's Engangsydelser service (interface id `engangsydelse`).

Over mutual TLS with the demo certificates, as the canteen system would:

  1. `kantine` posts three canteen deductions for 00000110 with an OpdateringsID: Status "0";
  2. the same request again (the client lost the answer): the very same answer, byte for byte;
  3. the month read back with a VirkningFilter: the three deductions and their sum;
  4. `Kun_Valider: "1"`: validated, nothing saved;
  5. `ingen-adgang` (a valid certificate without a grant): HTTP 403 with a JSON answer;
  6. 1000 items: HTTP 400, code 905; malformed JSON: HTTP 400, code 900.

Usage: onetime_client.py --services HOST:PORT --data-dir DIR
"""

import sys
from decimal import Decimal

from zeep_support import StepRunner, arguments, check, mtls_session, Recorder

UPDATE = "update-onetime-payments"
READ = "read-onetime-payments"
EMPLOYEE = {"Medarbejdernummer": "00000110"}
DAYS = ["2026-11-02", "2026-11-03", "2026-11-04"]
AMOUNTS = ["45.50", "38.00", "52.25"]


def deduction(day, amount, seq=0):
    return {"Startdato": f"{day}T00:00:00Z", "Loenart": "6001", "Loebenummer": 1, "Sekvensnummer": seq,
            "Beloeb": amount, "Afsendelses_System": "KANTINE", "Indv_Bemaerkning": "Frokost"}


class Client(StepRunner):
    def __init__(self, args):
        super().__init__(args, "kantine")
        self.update = {"Header": {"ClientID": "340", "OpdateringsID": "6001202611000000000000000000110A"},
                       "Medarbejder": EMPLOYEE,
                       "Engangsydelser": [deduction(d, a) for d, a in zip(DAYS, AMOUNTS)]}
        self.first = None

    def url(self, operation):
        return f"https://{self.host}:{self.port}/lpe/{operation}"

    def post(self, operation, body, session=None, raw=None):
        response = (session or self.session).post(
            self.url(operation), json=None if raw is not None else body, data=raw,
            headers={"Content-Type": "application/json"}, timeout=30)
        check(response.headers.get("Content-Type", "").startswith("application/json"),
              f"content type {response.headers.get('Content-Type')!r}")
        return response

    def ready(self):
        return f"{self.url(UPDATE)} and {self.url(READ)}"

    def step_register(self):
        r = self.post(UPDATE, self.update)
        answer = r.json()
        check(r.status_code == 200 and answer["Header"]["Status"] == "0", f"HTTP {r.status_code}: {r.text}")
        check(answer["Header"]["OpdateringsID"] == self.update["Header"]["OpdateringsID"], r.text)
        check(answer["Meddelelse"][0]["Tekst"] == "3 engangsydelse(r) er registreret", r.text)
        self.first = r.content
        return answer["Meddelelse"][0]["Tekst"]

    def step_resend(self):
        r = self.post(UPDATE, self.update)
        check(r.status_code == 200 and r.content == self.first, f"not the first answer: {r.text}")
        return "the first answer again"

    def step_read(self):
        body = {"Header": {"ClientID": "0340"}, "Medarbejder": EMPLOYEE,
                "VirkningFilter": {"FraDatoTid": "2026-11-01T00:00:00Z", "TilDatoTid": "2026-11-30T23:59:59Z"}}
        r = self.post(READ, body)
        answer = r.json()
        check(r.status_code == 200 and answer["Header"]["Status"] == "0", r.text)
        items = answer["Engangsydelser"]
        check([i["Startdato"][:10] for i in items] == DAYS, r.text)
        total = sum(Decimal(i["Beloeb"]) for i in items)
        check(total == sum(Decimal(a) for a in AMOUNTS), f"sum {total}")
        return f"{len(items)} deductions, {total} kr"

    def step_validate_only(self):
        body = {"Header": {"ClientID": "340", "Kun_Valider": "1"}, "Medarbejder": EMPLOYEE,
                "Engangsydelser": [deduction("2026-11-05", "40.00")]}
        r = self.post(UPDATE, body)
        check(r.status_code == 200 and r.json()["Header"]["Status"] == "0", r.text)
        read = {"Header": {"ClientID": "340"}, "Medarbejder": EMPLOYEE,
                "VirkningFilter": {"FraDatoTid": "2026-11-05", "TilDatoTid": "2026-11-05"}}
        check(self.post(READ, read).json()["Header"]["Status"] == "1", "Kun_Valider saved something")
        return "validated, nothing saved"

    def step_forbidden(self):
        session = mtls_session(self.data_dir, "ingen-adgang", Recorder())
        r = self.post(UPDATE, self.update, session=session)
        answer = r.json()
        check(r.status_code == 403 and answer["Header"]["Status"] == "2", f"HTTP {r.status_code}: {r.text}")
        check(answer["Meddelelse"][0]["Kode"] == "403", r.text)
        return answer["Meddelelse"][0]["Tekst"]

    def step_limits(self):
        many = {"Header": {"ClientID": "340"}, "Medarbejder": EMPLOYEE,
                "Engangsydelser": [deduction("2026-12-01", "1.00", i % 1000) for i in range(1000)]}
        r = self.post(UPDATE, many)
        check(r.status_code == 400 and r.json()["Meddelelse"][0]["Kode"] == "905", r.text)
        r = self.post(UPDATE, None, raw=b'{"Header": {')
        check(r.status_code == 400 and r.json()["Meddelelse"][0]["Kode"] == "900", r.text)
        return "905 and 900"

    def run(self):
        return self.run_steps(
            ("0. the endpoints", self.ready),
            [
                ("1. kantine registers three deductions", self.step_register),
                ("2. the same request again", self.step_resend),
                ("3. the month read back", self.step_read),
                ("4. Kun_Valider", self.step_validate_only),
                ("5. a system without the grant", self.step_forbidden),
                ("6. 1000 items, malformed JSON", self.step_limits),
            ],
            lambda: "Engangsydelser over mutual TLS from Python requests",
        )


def main():
    return Client(arguments(__doc__).parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
