//! The interface ids (the table in docs/src/introduction.md): they name an interface in grants, orders, prices, metrics
//! and events.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterfaceId {
    Maskintimer,
    Medarbejderoplysninger,
    OpretFravaer,
    Fravaerskvoter,
    Moedetidsplaner,
    Personalemappe,
    Engangsydelse,
    FasteTillaeg,
    Beskedfordeler,
}

impl InterfaceId {
    pub const ALL: [InterfaceId; 9] = [
        Self::Maskintimer,
        Self::Medarbejderoplysninger,
        Self::OpretFravaer,
        Self::Fravaerskvoter,
        Self::Moedetidsplaner,
        Self::Personalemappe,
        Self::Engangsydelse,
        Self::FasteTillaeg,
        Self::Beskedfordeler,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maskintimer => "maskintimer",
            Self::Medarbejderoplysninger => "medarbejderoplysninger",
            Self::OpretFravaer => "opret-fravaer",
            Self::Fravaerskvoter => "fravaerskvoter",
            Self::Moedetidsplaner => "moedetidsplaner",
            Self::Personalemappe => "personalemappe",
            Self::Engangsydelse => "engangsydelse",
            Self::FasteTillaeg => "faste-tillaeg",
            Self::Beskedfordeler => "beskedfordeler",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == s)
    }
}

impl fmt::Display for InterfaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_roundtrip() {
        for i in InterfaceId::ALL {
            assert_eq!(InterfaceId::parse(i.as_str()), Some(i));
            assert_eq!(serde_json::to_string(&i).unwrap(), format!("\"{}\"", i.as_str()));
        }
        assert_eq!(InterfaceId::parse("nope"), None);
    }
}
