//! Geometry: where every box, edge, number badge, legend row and list entry goes. Hand-written, deterministic and
//! independent of the output format (the SVG writer draws it; the DOT writer pins Graphviz's nodes to it).
//!
//! The centre system sits in the middle; the counterparts sit on an ellipse around it (wider than tall, since
//! boxes are), clockwise from the top in the order of [`super::scene`]; with more than ten counterparts every
//! second one moves to an outer ring. Edges are straight lines between the box borders; several edges to the
//! same counterpart are drawn parallel, a little apart, with their badges staggered along them. The ellipse
//! starts small and grows until no two boxes or badges overlap, no edge crosses a third box and every edge is
//! long enough for its badge and arrowheads. The legend stands to the right of the drawing, the numbered list of
//! interfaces below both, in as many columns as the width allows.

use super::scene::Scene;
use super::style::EdgeStyle;
use super::text::{bold_width, text_width, wrap};
use super::{DiagramError, View};
use crate::model::{Landscape, Lifecycle, SystemKind};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    fn new(x: f64, y: f64) -> Point {
        Point { x, y }
    }
}

/// An axis-aligned rectangle: `x`, `y` is the top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn around(c: Point, w: f64, h: f64) -> Rect {
        Rect {
            x: c.x - w / 2.0,
            y: c.y - h / 2.0,
            w,
            h,
        }
    }
    pub fn centre(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// True when the two rectangles come closer than `gap` to each other.
    pub fn overlaps(&self, other: &Rect, gap: f64) -> bool {
        self.x < other.right() + gap
            && other.x < self.right() + gap
            && self.y < other.bottom() + gap
            && other.y < self.bottom() + gap
    }
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x && other.y >= self.y && other.right() <= self.right() && other.bottom() <= self.bottom()
    }
    pub fn inflate(&self, by: f64) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            w: self.w + 2.0 * by,
            h: self.h + 2.0 * by,
        }
    }
    fn shift(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
    }
    fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect {
            x,
            y,
            w: self.right().max(other.right()) - x,
            h: self.bottom().max(other.bottom()) - y,
        }
    }
}

/// Lines of text starting at `x`, the first baseline at `y`, each next one `line_height` lower.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock {
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub line_height: f64,
    pub bold: bool,
    pub lines: Vec<String>,
}

impl TextBlock {
    /// The rectangle the text covers (estimated).
    pub fn bounds(&self) -> Rect {
        let w = self
            .lines
            .iter()
            .map(|l| {
                if self.bold {
                    bold_width(l, self.size)
                } else {
                    text_width(l, self.size)
                }
            })
            .fold(0.0, f64::max);
        Rect {
            x: self.x,
            y: self.y - self.size,
            w,
            h: self.size * 1.25 + self.line_height * (self.lines.len().max(1) - 1) as f64,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub scene: Scene,
    /// The viewBox is `0 0 width height`.
    pub width: f64,
    pub height: f64,
    pub title: TextBlock,
    pub subtitle: TextBlock,
    /// Same order as `scene.nodes`: `nodes[0]` is the centre.
    pub nodes: Vec<NodeBox>,
    /// Same order as `scene.edges`.
    pub edges: Vec<EdgeLine>,
    pub legend: Legend,
    /// The numbered list of interfaces; `None` when there are no relations.
    pub list: Option<List>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    pub rect: Rect,
    /// The name, wrapped and centred in the box.
    pub label: TextBlock,
    /// The centre's successor line (transition view).
    pub note: Option<TextBlock>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeLine {
    /// The end at the centre box.
    pub start: Point,
    /// The end at the counterpart box.
    pub end: Point,
    pub badge: Rect,
    /// First line the numbers (bold), second line the transition target, if any; centred in the badge.
    pub badge_lines: Vec<String>,
}

impl EdgeLine {
    pub fn midpoint(&self) -> Point {
        Point::new((self.start.x + self.end.x) / 2.0, (self.start.y + self.end.y) / 2.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    pub rect: Rect,
    pub texts: Vec<TextBlock>,
    /// A line sample per edge style.
    pub samples: Vec<(EdgeStyle, Point, Point)>,
    /// A box sample per system kind and per lifecycle phase shown.
    pub boxes: Vec<(SystemKind, Lifecycle, Rect)>,
    /// A plain arrow explaining the arrowheads.
    pub arrow: (Point, Point),
    /// A sample number badge.
    pub badge: Rect,
}

#[derive(Debug, Clone, PartialEq)]
pub struct List {
    pub rect: Rect,
    pub heading: TextBlock,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    /// The number, drawn bold in the edge's colour.
    pub number: TextBlock,
    pub style: EdgeStyle,
    pub text: TextBlock,
}

pub const MARGIN: f64 = 24.0;
const NODE_FONT: f64 = 13.0;
const NODE_LINE: f64 = 16.0;
const NODE_WRAP: f64 = 132.0;
const CENTRE_FONT: f64 = 16.0;
const CENTRE_LINE: f64 = 19.0;
const CENTRE_WRAP: f64 = 180.0;
const NOTE_FONT: f64 = 11.5;
const BADGE_FONT: f64 = 11.0;
const BADGE_LINE: f64 = 13.0;
const LEGEND_W: f64 = 380.0;
const LIST_COLUMN: f64 = 350.0;
const LIST_GAP: f64 = 26.0;
const SMALL: f64 = 11.0;
const SMALL_LINE: f64 = 13.5;

/// Lays out the diagram of `system` (see [`super::render`]).
pub fn layout(
    landscape: &Landscape,
    system: &str,
    municipality: Option<&str>,
    view: View,
) -> Result<Layout, DiagramError> {
    let scene = super::scene::build(landscape, system, municipality, view)
        .ok_or_else(|| DiagramError::UnknownSystem(system.to_string()))?;
    Ok(arrange(scene))
}

fn node_box(scene: &Scene, i: usize) -> (f64, f64, Vec<String>, Option<Vec<String>>) {
    let node = &scene.nodes[i];
    if i == 0 {
        let lines = non_empty(wrap(&node.name, CENTRE_FONT * 1.08, CENTRE_WRAP), &node.name);
        let note = node
            .note
            .as_ref()
            .map(|n| non_empty(wrap(n, NOTE_FONT, CENTRE_WRAP), n));
        let text_w = lines.iter().map(|l| bold_width(l, CENTRE_FONT)).fold(0.0, f64::max);
        let note_w = note
            .iter()
            .flatten()
            .map(|l| text_width(l, NOTE_FONT))
            .fold(0.0, f64::max);
        // A busy centre grows, so that the edges' ends and arrowheads do not pile up on its border.
        let edges = scene.edges.len() as f64;
        let w = (text_w.max(note_w) + 36.0).max(130.0).max(90.0 + 5.0 * edges);
        let h = lines.len() as f64 * CENTRE_LINE + note.as_ref().map_or(0.0, |n| n.len() as f64 * 14.0 + 4.0) + 26.0;
        (w, h.max(58.0).max(30.0 + 2.5 * edges), lines, note)
    } else {
        let lines = non_empty(wrap(&node.name, NODE_FONT, NODE_WRAP), &node.name);
        let text_w = lines.iter().map(|l| text_width(l, NODE_FONT)).fold(0.0, f64::max);
        let pad_x = if node.kind == SystemKind::KombitSupport {
            30.0
        } else {
            22.0
        };
        let w = (text_w + pad_x).max(88.0);
        let extra = if node.kind == SystemKind::DataWarehouse {
            12.0
        } else {
            0.0
        };
        let h = lines.len() as f64 * NODE_LINE + 16.0 + extra;
        (w, h.max(36.0), lines, None)
    }
}

fn non_empty(lines: Vec<String>, fallback: &str) -> Vec<String> {
    if lines.is_empty() {
        vec![if fallback.trim().is_empty() {
            "?".to_string()
        } else {
            fallback.to_string()
        }]
    } else {
        lines
    }
}

fn badge_size(lines: &[String]) -> (f64, f64) {
    let w = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                bold_width(l, BADGE_FONT)
            } else {
                text_width(l, BADGE_FONT)
            }
        })
        .fold(0.0, f64::max);
    ((w + 12.0).max(22.0), lines.len() as f64 * BADGE_LINE + 6.0)
}

/// Where a ray from `p` (inside `r`) in direction `d` leaves `r`.
fn exit(r: &Rect, p: Point, d: (f64, f64)) -> Point {
    let mut t = f64::INFINITY;
    if d.0 > 1e-9 {
        t = t.min((r.right() - p.x) / d.0);
    } else if d.0 < -1e-9 {
        t = t.min((r.x - p.x) / d.0);
    }
    if d.1 > 1e-9 {
        t = t.min((r.bottom() - p.y) / d.1);
    } else if d.1 < -1e-9 {
        t = t.min((r.y - p.y) / d.1);
    }
    if !t.is_finite() {
        t = 0.0;
    }
    Point::new(p.x + d.0 * t, p.y + d.1 * t)
}

/// Half the extent of `r` measured along the unit vector `n`.
fn extent(r: &Rect, n: (f64, f64)) -> f64 {
    n.0.abs() * r.w / 2.0 + n.1.abs() * r.h / 2.0
}

/// Does the segment `a`–`b` pass through `r`? (Liang–Barsky clipping.)
fn segment_hits(a: Point, b: Point, r: &Rect) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let mut t0: f64 = 0.0;
    let mut t1: f64 = 1.0;
    for (p, q) in [
        (-dx, a.x - r.x),
        (dx, r.right() - a.x),
        (-dy, a.y - r.y),
        (dy, r.bottom() - a.y),
    ] {
        if p.abs() < 1e-12 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 <= t1
}

struct Placement {
    rects: Vec<Rect>,
    edges: Vec<EdgeLine>,
}

fn place(scene: &Scene, sizes: &[(f64, f64)], badges: &[Vec<String>], scale: f64) -> Placement {
    let n = scene.nodes.len() - 1;
    let two_rings = n > 10;
    let mut rects = vec![Rect::around(Point::new(0.0, 0.0), sizes[0].0, sizes[0].1)];
    for i in 0..n {
        let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
        let ring = if two_rings && i % 2 == 1 { 1.45 } else { 1.0 };
        let c = Point::new(scale * 1.75 * ring * angle.cos(), scale * ring * angle.sin());
        rects.push(Rect::around(c, sizes[i + 1].0, sizes[i + 1].1));
    }
    let mut edges = Vec::with_capacity(scene.edges.len());
    for (e, edge) in scene.edges.iter().enumerate() {
        let siblings: Vec<usize> = (0..scene.edges.len())
            .filter(|&o| scene.edges[o].node == edge.node)
            .collect();
        let k = siblings.len();
        let j = siblings.iter().position(|&o| o == e).unwrap_or(0);
        let from = &rects[0];
        let to = &rects[edge.node];
        let (c, p) = (from.centre(), to.centre());
        let len = ((p.x - c.x).powi(2) + (p.y - c.y).powi(2)).sqrt().max(1e-9);
        let d = ((p.x - c.x) / len, (p.y - c.y) / len);
        let normal = (-d.1, d.0);
        let slot = j as f64 - (k as f64 - 1.0) / 2.0;
        let (offset, stagger) = if k > 1 {
            let room = 0.7 * extent(from, normal).min(extent(to, normal));
            let spacing = (2.0 * room / (k as f64 - 1.0)).min(20.0);
            (slot * spacing, slot * (0.5 / (k as f64 - 1.0)).min(0.26))
        } else {
            (0.0, 0.0)
        };
        let a = Point::new(c.x + normal.0 * offset, c.y + normal.1 * offset);
        let b = Point::new(p.x + normal.0 * offset, p.y + normal.1 * offset);
        let start = exit(&from.inflate(3.0), a, d);
        let end = exit(&to.inflate(3.0), b, (-d.0, -d.1));
        let t = 0.55 + stagger;
        let at = Point::new(start.x + (end.x - start.x) * t, start.y + (end.y - start.y) * t);
        let (bw, bh) = badge_size(&badges[e]);
        edges.push(EdgeLine {
            start,
            end,
            badge: Rect::around(at, bw, bh),
            badge_lines: badges[e].clone(),
        });
    }
    Placement { rects, edges }
}

fn acceptable(scene: &Scene, p: &Placement) -> bool {
    let rects = &p.rects;
    for i in 0..rects.len() {
        for j in i + 1..rects.len() {
            if rects[i].overlaps(&rects[j], 16.0) {
                return false;
            }
        }
    }
    for (e, line) in p.edges.iter().enumerate() {
        let (dx, dy) = (line.end.x - line.start.x, line.end.y - line.start.y);
        let len = (dx * dx + dy * dy).sqrt();
        // Pointing the wrong way means the boxes overlap along the edge.
        let centre_to_node = {
            let (c, q) = (rects[0].centre(), rects[scene.edges[e].node].centre());
            dx * (q.x - c.x) + dy * (q.y - c.y)
        };
        let along = if len > 0.0 {
            (dx.abs() * line.badge.w + dy.abs() * line.badge.h) / len
        } else {
            f64::INFINITY
        };
        if centre_to_node <= 0.0 || len < along + 56.0 {
            return false;
        }
        for (i, r) in rects.iter().enumerate() {
            if line.badge.overlaps(r, 5.0) {
                return false;
            }
            if i != 0 && i != scene.edges[e].node && segment_hits(line.start, line.end, &r.inflate(4.0)) {
                return false;
            }
        }
        for other in &p.edges[e + 1..] {
            if line.badge.overlaps(&other.badge, 4.0) {
                return false;
            }
        }
    }
    true
}

/// Places a scene.
pub fn arrange(scene: Scene) -> Layout {
    let mut sizes = Vec::new();
    let mut labels = Vec::new();
    for i in 0..scene.nodes.len() {
        let (w, h, lines, note) = node_box(&scene, i);
        sizes.push((w, h));
        labels.push((lines, note));
    }
    let badges: Vec<Vec<String>> = scene
        .edges
        .iter()
        .map(|e| {
            let mut lines = vec![e.label()];
            lines.extend(e.target.clone());
            lines
        })
        .collect();

    let mut scale = 60.0;
    let mut placement = place(&scene, &sizes, &badges, scale);
    for _ in 0..400 {
        if acceptable(&scene, &placement) {
            break;
        }
        scale *= 1.04;
        placement = place(&scene, &sizes, &badges, scale);
    }

    // Move the drawing below the title, with the margin on the left.
    let mut bounds = placement.rects[0];
    for r in &placement.rects {
        bounds = bounds.union(r);
    }
    for e in &placement.edges {
        bounds = bounds.union(&e.badge);
    }
    let title = TextBlock {
        x: MARGIN,
        y: MARGIN + 18.0,
        size: 20.0,
        line_height: 24.0,
        bold: true,
        lines: vec![scene.title.clone()],
    };
    let subtitle = TextBlock {
        x: MARGIN,
        y: MARGIN + 40.0,
        size: 13.0,
        line_height: 16.0,
        bold: false,
        lines: vec![scene.subtitle.clone()],
    };
    let top = MARGIN + 72.0;
    let (dx, dy) = (MARGIN + 10.0 - bounds.x, top - bounds.y);
    let mut rects = placement.rects;
    for r in &mut rects {
        r.shift(dx, dy);
    }
    let mut edges = placement.edges;
    for e in &mut edges {
        e.start = Point::new(e.start.x + dx, e.start.y + dy);
        e.end = Point::new(e.end.x + dx, e.end.y + dy);
        e.badge.shift(dx, dy);
    }
    let drawing_right = MARGIN + 10.0 + bounds.w;
    let drawing_bottom = top + bounds.h;

    let nodes = rects
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (rect, (lines, note)))| node_text(&scene, i, rect, lines, note))
        .collect();

    let legend = legend(&scene, Point::new(drawing_right + 40.0, top));
    let content_right = legend
        .rect
        .right()
        .max(title.bounds().right())
        .max(subtitle.bounds().right());
    let list_top = drawing_bottom.max(legend.rect.bottom()) + 30.0;
    let list = list(&scene, MARGIN, list_top, content_right - MARGIN);

    let mut right = content_right;
    let mut bottom = drawing_bottom.max(legend.rect.bottom());
    if let Some(l) = &list {
        right = right.max(l.rect.right());
        bottom = bottom.max(l.rect.bottom());
    }
    Layout {
        width: (right + MARGIN).ceil(),
        height: (bottom + MARGIN).ceil(),
        scene,
        title,
        subtitle,
        nodes,
        edges,
        legend,
        list,
    }
}

fn node_text(scene: &Scene, i: usize, rect: &Rect, lines: Vec<String>, note: Option<Vec<String>>) -> NodeBox {
    let c = rect.centre();
    let (size, line) = if i == 0 {
        (CENTRE_FONT, CENTRE_LINE)
    } else {
        (NODE_FONT, NODE_LINE)
    };
    let note_h = note.as_ref().map_or(0.0, |n| n.len() as f64 * 14.0 + 4.0);
    let text_h = (lines.len() as f64 - 1.0) * line + note_h;
    // Baseline of the first line: the block is centred, a cap height is about 0.7 of the font size.
    let shift = if scene.nodes[i].kind == SystemKind::DataWarehouse {
        4.0
    } else {
        0.0
    };
    let y = c.y - text_h / 2.0 + size * 0.35 + shift;
    let label = TextBlock {
        x: c.x,
        y,
        size,
        line_height: line,
        bold: i == 0,
        lines: lines.clone(),
    };
    let note = note.map(|n| TextBlock {
        x: c.x,
        y: y + (lines.len() as f64 - 1.0) * line + 18.0,
        size: NOTE_FONT,
        line_height: 14.0,
        bold: false,
        lines: n,
    });
    NodeBox {
        rect: *rect,
        label,
        note,
    }
}

fn legend(scene: &Scene, at: Point) -> Legend {
    let x = at.x;
    let mut y = at.y + 12.0;
    let mut texts = Vec::new();
    let mut samples = Vec::new();
    let mut boxes = Vec::new();
    let text_x = x + 62.0;
    let text_w = LEGEND_W - 74.0;

    let heading = |texts: &mut Vec<TextBlock>, y: &mut f64, text: &str, size: f64| {
        *y += size;
        texts.push(TextBlock {
            x: x + 12.0,
            y: *y,
            size,
            line_height: size + 3.0,
            bold: true,
            lines: vec![text.to_string()],
        });
        *y += 10.0;
    };

    heading(&mut texts, &mut y, "Signaturforklaring", 15.0);
    let section = match scene.view {
        View::AsIs => "Snitfladens afhængighed (stregens farve)",
        View::Transition => "Håndtering ved transition (stregens farve og type)",
    };
    heading(&mut texts, &mut y, section, 12.0);
    for &style in &scene.legend {
        let label = wrap(style.label_da(), 12.0 * 1.08, text_w);
        let first = y + 12.0;
        samples.push((
            style,
            Point::new(x + 12.0, first - 4.0),
            Point::new(x + 52.0, first - 4.0),
        ));
        texts.push(TextBlock {
            x: text_x,
            y: first,
            size: 12.0,
            line_height: 15.0,
            bold: true,
            lines: label.clone(),
        });
        y = first + (label.len() as f64 - 1.0) * 15.0;
        if let Some(meaning) = style.meaning_da() {
            let lines = wrap(meaning, SMALL, text_w);
            texts.push(TextBlock {
                x: text_x,
                y: y + SMALL_LINE + 1.0,
                size: SMALL,
                line_height: SMALL_LINE,
                bold: false,
                lines: lines.clone(),
            });
            y += 1.0 + lines.len() as f64 * SMALL_LINE;
        }
        y += 10.0;
    }

    // Numbers and arrows.
    y += 4.0;
    let badge = Rect::around(Point::new(x + 32.0, y + 8.0), 28.0, 19.0);
    let badge_text = match scene.view {
        View::AsIs => "Snitfladens nummer – se listen over snitflader",
        View::Transition => "Nummer; → ny snitflade (KOMBIT-id) eller nyt system",
    };
    let lines = wrap(badge_text, SMALL, text_w);
    texts.push(TextBlock {
        x: text_x,
        y: y + 12.0,
        size: SMALL,
        line_height: SMALL_LINE,
        bold: false,
        lines: lines.clone(),
    });
    y += 12.0 + (lines.len() as f64 - 1.0) * SMALL_LINE + 14.0;
    let arrow = (Point::new(x + 12.0, y + 2.0), Point::new(x + 52.0, y + 2.0));
    texts.push(TextBlock {
        x: text_x,
        y: y + 6.0,
        size: SMALL,
        line_height: SMALL_LINE,
        bold: false,
        lines: vec!["Dataretning (pil i begge ender: begge veje)".to_string()],
    });
    y += 22.0;

    heading(&mut texts, &mut y, "Systemer", 12.0);
    let mut rows: Vec<(SystemKind, Lifecycle, &str)> = super::style::KINDS
        .iter()
        .map(|&k| (k, Lifecycle::InOperation, super::style::kind_style(k).label_da))
        .collect();
    for &phase in &scene.lifecycles {
        rows.push((SystemKind::Platform, phase, super::style::lifecycle_da(phase)));
    }
    for (kind, phase, label) in rows {
        let r = Rect {
            x: x + 12.0,
            y,
            w: 40.0,
            h: 20.0,
        };
        boxes.push((kind, phase, r));
        texts.push(TextBlock {
            x: text_x,
            y: y + 14.0,
            size: 12.0,
            line_height: 15.0,
            bold: false,
            lines: vec![label.to_string()],
        });
        y += 28.0;
    }
    y += 4.0;
    Legend {
        rect: Rect {
            x,
            y: at.y,
            w: LEGEND_W,
            h: y - at.y,
        },
        texts,
        samples,
        boxes,
        arrow,
        badge,
    }
}

fn list(scene: &Scene, x: f64, top: f64, width: f64) -> Option<List> {
    if scene.entries.is_empty() {
        return None;
    }
    let columns = (((width + LIST_GAP) / (LIST_COLUMN + LIST_GAP)).floor() as usize).max(1);
    let heading = TextBlock {
        x: x + 10.0,
        y: top + 16.0,
        size: 15.0,
        line_height: 18.0,
        bold: true,
        lines: vec!["Snitflader".to_string()],
    };
    let number_column = scene
        .entries
        .iter()
        .map(|e| bold_width(&e.number, SMALL + 0.5) + 12.0)
        .fold(34.0, f64::max)
        .min(LIST_COLUMN / 2.0);
    let wrapped: Vec<Vec<String>> = scene
        .entries
        .iter()
        .map(|e| non_empty(wrap(&e.text, SMALL, LIST_COLUMN - number_column - 10.0), "–"))
        .collect();
    let heights: Vec<f64> = wrapped.iter().map(|l| l.len() as f64 * SMALL_LINE + 6.0).collect();
    let total: f64 = heights.iter().sum();
    let per_column = total / columns as f64;
    let first_y = top + 40.0;
    let mut items = Vec::new();
    let (mut column, mut y, mut bottom) = (0usize, first_y, first_y);
    for (i, (entry, lines)) in scene.entries.iter().zip(wrapped).enumerate() {
        let used = y - first_y;
        if used > 0.0 && used + heights[i] / 2.0 > per_column && column + 1 < columns {
            column += 1;
            y = first_y;
        }
        let cx = x + 10.0 + column as f64 * (LIST_COLUMN + LIST_GAP);
        items.push(ListItem {
            number: TextBlock {
                x: cx,
                y: y + SMALL,
                size: SMALL + 0.5,
                line_height: SMALL_LINE,
                bold: true,
                lines: vec![entry.number.clone()],
            },
            style: entry.style,
            text: TextBlock {
                x: cx + number_column,
                y: y + SMALL,
                size: SMALL,
                line_height: SMALL_LINE,
                bold: false,
                lines,
            },
        });
        y += heights[i];
        bottom = bottom.max(y);
    }
    let used_columns = column + 1;
    Some(List {
        rect: Rect {
            x,
            y: top,
            w: 20.0 + used_columns as f64 * LIST_COLUMN + (used_columns - 1) as f64 * LIST_GAP,
            h: bottom - top + 8.0,
        },
        heading,
        items,
    })
}
