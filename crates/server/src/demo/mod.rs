//! The demo (`serve --demo`, docs/src/getting-started.md): the demo systems and their grants, the PKI in the data dir
//! and the demo data.

pub mod data;
pub mod hr;
pub mod landscape;
pub mod orders;
pub mod pki;
pub mod time;

use snitflade_domain::InterfaceId;
use snitflade_domain::InterfaceId::*;

/// A demo external system: its vendor and its grants (interface, municipalities).
pub struct DemoSystem {
    pub name: &'static str,
    pub vendor: &'static str,
    pub vendor_cvr: &'static str,
    pub grants: &'static [(InterfaceId, &'static [&'static str])],
}

/// The demo systems and their grants, exactly as the table in docs/src/getting-started.md lists them.
pub const SYSTEMS: &[DemoSystem] = &[
    DemoSystem {
        name: "maskinregistrering",
        vendor: "Maskinregistrering ApS",
        vendor_cvr: "12972997",
        grants: &[(Maskintimer, &["0340", "0751"])],
    },
    DemoSystem {
        name: "vikarsystem",
        vendor: "Vikarsystemer A/S",
        vendor_cvr: "93478878",
        grants: &[(Medarbejderoplysninger, &["0340"]), (Engangsydelse, &["0340"])],
    },
    DemoSystem {
        name: "dagtilbud",
        vendor: "Dagtilbudsplan ApS",
        vendor_cvr: "44125242",
        grants: &[
            (Medarbejderoplysninger, &["0340"]),
            (OpretFravaer, &["0340"]),
            (Fravaerskvoter, &["0340"]),
            (Moedetidsplaner, &["0340"]),
        ],
    },
    DemoSystem {
        name: "kantine",
        vendor: "Kantinedata ApS",
        vendor_cvr: "18838737",
        grants: &[(Engangsydelse, &["0340"])],
    },
    DemoSystem {
        name: "rekruttering",
        vendor: "Rekrutteringshuset A/S",
        vendor_cvr: "26786843",
        grants: &[(Personalemappe, &["0340"])],
    },
    DemoSystem {
        name: "loen",
        vendor: "Lønsystemer A/S",
        vendor_cvr: "92965724",
        grants: &[(Engangsydelse, &["0340", "0751"]), (FasteTillaeg, &["0340", "0751"])],
    },
    DemoSystem {
        name: "ingen-adgang",
        vendor: "Ingen Adgang ApS",
        vendor_cvr: "84847771",
        grants: &[],
    },
];
