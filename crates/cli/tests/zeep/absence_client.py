#!/usr/bin/env python3
"""A real SOAP client against snitflade's absence services, as the daycare-planning system `dagtilbud` in 0340.

zeep is built from KMD's six REFERENCE WSDLs of Opret fravær (not the ones snitflade serves), each with its
service address overridden to snitflade's SAP PI URL; the quota and schedule services (snitflade's own design)
are used through the WSDLs the server serves. Steps:

  1. GetChildren for 00000110: child 01 (born 2016) and 02 (born 2019);
  2. INS a sick day → GetAbsenceAttendanceByPeriod returns it with 1 day, 7.40 hours (standard 37-hour week);
  3. MOD it to two days → 14.80 hours; a colliding INS is refused with "E"; DEL → gone;
  4. INS a care day (OS) for child 02 → the care-day quota of child 02 drops by one; the same for child 01
     (past the age limit) is refused with "E";
  5. a 30-hour work schedule makes the care day cost 6.00 hours;
  6. GetMaternityCases, GetReasons, GetWorkAccidentCases answer from the demo data;
  7. `vikarsystem` (no opret-fravaer grant) gets HTTP 403;
  8. the served WSDLs of the six interfaces load in zeep with the same operations.

Every raw answer of the six reference interfaces is validated against the XSD inside the reference WSDL and
against the XSD of the WSDL snitflade serves; the quota and schedule answers against their served XSDs.

Usage: absence_client.py --services HOST:PORT --data-dir DIR --reference-dir DIR
"""

import sys
from pathlib import Path

import zeep
from zeep_support import SapPiRunner, arguments, check, expect_forbidden, schema_of

VACAB = "urn:kmd.dk:LPT:VACAB:external"
QUOTAS = "urn:snitflade:opus:fravaerskvoter:1"
SCHEDULES = "urn:snitflade:opus:moedetidsplaner:1"
REFERENCE = [
    "SetAbsenceAttendance_OS_SI",
    "GetAbsenceAttendanceByPeriod_OS_SI",
    "GetChildren_OS_SI",
    "GetMaternityCases_OS_SI",
    "GetReasons_OS_SI",
    "GetWorkAccidentCases_OS_SI",
]
OWN = {"GetAbsenceQuotas_OS_SI": QUOTAS, "SetWorkSchedule_OS_SI": SCHEDULES}

SYSTEM = "dagtilbud"
PERNR = "00000110"
SICK_DAY = "2026-11-24"  # a Tuesday
CARE_DAY = "2026-11-26"  # a Thursday


class Client(SapPiRunner):
    def __init__(self, args):
        super().__init__(args, SYSTEM, "absence-client-")

    # -- set-up ---------------------------------------------------------------------------------------------

    def load(self):
        reference_dir = Path(self.args.reference_dir)
        for name in REFERENCE:
            path = reference_dir / f"{name}.wsdl"
            _, served = self.served_wsdl(name)
            self.schemas[name] = [
                ("reference", schema_of(path.read_bytes(), self.workdir, f"reference-{name}")),
                ("served", schema_of(served, self.workdir, f"served-{name}")),
            ]
            client = zeep.Client(str(path.resolve()), transport=self.transport)
            binding = f"{{{VACAB}}}{name}Binding"
            self.services[name] = client.create_service(binding, self.pi_url(name, VACAB))
        for name, namespace in OWN.items():
            self.load_served(name, namespace)
        return f"{len(REFERENCE)} reference WSDLs and {len(OWN)} served WSDLs loaded; XSDs compile"

    # -- calls ------------------------------------------------------------------------------------------------

    def absences(self, start="2026-11-01", end="2026-11-30"):
        result, _ = self.call(
            "GetAbsenceAttendanceByPeriod_OS_SI", StartDate=start, EndDate=end, PersonnelNumber=PERNR
        )
        items = (result.AbsenceAttendance.item if result.AbsenceAttendance else None) or []
        return [i.Item for i in items]

    def set_absence(self, expect="S", **fields):
        fields.setdefault("PersonnelNumber", PERNR)
        return self.call("SetAbsenceAttendance_OS_SI", expect=expect, **fields)[1]

    def care_days_left(self, child):
        result, _ = self.call("GetAbsenceQuotas_OS_SI", KeyDate=CARE_DAY, PersonnelNumber=[PERNR])
        items = (result.Quota.item if result.Quota else None) or []
        found = [q for q in items if q.QuotaType == "OS" and q.ChildNumber == child]
        check(len(found) == 1, f"care-day quota of child {child}: {found}")
        return float(found[0].Remaining)

    # -- steps ------------------------------------------------------------------------------------------------

    def step_children(self):
        result, _ = self.call("GetChildren_OS_SI", PersonnelNumber=PERNR)
        children = {c.ChildNumber: c for c in result.Child.Item}
        check(sorted(children) == ["01", "02"], f"children {sorted(children)}")
        for number, year in (("01", "16"), ("02", "19")):
            cpr = children[number].ChildCPRNumber
            check(len(cpr) == 10 and cpr[4:6] == year, f"child {number}: CPR {cpr}")
        return ", ".join(f"{n} {c.FirstName}" for n, c in sorted(children.items()))

    def step_sick_day(self):
        check(not self.absences(), f"{PERNR} has absences in November already")
        text = self.set_absence(StartDate=SICK_DAY, EndDate=SICK_DAY, Operation="INS", AbsenceAttendanceType="SY")
        [item] = self.absences()
        check(item.AbsenceAttendanceType == "SY" and item.StartDate == SICK_DAY, f"absence {item}")
        check(float(item.AbsenceAttendanceHours) == 7.4, f"hours {item.AbsenceAttendanceHours}")
        check(float(item.AbsenceAttendanceDays) == 1, f"days {item.AbsenceAttendanceDays}")
        check(int(float(item.AbsenceAttendanceCalendarDays)) == 1, f"calendar days {item.AbsenceAttendanceCalendarDays}")
        return f"{text!r}; read back: 1 day, {item.AbsenceAttendanceHours} hours"

    def step_mod_collide_del(self):
        original = dict(OriginalStartDate=SICK_DAY, OriginalEndDate=SICK_DAY, OriginalAbsenceAttendanceType="SY")
        self.set_absence(StartDate=SICK_DAY, EndDate="2026-11-25", Operation="MOD", AbsenceAttendanceType="SY", **original)
        [item] = self.absences()
        check(item.EndDate == "2026-11-25" and float(item.AbsenceAttendanceHours) == 14.8, f"after MOD {item}")
        refused = self.set_absence(
            expect="E", StartDate="2026-11-25", EndDate="2026-11-25", Operation="INS", AbsenceAttendanceType="FE"
        )
        self.set_absence(
            StartDate=SICK_DAY,
            EndDate="2026-11-25",
            Operation="DEL",
            AbsenceAttendanceType="SY",
            OriginalStartDate=SICK_DAY,
            OriginalEndDate="2026-11-25",
            OriginalAbsenceAttendanceType="SY",
        )
        check(not self.absences(), "after DEL the absence is still there")
        return f"MOD → 14.80 hours; colliding INS refused: {refused!r}; DEL → gone"

    def step_care_day(self):
        before = self.care_days_left("02")
        self.set_absence(
            StartDate=CARE_DAY, EndDate=CARE_DAY, Operation="INS", AbsenceAttendanceType="OS", AdditionalData="02"
        )
        after = self.care_days_left("02")
        check(after == before - 1, f"care days of child 02: {before} before, {after} after")
        [item] = self.absences()
        check(item.CompLeave and item.CompLeave.Item[0].ChildNumber == "02", f"CompLeave {item.CompLeave}")
        refused = self.set_absence(
            expect="E",
            StartDate="2026-11-27",
            EndDate="2026-11-27",
            Operation="INS",
            AbsenceAttendanceType="OS",
            AdditionalData="01",
        )
        return f"child 02: {before:g} → {after:g} care days left; child 01 refused: {refused!r}"

    def step_schedule(self):
        days = [{"Weekday": str(d), "Hours": "6.00", "StartTime": "08:00:00", "EndTime": "14:00:00"} for d in range(1, 6)]
        result, _ = self.call(
            "SetWorkSchedule_OS_SI",
            Operation="INS",
            PersonnelNumber=PERNR,
            StartDate="2026-11-01",
            ScheduleType="DEL",
            ScheduleText="Deltid 30 timer",
            Day={"item": days},
        )
        check(result.ScheduleId, "no ScheduleId")
        [item] = self.absences()
        check(float(item.AbsenceAttendanceHours) == 6.0, f"care day under 30 hours: {item.AbsenceAttendanceHours} hours")
        return f"schedule {result.ScheduleId}: the care day now costs {item.AbsenceAttendanceHours} hours"

    def step_lookups(self):
        maternity, _ = self.call("GetMaternityCases_OS_SI", PersonnelNumber="00000112")
        cases = maternity.MaternityCase.Item
        check([c.MaternityCaseKey for c in cases] == ["0001"], f"maternity cases {cases}")
        reasons, _ = self.call("GetReasons_OS_SI", leaveType="TU")
        codes = [r.ReasonCode for r in reasons.Reason.Item]
        check(codes, "no reasons for TU")
        accidents, _ = self.call("GetWorkAccidentCases_OS_SI", PersonnelNumber="00000103")
        numbers = [a.AccidentNumber for a in accidents.AccidentCase.Item]
        check(numbers == ["2025-000417"], f"accidents {numbers}")
        return f"maternity 0001, TU reasons {codes}, accident {numbers[0]}"

    def step_forbidden(self):
        return expect_forbidden(
            self.data_dir,
            "vikarsystem",
            (Path(self.args.reference_dir) / "SetAbsenceAttendance_OS_SI.wsdl").resolve(),
            f"{{{VACAB}}}SetAbsenceAttendance_OS_SIBinding",
            self.pi_url("SetAbsenceAttendance_OS_SI", VACAB),
            lambda service: service.SetAbsenceAttendance_OS_SI(
                StartDate=SICK_DAY, EndDate=SICK_DAY, Operation="INS", PersonnelNumber=PERNR, AbsenceAttendanceType="SY"
            ),
        )

    def step_served_wsdls(self):
        for name in REFERENCE:
            url, _ = self.served_wsdl(name)
            client = zeep.Client(url, transport=self.transport)
            operations = sorted(client.service._operations)
            check(operations == [name], f"{name}: operations {operations}")
        return f"{len(REFERENCE)} served WSDLs, one operation each"

    def run(self):
        return self.run_steps(
            ("0. zeep loads the reference WSDLs; the XSDs compile", self.load),
            [
                ("1. GetChildren", self.step_children),
                ("2. INS a sick day, read it back with its hours", self.step_sick_day),
                ("3. MOD it, a colliding INS is refused, DEL it", self.step_mod_collide_del),
                ("4. a care day lowers the care-day quota; an over-age child is refused", self.step_care_day),
                ("5. the work schedule decides the hours", self.step_schedule),
                ("6. maternity cases, reasons, work accidents", self.step_lookups),
                ("7. vikarsystem is refused with HTTP 403", self.step_forbidden),
                ("8. the served WSDLs work in zeep too", self.step_served_wsdls),
            ],
            lambda: f"{self.validated} responses valid against their XSDs",
        )


def main():
    parser = arguments(__doc__)
    parser.add_argument("--reference-dir", required=True, help="the directory of KMD's six Opret fravær WSDLs")
    return Client(parser.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
