//! Interface maps ("Snitfladeoversigt", as Sorø Kommune draws them; docs/src/landscape.md) of one system: the system in
//! the centre, the systems it exchanges data with around it, one numbered edge per interface group, a legend and a
//! numbered list that explains every number. Two views — as-is (coloured by dependency class) and transition (styled by
//! who acts) — in three formats: standalone SVG (laid out here, no Graphviz needed), Graphviz DOT (nodes pinned to the
//! same layout, for `neato`) and Mermaid (`flowchart LR`, laid out by Mermaid).
//!
//! Pure and deterministic: the same landscape gives byte-identical output, whatever the order of its relations.
//!
//! Visual choices:
//! - Several relations between the centre and one counterpart that share direction and style are one edge with a
//!   combined label (`5a, 5b`), as on Sorø's "Snitfladeoversigt" maps; otherwise they are separate parallel edges.
//! - In the transition view the centre box names its successor (`→ Kommunernes Ydelsessystem`) and each edge's
//!   badge carries its target: `→ SID001–SID003` when the relation moves to that successor, or
//!   `→ Serviceplatformen (SID152)` when it moves somewhere else. The counterparts stay where they are, so the
//!   two views of a system can be laid side by side.

mod dot;
pub mod layout;
mod mermaid;
pub mod scene;
pub mod style;
mod svg;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::Landscape;

pub use layout::{Layout, Rect, layout};

/// Which map to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum View {
    /// Today's interfaces, coloured by dependency class (`as-is`).
    AsIs,
    /// What happens to each interface when the system is phased out, styled by transition decision.
    Transition,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Svg,
    Dot,
    Mermaid,
}

impl View {
    pub const ALL: [View; 2] = [View::AsIs, View::Transition];

    pub fn as_str(self) -> &'static str {
        match self {
            View::AsIs => "as-is",
            View::Transition => "transition",
        }
    }
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Svg, Format::Dot, Format::Mermaid];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
        }
    }

    /// The media type to serve the output as.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml; charset=utf-8",
            Format::Dot => "text/vnd.graphviz; charset=utf-8",
            Format::Mermaid => "text/plain; charset=utf-8",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Dot => "dot",
            Format::Mermaid => "mmd",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for View {
    type Err = DiagramError;

    fn from_str(s: &str) -> Result<View, DiagramError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "as-is" | "as_is" | "asis" => Ok(View::AsIs),
            "transition" => Ok(View::Transition),
            _ => Err(DiagramError::UnknownView(s.to_string())),
        }
    }
}

impl FromStr for Format {
    type Err = DiagramError;

    fn from_str(s: &str) -> Result<Format, DiagramError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "svg" => Ok(Format::Svg),
            "dot" | "gv" | "graphviz" => Ok(Format::Dot),
            "mermaid" | "mmd" => Ok(Format::Mermaid),
            _ => Err(DiagramError::UnknownFormat(s.to_string())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiagramError {
    #[error("unknown system {0:?}")]
    UnknownSystem(String),
    #[error("unknown view {0:?} (expected as-is or transition)")]
    UnknownView(String),
    #[error("unknown format {0:?} (expected svg, dot or mermaid)")]
    UnknownFormat(String),
}

/// Draws the interface map of `system` (a system id), with the relations of one municipality (kommunekode) or of
/// all. An unknown system is an error; a system without relations gives a map with only the centre and the
/// legend.
pub fn render(
    landscape: &Landscape,
    system: &str,
    municipality: Option<&str>,
    view: View,
    format: Format,
) -> Result<String, DiagramError> {
    match format {
        Format::Mermaid => {
            let scene = scene::build(landscape, system, municipality, view)
                .ok_or_else(|| DiagramError::UnknownSystem(system.to_string()))?;
            Ok(mermaid::write(&scene))
        }
        Format::Svg => Ok(svg::write(&layout(landscape, system, municipality, view)?)),
        Format::Dot => Ok(dot::write(&layout(landscape, system, municipality, view)?)),
    }
}
