//! The 98 Danish municipalities (kommuner) since the 2007 reform: kommunekode and official name.
//!
//! Used where a municipality code arrives from outside without a name (the ZLPE dump's `client`), and to refuse
//! codes that are no Danish municipality (e.g. 0411 Christiansø, which is not a municipality).

use crate::Kommunekode;

/// Every municipality as (code, official name), ascending by code.
pub const MUNICIPALITIES: [(u16, &str); 98] = [
    (101, "Københavns Kommune"),
    (147, "Frederiksberg Kommune"),
    (151, "Ballerup Kommune"),
    (153, "Brøndby Kommune"),
    (155, "Dragør Kommune"),
    (157, "Gentofte Kommune"),
    (159, "Gladsaxe Kommune"),
    (161, "Glostrup Kommune"),
    (163, "Herlev Kommune"),
    (165, "Albertslund Kommune"),
    (167, "Hvidovre Kommune"),
    (169, "Høje-Taastrup Kommune"),
    (173, "Lyngby-Taarbæk Kommune"),
    (175, "Rødovre Kommune"),
    (183, "Ishøj Kommune"),
    (185, "Tårnby Kommune"),
    (187, "Vallensbæk Kommune"),
    (190, "Furesø Kommune"),
    (201, "Allerød Kommune"),
    (210, "Fredensborg Kommune"),
    (217, "Helsingør Kommune"),
    (219, "Hillerød Kommune"),
    (223, "Hørsholm Kommune"),
    (230, "Rudersdal Kommune"),
    (240, "Egedal Kommune"),
    (250, "Frederikssund Kommune"),
    (253, "Greve Kommune"),
    (259, "Køge Kommune"),
    (260, "Halsnæs Kommune"),
    (265, "Roskilde Kommune"),
    (269, "Solrød Kommune"),
    (270, "Gribskov Kommune"),
    (306, "Odsherred Kommune"),
    (316, "Holbæk Kommune"),
    (320, "Faxe Kommune"),
    (326, "Kalundborg Kommune"),
    (329, "Ringsted Kommune"),
    (330, "Slagelse Kommune"),
    (336, "Stevns Kommune"),
    (340, "Sorø Kommune"),
    (350, "Lejre Kommune"),
    (360, "Lolland Kommune"),
    (370, "Næstved Kommune"),
    (376, "Guldborgsund Kommune"),
    (390, "Vordingborg Kommune"),
    (400, "Bornholms Regionskommune"),
    (410, "Middelfart Kommune"),
    (420, "Assens Kommune"),
    (430, "Faaborg-Midtfyn Kommune"),
    (440, "Kerteminde Kommune"),
    (450, "Nyborg Kommune"),
    (461, "Odense Kommune"),
    (479, "Svendborg Kommune"),
    (480, "Nordfyns Kommune"),
    (482, "Langeland Kommune"),
    (492, "Ærø Kommune"),
    (510, "Haderslev Kommune"),
    (530, "Billund Kommune"),
    (540, "Sønderborg Kommune"),
    (550, "Tønder Kommune"),
    (561, "Esbjerg Kommune"),
    (563, "Fanø Kommune"),
    (573, "Varde Kommune"),
    (575, "Vejen Kommune"),
    (580, "Aabenraa Kommune"),
    (607, "Fredericia Kommune"),
    (615, "Horsens Kommune"),
    (621, "Kolding Kommune"),
    (630, "Vejle Kommune"),
    (657, "Herning Kommune"),
    (661, "Holstebro Kommune"),
    (665, "Lemvig Kommune"),
    (671, "Struer Kommune"),
    (706, "Syddjurs Kommune"),
    (707, "Norddjurs Kommune"),
    (710, "Favrskov Kommune"),
    (727, "Odder Kommune"),
    (730, "Randers Kommune"),
    (740, "Silkeborg Kommune"),
    (741, "Samsø Kommune"),
    (746, "Skanderborg Kommune"),
    (751, "Aarhus Kommune"),
    (756, "Ikast-Brande Kommune"),
    (760, "Ringkøbing-Skjern Kommune"),
    (766, "Hedensted Kommune"),
    (773, "Morsø Kommune"),
    (779, "Skive Kommune"),
    (787, "Thisted Kommune"),
    (791, "Viborg Kommune"),
    (810, "Brønderslev Kommune"),
    (813, "Frederikshavn Kommune"),
    (820, "Vesthimmerlands Kommune"),
    (825, "Læsø Kommune"),
    (840, "Rebild Kommune"),
    (846, "Mariagerfjord Kommune"),
    (849, "Jammerbugt Kommune"),
    (851, "Aalborg Kommune"),
    (860, "Hjørring Kommune"),
];

/// The official name of the municipality with this code, or `None` if the code is no Danish municipality.
pub fn name(code: Kommunekode) -> Option<&'static str> {
    MUNICIPALITIES
        .binary_search_by_key(&code.number(), |(c, _)| *c)
        .ok()
        .map(|i| MUNICIPALITIES[i].1)
}

/// Whether the code is one of the 98 municipalities.
pub fn is_municipality(code: Kommunekode) -> bool {
    name(code).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(s: &str) -> Kommunekode {
        Kommunekode::parse(s).unwrap()
    }

    #[test]
    fn ninety_eight_codes_in_ascending_order() {
        assert!(MUNICIPALITIES.windows(2).all(|w| w[0].0 < w[1].0));
        let names: std::collections::HashSet<_> = MUNICIPALITIES.iter().map(|(_, n)| *n).collect();
        assert_eq!(names.len(), 98);
        assert!(MUNICIPALITIES.iter().all(|(c, _)| (101..=860).contains(c)));
    }

    #[test]
    fn names_by_code() {
        assert_eq!(name(k("813")), Some("Frederikshavn Kommune"));
        assert_eq!(name(k("0340")), Some("Sorø Kommune"));
        assert_eq!(name(k("751")), Some("Aarhus Kommune"));
        assert_eq!(name(k("101")), Some("Københavns Kommune"));
        assert_eq!(name(k("860")), Some("Hjørring Kommune"));
        // Christiansø has a code but is no municipality; 0999 is nothing.
        assert_eq!(name(k("411")), None);
        assert!(!is_municipality(k("999")));
        assert!(is_municipality(k("0400")));
    }
}
