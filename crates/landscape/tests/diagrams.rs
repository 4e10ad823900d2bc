//! Diagrams (issue 8): golden files for every format × view of a fixture modelled on a part of Sorø's KMD Aktiv map
//! ("Snitfladeoversigt"), and properties that must hold for any output: well-formed XML, every number explained,
//! complete legends, no overlapping boxes, everything inside the viewBox, byte-identical output.
//!
//! Rewrite the golden files with `UPDATE_GOLDEN=1 cargo test -p snitflade-landscape --test diagrams`.

use std::path::PathBuf;

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use snitflade_landscape::diagram::{self, DiagramError, Format, Layout, View, layout, render};
use snitflade_landscape::{DependencyClass, Direction, Landscape, Relation, System, SystemKind, TransitionDecision};

const FIXTURE: &str = include_str!("fixtures/diagram-kmd-aktiv.toml");
const CENTRE: &str = "kmd-aktiv";
const SOROE: Option<&str> = Some("0340");

fn fixture() -> Landscape {
    Landscape::from_toml("diagram-kmd-aktiv.toml", FIXTURE)
        .expect("fixture parses")
        .checked()
        .expect("fixture holds together")
}

fn fixture_numbers() -> Vec<String> {
    fixture()
        .relations
        .iter()
        .filter(|r| r.municipality == "0340")
        .filter_map(|r| r.local_number.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// Golden files

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v != "0" && !v.is_empty()) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read golden file {}: {e}\nrun `UPDATE_GOLDEN=1 cargo test -p snitflade-landscape --test diagrams` \
             to create it",
            path.display()
        )
    });
    if expected == actual {
        return;
    }
    let (expected_lines, actual_lines): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = expected_lines
        .iter()
        .zip(&actual_lines)
        .position(|(e, a)| e != a)
        .unwrap_or(expected_lines.len().min(actual_lines.len()));
    let show = |lines: &[&str]| {
        lines
            .iter()
            .enumerate()
            .skip(first.saturating_sub(2))
            .take(5)
            .map(|(i, l)| format!("  {:>5} | {l}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{name} differs from the golden file {} (first difference at line {}; expected {} lines, got {}).\n\
         expected:\n{}\nactual:\n{}\n\
         If the change is intended, rewrite the golden files with \
         `UPDATE_GOLDEN=1 cargo test -p snitflade-landscape --test diagrams` and review `git diff`.",
        path.display(),
        first + 1,
        expected_lines.len(),
        actual_lines.len(),
        show(&expected_lines),
        show(&actual_lines),
    );
}

fn check_golden(view: View, format: Format) {
    let out = render(&fixture(), CENTRE, SOROE, view, format).unwrap();
    golden(&format!("diagram-kmd-aktiv-{view}.{}", format.extension()), &out);
}

#[test]
fn golden_svg_as_is() {
    check_golden(View::AsIs, Format::Svg);
}

#[test]
fn golden_svg_transition() {
    check_golden(View::Transition, Format::Svg);
}

#[test]
fn golden_dot_as_is() {
    check_golden(View::AsIs, Format::Dot);
}

#[test]
fn golden_dot_transition() {
    check_golden(View::Transition, Format::Dot);
}

#[test]
fn golden_mermaid_as_is() {
    check_golden(View::AsIs, Format::Mermaid);
}

#[test]
fn golden_mermaid_transition() {
    check_golden(View::Transition, Format::Mermaid);
}

// ---------------------------------------------------------------------------------------------------------------
// SVG properties

/// What an SVG says, gathered by walking every event with quick-xml (which fails on malformed XML).
#[derive(Default)]
struct Svg {
    root: Option<(String, Vec<(String, String)>)>,
    /// Every element with its attributes, in document order.
    elements: Vec<(String, Vec<(String, String)>)>,
    /// Every text node (unescaped), with the id of the nearest enclosing `<g id=…>`.
    texts: Vec<(String, String)>,
    title: Option<String>,
}

fn parse_svg(svg: &str) -> Svg {
    let mut reader = Reader::from_str(svg);
    let config = reader.config_mut();
    config.enable_all_checks(true);
    config.allow_dangling_amp = false;
    config.allow_unmatched_ends = false;
    let mut parsed = Svg::default();
    let mut stack: Vec<(String, Option<String>)> = Vec::new();
    let mut saw_decl = false;
    let mut depth_zero_elements = 0;
    // Text arrives in pieces (entity references are separate events); collect a run and flush it at the next tag.
    let mut run = String::new();
    let flush = |run: &mut String, stack: &[(String, Option<String>)], parsed: &mut Svg| {
        let text = std::mem::take(run);
        if text.trim().is_empty() {
            return;
        }
        assert!(!stack.is_empty(), "text outside the root element: {text:?}");
        let group = stack.iter().rev().find_map(|(_, g)| g.clone()).unwrap_or_default();
        if stack.len() == 2 && stack.last().is_some_and(|(n, _)| n == "title") {
            parsed.title = Some(text.clone());
        }
        parsed.texts.push((group, text));
    };
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("SVG is not well-formed at {}: {e}", reader.buffer_position()));
        match event {
            Event::Text(t) => {
                run.push_str(&t.xml10_content());
                continue;
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content().into_owned();
                let c = match name.as_str() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    _ => r
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| panic!("undefined entity &{name};")),
                };
                run.push(c);
                continue;
            }
            _ => flush(&mut run, &stack, &mut parsed),
        }
        match event {
            Event::Decl(_) => saw_decl = true,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.name().as_ref().to_string();
                let attrs: Vec<(String, String)> = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .expect("attribute value unescapes")
                                .into_owned(),
                        )
                    })
                    .collect();
                if stack.is_empty() {
                    depth_zero_elements += 1;
                    parsed.root = Some((name.clone(), attrs.clone()));
                }
                parsed.elements.push((name.clone(), attrs.clone()));
                if matches!(event, Event::Start(_)) {
                    let group = attrs.iter().find(|(k, _)| k == "id").map(|(_, v)| v.clone());
                    stack.push((name, if e.name().as_ref() == "g" { group } else { None }));
                }
            }
            Event::End(_) => {
                stack.pop().expect("balanced");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert!(saw_decl, "no XML declaration");
    assert_eq!(depth_zero_elements, 1, "exactly one root element");
    parsed
}

fn svg_of(view: View) -> String {
    render(&fixture(), CENTRE, SOROE, view, Format::Svg).unwrap()
}

#[test]
fn svg_is_a_standalone_well_formed_document() {
    for view in View::ALL {
        let svg = svg_of(view);
        assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""));
        let parsed = parse_svg(&svg);
        let (name, attrs) = parsed.root.as_ref().unwrap();
        assert_eq!(name, "svg");
        let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
        assert_eq!(attr("xmlns"), Some("http://www.w3.org/2000/svg"));
        assert!(attr("viewBox").is_some() && attr("width").is_some() && attr("height").is_some());
        assert!(attr("font-family").unwrap().ends_with("sans-serif"));
        let title = parsed.title.as_deref().expect("a <title>");
        assert!(title.contains("KMD Aktiv"), "{title}");
        // No external resources: no scripts or images; the only links are each counterpart's to its own map
        // (`?system=<id>`, relative to wherever the map is shown).
        let links: Vec<&str> = parsed
            .elements
            .iter()
            .flat_map(|(n, attrs)| {
                attrs
                    .iter()
                    .filter(|(a, _)| a.ends_with("href"))
                    .map(move |(_, v)| (n, v))
            })
            .map(|(n, v)| {
                assert_eq!(n, "a", "href on <{n}>");
                v.as_str()
            })
            .collect();
        assert!(
            !links.is_empty() && links.iter().all(|l| l.starts_with("?system=")),
            "{links:?}"
        );
        assert!(
            links.contains(&"?system=kmd-opus-personale") || links.len() > 2,
            "{links:?}"
        );
        assert!(
            !parsed
                .elements
                .iter()
                .any(|(n, _)| n == "script" || n == "image" || n == "foreignObject")
        );
        for (_, attrs) in &parsed.elements {
            for (_, v) in attrs {
                if let Some(rest) = v.strip_prefix("url(") {
                    assert!(rest.starts_with('#'), "only local url() references: {v}");
                }
            }
        }
    }
}

#[test]
fn every_number_is_on_the_map_and_in_the_list() {
    let numbers = fixture_numbers();
    assert!(numbers.len() >= 6);
    for view in View::ALL {
        let parsed = parse_svg(&svg_of(view));
        let badges: Vec<&str> = parsed
            .texts
            .iter()
            .filter(|(g, _)| g == "badges")
            .flat_map(|(_, t)| t.split(", "))
            .collect();
        let listed: Vec<&str> = parsed
            .texts
            .iter()
            .filter(|(g, _)| g == "interfaces")
            .map(|(_, t)| t.as_str())
            .collect();
        for n in &numbers {
            assert!(
                badges.contains(&n.as_str()),
                "{view}: {n} has no badge on the map: {badges:?}"
            );
            assert!(listed.contains(&n.as_str()), "{view}: {n} is not in the list");
        }
        // The relation known only by its interface is numbered by the interface id.
        assert!(badges.contains(&"SF1520") && listed.contains(&"SF1520"));
        // The other municipality's relation is not drawn.
        assert!(!badges.contains(&"99") && !listed.contains(&"99"));
    }
}

#[test]
fn descriptions_stand_next_to_their_numbers() {
    let parsed = parse_svg(&svg_of(View::AsIs));
    let list: Vec<&str> = parsed
        .texts
        .iter()
        .filter(|(g, _)| g == "interfaces")
        .map(|(_, t)| t.as_str())
        .collect();
    let at = list.iter().position(|t| *t == "5a").unwrap();
    assert!(
        list[at + 1].starts_with("Modtageroplysninger, beløb"),
        "{:?}",
        &list[at..at + 2]
    );
    // An entry without a description falls back to the interface's name.
    let at = list.iter().position(|t| *t == "SF1520").unwrap();
    assert!(list[at + 1].starts_with("Hent stamoplysninger"));
}

fn legend_text(svg: &str) -> String {
    parse_svg(svg)
        .texts
        .iter()
        .filter(|(g, _)| g == "legend")
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn as_is_legend_names_all_four_classes_with_their_meaning() {
    let legend = legend_text(&svg_of(View::AsIs));
    for class in DependencyClass::ALL {
        assert!(
            legend.contains(class.label_da()),
            "legend lacks {}: {legend}",
            class.label_da()
        );
        assert!(
            legend.contains(class.meaning_da()),
            "legend lacks the meaning of {class:?}"
        );
    }
    for kind in [
        "KMD-/platformsystem",
        "Ekstern part",
        "Datalager",
        "KOMBIT-støttesystem",
        "Under udfasning",
    ] {
        assert!(legend.contains(kind), "legend lacks {kind}");
    }
}

#[test]
fn transition_legend_names_all_four_decisions() {
    let legend = legend_text(&svg_of(View::Transition));
    for decision in TransitionDecision::ALL {
        assert!(
            legend.contains(decision.label_da()),
            "legend lacks {}: {legend}",
            decision.label_da()
        );
    }
    // 12b has no decision yet.
    assert!(legend.contains("Ikke afklaret"));
}

#[test]
fn as_is_edges_are_coloured_by_class_and_transition_edges_styled_by_decision() {
    let lines = |view| {
        parse_svg(&svg_of(view))
            .elements
            .into_iter()
            .filter(|(n, _)| n == "line")
            .map(|(_, a)| a)
            .collect::<Vec<_>>()
    };
    let get = |a: &Vec<(String, String)>, k: &str| a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let as_is = lines(View::AsIs);
    let mut colours: Vec<String> = as_is
        .iter()
        .filter(|a| get(a, "marker-end").is_some_and(|m| !m.contains("legend")))
        .filter_map(|a| get(a, "stroke"))
        .collect();
    colours.sort();
    colours.dedup();
    assert_eq!(colours.len(), 4, "four classes, four colours: {colours:?}");
    let transition = lines(View::Transition);
    let mut dashes: Vec<String> = transition
        .iter()
        .filter(|a| get(a, "marker-end").is_some_and(|m| !m.contains("legend")))
        .map(|a| get(a, "stroke-dasharray").unwrap_or_else(|| format!("solid {}", get(a, "stroke-width").unwrap())))
        .collect();
    dashes.sort();
    dashes.dedup();
    // Solid (KOMBIT buys), long dash, short dash, dotted, and thin solid (undecided).
    assert_eq!(dashes.len(), 5, "{dashes:?}");
}

#[test]
fn arrowheads_follow_the_direction() {
    let layout = fixture_layout(View::AsIs);
    let parsed = parse_svg(&svg_of(View::AsIs));
    let edge_lines: Vec<&Vec<(String, String)>> = parsed
        .elements
        .iter()
        .filter(|(n, a)| n == "line" && a.iter().any(|(k, v)| k == "marker-end" && !v.contains("legend")))
        .map(|(_, a)| a)
        .collect();
    assert_eq!(edge_lines.len(), layout.scene.edges.len());
    let get = |a: &Vec<(String, String)>, k: &str| a.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let centre = layout.nodes[0].rect.inflate(4.0);
    for (edge, attrs) in layout.scene.edges.iter().zip(edge_lines) {
        let x2: f64 = get(attrs, "x2").unwrap().parse().unwrap();
        let y2: f64 = get(attrs, "y2").unwrap().parse().unwrap();
        let ends_at_centre = x2 >= centre.x && x2 <= centre.right() && y2 >= centre.y && y2 <= centre.bottom();
        assert_eq!(ends_at_centre, edge.flow == Direction::From, "{}", edge.label());
        assert_eq!(
            get(attrs, "marker-start").is_some(),
            edge.flow == Direction::Both,
            "{}",
            edge.label()
        );
    }
    // 27 is drawn around KMD Boliglån (boliglån → aktiv): seen from KMD Aktiv it flows in.
    let e27 = layout.scene.edges.iter().find(|e| e.numbers == ["27"]).unwrap();
    assert_eq!(e27.flow, Direction::From);
}

#[test]
fn relations_to_one_counterpart_are_grouped_or_fanned() {
    let layout = fixture_layout(View::AsIs);
    let labels: Vec<String> = layout.scene.edges.iter().map(|e| e.label()).collect();
    // Same direction and class: one edge.
    assert!(labels.contains(&"5a, 5b".to_string()), "{labels:?}");
    // 12a and 12b differ in direction: two parallel edges to the same box, badges apart.
    let twelve: Vec<_> = layout
        .scene
        .edges
        .iter()
        .zip(&layout.edges)
        .filter(|(e, _)| e.label().starts_with("12"))
        .collect();
    assert_eq!(twelve.len(), 2);
    assert_eq!(twelve[0].0.node, twelve[1].0.node);
    assert!(!twelve[0].1.badge.overlaps(&twelve[1].1.badge, 0.0));
    assert_ne!(twelve[0].1.start, twelve[1].1.start);
}

#[test]
fn transition_badges_name_the_target() {
    let layout = fixture_layout(View::Transition);
    let badge = |n: &str| {
        layout
            .edges
            .iter()
            .zip(&layout.scene.edges)
            .find(|(_, e)| e.numbers.iter().any(|x| x == n))
            .map(|(l, _)| l.badge_lines.clone())
            .unwrap()
    };
    // To the centre's successor (named on the centre box): the new interfaces only.
    assert_eq!(badge("5a"), ["5a, 5b", "→ SID001, SID002"]);
    // Elsewhere: the target system and interface.
    assert_eq!(badge("15"), ["15", "→ Serviceplatformen (SID152)"]);
    // Not needed: no target.
    assert_eq!(badge("1"), ["1"]);
    let centre_note = layout.nodes[0].note.as_ref().unwrap();
    assert_eq!(centre_note.lines.join(" "), "→ Kommunernes Ydelsessystem");
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry

fn fixture_layout(view: View) -> Layout {
    layout(&fixture(), CENTRE, SOROE, view).unwrap()
}

/// A crowded landscape: 22 counterparts, long names, several relations each.
fn crowded() -> Landscape {
    let mut l = Landscape::default();
    let system = |id: &str, name: &str, kind| System {
        id: id.to_string(),
        name: name.to_string(),
        vendor: None,
        kind,
        lifecycle: Default::default(),
        replaced_by: None,
        description: String::new(),
        source: Default::default(),
    };
    l.systems
        .push(system("hub", "KMD Dagpenge (sygedagpenge)", SystemKind::Platform));
    let kinds = [
        SystemKind::Platform,
        SystemKind::External,
        SystemKind::DataWarehouse,
        SystemKind::KombitSupport,
    ];
    let mut n = 0;
    for i in 0..22 {
        let id = format!("s{i}");
        let name = if i % 3 == 0 {
            format!("Et system med et meget langt navn nummer {i}")
        } else {
            format!("KMD System {i}")
        };
        l.systems.push(system(&id, &name, kinds[i % 4]));
        for j in 0..(1 + i % 3) {
            n += 1;
            l.relations.push(Relation {
                local_number: Some(format!("{}{}", 40 - i, ["a", "b", "c"][j])),
                description: "Beskrivelse af snitfladen, som er temmelig lang".to_string(),
                ..Relation::new(
                    format!("r{n}"),
                    "0340",
                    "hub",
                    id.clone(),
                    [Direction::To, Direction::From, Direction::Both][(i + j) % 3],
                    DependencyClass::ALL[(i + j) % 4],
                )
            });
        }
    }
    l
}

fn assert_geometry(layout: &Layout) {
    let frame = diagram::Rect {
        x: 0.0,
        y: 0.0,
        w: layout.width,
        h: layout.height,
    };
    let rects: Vec<_> = layout.nodes.iter().map(|n| n.rect).collect();
    for (i, a) in rects.iter().enumerate() {
        assert!(frame.contains(a), "node {i} outside the viewBox");
        for (j, b) in rects.iter().enumerate().skip(i + 1) {
            assert!(!a.overlaps(b, 0.0), "nodes {i} and {j} overlap: {a:?} {b:?}");
        }
    }
    for (e, line) in layout.edges.iter().enumerate() {
        assert!(frame.contains(&line.badge), "badge {e} outside the viewBox");
        for (i, r) in rects.iter().enumerate() {
            assert!(!line.badge.overlaps(r, 0.0), "badge {e} covers node {i}");
        }
        for (f, other) in layout.edges.iter().enumerate().skip(e + 1) {
            assert!(!line.badge.overlaps(&other.badge, 0.0), "badges {e} and {f} overlap");
        }
    }
    assert!(frame.contains(&layout.legend.rect));
    for (i, r) in rects.iter().enumerate() {
        assert!(!layout.legend.rect.overlaps(r, 0.0), "legend covers node {i}");
    }
    if let Some(list) = &layout.list {
        assert!(frame.contains(&list.rect));
        assert!(!list.rect.overlaps(&layout.legend.rect, 0.0));
        for r in &rects {
            assert!(!list.rect.overlaps(r, 0.0), "list covers a node");
        }
        for item in &list.items {
            assert!(
                frame.contains(&item.text.bounds()),
                "list text outside: {:?}",
                item.text.lines
            );
        }
    }
}

#[test]
fn boxes_and_badges_do_not_overlap() {
    for view in View::ALL {
        assert_geometry(&fixture_layout(view));
        assert_geometry(&layout(&crowded(), "hub", None, view).unwrap());
    }
}

#[test]
fn crowded_landscape_uses_two_rings_and_stays_well_formed() {
    let l = crowded();
    let layout = layout(&l, "hub", None, View::AsIs).unwrap();
    let c = layout.nodes[0].rect.centre();
    let mut distances: Vec<f64> = layout.nodes[1..]
        .iter()
        .map(|n| {
            let p = n.rect.centre();
            (((p.x - c.x) / 1.75).powi(2) + (p.y - c.y).powi(2)).sqrt()
        })
        .collect();
    distances.sort_by(f64::total_cmp);
    assert!(distances[distances.len() - 1] > distances[0] * 1.3, "two rings");
    let svg = render(&l, "hub", None, View::AsIs, Format::Svg).unwrap();
    parse_svg(&svg);
    assert_coordinates_inside(&svg);
}

/// Every coordinate attribute and every path/polygon point lies inside the viewBox.
fn assert_coordinates_inside(svg: &str) {
    let parsed = parse_svg(svg);
    let (_, root) = parsed.root.as_ref().unwrap();
    let view_box: Vec<f64> = root
        .iter()
        .find(|(k, _)| k == "viewBox")
        .unwrap()
        .1
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let (w, h) = (view_box[2], view_box[3]);
    assert_eq!(&view_box[..2], &[0.0, 0.0]);
    let mut in_marker = false;
    let mut checked = 0;
    for (name, attrs) in &parsed.elements {
        // Marker contents are in the marker's own coordinate system.
        if name == "marker" {
            in_marker = true;
            continue;
        }
        if in_marker && name == "path" {
            continue;
        }
        in_marker = false;
        for (k, v) in attrs {
            let (xs, ys): (Vec<f64>, Vec<f64>) = match k.as_str() {
                "x" | "x1" | "x2" | "cx" => (vec![v.parse().unwrap()], vec![]),
                "y" | "y1" | "y2" | "cy" => (vec![], vec![v.parse().unwrap()]),
                "points" => v
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse::<f64>().unwrap(), y.parse::<f64>().unwrap())
                    })
                    .unzip(),
                "d" => path_points(v).into_iter().unzip(),
                _ => continue,
            };
            for x in xs {
                assert!((0.0..=w).contains(&x), "{name} {k}={v} outside 0..{w}");
                checked += 1;
            }
            for y in ys {
                assert!((0.0..=h).contains(&y), "{name} {k}={v} outside 0..{h}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "checked only {checked} coordinates");
}

/// The end points of an absolute path made of M, L, A and Z commands.
fn path_points(d: &str) -> Vec<(f64, f64)> {
    let tokens: Vec<&str> = d.split_whitespace().collect();
    let mut points = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let arity = match tokens[i] {
            "M" | "L" => 2,
            "A" => 7,
            "Z" => 0,
            other => panic!("unexpected path command {other} in {d}"),
        };
        if arity > 0 {
            let x = tokens[i + arity - 1].parse().unwrap();
            let y = tokens[i + arity].parse().unwrap();
            points.push((x, y));
        }
        i += arity + 1;
    }
    points
}

#[test]
fn all_coordinates_are_inside_the_view_box() {
    for view in View::ALL {
        assert_coordinates_inside(&svg_of(view));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Determinism, escaping, errors, edge cases

#[test]
fn output_is_byte_identical_and_independent_of_data_order() {
    let l = fixture();
    let mut reversed = l.clone();
    reversed.relations.reverse();
    reversed.systems.reverse();
    for view in View::ALL {
        for format in Format::ALL {
            let a = render(&l, CENTRE, SOROE, view, format).unwrap();
            let b = render(&l, CENTRE, SOROE, view, format).unwrap();
            let c = render(&reversed, CENTRE, SOROE, view, format).unwrap();
            assert_eq!(a, b, "{view} {format}");
            assert_eq!(a, c, "{view} {format}: depends on the order of the data");
        }
    }
}

#[test]
fn names_and_descriptions_are_escaped_in_every_format() {
    let l = fixture();
    for view in View::ALL {
        let svg = render(&l, CENTRE, SOROE, view, Format::Svg).unwrap();
        assert!(svg.contains("STAR &amp; &quot;Jobnet&quot; &lt;ekstern&gt;"));
        assert!(!svg.contains("<ekstern>") && !svg.contains("<TaSS>"));
        let texts: Vec<String> = parse_svg(&svg).texts.into_iter().map(|(_, t)| t).collect();
        assert!(
            texts.iter().any(|t| t.contains("STAR & \"Jobnet\" <ekstern>")),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("AMS-kommunikation <TaSS> & \"tilmeld/afmeld\""))
        );

        let dot = render(&l, CENTRE, SOROE, view, Format::Dot).unwrap();
        assert!(dot.contains(r#"tooltip="STAR & \"Jobnet\" <ekstern> ("#), "{dot}");
        assert!(
            dot.contains("&lt;TaSS&gt; &amp; &quot;tilmeld/afmeld&quot;"),
            "HTML label escaped"
        );
        assert_dot_is_balanced(&dot);

        let mermaid = render(&l, CENTRE, SOROE, view, Format::Mermaid).unwrap();
        assert!(
            mermaid.contains("STAR #amp; #quot;Jobnet#quot; #lt;ekstern#gt;"),
            "{mermaid}"
        );
        for line in mermaid
            .lines()
            .filter(|l| l.contains("-->") || l.trim_start().starts_with('n'))
        {
            let label = line.split_once(['[', '(', '{', '|']).map_or("", |(_, rest)| rest);
            // Inside a label the only quotes are the delimiters.
            assert!(label.matches('"').count() <= 2, "stray quote in {line}");
            assert!(!label.contains('<') || label.contains("<br/>"), "raw < in {line}");
        }
    }
}

/// The fixture with names, descriptions and a number full of characters that mean something in XML, DOT,
/// Mermaid or YAML, plus a newline and a control character.
fn hostile() -> Landscape {
    let hostile = "A & B <c> \"d\" 'e' ]]> #amp; %% x; [y] {z} (w) | \\ `q`\nnext\u{1}line";
    let mut l = fixture();
    for s in &mut l.systems {
        if s.id == "star" || s.id == "kmd-aktiv" {
            s.name = hostile.to_string();
        }
    }
    for r in &mut l.relations {
        r.description = hostile.to_string();
        if r.local_number.as_deref() == Some("9") {
            r.local_number = Some("9<&>\"".to_string());
        }
    }
    l
}

#[test]
fn hostile_text_cannot_break_any_format() {
    let l = hostile();
    for view in View::ALL {
        let svg = render(&l, CENTRE, SOROE, view, Format::Svg).unwrap();
        let parsed = parse_svg(&svg);
        assert!(parsed.texts.iter().any(|(_, t)| t.contains("A & B <c> \"d\" 'e' ]]>")));
        assert_coordinates_inside(&svg);

        let dot = render(&l, CENTRE, SOROE, view, Format::Dot).unwrap();
        assert_dot_is_balanced(&dot);
        assert!(!dot.contains('\u{1}'));

        let mermaid = render(&l, CENTRE, SOROE, view, Format::Mermaid).unwrap();
        let expected_lines = render(&fixture(), CENTRE, SOROE, view, Format::Mermaid)
            .unwrap()
            .lines()
            .count();
        assert_eq!(
            mermaid.lines().count(),
            expected_lines,
            "a newline in the data split a statement"
        );
        for line in mermaid.lines().skip(4) {
            for bad in ["]]", "%%", "`", "\\\""] {
                assert!(
                    !line.contains(bad) || line.trim_start().starts_with("%%"),
                    "{bad} in {line}"
                );
            }
        }
    }
}

/// Quotes pair up and braces balance outside strings and HTML labels.
fn assert_dot_is_balanced(dot: &str) {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut html = 0i32;
    let mut chars = dot.chars().peekable();
    for line in dot.lines() {
        assert!(!line.contains('\r'));
    }
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                '\n' => panic!("newline inside a DOT string"),
                _ => {}
            }
            continue;
        }
        if html > 0 {
            match c {
                '<' => html += 1,
                '>' => html -= 1,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '<' => html = 1,
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        assert!(depth >= 0);
    }
    assert!(!in_string && html == 0 && depth == 0, "unbalanced DOT");
}

#[test]
fn dot_pins_every_system_and_styles_every_edge() {
    let l = fixture();
    let layout = fixture_layout(View::Transition);
    let dot = render(&l, CENTRE, SOROE, View::Transition, Format::Dot).unwrap();
    assert!(dot.contains("digraph snitfladeoversigt {"));
    assert!(dot.contains("layout=neato"));
    for i in 0..layout.nodes.len() {
        let line = dot.lines().find(|l| l.starts_with(&format!("  n{i} ["))).unwrap();
        assert!(line.contains("!\""), "n{i} is pinned");
    }
    assert_eq!(dot.matches(" -> ").count(), layout.scene.edges.len());
    assert!(dot.contains("style=dotted") && dot.contains("style=dashed") && dot.contains("dir=both"));
    for decision in TransitionDecision::ALL {
        assert!(dot.contains(decision.label_da()));
    }
}

#[test]
fn mermaid_has_a_link_style_per_edge_and_a_class_per_kind() {
    let l = fixture();
    for view in View::ALL {
        let mermaid = render(&l, CENTRE, SOROE, view, Format::Mermaid).unwrap();
        assert!(mermaid.contains("\nflowchart LR\n"));
        let links = mermaid.lines().filter(|l| l.contains("-->|")).count();
        let styles: Vec<&str> = mermaid
            .lines()
            .filter(|l| l.trim_start().starts_with("linkStyle "))
            .collect();
        assert_eq!(links, styles.len());
        for (i, s) in styles.iter().enumerate() {
            assert!(s.trim_start().starts_with(&format!("linkStyle {i} stroke:#")), "{s}");
        }
        for kind in ["platform", "external", "dataWarehouse", "kombitSupport"] {
            assert!(mermaid.contains(&format!("classDef {kind} ")), "{kind}");
        }
        assert!(mermaid.contains("<-->|9"), "both directions");
        // No statement separator can come from the data: the only `;` end entity codes (`#59;`, `#quot;`).
        for line in mermaid.lines().skip(4) {
            let mut rest = line;
            while let Some(at) = rest.find(';') {
                let before = &rest[..at];
                let code = before
                    .rsplit_once('#')
                    .map(|(_, c)| c)
                    .unwrap_or_else(|| panic!("bare ; in {line}"));
                assert!(
                    !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric()),
                    "bare ; in {line}"
                );
                rest = &rest[at + 1..];
            }
        }
    }
}

#[test]
fn unknown_system_is_an_error() {
    for format in Format::ALL {
        let err = render(&fixture(), "no-such-system", SOROE, View::AsIs, format).unwrap_err();
        assert_eq!(err, DiagramError::UnknownSystem("no-such-system".to_string()));
    }
}

#[test]
fn system_without_relations_shows_centre_and_legend_only() {
    let l = fixture();
    let layout = layout(&l, "kmd-sag", SOROE, View::AsIs).unwrap();
    assert_eq!(layout.nodes.len(), 1);
    assert!(layout.edges.is_empty() && layout.list.is_none());
    assert_geometry(&layout);
    for view in View::ALL {
        let svg = render(&l, "kmd-sag", SOROE, view, Format::Svg).unwrap();
        let parsed = parse_svg(&svg);
        assert!(parsed.texts.iter().any(|(g, t)| g == "systems" && t == "KMD Sag"));
        assert!(parsed.texts.iter().any(|(g, _)| g == "legend"));
        assert!(!parsed.texts.iter().any(|(g, _)| g == "interfaces" || g == "badges"));
        assert_coordinates_inside(&svg);
        assert!(
            render(&l, "kmd-sag", SOROE, view, Format::Dot)
                .unwrap()
                .contains("n0 [")
        );
        assert!(
            render(&l, "kmd-sag", SOROE, view, Format::Mermaid)
                .unwrap()
                .contains("n0[\"KMD Sag\"]")
        );
    }
}

#[test]
fn without_a_municipality_numbers_are_prefixed_with_the_kommunekode() {
    let layout = layout(&fixture(), CENTRE, None, View::AsIs).unwrap();
    let numbers: Vec<&str> = layout.scene.entries.iter().map(|e| e.number.as_str()).collect();
    assert!(
        numbers.contains(&"0340/5a") && numbers.contains(&"0999/99"),
        "{numbers:?}"
    );
    assert_geometry(&layout);
}

#[test]
fn counterparts_run_clockwise_by_number() {
    let layout = fixture_layout(View::AsIs);
    let names: Vec<&str> = layout.scene.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(
        names,
        [
            "kmd-aktiv",
            "kmd-ksp-cics",
            "kmd-los",
            "kmd-udbetaling",
            "star",
            "kmd-eindkomst",
            "datalager",
            "kmd-boliglaan",
            "serviceplatformen"
        ]
    );
    // The first counterpart sits straight above the centre.
    let (c, first) = (layout.nodes[0].rect.centre(), layout.nodes[1].rect.centre());
    assert!((c.x - first.x).abs() < 0.5 && first.y < c.y);
}

#[test]
fn view_and_format_parse_and_serialise() {
    assert_eq!("as-is".parse::<View>().unwrap(), View::AsIs);
    assert_eq!("transition".parse::<View>().unwrap(), View::Transition);
    assert_eq!("svg".parse::<Format>().unwrap(), Format::Svg);
    assert_eq!("dot".parse::<Format>().unwrap(), Format::Dot);
    assert_eq!("mermaid".parse::<Format>().unwrap(), Format::Mermaid);
    assert_eq!(
        "png".parse::<Format>().unwrap_err(),
        DiagramError::UnknownFormat("png".to_string())
    );
    assert!(matches!("to-be".parse::<View>(), Err(DiagramError::UnknownView(_))));
    for view in View::ALL {
        assert_eq!(view.to_string().parse::<View>().unwrap(), view);
        let json = serde_json::to_string(&view).unwrap();
        assert_eq!(json, format!("\"{view}\""));
        assert_eq!(serde_json::from_str::<View>(&json).unwrap(), view);
    }
    for format in Format::ALL {
        assert_eq!(format.to_string().parse::<Format>().unwrap(), format);
        let json = serde_json::to_string(&format).unwrap();
        assert_eq!(json, format!("\"{format}\""));
        assert_eq!(serde_json::from_str::<Format>(&json).unwrap(), format);
    }
}

/// `DIAGRAM_DEMO_DIR=/tmp cargo test -p snitflade-landscape --test diagrams write_demo_files` writes the fixture's
/// and the crowded landscape's maps there, for looking at them in a browser.
#[test]
fn write_demo_files() {
    let Some(dir) = std::env::var_os("DIAGRAM_DEMO_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    for view in View::ALL {
        for format in Format::ALL {
            let out = render(&fixture(), CENTRE, SOROE, view, format).unwrap();
            std::fs::write(dir.join(format!("diagram-demo-{view}.{}", format.extension())), out).unwrap();
        }
        let out = render(&crowded(), "hub", None, view, Format::Svg).unwrap();
        std::fs::write(dir.join(format!("diagram-crowded-{view}.svg")), out).unwrap();
        for format in Format::ALL {
            let out = render(&hostile(), CENTRE, SOROE, view, format).unwrap();
            std::fs::write(dir.join(format!("diagram-hostile-{view}.{}", format.extension())), out).unwrap();
        }
    }
}
