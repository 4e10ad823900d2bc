//! What a diagram shows, independent of geometry and format: the centre system, its counterparts in ring order,
//! the edges between them (relations grouped), the numbered list of interfaces and the legend rows.
//!
//! Grouping: relations between the centre and the same counterpart that share direction and style (dependency class in
//! the as-is view; decision and target system in the transition view) become one edge with a combined label such as
//! `5a, 5b` — as Sorø's "Snitfladeoversigt" maps write `5a,5b,5C,5D` on one line. Relations that differ in direction or
//! style get their own edge, fanned out next to each other, so no edge ever has to show two colours.

use std::collections::BTreeMap;

use super::View;
use super::style::EdgeStyle;
use super::text::compress_ids;
use crate::model::{Direction, Landscape, Lifecycle, Relation, SystemKind, TransitionDecision};
use crate::naming::{NaturalKey, municipality_key, natural_cmp, natural_key, same_municipality};

#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    pub view: View,
    pub title: String,
    pub subtitle: String,
    /// `nodes[0]` is the centre; the rest are the counterparts in ring (clockwise) order.
    pub nodes: Vec<Node>,
    /// Sorted by node, then by first number.
    pub edges: Vec<Edge>,
    /// One per relation, in natural order of the number: the explanation of every number on the map.
    pub entries: Vec<Entry>,
    /// The legend's line styles, in legend order.
    pub legend: Vec<EdgeStyle>,
    /// The lifecycle phases (other than in operation) that occur among the nodes, for the legend.
    pub lifecycles: Vec<Lifecycle>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub kind: SystemKind,
    pub lifecycle: Lifecycle,
    /// A second, smaller line: the centre's successor in the transition view (`→ Kommunernes Ydelsessystem`).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Index into [`Scene::nodes`] of the counterpart (never 0).
    pub node: usize,
    /// Data flow seen from the centre.
    pub flow: Direction,
    pub style: EdgeStyle,
    /// The numbers of the grouped relations, naturally sorted.
    pub numbers: Vec<String>,
    /// The transition target (`→ SID001–SID003`, `→ Serviceplatformen (SID152)`), transition view only.
    pub target: Option<String>,
    /// A short text for formats that label the edge itself (Mermaid): the first relation's description.
    pub summary: String,
}

impl Edge {
    pub fn label(&self) -> String {
        self.numbers.join(", ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub number: String,
    pub text: String,
    pub style: EdgeStyle,
}

/// Everything needed from one relation, already turned around so that it is seen from the centre.
struct Item<'a> {
    relation: &'a Relation,
    other: &'a str,
    flow: Direction,
    number: String,
    key: NaturalKey,
    style: EdgeStyle,
}

pub fn build(landscape: &Landscape, system: &str, municipality: Option<&str>, view: View) -> Option<Scene> {
    let centre = landscape.system(system)?;
    let successor = centre
        .replaced_by
        .as_deref()
        .map(|id| landscape.system(id).map_or(id, |s| s.name.as_str()));

    let relations: Vec<&Relation> = landscape
        .relations_of(system, municipality)
        .filter(|r| r.system != r.counterpart)
        .collect();
    let several_municipalities = relations
        .iter()
        .any(|r| !same_municipality(&r.municipality, &relations[0].municipality));

    let mut items: Vec<Item> = relations
        .iter()
        .map(|r| {
            let (other, flow) = if r.system == system {
                (r.counterpart.as_str(), r.direction)
            } else {
                let flipped = match r.direction {
                    Direction::To => Direction::From,
                    Direction::From => Direction::To,
                    Direction::Both => Direction::Both,
                };
                (r.system.as_str(), flipped)
            };
            let bare = r
                .local_number
                .clone()
                .filter(|n| !n.trim().is_empty())
                .or_else(|| r.interface.as_ref().map(|i| i.id.clone()))
                .unwrap_or_else(|| r.id.clone());
            let number = if several_municipalities {
                format!("{}/{bare}", municipality_key(&r.municipality))
            } else {
                bare
            };
            let style = match view {
                View::AsIs => EdgeStyle::Class(r.dependency),
                View::Transition => EdgeStyle::Decision(r.transition.as_ref().map(|t| t.decision)),
            };
            Item {
                relation: r,
                other,
                flow,
                key: natural_key(&number),
                number,
                style,
            }
        })
        .collect();
    items.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.relation.id.cmp(&b.relation.id)));

    // Ring order: by each counterpart's smallest number, so the numbers run clockwise from the top.
    let mut order: Vec<&str> = Vec::new();
    for item in &items {
        if !order.contains(&item.other) {
            order.push(item.other);
        }
    }
    let mut nodes = vec![Node {
        id: centre.id.clone(),
        name: centre.name.clone(),
        kind: centre.kind,
        lifecycle: centre.lifecycle,
        note: match (view, successor) {
            (View::Transition, Some(s)) => Some(format!("→ {s}")),
            _ => None,
        },
    }];
    for id in &order {
        nodes.push(match landscape.system(id) {
            Some(s) => Node {
                id: s.id.clone(),
                name: s.name.clone(),
                kind: s.kind,
                lifecycle: s.lifecycle,
                note: None,
            },
            None => Node {
                id: id.to_string(),
                name: id.to_string(),
                kind: SystemKind::External,
                lifecycle: Lifecycle::InOperation,
                note: None,
            },
        });
    }

    // Group into edges; the BTreeMap keeps the first appearance order through the sort key.
    type GroupKey<'a> = (usize, NaturalKey, u8, EdgeStyle, Option<&'a str>);
    let mut firsts: BTreeMap<(usize, u8, EdgeStyle, Option<&str>), NaturalKey> = BTreeMap::new();
    let mut groups: BTreeMap<GroupKey, Vec<&Item>> = BTreeMap::new();
    for item in &items {
        let node = 1 + order.iter().position(|o| *o == item.other).unwrap_or(0);
        let target_system = match view {
            View::AsIs => None,
            View::Transition => item
                .relation
                .transition
                .as_ref()
                .and_then(|t| t.target_system.as_deref()),
        };
        let flow = flow_rank(item.flow);
        let first = firsts
            .entry((node, flow, item.style, target_system))
            .or_insert_with(|| item.key.clone())
            .clone();
        groups
            .entry((node, first, flow, item.style, target_system))
            .or_default()
            .push(item);
    }
    let edges = groups
        .into_iter()
        .map(|((node, _, _, style, target_system), members)| {
            let target = match view {
                View::AsIs => None,
                View::Transition => target_text(landscape, centre.replaced_by.as_deref(), target_system, &members),
            };
            Edge {
                node,
                flow: members[0].flow,
                style,
                numbers: members.iter().map(|m| m.number.clone()).collect(),
                target,
                summary: describe(landscape, members[0].relation),
            }
        })
        .collect();

    let entries = items
        .iter()
        .map(|item| Entry {
            number: item.number.clone(),
            text: entry_text(landscape, item, view),
            style: item.style,
        })
        .collect();

    let legend = match view {
        View::AsIs => crate::model::DependencyClass::ALL.map(EdgeStyle::Class).to_vec(),
        View::Transition => {
            let mut rows: Vec<EdgeStyle> = TransitionDecision::ALL.map(|d| EdgeStyle::Decision(Some(d))).to_vec();
            if items.iter().any(|i| i.style == EdgeStyle::Decision(None)) {
                rows.push(EdgeStyle::Decision(None));
            }
            rows
        }
    };
    let mut lifecycles: Vec<Lifecycle> = Vec::new();
    for phase in [Lifecycle::PhasingIn, Lifecycle::PhasingOut, Lifecycle::Retired] {
        if nodes.iter().any(|n| n.lifecycle == phase) {
            lifecycles.push(phase);
        }
    }

    let place = match municipality {
        Some(m) => format!("Kommune {}", municipality_key(m)),
        None => "Alle kommuner".to_string(),
    };
    let (title, subtitle) = match (view, successor) {
        (View::AsIs, _) => (
            format!("Snitfladeoversigt – {} – Systemafhængigheder", centre.name),
            format!("{place} – AS-IS"),
        ),
        (View::Transition, Some(s)) => (
            format!("Snitfladeoversigt – {s} – Transition fra {}", centre.name),
            format!("{place} – transition ift. systemafhængigheder"),
        ),
        (View::Transition, None) => (
            format!("Snitfladeoversigt – {} – Transition", centre.name),
            format!("{place} – transition ift. systemafhængigheder"),
        ),
    };

    Some(Scene {
        view,
        title,
        subtitle,
        nodes,
        edges,
        entries,
        legend,
        lifecycles,
    })
}

fn flow_rank(flow: Direction) -> u8 {
    match flow {
        Direction::To => 0,
        Direction::From => 1,
        Direction::Both => 2,
    }
}

/// `→ SID001, SID002` when the target is the centre's successor (named on the centre box), otherwise
/// `→ Target name (SID…)`; `None` when the relation goes nowhere.
fn target_text(
    landscape: &Landscape,
    successor: Option<&str>,
    target_system: Option<&str>,
    members: &[&Item],
) -> Option<String> {
    let mut ids: Vec<String> = members
        .iter()
        .filter_map(|m| m.relation.transition.as_ref()?.target_interface.as_ref())
        .map(|i| i.id.clone())
        .collect();
    ids.sort_by(|a, b| natural_cmp(a, b));
    ids.dedup();
    let ids = compress_ids(&ids);
    match target_system {
        Some(t) if Some(t) != successor => {
            let name = landscape.system(t).map_or(t, |s| s.name.as_str());
            Some(if ids.is_empty() {
                format!("→ {name}")
            } else {
                format!("→ {name} ({ids})")
            })
        }
        _ if !ids.is_empty() => Some(format!("→ {ids}")),
        _ => None,
    }
}

/// The relation's description, else its interface's name, else a placeholder.
fn describe(landscape: &Landscape, r: &Relation) -> String {
    if !r.description.trim().is_empty() {
        r.description.split_whitespace().collect::<Vec<_>>().join(" ")
    } else if let Some(i) = r.interface.as_ref().and_then(|i| landscape.interface(i)) {
        i.name.clone()
    } else {
        "(ingen beskrivelse)".to_string()
    }
}

fn entry_text(landscape: &Landscape, item: &Item, view: View) -> String {
    let r = item.relation;
    let interface = r.interface.as_ref();
    let mut text = describe(landscape, r);
    if let Some(i) = interface
        && r.local_number.as_deref().is_some_and(|n| !n.trim().is_empty())
    {
        text.push_str(&format!(" [{}]", i.id));
    }
    if view == View::Transition
        && let Some(t) = &r.transition
    {
        let target = t
            .target_system
            .as_deref()
            .map(|id| landscape.system(id).map_or(id, |s| s.name.as_str()));
        match (target, &t.target_interface) {
            (Some(s), Some(i)) => text.push_str(&format!(" → {s} ({})", i.id)),
            (Some(s), None) => text.push_str(&format!(" → {s}")),
            (None, Some(i)) => text.push_str(&format!(" → {}", i.id)),
            (None, None) => {}
        }
        if !t.note.trim().is_empty() {
            text.push_str(&format!(". {}", t.note.trim()));
        }
    }
    text
}
