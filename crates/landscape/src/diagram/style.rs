//! The visual language shared by all three formats: colours and line styles per dependency class (as-is view) and
//! per transition decision (transition view), node fill/stroke/shape per system kind, and the Danish legend texts
//! that [`crate::model`] does not already provide.
//!
//! Colours come from the Okabe–Ito palette, which stays distinguishable with the common colour-vision
//! deficiencies; the transition view also differs by dash pattern, so it reads in greyscale too.

use crate::model::{DependencyClass, Lifecycle, SystemKind, TransitionDecision};

/// How one edge is drawn: by dependency class in the as-is view, by decision in the transition view (`None` =
/// not decided yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeStyle {
    Class(DependencyClass),
    Decision(Option<TransitionDecision>),
}

impl EdgeStyle {
    pub fn colour(self) -> &'static str {
        match self {
            EdgeStyle::Class(DependencyClass::Weak) => "#009E73",
            EdgeStyle::Class(DependencyClass::Unclear) => "#E69F00",
            EdgeStyle::Class(DependencyClass::Dependency) => "#D55E00",
            EdgeStyle::Class(DependencyClass::LocalAgreement) => "#0072B2",
            EdgeStyle::Decision(Some(TransitionDecision::KombitBuys)) => "#0072B2",
            EdgeStyle::Decision(Some(TransitionDecision::KombitNegotiatesMunicipalityBuys)) => "#009E73",
            EdgeStyle::Decision(Some(TransitionDecision::MunicipalityBuys)) => "#D55E00",
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => "#7F7F7F",
            EdgeStyle::Decision(None) => "#ABABAB",
        }
    }

    /// Stroke width in px.
    pub fn width(self) -> f64 {
        match self {
            EdgeStyle::Decision(None) => 1.2,
            _ => 2.2,
        }
    }

    /// SVG `stroke-dasharray`, `None` for a solid line.
    pub fn dash(self) -> Option<&'static str> {
        match self {
            EdgeStyle::Class(_) => None,
            EdgeStyle::Decision(Some(TransitionDecision::KombitBuys)) => None,
            EdgeStyle::Decision(Some(TransitionDecision::KombitNegotiatesMunicipalityBuys)) => Some("12 5"),
            EdgeStyle::Decision(Some(TransitionDecision::MunicipalityBuys)) => Some("5 4"),
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => Some("0.1 4.5"),
            EdgeStyle::Decision(None) => None,
        }
    }

    /// The dash pattern for renderers that draw no round line caps (Mermaid), where a 0.1-long dash vanishes.
    pub fn coarse_dash(self) -> Option<&'static str> {
        match self {
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => Some("2 4"),
            _ => self.dash(),
        }
    }

    /// Graphviz `style` for the edge.
    pub fn dot_style(self) -> &'static str {
        match self {
            EdgeStyle::Decision(Some(TransitionDecision::KombitNegotiatesMunicipalityBuys)) => "dashed",
            EdgeStyle::Decision(Some(TransitionDecision::MunicipalityBuys)) => "dashed",
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => "dotted",
            _ => "solid",
        }
    }

    /// A line sample in text, for legends that cannot draw (Graphviz's HTML labels).
    pub fn text_sample(self) -> &'static str {
        match self.dash() {
            None => "━━━━━",
            Some("12 5") => "━━ ━━",
            Some("5 4") => "╍╍╍╍╍",
            Some(_) => "┈┈┈┈┈",
        }
    }

    /// A stable, XML/DOT/Mermaid-safe name (marker ids, CSS classes).
    pub fn key(self) -> &'static str {
        match self {
            EdgeStyle::Class(DependencyClass::Weak) => "weak",
            EdgeStyle::Class(DependencyClass::Unclear) => "unclear",
            EdgeStyle::Class(DependencyClass::Dependency) => "dependency",
            EdgeStyle::Class(DependencyClass::LocalAgreement) => "local-agreement",
            EdgeStyle::Decision(Some(TransitionDecision::KombitBuys)) => "kombit-buys",
            EdgeStyle::Decision(Some(TransitionDecision::KombitNegotiatesMunicipalityBuys)) => "kombit-negotiates",
            EdgeStyle::Decision(Some(TransitionDecision::MunicipalityBuys)) => "municipality-buys",
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => "not-needed",
            EdgeStyle::Decision(None) => "undecided",
        }
    }

    /// The Danish legend label.
    pub fn label_da(self) -> &'static str {
        match self {
            EdgeStyle::Class(c) => c.label_da(),
            EdgeStyle::Decision(Some(d)) => d.label_da(),
            EdgeStyle::Decision(None) => UNDECIDED_DA,
        }
    }

    /// The Danish explanation under the label in the legend, if any.
    pub fn meaning_da(self) -> Option<&'static str> {
        match self {
            EdgeStyle::Class(c) => Some(c.meaning_da()),
            EdgeStyle::Decision(Some(TransitionDecision::KombitBuys)) => {
                Some("Ny fælleskommunal løsning: KOMBIT forhandler, indkøber og betaler for etablering.")
            }
            EdgeStyle::Decision(Some(TransitionDecision::KombitNegotiatesMunicipalityBuys)) => {
                Some("Ny fælleskommunal løsning: KOMBIT forhandler, kommunerne indkøber og betaler.")
            }
            EdgeStyle::Decision(Some(TransitionDecision::MunicipalityBuys)) => {
                Some("Kommunen skal selv indgå aftale med leverandøren om integrationen.")
            }
            EdgeStyle::Decision(Some(TransitionDecision::NotNeeded)) => Some("Udgår ved udfasning af systemet."),
            EdgeStyle::Decision(None) => Some("Der er endnu ikke truffet beslutning om snitfladen."),
        }
    }
}

pub const UNDECIDED_DA: &str = "Ikke afklaret";

/// Fill, stroke and the legend label of a system kind.
pub struct KindStyle {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub label_da: &'static str,
}

pub const KINDS: [SystemKind; 4] = [
    SystemKind::Platform,
    SystemKind::External,
    SystemKind::DataWarehouse,
    SystemKind::KombitSupport,
];

pub fn kind_style(kind: SystemKind) -> KindStyle {
    match kind {
        SystemKind::Platform => KindStyle {
            fill: "#DCE9F5",
            stroke: "#2B5C8A",
            label_da: "KMD-/platformsystem",
        },
        SystemKind::External => KindStyle {
            fill: "#F1F1F1",
            stroke: "#555555",
            label_da: "Ekstern part",
        },
        SystemKind::DataWarehouse => KindStyle {
            fill: "#FBF0D3",
            stroke: "#8A6D1F",
            label_da: "Datalager",
        },
        SystemKind::KombitSupport => KindStyle {
            fill: "#E3F1E3",
            stroke: "#2E7D32",
            label_da: "KOMBIT-støttesystem",
        },
    }
}

/// A CSS/Mermaid-safe name of a system kind.
pub fn kind_key(kind: SystemKind) -> &'static str {
    match kind {
        SystemKind::Platform => "platform",
        SystemKind::External => "external",
        SystemKind::DataWarehouse => "dataWarehouse",
        SystemKind::KombitSupport => "kombitSupport",
    }
}

/// The border dash of a system in this lifecycle phase (`None` = solid).
pub fn lifecycle_dash(lifecycle: Lifecycle) -> Option<&'static str> {
    match lifecycle {
        Lifecycle::InOperation => None,
        Lifecycle::PhasingIn => Some("2 3"),
        Lifecycle::PhasingOut => Some("7 4"),
        Lifecycle::Retired => Some("2 6"),
    }
}

/// The Danish name of a lifecycle phase (shown in the legend and in tooltips).
pub fn lifecycle_da(lifecycle: Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::InOperation => "I drift",
        Lifecycle::PhasingIn => "Under indfasning",
        Lifecycle::PhasingOut => "Under udfasning",
        Lifecycle::Retired => "Udgået",
    }
}

/// The font stack used by SVG and DOT: always ends in a generic family.
pub const FONT_FAMILY: &str = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
/// The same stack for Graphviz (which takes one comma-separated name list without quotes).
pub const DOT_FONT: &str = "Helvetica,Arial,sans-serif";
