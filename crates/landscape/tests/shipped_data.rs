//! The shipped data files (`data/*.toml`) against their sources: KMD's brochure "Integration til KMD Opus Personale"
//! (the standard interfaces), KOMBIT's integration requirements and interface catalogue (SKI 02.19; the catalogue and
//! requirement areas) and Sorø Kommune's "Snitfladeoversigt" maps. The expected lists below are read off those
//! documents themselves, not off the data files, so a transcription slip shows up here.

use std::collections::{BTreeSet, HashSet};

use snitflade_landscape::{DependencyClass, InterfaceKind, InterfaceRef, Landscape, TransitionDecision};

const SOROE: &str = "0340";

fn catalogue() -> Landscape {
    Landscape::catalogue().expect("the shipped catalogue loads and holds together")
}

fn catalogue_and_demo() -> Landscape {
    let mut all = catalogue();
    all.merge(Landscape::demo().expect("the demo fragment parses"));
    all.checked().expect("catalogue + demo hold together")
}

fn iref(id: &str) -> InterfaceRef {
    InterfaceRef {
        id: id.to_string(),
        version: "1".to_string(),
    }
}

/// The numbered interfaces on Sorø's "Snitfladeoversigt – KMD aktiv - Systemafhængigheder, Sorø - AS-IS": 1, 2, 3, 4,
/// "5a,5b,5C,5D", 6, "7,8", "9, 16", 10a, "11, 12a, 12b", 13a, 14, 15, 17, 18, "21, 28", 27.
const KMD_AKTIV_NUMBERS: [&str; 25] = [
    "1", "2", "3", "4", "5a", "5b", "5c", "5d", "6", "7", "8", "9", "10a", "11", "12a", "12b", "13a", "14", "15", "16",
    "17", "18", "21", "27", "28",
];

/// The numbered interfaces on Sorø's "Snitfladeoversigt – KMD Dagpenge - Systemafhængigheder, Sorø - AS-IS".
const KMD_DAGPENGE_NUMBERS: [&str; 34] = [
    "6", "8", "9", "10", "12", "13", "14", "16", "17", "19", "20a", "20b", "21", "22a", "22b", "23", "24", "26", "27",
    "28", "29", "30", "31", "32", "34", "37", "38", "39", "40", "41", "42", "44", "45", "46",
];

/// Every SF interface in Bilag 2 (Snitfladekatalog) of KOMBIT's integration requirements, in the document's order.
const SF_INTERFACES: [&str; 40] = [
    "SF0741", "SF0810", "SF0830", "SF1320_A", "SF1411_A", "SF1411_B", "SF1411_D", "SF1411_E", "SF1460_A", "SF1460_B",
    "SF1460_C", "SF1460_D", "SF1470", "SF1490", "SF1500", "SF1510", "SF1511", "SF1512", "SF1514", "SF1515", "SF1518",
    "SF1520", "SF1590_A", "SF1590_B", "SF1590_D", "SF1590_E", "SF1600", "SF1605", "SF1630", "SF1690", "SF1780",
    "SF2090", "SF2093", "SF2095", "SF2096", "SF2250", "SF2860", "SF2900", "SF7001", "SF7002",
];

#[test]
fn the_catalogue_loads_without_problems() {
    let c = catalogue();
    assert!(c.problems().is_empty(), "{:?}", c.problems());
    assert!(
        c.relations.is_empty(),
        "the catalogue holds no municipality's relations"
    );
}

#[test]
fn the_demo_merged_with_the_catalogue_has_no_problems() {
    let all = catalogue_and_demo();
    assert!(all.problems().is_empty(), "{:?}", all.problems());
}

#[test]
fn every_interface_has_a_name_and_a_purpose() {
    let all = catalogue_and_demo();
    for i in &all.interfaces {
        assert!(!i.name.trim().is_empty(), "{} has no name", i.id);
        assert!(!i.purpose.trim().is_empty(), "{} has no purpose", i.id);
        assert!(!i.purpose.contains('\n'), "{}: the purpose is one line", i.id);
    }
}

#[test]
fn the_opus_standard_interfaces_and_the_legacy_files_are_there() {
    let c = catalogue();
    let opus = c.system("kmd-opus-personale").expect("KMD Opus Personale");
    assert_eq!(opus.vendor.as_deref(), Some("KMD"));
    for id in [
        "OPUS-FRAVAER",
        "OPUS-FRAVAERSKVOTER",
        "OPUS-MOEDETIDSPLANER",
        "OPUS-PERSONALEMAPPE",
        "OPUS-MEDARBEJDEROPLYSNINGER",
        "OPUS-ENGANGSYDELSE",
        "OPUS-FASTE-TILLAEG",
        "OPUS-MASKINTIMER",
    ] {
        let i = c.interface(&iref(id)).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(i.kind, InterfaceKind::OpusStandard, "{id}");
        assert_eq!(i.provider.as_deref(), Some("kmd-opus-personale"), "{id}");
        assert!(!i.information_objects.is_empty(), "{id} has information objects");
    }
    for id in ["IND01", "IND02", "FERIE", "FRAVAER"] {
        let i = c.interface(&iref(id)).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(i.kind, InterfaceKind::LegacyFile, "{id}");
        assert_eq!(i.status.as_deref(), Some("under udfasning"), "{id}");
    }
    let ind01 = c.interface(&iref("IND01")).unwrap();
    assert!(
        ind01.purpose.contains("Engangsydelser"),
        "KMD's brochure: IND01 → Webservice Engangsydelser"
    );
}

#[test]
fn every_sf_interface_of_the_catalogue_is_there_and_nothing_else_is_kombit() {
    let c = catalogue();
    for id in SF_INTERFACES {
        let i = c.interface(&iref(id)).unwrap_or_else(|| panic!("{id} is missing"));
        assert_eq!(i.kind, InterfaceKind::Kombit, "{id}");
        assert_eq!(i.status.as_deref(), Some("i drift"), "{id}");
    }
    let expected: BTreeSet<&str> = SF_INTERFACES
        .iter()
        .copied()
        .chain(["SAPA-DIALOGINTEGRATION"])
        .collect();
    let kombit: BTreeSet<&str> = c
        .interfaces
        .iter()
        .filter(|i| i.kind == InterfaceKind::Kombit)
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(kombit, expected);
}

#[test]
fn the_requirement_areas_name_exactly_the_seeds_interfaces() {
    let c = catalogue();
    let areas: Vec<(&str, Vec<&str>)> = c
        .requirement_areas
        .iter()
        .map(|a| (a.name.as_str(), a.interfaces.iter().map(|i| i.id.as_str()).collect()))
        .collect();
    assert_eq!(
        areas,
        vec![
            ("Adgangsstyring", vec!["SF1511", "SF1512", "SF1514", "SF1515"]),
            ("Beskedfordeling", vec!["SF1460_A", "SF1460_B", "SF1460_C", "SF1460_D"]),
        ]
    );
}

#[test]
fn information_objects_support_the_seeds_overlap_example() {
    // KOMBIT's example: a delivery that handles cases and documents and invoices must integrate with SF1470 and
    // SF1590_B.
    let c = catalogue();
    let handles = |objects: &[&str]| -> BTreeSet<String> {
        c.interfaces
            .iter()
            .filter(|i| i.kind == InterfaceKind::Kombit)
            .filter(|i| {
                i.information_objects
                    .iter()
                    .any(|o| objects.iter().any(|w| o.eq_ignore_ascii_case(w)))
            })
            .map(|i| i.id.clone())
            .collect()
    };
    assert_eq!(handles(&["Sag", "Dokument"]), BTreeSet::from(["SF1470".to_string()]));
    assert_eq!(
        handles(&["Sag", "Dokument", "Fakturering"]),
        BTreeSet::from(["SF1470".to_string(), "SF1590_B".to_string()])
    );
    assert_eq!(handles(&["Faktura"]), BTreeSet::from(["SF1590_B".to_string()]));
    assert_eq!(handles(&["CPR"]), BTreeSet::from(["SF1520".to_string()]));

    let cpr = c.interface(&iref("SF1520")).unwrap();
    assert_eq!(cpr.public_alternative.as_deref(), Some("Grunddataprogrammet (CPR)"));
    // Push (SF1460_A) and pull (SF1460_D) both receive messages: one of them is enough.
    let a = c.interface(&iref("SF1460_A")).unwrap();
    let d = c.interface(&iref("SF1460_D")).unwrap();
    assert!(a.same_need_group.is_some());
    assert_eq!(a.same_need_group, d.same_need_group);
}

fn numbers_of(all: &Landscape, system: &str) -> BTreeSet<String> {
    all.relations
        .iter()
        .filter(|r| r.system == system && r.municipality == SOROE)
        .filter_map(|r| r.local_number.clone())
        .collect()
}

#[test]
fn every_numbered_kmd_aktiv_interface_of_the_map_is_there_once() {
    let all = catalogue_and_demo();
    let expected: BTreeSet<String> = KMD_AKTIV_NUMBERS.iter().map(|n| n.to_string()).collect();
    assert_eq!(numbers_of(&all, "kmd-aktiv"), expected);
    let count = all.relations.iter().filter(|r| r.system == "kmd-aktiv").count();
    assert_eq!(count, KMD_AKTIV_NUMBERS.len(), "one relation per number");
    for n in KMD_AKTIV_NUMBERS {
        let id = format!("soroe-kmd-aktiv-{n}");
        assert!(all.relations.iter().any(|r| r.id == id), "{id}");
    }
}

#[test]
fn every_numbered_kmd_dagpenge_interface_of_the_map_is_there() {
    let all = catalogue_and_demo();
    let expected: BTreeSet<String> = KMD_DAGPENGE_NUMBERS.iter().map(|n| n.to_string()).collect();
    assert_eq!(numbers_of(&all, "kmd-dagpenge"), expected);
}

#[test]
fn all_four_dependency_classes_occur_among_kmd_aktivs_relations() {
    let all = catalogue_and_demo();
    let classes: HashSet<DependencyClass> = all
        .relations
        .iter()
        .filter(|r| r.system == "kmd-aktiv")
        .map(|r| r.dependency)
        .collect();
    for class in DependencyClass::ALL {
        assert!(classes.contains(&class), "{} is missing", class.label_da());
    }
    // A local interface agreement is an agreement to terminate: it must be named.
    for r in all
        .relations
        .iter()
        .filter(|r| r.dependency == DependencyClass::LocalAgreement)
    {
        assert!(r.agreement.is_some(), "{} has a local agreement without a name", r.id);
    }
}

#[test]
fn the_ky_transition_is_on_every_kmd_aktiv_relation() {
    let all = catalogue_and_demo();
    let mut decisions = HashSet::new();
    for r in all.relations.iter().filter(|r| r.system == "kmd-aktiv") {
        let t = r
            .transition
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no transition", r.id));
        decisions.insert(t.decision);
        if t.decision != TransitionDecision::NotNeeded {
            assert_eq!(t.target_system.as_deref(), Some("ky"), "{}", r.id);
        }
    }
    assert_eq!(
        decisions.len(),
        TransitionDecision::ALL.len(),
        "the KY map uses all four decisions"
    );
    // The one decision the text states outright: the LIS extract is the municipality's own agreement.
    let lis = all.relations.iter().find(|r| r.id == "soroe-kmd-aktiv-18").unwrap();
    let t = lis.transition.as_ref().unwrap();
    assert_eq!(t.decision, TransitionDecision::MunicipalityBuys);
    assert_eq!(t.target_interface, Some(iref("SID152")));
}

#[test]
fn the_legacy_systems_are_phased_out_into_their_successors() {
    let all = catalogue_and_demo();
    for (old, new) in [("kmd-aktiv", "ky"), ("kmd-dagpenge", "ksd"), ("kmd-sag", "sapa")] {
        let s = all.system(old).unwrap();
        assert_eq!(s.lifecycle, snitflade_landscape::Lifecycle::PhasingOut, "{old}");
        assert_eq!(s.replaced_by.as_deref(), Some(new), "{old}");
        assert_eq!(
            all.system(new).unwrap().lifecycle,
            snitflade_landscape::Lifecycle::PhasingIn,
            "{new}"
        );
    }
}

#[test]
fn every_soroe_relation_is_in_soroe_and_has_a_number() {
    let all = catalogue_and_demo();
    assert!(!all.relations.is_empty());
    for r in &all.relations {
        assert_eq!(r.municipality, SOROE, "{}", r.id);
        assert!(r.local_number.is_some(), "{}", r.id);
        assert!(r.id.starts_with(&format!("soroe-{}-", r.system)), "{}", r.id);
    }
}
