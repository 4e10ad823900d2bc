//! The SVG writer: draws a [`Layout`] as one standalone SVG document (no scripts, no external fonts, images or
//! stylesheets), with every text XML-escaped and every number printed with one decimal so the output is
//! byte-stable.

use std::fmt::Write;

use super::layout::{Layout, Point, Rect, TextBlock};
use super::style::{EdgeStyle, FONT_FAMILY, kind_style, lifecycle_da, lifecycle_dash};
use super::text::{num, printable};
use crate::model::{Direction, Lifecycle, SystemKind};

/// Escapes text for XML character data and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

const INK: &str = "#1A1A1A";
const MUTED: &str = "#444444";

pub fn write(layout: &Layout) -> String {
    let scene = &layout.scene;
    let mut out = String::new();
    let (w, h) = (num(layout.width), num(layout.height));
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
         height=\"{h}\" font-family=\"{}\" role=\"group\" aria-labelledby=\"diagram-title\">",
        escape(FONT_FAMILY)
    );
    let _ = writeln!(
        out,
        "<title id=\"diagram-title\">{}</title>",
        escape(&format!("{} ({})", scene.title, scene.subtitle))
    );

    // Arrowheads: one pair per edge style in use, and a neutral one for the legend.
    let mut styles: Vec<EdgeStyle> = scene.edges.iter().map(|e| e.style).collect();
    styles.sort();
    styles.dedup();
    out.push_str("<defs>\n");
    for style in &styles {
        marker(&mut out, style.key(), style.colour());
    }
    marker(&mut out, "legend", MUTED);
    out.push_str("</defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0.0\" y=\"0.0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>"
    );

    out.push_str("<g id=\"heading\">\n");
    text(&mut out, &layout.title, "start", INK);
    text(&mut out, &layout.subtitle, "start", MUTED);
    out.push_str("</g>\n");

    // Edges first, so boxes and badges cover their ends.
    out.push_str("<g id=\"edges\" fill=\"none\">\n");
    for (edge, line) in scene.edges.iter().zip(&layout.edges) {
        let (a, b) = match edge.flow {
            Direction::From => (line.end, line.start),
            Direction::To | Direction::Both => (line.start, line.end),
        };
        let key = edge.style.key();
        let _ = write!(
            out,
            "<g class=\"edge {key}\"><title>{}</title><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" \
             stroke-width=\"{}\" stroke-linecap=\"round\"",
            escape(&edge_title(layout, edge)),
            num(a.x),
            num(a.y),
            num(b.x),
            num(b.y),
            edge.style.colour(),
            num(edge.style.width()),
        );
        if let Some(dash) = edge.style.dash() {
            let _ = write!(out, " stroke-dasharray=\"{dash}\"");
        }
        if edge.flow == Direction::Both {
            let _ = write!(out, " marker-start=\"url(#start-{key})\"");
        }
        let _ = writeln!(out, " marker-end=\"url(#end-{key})\"/></g>");
    }
    out.push_str("</g>\n");

    out.push_str("<g id=\"systems\">\n");
    for (i, (node, placed)) in scene.nodes.iter().zip(&layout.nodes).enumerate() {
        let role = if i == 0 { "centre" } else { "counterpart" };
        // A counterpart links to its own map: `?system=<id>` keeps the page it is shown on (the API's diagram, the
        // console's landscape page) and changes the system.
        if i > 0 {
            let _ = write!(out, "<a href=\"?system={}\">", escape(&query_value(&node.id)));
        }
        let _ = write!(
            out,
            "<g class=\"system {role}\"><title>{}</title>",
            escape(&format!(
                "{} ({}, {})",
                node.name,
                kind_style(node.kind).label_da,
                lifecycle_da(node.lifecycle).to_lowercase()
            ))
        );
        let stroke_width = if i == 0 { 3.0 } else { 1.5 };
        shape(&mut out, node.kind, node.lifecycle, &placed.rect, stroke_width, None);
        out.push('\n');
        text(&mut out, &placed.label, "middle", INK);
        if let Some(note) = &placed.note {
            text(&mut out, note, "middle", MUTED);
        }
        out.push_str("</g>");
        if i > 0 {
            out.push_str("</a>");
        }
        out.push('\n');
    }
    out.push_str("</g>\n");

    out.push_str("<g id=\"badges\">\n");
    for (edge, line) in scene.edges.iter().zip(&layout.edges) {
        badge(&mut out, &line.badge, &line.badge_lines, edge.style.colour());
    }
    out.push_str("</g>\n");

    legend(&mut out, layout);

    if let Some(list) = &layout.list {
        out.push_str("<g id=\"interfaces\">\n");
        text(&mut out, &list.heading, "start", INK);
        for item in &list.items {
            text(&mut out, &item.number, "start", item.style.colour());
            text(&mut out, &item.text, "start", INK);
        }
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

fn edge_title(layout: &Layout, edge: &super::scene::Edge) -> String {
    let scene = &layout.scene;
    let (centre, other) = (&scene.nodes[0].name, &scene.nodes[edge.node].name);
    let arrow = match edge.flow {
        Direction::To => format!("{centre} → {other}"),
        Direction::From => format!("{other} → {centre}"),
        Direction::Both => format!("{centre} ↔ {other}"),
    };
    let mut title = format!("{}: {arrow} – {}", edge.label(), edge.style.label_da());
    if let Some(target) = &edge.target {
        title.push_str(&format!(" {target}"));
    }
    title
}

fn marker(out: &mut String, key: &str, colour: &str) {
    let _ = writeln!(
        out,
        "<marker id=\"end-{key}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"10\" \
         markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M 0 0 L 10 5 L 0 10 Z\" \
         fill=\"{colour}\"/></marker>"
    );
    let _ = writeln!(
        out,
        "<marker id=\"start-{key}\" viewBox=\"0 0 10 10\" refX=\"1\" refY=\"5\" markerWidth=\"10\" \
         markerHeight=\"10\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M 10 0 L 0 5 L 10 10 Z\" \
         fill=\"{colour}\"/></marker>"
    );
}

/// The outline of a system box: plain box (platform), rounded box (external), cylinder (data warehouse),
/// hexagon (KOMBIT support); dashed/dotted border by lifecycle. `fill` overrides the kind's fill.
fn shape(out: &mut String, kind: SystemKind, lifecycle: Lifecycle, r: &Rect, stroke_width: f64, fill: Option<&str>) {
    let style = kind_style(kind);
    let fill = fill.unwrap_or(style.fill);
    let mut paint = format!(
        "fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{}\"",
        style.stroke,
        num(stroke_width)
    );
    if let Some(dash) = lifecycle_dash(lifecycle) {
        let _ = write!(paint, " stroke-dasharray=\"{dash}\"");
    }
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    match kind {
        SystemKind::Platform | SystemKind::External => {
            let radius = if kind == SystemKind::External {
                (h / 2.0).min(12.0)
            } else {
                3.0
            };
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" {paint}/>",
                num(x),
                num(y),
                num(w),
                num(h),
                num(radius)
            );
        }
        SystemKind::DataWarehouse => {
            let ry = (h / 6.0).min(7.0);
            let _ = write!(
                out,
                "<path d=\"M {x0} {top} A {rx} {ry} 0 0 1 {x1} {top} L {x1} {bot} A {rx} {ry} 0 0 1 {x0} {bot} Z\" \
                 {paint}/><path d=\"M {x0} {top} A {rx} {ry} 0 0 0 {x1} {top}\" fill=\"none\" stroke=\"{}\" \
                 stroke-width=\"{}\"/>",
                style.stroke,
                num(stroke_width),
                x0 = num(x),
                x1 = num(x + w),
                top = num(y + ry),
                bot = num(y + h - ry),
                rx = num(w / 2.0),
                ry = num(ry),
            );
        }
        SystemKind::KombitSupport => {
            let cut = (h / 2.0).min(10.0);
            let points = [
                Point { x: x + cut, y },
                Point { x: x + w - cut, y },
                Point {
                    x: x + w,
                    y: y + h / 2.0,
                },
                Point {
                    x: x + w - cut,
                    y: y + h,
                },
                Point { x: x + cut, y: y + h },
                Point { x, y: y + h / 2.0 },
            ]
            .iter()
            .map(|p| format!("{},{}", num(p.x), num(p.y)))
            .collect::<Vec<_>>()
            .join(" ");
            let _ = write!(out, "<polygon points=\"{points}\" {paint}/>");
        }
    }
}

fn text(out: &mut String, block: &TextBlock, anchor: &str, fill: &str) {
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{fill}\"",
        num(block.x),
        num(block.y),
        num(block.size)
    );
    if block.bold {
        out.push_str(" font-weight=\"bold\"");
    }
    if anchor != "start" {
        let _ = write!(out, " text-anchor=\"{anchor}\"");
    }
    out.push('>');
    for (i, line) in block.lines.iter().enumerate() {
        let _ = write!(
            out,
            "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
            num(block.x),
            num(block.y + i as f64 * block.line_height),
            escape(line)
        );
    }
    out.push_str("</text>\n");
}

fn badge(out: &mut String, r: &Rect, lines: &[String], colour: &str) {
    let _ = write!(
        out,
        "<g class=\"badge\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"#FFFFFF\" \
         stroke=\"{colour}\" stroke-width=\"1.5\"/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h),
        num((r.h / 2.0).min(9.5))
    );
    let c = r.centre();
    let first = c.y - (lines.len() as f64 - 1.0) * 6.5 + 4.0;
    for (i, line) in lines.iter().enumerate() {
        let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11.0\"{weight} text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            num(c.x),
            num(first + i as f64 * 13.0),
            escape(line)
        );
    }
    out.push_str("</g>\n");
}

fn legend(out: &mut String, layout: &Layout) {
    let legend = &layout.legend;
    let r = &legend.rect;
    out.push_str("<g id=\"legend\">\n");
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6.0\" fill=\"#FAFAFA\" stroke=\"#BBBBBB\" \
         stroke-width=\"1.0\"/>",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    );
    for (style, a, b) in &legend.samples {
        let _ = write!(
            out,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\" stroke-linecap=\"round\"",
            num(a.x),
            num(a.y),
            num(b.x),
            num(b.y),
            style.colour(),
            num(style.width() + 0.6)
        );
        if let Some(dash) = style.dash() {
            let _ = write!(out, " stroke-dasharray=\"{dash}\"");
        }
        out.push_str("/>\n");
    }
    let (a, b) = legend.arrow;
    let _ = writeln!(
        out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{MUTED}\" stroke-width=\"1.6\" \
         marker-end=\"url(#end-legend)\"/>",
        num(a.x),
        num(a.y),
        num(b.x - 2.0),
        num(b.y)
    );
    badge(out, &legend.badge, &["5a".to_string()], MUTED);
    for (kind, lifecycle, rect) in &legend.boxes {
        let fill = (*lifecycle != Lifecycle::InOperation).then_some("#FFFFFF");
        shape(out, *kind, *lifecycle, rect, 1.5, fill);
        out.push('\n');
    }
    for block in &legend.texts {
        text(out, block, "start", INK);
    }
    out.push_str("</g>\n");
}

/// A system id as a URL query value (ids are slugs; anything else is percent-encoded).
fn query_value(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
