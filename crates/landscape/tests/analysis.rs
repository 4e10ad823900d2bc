//! The analysis functions on small fixtures: impact of phasing out a system, KOMBIT's requirement check, and the
//! CSV / JSON exchange.

use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use snitflade_landscape::exchange::{
    self, ImportContext, ImportError, MAX_BYTES, MAX_ROWS, RowAction, export_json, import_json, import_relations_csv,
    import_systems_csv,
};
use snitflade_landscape::impact::{self, ImpactError, ImpactQuery, Notice};
use snitflade_landscape::naming::natural_cmp;
use snitflade_landscape::requirements::{self, ExceptionKind, RequirementQuery};
use snitflade_landscape::{
    Actor, CostKind, DependencyClass, Direction, InterfaceRef, Landscape, Lifecycle, Source, TransitionDecision,
};

fn legacy() -> Landscape {
    Landscape::from_toml("legacy.toml", include_str!("fixtures/legacy.toml"))
        .unwrap()
        .checked()
        .unwrap()
}

fn kombit() -> Landscape {
    Landscape::from_toml("kombit.toml", include_str!("fixtures/kombit.toml"))
        .unwrap()
        .checked()
        .unwrap()
}

const TODAY: Date = date(2026, 3, 1);

fn query(municipality: Option<&str>, depth: u32) -> ImpactQuery {
    ImpactQuery {
        system: "kmd-aktiv".to_string(),
        municipality: municipality.map(str::to_string),
        depth,
        today: TODAY,
    }
}

fn numbers(items: &[impact::ImpactItem]) -> Vec<&str> {
    items.iter().map(|i| i.local_number.as_deref().unwrap_or("-")).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Impact

#[test]
fn natural_order_of_local_numbers() {
    let mut n = vec![
        "27", "12a", "5b", "1", "5a", "3", "2", "12b", "5C", "10a", "SID010", "SID009",
    ];
    n.sort_by(|a, b| natural_cmp(a, b));
    assert_eq!(
        n,
        [
            "1", "2", "3", "5a", "5b", "5C", "10a", "12a", "12b", "27", "SID009", "SID010"
        ]
    );
    assert!(natural_cmp("5", "05").is_lt());
    assert!(natural_cmp("9", "10").is_lt());
}

#[test]
fn impact_groups_by_class_in_all_order_sorted_naturally() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 1)).unwrap();
    assert_eq!(report.system.name, "KMD Aktiv");
    assert_eq!(report.system.lifecycle, Lifecycle::PhasingOut);
    assert_eq!(
        report.system.replaced_by.as_ref().unwrap().name,
        "Kommunernes Ydelsessystem"
    );

    let classes: Vec<DependencyClass> = report.by_class.iter().map(|g| g.class).collect();
    assert_eq!(classes, DependencyClass::ALL);
    let groups: Vec<Vec<&str>> = report.by_class.iter().map(|g| numbers(&g.relations)).collect();
    assert_eq!(
        groups,
        [
            vec!["1", "2", "10a"],
            vec!["12a", "21"],
            vec!["5a", "5b", "15"],
            vec!["3", "27"]
        ]
    );
    assert_eq!(report.by_class[3].label, "Lokal snitfladeaftale");
    assert!(report.by_class[0].meaning.starts_with("Ingen indvirkning"));
    assert_eq!(report.totals.relations, 10);
    let counts: Vec<usize> = report.totals.by_class.iter().map(|c| c.count).collect();
    assert_eq!(counts, [3, 2, 3, 2]);

    // An item carries the relation's data, with names resolved.
    let five_a = &report.by_class[2].relations[0];
    assert_eq!(five_a.relation, "aktiv-5a");
    assert_eq!(five_a.counterpart.name, "KMD Udbetaling");
    assert_eq!(five_a.direction, Direction::To);
    assert_eq!(five_a.interface.as_ref().unwrap().id, "SID001");
    assert_eq!(five_a.interface_name.as_deref(), Some("KMD Udbetaling batch"));
    assert_eq!(five_a.target_system.as_ref().unwrap().id, "ky");
    assert_eq!(five_a.target_interface.as_ref().unwrap().id, "SID001");
}

#[test]
fn impact_sees_relations_drawn_around_the_counterpart_from_the_analysed_system() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 1)).unwrap();
    let opera = report.by_class[0]
        .relations
        .iter()
        .find(|i| i.relation == "opera-10a")
        .unwrap();
    assert!(opera.as_counterpart);
    assert_eq!(opera.counterpart.id, "kmd-opera");
    // Stored as Opera → Aktiv ("to", seen from Opera); seen from KMD Aktiv the data comes in.
    assert_eq!(opera.direction, Direction::From);
}

#[test]
fn impact_groups_by_decision_and_actor() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 1)).unwrap();
    let decisions: Vec<Option<TransitionDecision>> = report.by_decision.iter().map(|g| g.decision).collect();
    let mut expected: Vec<Option<TransitionDecision>> = TransitionDecision::ALL.iter().map(|&d| Some(d)).collect();
    expected.push(None);
    assert_eq!(decisions, expected);
    let groups: Vec<Vec<&str>> = report.by_decision.iter().map(|g| numbers(&g.relations)).collect();
    assert_eq!(
        groups,
        [
            vec!["5a", "5b", "15"],
            vec!["12a"],
            vec!["21", "27"],
            vec!["1", "3"],
            vec!["2", "10a"]
        ]
    );
    let counts: Vec<usize> = report.totals.by_decision.iter().map(|c| c.count).collect();
    assert_eq!(counts, [3, 1, 2, 2, 2]);

    assert_eq!(report.who_must_act.len(), 2);
    assert_eq!(report.who_must_act[0].actor, Actor::Kombit);
    assert_eq!(numbers(&report.who_must_act[0].relations), ["5a", "5b", "12a", "15"]);
    assert_eq!(report.who_must_act[1].actor, Actor::Municipality);
    assert_eq!(numbers(&report.who_must_act[1].relations), ["21", "27"]);
}

#[test]
fn impact_lists_agreements_with_notice_deadlines_most_urgent_first() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 1)).unwrap();
    let summary: Vec<(&str, &Notice)> = report
        .agreements
        .iter()
        .map(|a| (a.local_number.as_deref().unwrap(), &a.notice))
        .collect();
    assert_eq!(
        summary,
        [
            // 2026-04-30 − 3 months, before today: overdue.
            (
                "12a",
                &Notice::By {
                    deadline: date(2026, 1, 30),
                    overdue: true
                }
            ),
            // No notice period recorded: by expiry, which has passed.
            (
                "15",
                &Notice::BeforeExpiry {
                    expires: date(2026, 2, 28),
                    overdue: true
                }
            ),
            // 2026-12-31 − 6 months (day clamped to June's end).
            (
                "5a",
                &Notice::By {
                    deadline: date(2026, 6, 30),
                    overdue: false
                }
            ),
            // A local agreement class without a recorded agreement.
            ("3", &Notice::AsSoonAsPossible { notice_months: None }),
            // A local agreement without an expiry.
            ("27", &Notice::AsSoonAsPossible { notice_months: Some(3) }),
        ]
    );
    // The terminated agreement of 21 (class unclear) is not listed; 1 and 2 have no agreement.
    assert!(report.agreements.iter().all(|a| a.relation != "aktiv-21"));
    assert_eq!(report.agreements[3].agreement, None);
    assert_eq!(
        report.agreements[4].agreement.as_deref(),
        Some("Lokal snitfladeaftale boliglån")
    );
    assert!(report.agreements[0].notice.is_overdue());
    assert!(!report.agreements[2].notice.is_overdue());
}

#[test]
fn impact_notice_deadline_is_not_overdue_on_the_day_itself() {
    let mut q = query(Some("340"), 1);
    q.today = date(2026, 1, 30);
    let report = impact::analyse(&legacy(), &q).unwrap();
    assert_eq!(
        report.agreements[0].notice,
        Notice::By {
            deadline: date(2026, 1, 30),
            overdue: false
        }
    );
}

#[test]
fn impact_reaches_systems_transitively_up_to_depth() {
    let landscape = legacy();
    let direct = impact::analyse(&landscape, &query(Some("340"), 1)).unwrap();
    let ids: Vec<&str> = direct.reached.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "dst",
            "kmd-boliglaan",
            "kmd-ksp",
            "kmd-los",
            "kmd-opera",
            "kmd-p-data",
            "kmd-sag",
            "kmd-udbetaling",
            "skat"
        ]
    );
    assert!(direct.reached.iter().all(|r| r.distance == 1 && r.path.len() == 2));

    let two = impact::analyse(&landscape, &query(Some("340"), 2)).unwrap();
    assert_eq!(two.reached.len(), 10);
    let arkiv = two.reached.last().unwrap();
    assert_eq!((arkiv.id.as_str(), arkiv.distance), ("statens-arkiver", 2));
    let path: Vec<&str> = arkiv.path.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(path, ["kmd-aktiv", "kmd-sag", "statens-arkiver"]);
    // KMD LOS is reached directly and through KMD Sag: listed once, at its shortest distance.
    assert_eq!(two.reached.iter().filter(|r| r.id == "kmd-los").count(), 1);
    assert!(two.reached.iter().all(|r| r.id != "kmd-aktiv" && r.id != "star"));

    let three = impact::analyse(&landscape, &query(Some("340"), 3)).unwrap();
    assert_eq!(three.reached.last().unwrap().id, "rigsarkivet");
    assert_eq!(three.reached.last().unwrap().distance, 3);

    let none = impact::analyse(&landscape, &query(Some("340"), 0)).unwrap();
    assert!(none.reached.is_empty());
}

#[test]
fn impact_without_municipality_filter_includes_other_municipalities() {
    let report = impact::analyse(&legacy(), &query(None, 1)).unwrap();
    assert_eq!(numbers(&report.by_class[0].relations), ["1", "2", "9", "10a"]);
    assert!(report.reached.iter().any(|r| r.id == "star"));
    assert_eq!(report.totals.relations, 11);

    let default = ImpactQuery::new("kmd-aktiv", TODAY);
    assert_eq!(default.depth, 1);
    assert_eq!(default.municipality, None);
}

#[test]
fn impact_sums_costs_by_kind_and_period() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 1)).unwrap();
    let lines: Vec<(CostKind, &str, Decimal, usize)> = report
        .costs
        .lines
        .iter()
        .map(|c| (c.kind, c.period.as_str(), c.amount, c.relations))
        .collect();
    assert_eq!(
        lines,
        [
            (CostKind::StartUp, "once", Decimal::from(5000), 1),
            (CostKind::Running, "month", Decimal::from(1500), 2),
            (CostKind::Running, "year", Decimal::from(1200), 1),
        ]
    );
    assert_eq!(report.costs.running_per_year, Decimal::from(19_200));
}

#[test]
fn impact_of_an_unknown_system_is_a_typed_error() {
    let err = impact::analyse(&legacy(), &ImpactQuery::new("kmd-nope", TODAY)).unwrap_err();
    assert_eq!(err, ImpactError::UnknownSystem("kmd-nope".to_string()));
    assert!(err.to_string().contains("\"kmd-nope\""), "{err}");
}

#[test]
fn impact_report_round_trips_through_json() {
    let report = impact::analyse(&legacy(), &query(Some("340"), 2)).unwrap();
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["by_class"][3]["class"], "local_agreement");
    assert_eq!(json["agreements"][0]["notice"]["kind"], "by");
    assert_eq!(json["agreements"][0]["notice"]["deadline"], "2026-01-30");
    let back: impact::ImpactReport = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn impact_text_report_has_class_sections_actors_and_deadlines() {
    let text = impact::analyse(&legacy(), &query(Some("340"), 2))
        .unwrap()
        .render_text();
    assert!(
        text.starts_with("# Konsekvensanalyse: udfasning af KMD Aktiv (kmd-aktiv)"),
        "{text}"
    );
    assert!(text.contains("Erstattes af: Kommunernes Ydelsessystem (ky)"), "{text}");
    for heading in [
        "### Svag afhængighed (3)",
        "### Uklar afhængighed (2)",
        "### Afhængighed (3)",
        "### Lokal snitfladeaftale (2)",
        "## Hvem skal handle",
        "### KOMBIT (4)",
        "### Kommunen (2)",
        "## Aftaler der skal opsiges",
    ] {
        assert!(text.contains(heading), "missing {heading:?} in\n{text}");
    }
    assert!(
        text.contains("Der er indgået en særskilt lokal snitfladeaftale"),
        "{text}"
    );
    // Natural order within the "Afhængighed" section.
    let section = &text[text.find("### Afhængighed (3)").unwrap()..text.find("### Lokal snitfladeaftale").unwrap()];
    let (a, b, c) = (
        section.find("- 5a ").unwrap(),
        section.find("- 5b ").unwrap(),
        section.find("- 15 ").unwrap(),
    );
    assert!(a < b && b < c, "{section}");
    assert!(
        text.contains("opsiges senest 2026-01-30 (3 mdr. før udløb 2026-04-30) — OVERSKREDET"),
        "{text}"
    );
    assert!(
        text.contains("opsiges senest 2026-06-30 (6 mdr. før udløb 2026-12-31)\n"),
        "{text}"
    );
    assert!(
        text.contains("opsig hurtigst muligt (opsigelsesvarsel 3 mdr.)"),
        "{text}"
    );
    assert!(text.contains("Mangler en overgangsbeslutning: 2 (2, 10a)"), "{text}");
    assert!(
        text.contains("Statens Arkiver (afstand 2): KMD Aktiv — KMD Sag — Statens Arkiver"),
        "{text}"
    );
    assert!(text.contains("Løbende betaling i alt pr. år: 19200 kr."), "{text}");
    assert!(
        text.contains("Opstartslicens, engangsbeløb: 5000 kr. (1 relation)\n"),
        "{text}"
    );
    assert!(text.contains("pr. måned: 1500 kr. (2 relationer)"), "{text}");
}

// ---------------------------------------------------------------------------------------------------------------
// Requirements

fn requirement_query(objects: &[&str]) -> RequirementQuery {
    RequirementQuery {
        system: None,
        information_objects: objects.iter().map(|o| o.to_string()).collect(),
        direct_public_integrations: Vec::new(),
        today: TODAY,
    }
}

fn specific_ids(report: &requirements::RequirementReport) -> Vec<&str> {
    report.specific.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn case_handling_supplier_gets_the_general_interfaces_and_sf1470() {
    let report = requirements::check(&kombit(), &requirement_query(&["Sag", "Dokument"]));
    let general: Vec<(&str, Vec<&str>)> = report
        .general
        .iter()
        .map(|a| (a.name.as_str(), a.interfaces.iter().map(|i| i.id.as_str()).collect()))
        .collect();
    assert_eq!(
        general,
        [
            ("Adgangsstyring", vec!["SF1511", "SF1512", "SF1514", "SF1515"]),
            ("Beskedfordeling", vec!["SF1460_A", "SF1460_B", "SF1460_C", "SF1460_D"]),
        ]
    );
    assert_eq!(specific_ids(&report), ["SF1470"]);
    // The newest version, with the overlapping objects as the reason; the Opus interface handling cases is not
    // KOMBIT's and not required.
    assert_eq!(report.specific[0].version, "2");
    assert_eq!(report.specific[0].overlapping_objects, ["Sag", "Dokument"]);
    assert!(report.one_of.is_empty());
    assert!(report.exceptions.is_empty());
    assert!(report.unmatched_objects.is_empty());
}

#[test]
fn invoicing_adds_sf1590_b_and_matching_ignores_case_and_spaces() {
    let report = requirements::check(
        &kombit(),
        &requirement_query(&[" sag ", "DOKUMENT", "faktura", "Kørekort"]),
    );
    assert_eq!(specific_ids(&report), ["SF1470", "SF1590_B"]);
    assert_eq!(report.specific[1].overlapping_objects, ["Faktura"]);
    assert_eq!(report.unmatched_objects, ["Kørekort"]);
}

#[test]
fn general_interfaces_are_not_repeated_as_specific() {
    let report = requirements::check(&kombit(), &requirement_query(&["Besked"]));
    assert!(report.specific.is_empty());
    assert!(report.unmatched_objects.is_empty());
    assert_eq!(report.general[1].interfaces.len(), 4);
}

#[test]
fn same_need_group_requires_only_one_of_them() {
    let report = requirements::check(&kombit(), &requirement_query(&["Organisation", "Person"]));
    assert_eq!(specific_ids(&report), ["SF1520"]);
    assert_eq!(report.one_of.len(), 1);
    assert_eq!(report.one_of[0].group, "organisation");
    let ids: Vec<&str> = report.one_of[0].interfaces.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["SF1500", "SF1501"]);
    assert_eq!(report.exceptions.len(), 1);
    assert_eq!(report.exceptions[0].kind, ExceptionKind::SameNeed);
    assert_eq!(report.exceptions[0].interfaces, ["SF1500", "SF1501"]);
    assert!(
        report.exceptions[0].reason.contains("én af dem"),
        "{}",
        report.exceptions[0].reason
    );
}

#[test]
fn a_direct_public_integration_lifts_the_requirement() {
    let mut q = requirement_query(&["Person", "Adresse"]);
    let without = requirements::check(&kombit(), &q);
    assert_eq!(specific_ids(&without), ["SF1520"]);
    assert_eq!(without.one_of.len(), 1);
    assert_eq!(without.one_of[0].group, "adresse");

    q.direct_public_integrations = vec!["  grunddataprogrammet (CPR) ".to_string(), "dar".to_string()];
    let with = requirements::check(&kombit(), &q);
    assert!(with.specific.is_empty(), "{:?}", with.specific);
    // SF1601's public alternative covers the need its group shares, so SF1602 is not required either.
    assert!(with.one_of.is_empty(), "{:?}", with.one_of);
    let applied: Vec<(ExceptionKind, Vec<&str>, Option<&str>)> = with
        .exceptions
        .iter()
        .map(|e| {
            (
                e.kind,
                e.interfaces.iter().map(String::as_str).collect(),
                e.public_alternative.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        applied,
        [
            (
                ExceptionKind::PublicAlternative,
                vec!["SF1520"],
                Some("Grunddataprogrammet (CPR)")
            ),
            (ExceptionKind::PublicAlternative, vec!["SF1601"], Some("DAR")),
            (ExceptionKind::PublicAlternative, vec!["SF1602"], Some("DAR")),
        ]
    );
    assert!(with.exceptions[0].reason.contains("Grunddataprogrammet (CPR)"));
}

#[test]
fn maintenance_deadline_is_six_months_after_valid_from() {
    let report = requirements::check(&kombit(), &requirement_query(&["Sag", "Faktura"]));
    let m: Vec<(&str, Date, Date, bool)> = report
        .maintenance
        .iter()
        .map(|m| (m.id.as_str(), m.valid_from, m.deadline, m.passed))
        .collect();
    assert_eq!(
        m,
        [
            // 31 August + 6 months is clamped to February's end: passed on 1 March.
            ("SF1470", date(2025, 8, 31), date(2026, 2, 28), true),
            ("SF1460_A", date(2025, 10, 1), date(2026, 4, 1), false),
            ("SF1590_B", date(2025, 11, 15), date(2026, 5, 15), false),
        ]
    );
    assert_eq!(report.maintenance[0].version, "2");
}

#[test]
fn coverage_lists_met_and_missing_requirements_of_a_system() {
    let mut q = requirement_query(&["Sag", "Dokument", "Organisation"]);
    q.system = Some("esdh".to_string());
    let report = requirements::check(&kombit(), &q);
    assert_eq!(report.system_name.as_deref(), Some("Leverandørens ESDH"));
    let coverage = report.coverage.as_ref().unwrap();
    let met: Vec<(Vec<&str>, Vec<&str>)> = coverage
        .met
        .iter()
        .map(|e| {
            (
                e.interfaces.iter().map(String::as_str).collect(),
                e.relations.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        met,
        [
            (vec!["SF1514"], vec!["esdh-sts"]),
            (vec!["SF1470"], vec!["esdh-sagsindeks"]),
            (vec!["SF1500", "SF1501"], vec!["esdh-org"]),
        ]
    );
    assert_eq!(coverage.met[2].group.as_deref(), Some("organisation"));
    // esdh indexes its cases over SF1470 v1; v2 is required.
    assert_eq!(coverage.met[1].versions, ["2"]);
    assert_eq!(coverage.met[1].outdated, ["esdh-sagsindeks"]);
    assert!(coverage.met[0].outdated.is_empty());
    let missing: Vec<&str> = coverage.missing.iter().map(|e| e.interfaces[0].as_str()).collect();
    assert_eq!(
        missing,
        [
            "SF1511", "SF1512", "SF1515", "SF1460_A", "SF1460_B", "SF1460_C", "SF1460_D"
        ]
    );

    let text = report.render_text();
    assert!(
        text.contains("# KOMBITs integrationskrav: Leverandørens ESDH (esdh)"),
        "{text}"
    );
    assert!(
        text.contains("- Opfyldt: én af SF1500 / SF1501 (organisation) (relation esdh-org)"),
        "{text}"
    );
    assert!(text.contains("- Mangler: SF1511"), "{text}");
    assert!(
        text.contains(
            "- Opfyldt: SF1470 (relation esdh-sagsindeks) — esdh-sagsindeks bruger en anden version end SF1470 v2"
        ),
        "{text}"
    );
}

#[test]
fn an_unknown_system_gets_no_coverage() {
    let mut q = requirement_query(&["Sag"]);
    q.system = Some("nope".to_string());
    let report = requirements::check(&kombit(), &q);
    assert!(report.coverage.is_none());
    assert_eq!(report.system_name, None);
    assert!(report.render_text().contains("Systemet nope findes ikke i landskabet"));
}

#[test]
fn requirement_text_report_lists_areas_reasons_exceptions_and_deadlines() {
    let mut q = requirement_query(&["Sag", "Dokument", "Person", "Organisation"]);
    q.direct_public_integrations = vec!["Grunddataprogrammet (CPR)".to_string()];
    let text = requirements::check(&kombit(), &q).render_text();
    for needle in [
        "## Generelle integrationskrav",
        "### Adgangsstyring",
        "- SF1511 Sikkerhed Hent token fra Context Handler",
        "### Beskedfordeling",
        "- SF1470 v2 Sags- og Dokumentindeks — overlap: Sag, Dokument",
        "- Én af (organisation):",
        "## Anvendte undtagelser",
        "leverancen integrerer direkte med Grunddataprogrammet (CPR)",
        "- SF1470 v2: gyldig fra 2025-08-31, implementeringen opdateret senest 2026-02-28 — FRISTEN ER PASSERET",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains("- SF1520"), "{text}");
}

// ---------------------------------------------------------------------------------------------------------------
// Exchange

const SYSTEMS_CSV: &str = "\
id,name,vendor,kind,lifecycle,replaced_by,description
sapa,SAPA,KOMBIT,platform,indfases,,Sagsoverblik
kmd-sag,KMD Sag,,platform,udfases,sapa,
ky,Kommunernes Ydelsessystem,,platform,phasing_in,,
nyt,,,robot,forever,ghost,
sapa,SAPA igen,,platform,,,
kmd-los,KMD LOS,,platform,,later,

later,Later,,ekstern,,,
";

#[test]
fn systems_csv_dry_run_reports_every_row() {
    let report = import_systems_csv(&legacy(), SYSTEMS_CSV.as_bytes()).unwrap();
    let outcomes: Vec<(usize, Option<&str>, RowAction)> = report
        .rows
        .iter()
        .map(|r| (r.line, r.id.as_deref(), r.action))
        .collect();
    assert_eq!(
        outcomes,
        [
            (2, Some("sapa"), RowAction::Created),
            (3, Some("kmd-sag"), RowAction::Updated),
            (4, Some("ky"), RowAction::Unchanged),
            (5, Some("nyt"), RowAction::Rejected),
            (6, Some("sapa"), RowAction::Rejected),
            (7, Some("kmd-los"), RowAction::Rejected),
            (9, Some("later"), RowAction::Created),
        ]
    );
    assert_eq!(
        (report.created, report.updated, report.unchanged, report.rejected),
        (2, 1, 1, 3)
    );
    assert_eq!(report.delimiter, ',');
    assert_eq!(report.encoding, "utf-8");

    let errors = &report.rows[3].errors;
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(errors[0], "name is required");
    assert!(
        errors[1].starts_with("kind: unknown value \"robot\"; use platform"),
        "{errors:?}"
    );
    assert!(
        errors[2].starts_with("lifecycle: unknown value \"forever\""),
        "{errors:?}"
    );
    assert!(
        errors[3].starts_with("replaced_by: ghost is not a system"),
        "{errors:?}"
    );
    assert_eq!(report.rows[4].errors, ["id sapa already appears on line 2"]);
    // A replacement must be listed before the system it replaces.
    assert!(
        report.rows[5].errors[0].contains("earlier row"),
        "{:?}",
        report.rows[5].errors
    );
    assert!(
        report
            .rows
            .iter()
            .filter(|r| r.action != RowAction::Rejected)
            .all(|r| r.errors.is_empty())
    );

    let accepted: Vec<&str> = report.accepted.systems.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(accepted, ["sapa", "kmd-sag", "later"]);
    let sag = &report.accepted.systems[1];
    assert_eq!(sag.lifecycle, Lifecycle::PhasingOut);
    assert_eq!(sag.replaced_by.as_deref(), Some("sapa"));
    assert_eq!(report.accepted.systems[0].lifecycle, Lifecycle::PhasingIn);
    assert_eq!(report.accepted.systems[0].vendor.as_deref(), Some("KOMBIT"));

    // Applying the accepted rows keeps the landscape consistent.
    let mut applied = legacy();
    for s in report.accepted.systems {
        applied.systems.retain(|old| old.id != s.id);
        applied.systems.push(s);
    }
    assert_eq!(applied.problems(), Vec::<String>::new());
}

#[test]
fn windows_1252_files_are_decoded() {
    let mut csv = b"id;name;kind\nkmd-boliglaan;KMD Boligl".to_vec();
    csv.push(0xE5); // å in Windows-1252
    csv.extend_from_slice(b"n;platform\n");
    let report = import_systems_csv(&legacy(), &csv).unwrap();
    assert_eq!(report.encoding, "windows-1252");
    assert_eq!(report.delimiter, ';');
    assert_eq!(report.rows[0].action, RowAction::Unchanged, "{:?}", report.rows[0]);
}

const RELATIONS_HEADER: &str = "id;municipality;system;counterpart;interface_id;interface_version;local_number;\
direction;description;information_objects;dependency;transition_decision;target_system;target_interface_id;\
agreement_name;notice_months;expires;terminated";

#[test]
fn relations_csv_with_bom_semicolons_and_danish_values() {
    let csv = format!(
        "\u{FEFF}{RELATIONS_HEADER}\n\
         aktiv-30;340;kmd-aktiv;kmd-sag;SID001;;30;til;Ny snitflade;\"Sag; Dokument\";svag;kommunen;ky;SID002;Lokal aftale;3;2027-01-31;\n\
         aktiv-1;340;kmd-aktiv;kmd-los;;;1;fra;Autorisationsoplysninger;;Svag afhængighed;udgår;;;;;;\n\
         aktiv-5a;340;kmd-aktiv;kmd-udbetaling;SID001;1;5a;->;Modtageroplysninger, beløb og meddelelse;;afhængighed;kombit;ky;SID001;KMD Aktiv-aftalen;6;2026-12-31;\n\
         aktiv-31;0340x;kmd-aktiv;ghost;NOPE;;31;sideways;;;meget;;;;;;2026-13-01;\n\
         aktiv-32;340;kmd-aktiv;kmd-sag;SF1470;;32;begge;;;lokal;;;SID001;;;;\n\
         aktiv-33;340;kmd-aktiv;kmd-sag;SF1470;3;33;<->;;;uklar;kombit_forhandler;;;Aftale;x;;2026-01-01\n\
         aktiv-34;340;kmd-aktiv;kmd-aktiv;;;;to;;;weak;;;;;;;;extra\n"
    );
    let report = import_relations_csv(&legacy(), csv.as_bytes()).unwrap();
    assert_eq!(report.delimiter, ';');
    let outcomes: Vec<(usize, &str, RowAction)> = report
        .rows
        .iter()
        .map(|r| (r.line, r.id.as_deref().unwrap(), r.action))
        .collect();
    assert_eq!(
        outcomes,
        [
            (2, "aktiv-30", RowAction::Created),
            (3, "aktiv-1", RowAction::Unchanged),
            (4, "aktiv-5a", RowAction::Updated),
            (5, "aktiv-31", RowAction::Rejected),
            (6, "aktiv-32", RowAction::Rejected),
            (7, "aktiv-33", RowAction::Rejected),
            (8, "aktiv-34", RowAction::Rejected),
        ]
    );
    assert_eq!(
        (report.created, report.updated, report.unchanged, report.rejected),
        (1, 1, 1, 4)
    );

    let new = &report.accepted.relations[0];
    assert_eq!(new.id, "aktiv-30");
    assert_eq!(new.direction, Direction::To);
    assert_eq!(new.dependency, DependencyClass::Weak);
    assert_eq!(new.information_objects, ["Sag", "Dokument"]);
    let t = new.transition.as_ref().unwrap();
    assert_eq!(t.decision, TransitionDecision::MunicipalityBuys);
    assert_eq!(t.target_system.as_deref(), Some("ky"));
    assert_eq!(
        t.target_interface,
        Some(InterfaceRef {
            id: "SID002".to_string(),
            version: "1".to_string()
        })
    );
    let a = new.agreement.as_ref().unwrap();
    assert_eq!(
        (a.notice_months, a.expires, a.terminated),
        (Some(3), Some(date(2027, 1, 31)), None)
    );

    // The update keeps the costs the CSV cannot carry.
    let updated = &report.accepted.relations[1];
    assert_eq!(updated.description, "Modtageroplysninger, beløb og meddelelse");
    assert_eq!(updated.costs.len(), 1);
    assert_eq!(updated.costs[0].amount, Decimal::from(1000));
    assert_eq!(report.accepted.relations.len(), 2);

    assert_eq!(
        report.rows[3].errors,
        [
            "municipality: \"0340x\" is not a kommunekode (1–4 digits, not 0)",
            "counterpart: ghost is not a system in the landscape",
            "interface_id: interface NOPE is not in the catalogue",
            "direction: unknown value \"sideways\"; use to (til, ->), from (fra, <-) or both (begge, <->)",
            "dependency: unknown value \"meget\"; use weak (svag), unclear (uklar), dependency (afhængighed) or \
             local_agreement (lokal)",
            "expires: \"2026-13-01\" is not a date (YYYY-MM-DD)",
            "expires needs an agreement_name",
        ]
    );
    assert_eq!(
        report.rows[4].errors,
        [
            "interface_id: interface SF1470 has several versions in the catalogue (2, 3); say which",
            "target_interface_id needs a transition_decision",
        ]
    );
    assert_eq!(
        report.rows[5].errors,
        ["notice_months: \"x\" is not a whole number of months"]
    );
    assert_eq!(
        report.rows[6].errors,
        [
            "the row has 19 fields; the header has 18",
            "system and counterpart are the same system"
        ]
    );
}

#[test]
fn header_problems_are_report_level_errors() {
    let landscape = legacy();
    let err = import_systems_csv(&landscape, b"id,name,kind,lifecyle\n").unwrap_err();
    assert!(
        matches!(&err, ImportError::UnknownColumns { columns, .. } if columns == &["lifecyle"]),
        "{err}"
    );
    let err = import_systems_csv(&landscape, b"id,name\nx,X\n").unwrap_err();
    assert!(
        matches!(&err, ImportError::MissingColumns(c) if c == &["kind"]),
        "{err}"
    );
    let err = import_systems_csv(&landscape, b"\xEF\xBB\xBF\n").unwrap_err();
    assert!(matches!(err, ImportError::Empty { .. }), "{err}");
    let err = import_relations_csv(&landscape, b"id,id\n").unwrap_err();
    assert!(matches!(&err, ImportError::DuplicateColumn(c) if c == "id"), "{err}");
}

#[test]
fn files_over_the_limits_are_refused() {
    let landscape = legacy();
    let mut big = b"id,name,kind\n".to_vec();
    big.resize(MAX_BYTES + 1, b' ');
    let err = import_systems_csv(&landscape, &big).unwrap_err();
    assert!(matches!(err, ImportError::TooLarge { size, .. } if size == MAX_BYTES + 1));
    assert!(err.to_string().contains("5 MiB"), "{err}");

    let rows = |n: usize| {
        let mut csv = String::from("id,name,kind\n");
        for i in 0..n {
            csv.push_str(&format!("s{i},S,external\n"));
        }
        csv
    };
    let err = import_systems_csv(&landscape, rows(MAX_ROWS + 1).as_bytes()).unwrap_err();
    assert!(
        matches!(err, ImportError::TooManyRows { limit } if limit == 50_000),
        "{err}"
    );
    let report = import_systems_csv(&landscape, rows(MAX_ROWS).as_bytes()).unwrap();
    assert_eq!(report.created, MAX_ROWS);
}

#[test]
fn json_export_round_trips_and_is_versioned() {
    let landscape = legacy();
    let json = export_json(&landscape);
    assert_eq!(json["format"], exchange::JSON_FORMAT);
    assert_eq!(json["version"], 1);
    assert_eq!(json["system"].as_array().unwrap().len(), 14);
    assert_eq!(json["relation"][0]["id"], "aktiv-1");
    assert_eq!(import_json(&json).unwrap(), landscape);

    let mut wrong = json.clone();
    wrong["format"] = "something-else".into();
    assert!(matches!(import_json(&wrong), Err(ImportError::WrongFormat(f)) if f == "something-else"));
    let mut newer = json.clone();
    newer["version"] = 2.into();
    assert!(matches!(
        import_json(&newer),
        Err(ImportError::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        import_json(&serde_json::json!([1, 2])),
        Err(ImportError::WrongFormat(_))
    ));
    let mut broken = json;
    broken["system"][0]["kind"] = "robot".into();
    assert!(matches!(import_json(&broken), Err(ImportError::Json(_))));
}

#[test]
fn line_numbers_survive_crlf_blank_lines_and_multi_line_fields() {
    let csv = "id,name,kind,description\r\n\
               a,A,external,\"two\r\nlines\"\r\n\
               \r\n\
               b,,external,\r\n";
    let report = import_systems_csv(&legacy(), csv.as_bytes()).unwrap();
    let lines: Vec<(usize, RowAction)> = report.rows.iter().map(|r| (r.line, r.action)).collect();
    assert_eq!(lines, [(2, RowAction::Created), (5, RowAction::Rejected)]);
    assert_eq!(report.accepted.systems[0].description, "two\r\nlines");
}

/// A derived system and relation (as the server merges them in) and a "catalogue" made of part of the fixture.
fn with_derived() -> (Landscape, Landscape) {
    let mut l = legacy();
    let mut derived_system = l.system("star").unwrap().clone();
    derived_system.id = "dagtilbud".into();
    derived_system.source = Source::Snitflade;
    l.systems.push(derived_system);
    let mut derived = l.relations[0].clone();
    derived.id = "snitflade-0340-dagtilbud-opret-fravaer".into();
    derived.counterpart = "dagtilbud".into();
    derived.source = Source::Snitflade;
    l.relations.push(derived);
    let catalogue = Landscape {
        systems: l
            .systems
            .iter()
            .filter(|s| ["skat", "dst"].contains(&s.id.as_str()))
            .cloned()
            .collect(),
        ..Landscape::default()
    };
    (l, catalogue)
}

#[test]
fn rows_naming_read_only_records_are_rejected_one_by_one() {
    let (l, catalogue) = with_derived();
    let context = ImportContext::new(&l).with_catalogue(&catalogue);

    let systems = "id,name,kind\n\
                   skat,Skattestyrelsen,external\n\
                   dagtilbud,Dagtilbud,external\n\
                   nyt,Nyt system,external\n";
    let report = context.systems_csv(systems.as_bytes()).unwrap();
    let outcomes: Vec<(&str, RowAction)> = report
        .rows
        .iter()
        .map(|r| (r.id.as_deref().unwrap(), r.action))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("skat", RowAction::Rejected),
            ("dagtilbud", RowAction::Rejected),
            ("nyt", RowAction::Created),
        ]
    );
    assert_eq!(
        report.rows[0].errors,
        ["system skat is part of the shipped catalogue and cannot be imported"]
    );
    assert_eq!(
        report.rows[1].errors,
        ["system dagtilbud is derived from snitflade's own grants and cannot be imported"]
    );
    let accepted: Vec<&str> = report.accepted.systems.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(accepted, ["nyt"]);
    // Without the catalogue, only the derived records are read-only (the catalogue's are ordinary records then).
    let report = import_systems_csv(&l, systems.as_bytes()).unwrap();
    assert_eq!(report.rows[0].action, RowAction::Updated);
    assert_eq!(report.rows[1].action, RowAction::Rejected);

    let relations = format!(
        "{RELATIONS_HEADER}\n\
         snitflade-0340-dagtilbud-opret-fravaer;0340;kmd-aktiv;dagtilbud;;;;to;;;weak;;;;;;;\n\
         snitflade-0340-other;0340;kmd-aktiv;dagtilbud;;;;to;;;weak;;;;;;;\n\
         aktiv-40;0340;kmd-aktiv;dagtilbud;;;40;to;;;weak;;;;;;;\n"
    );
    let report = context.relations_csv(relations.as_bytes()).unwrap();
    let actions: Vec<RowAction> = report.rows.iter().map(|r| r.action).collect();
    assert_eq!(actions, [RowAction::Rejected, RowAction::Rejected, RowAction::Created]);
    assert_eq!(
        report.rows[0].errors,
        [
            "relation snitflade-0340-dagtilbud-opret-fravaer is derived from snitflade's own grants and cannot be \
             imported"
        ]
    );
    assert_eq!(
        report.rows[1].errors,
        [
            "relation snitflade-0340-other: ids starting with snitflade- are reserved for relations derived from \
             snitflade's own grants"
        ]
    );
    // A relation to a derived system is fine: only the derived records themselves are read-only.
    assert_eq!(report.accepted.relations.len(), 1);
    assert_eq!(report.accepted.relations[0].counterpart, "dagtilbud");
}

#[test]
fn csv_municipalities_take_the_landscape_form_and_zero_is_refused() {
    let csv = format!(
        "{RELATIONS_HEADER}\n\
         aktiv-1;340;kmd-aktiv;kmd-los;;;1;fra;Autorisationsoplysninger;;svag;udgår;;;;;;\n\
         aktiv-40;751;kmd-aktiv;kmd-los;;;40;fra;;;svag;;;;;;;\n\
         aktiv-41;0;kmd-aktiv;kmd-los;;;41;fra;;;svag;;;;;;;\n\
         aktiv-42;0000;kmd-aktiv;kmd-los;;;42;fra;;;svag;;;;;;;\n\
         aktiv-43;12345;kmd-aktiv;kmd-los;;;43;fra;;;svag;;;;;;;\n"
    );
    let report = import_relations_csv(&legacy(), csv.as_bytes()).unwrap();
    let actions: Vec<RowAction> = report.rows.iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        [
            // Stored as 0340: the same relation, not an update.
            RowAction::Unchanged,
            RowAction::Created,
            RowAction::Rejected,
            RowAction::Rejected,
            RowAction::Rejected,
        ]
    );
    assert_eq!(report.accepted.relations[0].municipality, "0751");
    for (row, code) in [(2, "0"), (3, "0000"), (4, "12345")] {
        assert_eq!(
            report.rows[row].errors,
            [format!(
                "municipality: {code:?} is not a kommunekode (1–4 digits, not 0)"
            )]
        );
    }
    // What is accepted adds no problem to the landscape.
    let mut applied = legacy();
    applied.merge(report.accepted);
    assert_eq!(applied.problems(), Vec::<String>::new());
}

/// 50 000 relation rows (the most a file may hold) against a landscape of 50 000 relations: half of them updates,
/// half new. Checking is linear in both, so this finishes in well under a second even in a debug build.
#[test]
fn a_full_relations_file_against_a_large_landscape() {
    let mut l = legacy();
    let template = l.relations[0].clone();
    for i in 0..MAX_ROWS {
        let mut r = template.clone();
        r.id = format!("bulk-{i}");
        r.local_number = Some(i.to_string());
        l.relations.push(r);
    }
    let mut csv = String::from(RELATIONS_HEADER);
    csv.push('\n');
    for i in (MAX_ROWS / 2)..(MAX_ROWS / 2 + MAX_ROWS) {
        // Rows 25 000–49 999 change the description of existing relations; 50 000–74 999 are new.
        csv.push_str(&format!(
            "bulk-{i};340;kmd-aktiv;kmd-los;SF1470;3;{i};fra;ny;;svag;udgår;;;;;;\n"
        ));
    }
    let report = import_relations_csv(&l, csv.as_bytes()).unwrap();
    assert_eq!(report.rows.len(), MAX_ROWS);
    assert_eq!(
        (report.created, report.updated, report.unchanged, report.rejected),
        (MAX_ROWS / 2, MAX_ROWS / 2, 0, 0)
    );
    assert!(report.accepted.relations.iter().all(|r| r.municipality == "0340"));
    let updated = report.accepted.relations.iter().find(|r| r.id == "bulk-25000").unwrap();
    assert_eq!(updated.description, "ny");
    assert_eq!(
        updated.interface,
        Some(InterfaceRef {
            id: "SF1470".into(),
            version: "3".into()
        })
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Municipalities and consistency

#[test]
fn municipalities_compare_in_the_landscape_form() {
    let l = legacy();
    let four: Vec<&str> = l
        .relations_of("kmd-aktiv", Some("0340"))
        .map(|r| r.id.as_str())
        .collect();
    let three: Vec<&str> = l
        .relations_of("kmd-aktiv", Some("340"))
        .map(|r| r.id.as_str())
        .collect();
    assert!(!four.is_empty());
    assert_eq!(four, three);
    // A relation still holding an old three-digit code is found by either form, in every analysis.
    let mut old = l.clone();
    for r in &mut old.relations {
        r.municipality = r.municipality.trim_start_matches('0').to_string();
    }
    for m in ["340", "0340"] {
        let found: Vec<&str> = old.relations_of("kmd-aktiv", Some(m)).map(|r| r.id.as_str()).collect();
        assert_eq!(found, four, "{m}");
        assert_eq!(
            impact::analyse(&old, &query(Some(m), 3)).unwrap().reached,
            impact::analyse(&l, &query(Some("0340"), 3)).unwrap().reached,
            "{m}"
        );
    }
    // A diagram drawn without a municipality does not take 340 and 0340 for two municipalities.
    let mut mixed = l.clone();
    for r in mixed
        .relations
        .iter_mut()
        .filter(|r| r.municipality == "0340")
        .step_by(2)
    {
        r.municipality = "340".into();
    }
    mixed.relations.retain(|r| r.municipality != "0329");
    let drawn =
        snitflade_landscape::diagram::layout(&mixed, "kmd-aktiv", None, snitflade_landscape::diagram::View::AsIs)
            .unwrap();
    assert!(
        drawn.scene.entries.iter().all(|e| !e.number.contains('/')),
        "{:?}",
        drawn.scene.entries
    );
}

#[test]
fn problems_name_municipalities_not_in_four_digits_and_relations_to_themselves() {
    let mut l = legacy();
    l.relations[0].municipality = "340".into();
    l.relations[1].municipality = "0000".into();
    l.relations[2].counterpart = l.relations[2].system.clone();
    let (r0, r1, r2) = (&l.relations[0], &l.relations[1], &l.relations[2]);
    assert_eq!(
        l.problems(),
        [
            format!(
                "relation {}: municipality \"340\" is not a kommunekode of four digits (e.g. 0340)",
                r0.id
            ),
            format!(
                "relation {}: municipality \"0000\" is not a kommunekode of four digits (e.g. 0340)",
                r1.id
            ),
            format!(
                "relation {}: system and counterpart are the same system ({})",
                r2.id, r2.system
            ),
        ]
    );
}

/// Issue 16, item 16: the public-alternative exception matches the register's other names — `CPR` is
/// "Grunddataprogrammet (CPR)", `NKS` "NemKonto System (NKS), direkte" — on the shipped catalogue.
#[test]
fn a_public_alternative_is_matched_under_its_aliases() {
    let catalogue = Landscape::catalogue().unwrap();
    let mut q = requirement_query(&["Person", "Udbetaling"]);
    let without = requirements::check(&catalogue, &q);
    assert!(
        specific_ids(&without).contains(&"SF1520"),
        "{:?}",
        specific_ids(&without)
    );
    assert!(specific_ids(&without).contains(&"SF1590_E"));
    for (cpr, nks) in [
        ("CPR", "NKS"),
        (" cpr ", "NemKonto"),
        ("Grunddataprogrammet  (CPR)", "nemkonto system (nks)"),
    ] {
        q.direct_public_integrations = vec![cpr.to_string(), nks.to_string()];
        let with = requirements::check(&catalogue, &q);
        let ids = specific_ids(&with);
        assert!(
            !ids.contains(&"SF1520") && !ids.contains(&"SF1590_E"),
            "{cpr}/{nks}: {ids:?}"
        );
        let lapsed: Vec<&str> = with
            .exceptions
            .iter()
            .filter_map(|e| e.public_alternative.as_deref())
            .collect();
        assert_eq!(lapsed, ["Grunddataprogrammet (CPR)", "NemKonto System (NKS), direkte"]);
    }
    // Another register is not an alias.
    q.direct_public_integrations = vec!["CVR".to_string()];
    assert!(specific_ids(&requirements::check(&catalogue, &q)).contains(&"SF1520"));
}

#[test]
fn required_interfaces_without_a_release_date_are_listed() {
    let report = requirements::check(&kombit(), &requirement_query(&["Sag", "Faktura"]));
    let dated: Vec<&str> = report.maintenance.iter().map(|m| m.id.as_str()).collect();
    assert!(
        report.maintenance_unknown.iter().all(|u| !dated.contains(&u.as_str())),
        "{:?}",
        report.maintenance_unknown
    );
    let undated: Vec<String> = report
        .general
        .iter()
        .flat_map(|a| a.interfaces.iter())
        .chain(report.specific.iter())
        .filter(|i| i.in_catalogue && i.valid_from.is_none())
        .map(|i| i.id.clone())
        .collect();
    assert!(!undated.is_empty());
    for id in &undated {
        assert!(
            report.maintenance_unknown.contains(id),
            "{id}: {:?}",
            report.maintenance_unknown
        );
    }
    assert!(report.render_text().contains("Ingen udgivelsesdato registreret"));
}
