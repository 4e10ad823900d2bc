//! Issue 8's acceptance on the shipped data: phasing out KMD Aktiv in Sorø lists its numbered interfaces under each of
//! the four dependency classes of Sorø's "Snitfladeoversigt" maps, and KOMBIT's requirement check gives the example in
//! KOMBIT's own integration requirements.

use snitflade_landscape::impact::{self, ImpactQuery};
use snitflade_landscape::requirements::{self, RequirementQuery};
use snitflade_landscape::{DependencyClass, Landscape};

fn shipped() -> Landscape {
    let mut all = Landscape::catalogue().unwrap();
    all.merge(Landscape::demo().unwrap());
    all.checked().unwrap()
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 4)
}

#[test]
fn phasing_out_kmd_aktiv_lists_its_interfaces_under_each_class() {
    let query = ImpactQuery {
        municipality: Some("0340".into()),
        ..ImpactQuery::new("kmd-aktiv", today())
    };
    let report = impact::analyse(&shipped(), &query).unwrap();
    let numbers = |class: DependencyClass| -> Vec<String> {
        let group = report.by_class.iter().find(|g| g.class == class).unwrap();
        group
            .relations
            .iter()
            .filter(|r| !r.as_counterpart)
            .map(|r| r.local_number.clone().unwrap())
            .collect()
    };
    // As transcribed from the map (data/README.md explains each reading); in natural order.
    assert_eq!(numbers(DependencyClass::Weak), ["1", "2", "3", "4", "13a"]);
    assert_eq!(numbers(DependencyClass::Unclear), ["14", "27"]);
    assert_eq!(numbers(DependencyClass::LocalAgreement), ["18"]);
    assert_eq!(
        numbers(DependencyClass::Dependency),
        [
            "5a", "5b", "5c", "5d", "6", "7", "8", "9", "10a", "11", "12a", "12b", "15", "16", "17", "21", "28"
        ]
    );
    let labels: Vec<&str> = report.by_class.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Svag afhængighed",
            "Uklar afhængighed",
            "Afhængighed",
            "Lokal snitfladeaftale"
        ]
    );
    // The local agreement must be terminated separately.
    assert!(
        report.agreements.iter().any(|a| a.relation == "soroe-kmd-aktiv-18"),
        "{:?}",
        report.agreements
    );
    let text = report.render_text();
    for n in ["5a", "13a", "27", "18"] {
        assert!(text.contains(n), "the report names interface {n}:\n{text}");
    }
}

#[test]
fn a_case_handling_supplier_must_integrate_with_the_general_interfaces_and_sf1470() {
    let all = shipped();
    let check = |objects: &[&str]| {
        let q = RequirementQuery {
            system: None,
            information_objects: objects.iter().map(|o| o.to_string()).collect(),
            direct_public_integrations: vec![],
            today: today(),
        };
        requirements::check(&all, &q)
    };
    let report = check(&["Sag", "Dokument"]);
    let general: Vec<&str> = report
        .general
        .iter()
        .flat_map(|a| a.interfaces.iter().map(|i| i.id.as_str()))
        .collect();
    assert_eq!(
        general,
        [
            "SF1511", "SF1512", "SF1514", "SF1515", "SF1460_A", "SF1460_B", "SF1460_C", "SF1460_D"
        ]
    );
    let specific: Vec<&str> = report.specific.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(specific, ["SF1470"]);

    let invoicing = check(&["Sag", "Dokument", "Faktura"]);
    let specific: Vec<&str> = invoicing.specific.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(specific, ["SF1470", "SF1590_B"]);
}
