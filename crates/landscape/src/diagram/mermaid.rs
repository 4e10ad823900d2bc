//! The Mermaid writer: a `flowchart LR` of the same systems and edges. Mermaid lays it out itself; writing the
//! edges from the data's source to its destination puts the systems that feed the centre on its left and the
//! ones it feeds on its right. Colours and dashes go in `linkStyle` lines (one per edge, by index), node shapes
//! and colours by system kind in `classDef`s, and a small legend subgraph names the styles. Every text is
//! escaped with Mermaid's entity codes (`#quot;`, `#amp;`, …), so no label can break the syntax.

use std::fmt::Write;

use super::scene::Scene;
use super::style::{KINDS, kind_key, kind_style, lifecycle_dash};
use super::text::{printable, truncate};
use crate::model::{Direction, SystemKind};

/// Escapes text for a Mermaid label: every character that Mermaid's grammar or HTML could read as syntax
/// becomes an entity code.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '|' => out.push_str("#124;"),
            ';' => out.push_str("#59;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '(' => out.push_str("#40;"),
            ')' => out.push_str("#41;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '`' => out.push_str("#96;"),
            '%' => out.push_str("#37;"),
            c => out.push(c),
        }
    }
    out
}

pub fn write(scene: &Scene) -> String {
    let mut out = String::new();
    out.push_str("---\n");
    // A YAML double-quoted scalar escapes `"` and `\\` exactly as a DOT string does.
    let _ = writeln!(out, "title: {}", super::dot::quote(&scene.title));
    out.push_str("---\n");
    out.push_str("flowchart LR\n");
    let _ = writeln!(out, "  %% {}", escape(&scene.subtitle));

    for (i, node) in scene.nodes.iter().enumerate() {
        let mut label = escape(&node.name);
        if let Some(note) = &node.note {
            label.push_str("<br/>");
            label.push_str(&escape(note));
        }
        let (open, close) = match node.kind {
            SystemKind::Platform => ("[\"", "\"]"),
            SystemKind::External => ("(\"", "\")"),
            SystemKind::DataWarehouse => ("[(\"", "\")]"),
            SystemKind::KombitSupport => ("{{\"", "\"}}"),
        };
        let _ = writeln!(out, "  n{i}{open}{label}{close}");
    }

    for edge in &scene.edges {
        let mut label = edge.label();
        match &edge.target {
            Some(target) => {
                label.push(' ');
                label.push_str(target);
            }
            None => {
                label.push_str(": ");
                label.push_str(&truncate(&edge.summary, 40));
            }
        }
        let label = escape(&label);
        let n = edge.node;
        let _ = match edge.flow {
            Direction::To => writeln!(out, "  n0 -->|{label}| n{n}"),
            Direction::From => writeln!(out, "  n{n} -->|{label}| n0"),
            Direction::Both => writeln!(out, "  n0 <-->|{label}| n{n}"),
        };
    }

    out.push_str("  subgraph legend[\"Signaturforklaring\"]\n    direction TB\n");
    for (i, style) in scene.legend.iter().enumerate() {
        let _ = writeln!(out, "    legend{i}[\"{}\"]", escape(style.label_da()));
    }
    out.push_str("  end\n");

    for kind in KINDS {
        let s = kind_style(kind);
        let _ = writeln!(
            out,
            "  classDef {} fill:{},stroke:{},color:#1A1A1A",
            kind_key(kind),
            s.fill,
            s.stroke
        );
    }
    for kind in KINDS {
        let ids: Vec<String> = scene
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == kind)
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {}", ids.join(","), kind_key(kind));
        }
    }
    for (i, node) in scene.nodes.iter().enumerate() {
        let mut styles = Vec::new();
        if i == 0 {
            styles.push("stroke-width:3px".to_string());
        }
        if let Some(dash) = lifecycle_dash(node.lifecycle) {
            styles.push(format!("stroke-dasharray:{dash}"));
        }
        if !styles.is_empty() {
            let _ = writeln!(out, "  style n{i} {}", styles.join(","));
        }
    }
    for (i, edge) in scene.edges.iter().enumerate() {
        let _ = writeln!(out, "  linkStyle {i} {}", link_style(edge.style));
    }
    for (i, style) in scene.legend.iter().enumerate() {
        let mut s = format!("fill:#FFFFFF,stroke:{},stroke-width:3px", style.colour());
        if let Some(dash) = style.coarse_dash() {
            let _ = write!(s, ",stroke-dasharray:{dash}");
        }
        let _ = writeln!(out, "  style legend{i} {s}");
    }
    out
}

fn link_style(style: super::style::EdgeStyle) -> String {
    let mut s = format!(
        "stroke:{},stroke-width:{}px",
        style.colour(),
        super::text::num(style.width())
    );
    if let Some(dash) = style.coarse_dash() {
        let _ = write!(s, ",stroke-dasharray:{dash}");
    }
    s
}
