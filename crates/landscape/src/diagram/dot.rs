//! The Graphviz writer: the same nodes, edges, colours and styles as the SVG, as a `digraph` for `neato` with every
//! node pinned (`pos="x,y!"`) to the hand-made layout, so Graphviz only routes the edges. The legend and the
//! numbered list are two HTML-table nodes. Strings are DOT-escaped (`\"`, `\\`), HTML labels XML-escaped.

use std::fmt::Write;

use super::layout::{Layout, Rect, TextBlock};
use super::style::{DOT_FONT, kind_style, lifecycle_da};
use super::svg::escape as html;
use super::text::{num, printable};
use crate::model::{Direction, Lifecycle, SystemKind};

/// Escapes text for a double-quoted DOT string. Line breaks are added by the caller as `\n`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in printable(s).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Several lines as one quoted DOT string, joined with centred line breaks.
fn quote_lines(lines: &[String]) -> String {
    let inner: Vec<String> = lines
        .iter()
        .map(|l| {
            let q = quote(l);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    format!("\"{}\"", inner.join("\\n"))
}

pub fn write(layout: &Layout) -> String {
    let scene = &layout.scene;
    let height = layout.height;
    // Graphviz's y axis points up; positions are in points (inputscale=72).
    let pos = |x: f64, y: f64| format!("\"{},{}!\"", num(x), num(height - y));
    let inches = |v: f64| format!("{:.2}", v / 72.0);

    let mut out = String::new();
    let _ = writeln!(out, "// {}", printable(&scene.title));
    out.push_str("// Nodes are pinned to snitflade's layout: render with `neato -Tsvg` (or `dot -Kneato`).\n");
    out.push_str("digraph snitfladeoversigt {\n");
    let _ = writeln!(
        out,
        "  graph [layout=neato, inputscale=72, splines=true, overlap=true, sep=\"+2\", outputorder=edgesfirst, \
         bgcolor=\"#FFFFFF\", fontname={}, fontsize=18, labelloc=t, labeljust=l, label={}];",
        quote(DOT_FONT),
        quote_lines(&[scene.title.clone(), scene.subtitle.clone()])
    );
    let _ = writeln!(
        out,
        "  node [fontname={}, fontsize=12, fontcolor=\"#1A1A1A\", margin=\"0.12,0.06\"];",
        quote(DOT_FONT)
    );
    let _ = writeln!(
        out,
        "  edge [fontname={}, fontsize=10, fontcolor=\"#1A1A1A\", arrowsize=0.8];",
        quote(DOT_FONT)
    );

    for (i, (node, placed)) in scene.nodes.iter().zip(&layout.nodes).enumerate() {
        let style = kind_style(node.kind);
        let (shape, mut styles) = match node.kind {
            SystemKind::Platform => ("box", vec!["filled"]),
            SystemKind::External => ("box", vec!["filled", "rounded"]),
            SystemKind::DataWarehouse => ("cylinder", vec!["filled"]),
            SystemKind::KombitSupport => ("hexagon", vec!["filled"]),
        };
        match node.lifecycle {
            Lifecycle::InOperation => {}
            Lifecycle::PhasingOut => styles.push("dashed"),
            Lifecycle::PhasingIn | Lifecycle::Retired => styles.push("dotted"),
        }
        let mut label = placed.label.lines.clone();
        if let Some(note) = &placed.note {
            label.extend(note.lines.iter().cloned());
        }
        let c = placed.rect.centre();
        let _ = write!(
            out,
            "  n{i} [id={}, label={}, tooltip={}, shape={shape}, style={}, fillcolor=\"{}\", color=\"{}\", \
             penwidth={}, width={}, height={}, pos={}",
            quote(&format!("system-{}", node.id)),
            quote_lines(&label),
            quote(&format!(
                "{} ({}, {})",
                node.name,
                style.label_da,
                lifecycle_da(node.lifecycle).to_lowercase()
            )),
            quote(&styles.join(",")),
            style.fill,
            style.stroke,
            if i == 0 { "3" } else { "1.5" },
            inches(placed.rect.w),
            inches(placed.rect.h),
            pos(c.x, c.y),
        );
        if i == 0 {
            out.push_str(", fontsize=15, fontname=\"Helvetica-Bold,Arial-Bold,sans-serif\"");
        }
        out.push_str("];\n");
    }

    for edge in &scene.edges {
        let dir = match edge.flow {
            Direction::To => "forward",
            Direction::From => "back",
            Direction::Both => "both",
        };
        let mut label = vec![edge.label()];
        label.extend(edge.target.clone());
        let _ = writeln!(
            out,
            "  n0 -> n{} [label={}, tooltip={}, color=\"{}\", style={}, penwidth={}, dir={dir}];",
            edge.node,
            quote_lines(&label),
            quote(&format!("{} – {}", edge.label(), edge.summary)),
            edge.style.colour(),
            edge.style.dot_style(),
            num(edge.style.width()),
        );
    }

    legend(&mut out, layout, &pos);
    if let Some(list) = &layout.list {
        // One cell per column of the SVG's list, so the node is as tall as the space the layout gave it.
        let mut columns: Vec<(f64, String)> = Vec::new();
        for item in &list.items {
            let row = format!(
                "<tr><td align=\"left\" valign=\"top\"><font color=\"{}\"><b>{}</b></font></td>\
                 <td align=\"left\" balign=\"left\">{}</td></tr>",
                item.style.colour(),
                html(&item.number.lines.join(" ")),
                lines_html(&item.text)
            );
            match columns.iter_mut().find(|(x, _)| (*x - item.number.x).abs() < 0.5) {
                Some((_, rows)) => rows.push_str(&row),
                None => columns.push((item.number.x, row)),
            }
        }
        let cells: String = columns
            .iter()
            .map(|(_, rows)| {
                format!(
                    "<td valign=\"top\"><table border=\"0\" cellborder=\"0\" cellspacing=\"0\" \
                     cellpadding=\"2\">{rows}</table></td>"
                )
            })
            .collect();
        let rows = format!(
            "<tr><td colspan=\"{}\" align=\"left\"><b>{}</b></td></tr><tr>{cells}</tr>",
            columns.len(),
            html(&list.heading.lines.join(" "))
        );
        table_node(&mut out, "interfaces", &rows, &list.rect, &pos);
    }
    out.push_str("}\n");
    out
}

fn lines_html(block: &TextBlock) -> String {
    block.lines.iter().map(|l| html(l)).collect::<Vec<_>>().join("<br/>")
}

fn legend(out: &mut String, layout: &Layout, pos: &dyn Fn(f64, f64) -> String) {
    let scene = &layout.scene;
    let mut rows = String::from("<tr><td colspan=\"2\" align=\"left\"><b>Signaturforklaring</b></td></tr>");
    for style in &scene.legend {
        let meaning = style
            .meaning_da()
            .map(|m| {
                let lines = super::text::wrap(m, 11.0, 300.0);
                format!(
                    "<br/><font point-size=\"10\">{}</font>",
                    lines.iter().map(|l| html(l)).collect::<Vec<_>>().join("<br/>")
                )
            })
            .unwrap_or_default();
        let _ = write!(
            rows,
            "<tr><td align=\"left\" valign=\"top\"><font color=\"{}\">{}</font></td>\
             <td align=\"left\" balign=\"left\"><b>{}</b>{meaning}</td></tr>",
            style.colour(),
            style.text_sample(),
            html(style.label_da())
        );
    }
    for kind in super::style::KINDS {
        let s = kind_style(kind);
        let _ = write!(
            rows,
            "<tr><td bgcolor=\"{}\" border=\"1\" color=\"{}\"> </td><td align=\"left\">{}</td></tr>",
            s.fill,
            s.stroke,
            html(s.label_da)
        );
    }
    for &phase in &scene.lifecycles {
        let _ = write!(
            rows,
            "<tr><td align=\"left\">┄┄┄</td><td align=\"left\">{} (stiplet kant)</td></tr>",
            html(lifecycle_da(phase))
        );
    }
    table_node(out, "legend", &rows, &layout.legend.rect, pos);
}

fn table_node(out: &mut String, id: &str, rows: &str, rect: &Rect, pos: &dyn Fn(f64, f64) -> String) {
    let c = rect.centre();
    let _ = writeln!(
        out,
        "  {id} [shape=plain, pos={}, label=<<table border=\"1\" color=\"#BBBBBB\" bgcolor=\"#FAFAFA\" \
         cellborder=\"0\" cellspacing=\"2\" cellpadding=\"3\">{rows}</table>>];",
        pos(c.x, c.y)
    );
}
