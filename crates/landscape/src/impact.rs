//! Impact analysis: "what happens if we phase out system X?", the question the municipalities' "Snitfladeoversigt" maps
//! are drawn for. Given a system (and optionally one municipality), [`analyse`] collects every relation touching it,
//! grouped by dependency class and by transition decision, says who must act, which agreements must be terminated and
//! by when, which systems are reached transitively, and which costs are affected. [`ImpactReport::render_text`] turns
//! the result into a readable Markdown report with the maps' Danish labels.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use jiff::Span;
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::{
    Actor, CostKind, DependencyClass, Direction, InterfaceRef, Landscape, Lifecycle, Relation, TransitionDecision,
};
use crate::naming::{natural_cmp, same_municipality};

/// What to analyse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpactQuery {
    /// The id of the system to phase out.
    pub system: String,
    /// Only relations in this municipality (kommunekode); all municipalities when `None`.
    #[serde(default)]
    pub municipality: Option<String>,
    /// How far to follow relations for [`ImpactReport::reached`]: 1 = the direct counterparts.
    #[serde(default = "default_depth")]
    pub depth: u32,
    /// The day notice deadlines are compared with.
    pub today: Date,
}

fn default_depth() -> u32 {
    1
}

impl ImpactQuery {
    /// A query for `system` in all municipalities, depth 1.
    pub fn new(system: impl Into<String>, today: Date) -> Self {
        ImpactQuery {
            system: system.into(),
            municipality: None,
            depth: default_depth(),
            today,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImpactError {
    #[error("unknown system {0:?}: there is no system with that id in the landscape")]
    UnknownSystem(String),
}

/// The result of [`analyse`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactReport {
    pub system: SystemSummary,
    pub municipality: Option<String>,
    pub today: Date,
    pub depth: u32,
    /// One group per dependency class, always all four, in [`DependencyClass::ALL`] order.
    pub by_class: Vec<ClassGroup>,
    /// One group per transition decision in [`TransitionDecision::ALL`] order, then the undecided relations
    /// (`decision: None`); always all five.
    pub by_decision: Vec<DecisionGroup>,
    /// Per actor (KOMBIT, then the municipality; both always present) the relations they must handle.
    pub who_must_act: Vec<ActorGroup>,
    /// The agreements to terminate, most urgent first (dated deadlines ascending, then "as soon as possible",
    /// then already terminated local agreements).
    pub agreements: Vec<AgreementItem>,
    /// Systems reached over relations (in the municipality filter) up to `depth` steps, excluding the system itself;
    /// ordered by distance, then name.
    pub reached: Vec<ReachedSystem>,
    pub totals: Totals,
    pub costs: Costs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemSummary {
    pub id: String,
    pub name: String,
    pub lifecycle: Lifecycle,
    pub replaced_by: Option<SystemRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemRef {
    pub id: String,
    /// The system's name, or its id when it is not in the landscape.
    pub name: String,
}

/// One relation touching the analysed system, seen from that system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactItem {
    pub relation: String,
    pub municipality: String,
    pub local_number: Option<String>,
    /// The system at the other end (the relation's `counterpart`, or its `system` when `as_counterpart`).
    pub counterpart: SystemRef,
    /// Data flow seen from the analysed system (flipped when the analysed system is the relation's counterpart).
    pub direction: Direction,
    /// True when the analysed system is the relation's `counterpart`: the relation is drawn around the other
    /// system, so its dependency class and transition describe that system's phase-out.
    pub as_counterpart: bool,
    pub description: String,
    pub interface: Option<InterfaceRef>,
    /// The interface's catalogue name, when it is in the catalogue.
    pub interface_name: Option<String>,
    pub dependency: DependencyClass,
    pub decision: Option<TransitionDecision>,
    pub target_system: Option<SystemRef>,
    pub target_interface: Option<InterfaceRef>,
    pub transition_note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassGroup {
    pub class: DependencyClass,
    pub label: String,
    pub meaning: String,
    /// Sorted naturally by local number (relations without one last), then by relation id.
    pub relations: Vec<ImpactItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionGroup {
    /// `None`: relations without a transition decision yet.
    pub decision: Option<TransitionDecision>,
    pub label: String,
    pub actor: Option<Actor>,
    pub relations: Vec<ImpactItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorGroup {
    pub actor: Actor,
    pub label: String,
    pub relations: Vec<ImpactItem>,
}

/// An agreement that has to be terminated because the system goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementItem {
    pub relation: String,
    pub local_number: Option<String>,
    pub counterpart: SystemRef,
    pub dependency: DependencyClass,
    /// The agreement's name; `None` for a local-agreement relation whose agreement is not recorded.
    pub agreement: Option<String>,
    pub notice_months: Option<u32>,
    pub expires: Option<Date>,
    pub terminated: Option<Date>,
    pub notice: Notice,
}

/// When notice must be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Notice must be given by `deadline` (= expires − notice period); `overdue` when `deadline` < today.
    By { deadline: Date, overdue: bool },
    /// The notice period is not recorded: notice must at least be given before the agreement expires.
    BeforeExpiry { expires: Date, overdue: bool },
    /// The expiry is not recorded: give notice as soon as possible (the notice period, if known, runs from then).
    AsSoonAsPossible { notice_months: Option<u32> },
    /// Notice has already been given (a local agreement terminated on that day).
    Given { on: Date },
}

impl Notice {
    pub fn is_overdue(&self) -> bool {
        matches!(
            self,
            Notice::By { overdue: true, .. } | Notice::BeforeExpiry { overdue: true, .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReachedSystem {
    pub id: String,
    pub name: String,
    /// Number of relations between the analysed system and this one (1 = direct counterpart).
    pub distance: u32,
    /// A shortest path from the analysed system to this one, both included.
    pub path: Vec<SystemRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub relations: usize,
    pub by_class: Vec<ClassCount>,
    pub by_decision: Vec<DecisionCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCount {
    pub class: DependencyClass,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionCount {
    pub decision: Option<TransitionDecision>,
    pub count: usize,
}

/// The costs on the affected relations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// Sums per cost kind and period (`once`, `month`, `year`, or whatever period the data gives), ordered by kind
    /// (start-up, running, set-up) then period.
    pub lines: Vec<CostSum>,
    /// The running costs per year: monthly amounts × 12 plus yearly amounts.
    pub running_per_year: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostSum {
    pub kind: CostKind,
    pub period: String,
    pub amount: Decimal,
    /// How many relations contribute.
    pub relations: usize,
}

/// Analyses what phasing out `query.system` affects.
pub fn analyse(landscape: &Landscape, query: &ImpactQuery) -> Result<ImpactReport, ImpactError> {
    let system = landscape
        .system(&query.system)
        .ok_or_else(|| ImpactError::UnknownSystem(query.system.clone()))?;
    let municipality = query.municipality.as_deref();

    let mut relations: Vec<&Relation> = landscape.relations_of(&system.id, municipality).collect();
    relations.sort_by(|a, b| relation_order(a, b));
    let items: Vec<ImpactItem> = relations.iter().map(|r| item(landscape, r, &system.id)).collect();

    let by_class = DependencyClass::ALL
        .iter()
        .map(|&class| ClassGroup {
            class,
            label: class.label_da().to_string(),
            meaning: class.meaning_da().to_string(),
            relations: items.iter().filter(|i| i.dependency == class).cloned().collect(),
        })
        .collect::<Vec<_>>();

    let decisions = TransitionDecision::ALL.iter().map(|&d| Some(d)).chain([None]);
    let by_decision = decisions
        .map(|decision| DecisionGroup {
            decision,
            label: decision_label(decision).to_string(),
            actor: decision.and_then(TransitionDecision::actor),
            relations: items.iter().filter(|i| i.decision == decision).cloned().collect(),
        })
        .collect::<Vec<_>>();

    let who_must_act = [Actor::Kombit, Actor::Municipality]
        .into_iter()
        .map(|actor| ActorGroup {
            actor,
            label: actor_label(actor).to_string(),
            relations: items
                .iter()
                .filter(|i| i.decision.and_then(TransitionDecision::actor) == Some(actor))
                .cloned()
                .collect(),
        })
        .collect();

    let mut agreements: Vec<AgreementItem> = relations
        .iter()
        .filter_map(|r| agreement_item(landscape, r, &system.id, query.today))
        .collect();
    agreements.sort_by(|a, b| {
        notice_rank(&a.notice)
            .cmp(&notice_rank(&b.notice))
            .then_with(|| local_number_order(a.local_number.as_deref(), b.local_number.as_deref()))
            .then_with(|| a.relation.cmp(&b.relation))
    });

    let totals = Totals {
        relations: items.len(),
        by_class: by_class
            .iter()
            .map(|g| ClassCount {
                class: g.class,
                count: g.relations.len(),
            })
            .collect(),
        by_decision: by_decision
            .iter()
            .map(|g| DecisionCount {
                decision: g.decision,
                count: g.relations.len(),
            })
            .collect(),
    };

    Ok(ImpactReport {
        system: SystemSummary {
            id: system.id.clone(),
            name: system.name.clone(),
            lifecycle: system.lifecycle,
            replaced_by: system.replaced_by.as_deref().map(|id| system_ref(landscape, id)),
        },
        municipality: query.municipality.clone(),
        today: query.today,
        depth: query.depth,
        by_class,
        by_decision,
        who_must_act,
        agreements,
        reached: reach(landscape, &system.id, municipality, query.depth),
        totals,
        costs: costs(&relations),
    })
}

/// Local numbers in natural order, relations without one last.
fn local_number_order(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => natural_cmp(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn relation_order(a: &Relation, b: &Relation) -> Ordering {
    local_number_order(a.local_number.as_deref(), b.local_number.as_deref()).then_with(|| natural_cmp(&a.id, &b.id))
}

fn system_ref(landscape: &Landscape, id: &str) -> SystemRef {
    SystemRef {
        id: id.to_string(),
        name: landscape.system(id).map_or_else(|| id.to_string(), |s| s.name.clone()),
    }
}

fn flip(direction: Direction) -> Direction {
    match direction {
        Direction::To => Direction::From,
        Direction::From => Direction::To,
        Direction::Both => Direction::Both,
    }
}

fn item(landscape: &Landscape, r: &Relation, system: &str) -> ImpactItem {
    let as_counterpart = r.system != system;
    let other = if as_counterpart { &r.system } else { &r.counterpart };
    let transition = r.transition.as_ref();
    ImpactItem {
        relation: r.id.clone(),
        municipality: r.municipality.clone(),
        local_number: r.local_number.clone(),
        counterpart: system_ref(landscape, other),
        direction: if as_counterpart { flip(r.direction) } else { r.direction },
        as_counterpart,
        description: r.description.clone(),
        interface: r.interface.clone(),
        interface_name: r
            .interface
            .as_ref()
            .and_then(|i| landscape.interface(i))
            .map(|i| i.name.clone()),
        dependency: r.dependency,
        decision: transition.map(|t| t.decision),
        target_system: transition
            .and_then(|t| t.target_system.as_deref())
            .map(|id| system_ref(landscape, id)),
        target_interface: transition.and_then(|t| t.target_interface.clone()),
        transition_note: transition.map(|t| t.note.clone()).unwrap_or_default(),
    }
}

fn agreement_item(landscape: &Landscape, r: &Relation, system: &str, today: Date) -> Option<AgreementItem> {
    let agreement = r.agreement.as_ref();
    let open = agreement.is_some_and(|a| a.terminated.is_none());
    if !open && r.dependency != DependencyClass::LocalAgreement {
        return None;
    }
    let notice_months = agreement.and_then(|a| a.notice_months);
    let expires = agreement.and_then(|a| a.expires);
    let terminated = agreement.and_then(|a| a.terminated);
    let notice = match (terminated, expires, notice_months) {
        (Some(on), _, _) => Notice::Given { on },
        (None, Some(expires), Some(months)) => match notice_deadline(expires, months) {
            Some(deadline) => Notice::By {
                deadline,
                overdue: deadline < today,
            },
            // A notice period too long for the calendar: the deadline is long past.
            None => Notice::AsSoonAsPossible {
                notice_months: Some(months),
            },
        },
        (None, Some(expires), None) => Notice::BeforeExpiry {
            expires,
            overdue: expires < today,
        },
        (None, None, notice_months) => Notice::AsSoonAsPossible { notice_months },
    };
    let other = if r.system != system { &r.system } else { &r.counterpart };
    Some(AgreementItem {
        relation: r.id.clone(),
        local_number: r.local_number.clone(),
        counterpart: system_ref(landscape, other),
        dependency: r.dependency,
        agreement: agreement.map(|a| a.name.clone()),
        notice_months,
        expires,
        terminated,
        notice,
    })
}

/// `expires` minus `months` calendar months (the day is clamped to the month's end: 31 Aug − 6 months = 28/29 Feb).
pub fn notice_deadline(expires: Date, months: u32) -> Option<Date> {
    let span = Span::new().try_months(i64::from(months)).ok()?;
    expires.checked_sub(span).ok()
}

/// Sort key for urgency: dated deadlines first (earliest first), then "as soon as possible", then given.
fn notice_rank(n: &Notice) -> (u8, Option<Date>) {
    match n {
        Notice::By { deadline, .. } => (0, Some(*deadline)),
        Notice::BeforeExpiry { expires, .. } => (0, Some(*expires)),
        Notice::AsSoonAsPossible { .. } => (1, None),
        Notice::Given { on } => (2, Some(*on)),
    }
}

/// Breadth-first search over the relations in the municipality filter, treating them as undirected edges.
fn reach(landscape: &Landscape, start: &str, municipality: Option<&str>, depth: u32) -> Vec<ReachedSystem> {
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &landscape.relations {
        if municipality.is_some_and(|m| !same_municipality(&r.municipality, m)) || r.system == r.counterpart {
            continue;
        }
        edges.entry(&r.system).or_default().insert(&r.counterpart);
        edges.entry(&r.counterpart).or_default().insert(&r.system);
    }
    // system → (distance, predecessor)
    let mut seen: HashMap<&str, (u32, Option<&str>)> = HashMap::from([(start, (0, None))]);
    let mut queue = VecDeque::from([start]);
    let mut found = Vec::new();
    while let Some(current) = queue.pop_front() {
        let distance = seen[current].0;
        if distance >= depth {
            continue;
        }
        for &next in edges.get(current).into_iter().flatten() {
            if seen.contains_key(next) {
                continue;
            }
            seen.insert(next, (distance + 1, Some(current)));
            queue.push_back(next);
            found.push(next);
        }
    }
    let mut reached: Vec<ReachedSystem> = found
        .into_iter()
        .map(|id| {
            let mut path = vec![system_ref(landscape, id)];
            let mut at = id;
            while let Some(prev) = seen[at].1 {
                path.push(system_ref(landscape, prev));
                at = prev;
            }
            path.reverse();
            let last = path.last().cloned().expect("the path holds the system itself");
            ReachedSystem {
                id: last.id,
                name: last.name,
                distance: seen[id].0,
                path,
            }
        })
        .collect();
    reached.sort_by(|a, b| {
        a.distance
            .cmp(&b.distance)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.id.cmp(&b.id))
    });
    reached
}

fn cost_kind_rank(kind: CostKind) -> u8 {
    match kind {
        CostKind::StartUp => 0,
        CostKind::Running => 1,
        CostKind::SetUp => 2,
    }
}

fn period_rank(period: &str) -> u8 {
    match period {
        "once" => 0,
        "month" => 1,
        "year" => 2,
        _ => 3,
    }
}

fn costs(relations: &[&Relation]) -> Costs {
    /// (kind rank, period rank, period)
    type Key = (u8, u8, String);
    /// (kind, sum, contributing relations)
    type Sum<'a> = (CostKind, Decimal, BTreeSet<&'a str>);
    let mut sums: BTreeMap<Key, Sum> = BTreeMap::new();
    for r in relations {
        for c in &r.costs {
            let period = c.period.trim().to_lowercase();
            let entry = sums
                .entry((cost_kind_rank(c.kind), period_rank(&period), period))
                .or_insert_with(|| (c.kind, Decimal::ZERO, BTreeSet::new()));
            entry.1 += c.amount;
            entry.2.insert(&r.id);
        }
    }
    let mut running_per_year = Decimal::ZERO;
    let lines = sums
        .into_iter()
        .map(|((_, _, period), (kind, amount, rels))| {
            if kind == CostKind::Running {
                match period.as_str() {
                    "month" => running_per_year += amount * Decimal::from(12),
                    "year" => running_per_year += amount,
                    _ => {}
                }
            }
            CostSum {
                kind,
                period,
                amount,
                relations: rels.len(),
            }
        })
        .collect();
    Costs {
        lines,
        running_per_year,
    }
}

fn decision_label(decision: Option<TransitionDecision>) -> &'static str {
    decision.map_or("Ingen overgangsbeslutning endnu", TransitionDecision::label_da)
}

fn actor_label(actor: Actor) -> &'static str {
    match actor {
        Actor::Kombit => "KOMBIT",
        Actor::Municipality => "Kommunen",
    }
}

/// The lifecycle in Danish, for reports.
pub fn lifecycle_label_da(lifecycle: Lifecycle) -> &'static str {
    match lifecycle {
        Lifecycle::InOperation => "i drift",
        Lifecycle::PhasingIn => "under indfasning",
        Lifecycle::PhasingOut => "under udfasning",
        Lifecycle::Retired => "udfaset",
    }
}

fn direction_arrow(direction: Direction) -> &'static str {
    match direction {
        Direction::To => "→",
        Direction::From => "←",
        Direction::Both => "↔",
    }
}

fn cost_kind_label(kind: CostKind) -> &'static str {
    match kind {
        CostKind::StartUp => "Opstartslicens",
        CostKind::Running => "Løbende betaling (drift og vedligehold)",
        CostKind::SetUp => "Etablering af adgang",
    }
}

fn period_label(period: &str) -> &str {
    match period {
        "once" => "engangsbeløb",
        "month" => "pr. måned",
        "year" => "pr. år",
        other => other,
    }
}

fn interface_text(i: &InterfaceRef) -> String {
    if i.version == "1" {
        i.id.clone()
    } else {
        format!("{} v{}", i.id, i.version)
    }
}

impl ImpactItem {
    /// One line: `5a ← KMD Udbetaling [SF…]: description (→ KY, SID001)`.
    fn line(&self, with_class: bool) -> String {
        let mut s = String::new();
        if let Some(n) = &self.local_number {
            let _ = write!(s, "{n} ");
        }
        let _ = write!(s, "{} {}", direction_arrow(self.direction), self.counterpart.name);
        if let Some(i) = &self.interface {
            let _ = write!(s, " [{}", interface_text(i));
            if let Some(name) = &self.interface_name {
                let _ = write!(s, " {name}");
            }
            s.push(']');
        }
        if !self.description.is_empty() {
            let _ = write!(s, ": {}", self.description);
        }
        if with_class {
            let _ = write!(s, " — {}", self.dependency.label_da());
        }
        let mut target = Vec::new();
        if let Some(t) = &self.target_system {
            target.push(t.name.clone());
        }
        if let Some(i) = &self.target_interface {
            target.push(interface_text(i));
        }
        if !target.is_empty() {
            let _ = write!(s, " (overgår til {})", target.join(", "));
        }
        if !self.transition_note.is_empty() {
            let _ = write!(s, " — {}", self.transition_note);
        }
        if self.as_counterpart {
            s.push_str(" (relationen er tegnet om modparten)");
        }
        let _ = write!(s, " `{}`", self.relation);
        s
    }
}

fn format_amount(amount: Decimal) -> String {
    format!("{} kr.", amount.normalize())
}

impl ImpactReport {
    /// A readable Markdown report (Danish labels, as on the "Snitfladeoversigt" maps).
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let s = &self.system;
        let _ = writeln!(out, "# Konsekvensanalyse: udfasning af {} ({})", s.name, s.id);
        let _ = writeln!(out);
        let _ = write!(out, "Livscyklus: {}", lifecycle_label_da(s.lifecycle));
        if let Some(next) = &s.replaced_by {
            let _ = write!(out, ". Erstattes af: {} ({})", next.name, next.id);
        }
        let _ = writeln!(out, ".");
        let _ = writeln!(
            out,
            "Kommune: {}. Dato: {}. Relationer: {}.",
            self.municipality.as_deref().unwrap_or("alle"),
            self.today,
            self.totals.relations
        );

        let _ = writeln!(out, "\n## Afhængigheder\n");
        for g in &self.by_class {
            let _ = writeln!(out, "### {} ({})\n", g.label, g.relations.len());
            let _ = writeln!(out, "_{}_\n", g.meaning);
            if g.relations.is_empty() {
                let _ = writeln!(out, "Ingen.\n");
                continue;
            }
            for i in &g.relations {
                let _ = writeln!(out, "- {}", i.line(false));
            }
            let _ = writeln!(out);
        }

        let _ = writeln!(out, "## Overgang\n");
        for g in &self.by_decision {
            let _ = writeln!(out, "### {} ({})\n", g.label, g.relations.len());
            if g.relations.is_empty() {
                let _ = writeln!(out, "Ingen.\n");
                continue;
            }
            for i in &g.relations {
                let _ = writeln!(out, "- {}", i.line(true));
            }
            let _ = writeln!(out);
        }

        let _ = writeln!(out, "## Hvem skal handle\n");
        for g in &self.who_must_act {
            let _ = writeln!(out, "### {} ({})\n", g.label, g.relations.len());
            if g.relations.is_empty() {
                let _ = writeln!(out, "Intet at gøre.\n");
                continue;
            }
            for i in &g.relations {
                let _ = writeln!(out, "- {}", i.line(true));
            }
            let _ = writeln!(out);
        }
        if let Some(undecided) = self.by_decision.iter().find(|g| g.decision.is_none())
            && !undecided.relations.is_empty()
        {
            let numbers: Vec<String> = undecided
                .relations
                .iter()
                .map(|i| i.local_number.clone().unwrap_or_else(|| i.relation.clone()))
                .collect();
            let _ = writeln!(
                out,
                "Mangler en overgangsbeslutning: {} ({}).\n",
                undecided.relations.len(),
                numbers.join(", ")
            );
        }

        let _ = writeln!(out, "## Aftaler der skal opsiges\n");
        if self.agreements.is_empty() {
            let _ = writeln!(out, "Ingen.\n");
        }
        for a in &self.agreements {
            let number = a.local_number.as_deref().map(|n| format!("{n} ")).unwrap_or_default();
            let name = a.agreement.as_deref().unwrap_or("(aftalen er ikke registreret)");
            let when = match &a.notice {
                Notice::By { deadline, overdue } => format!(
                    "opsiges senest {deadline} ({} mdr. før udløb {}){}",
                    a.notice_months.unwrap_or_default(),
                    a.expires.map(|d| d.to_string()).unwrap_or_default(),
                    if *overdue { " — OVERSKREDET" } else { "" }
                ),
                Notice::BeforeExpiry { expires, overdue } => format!(
                    "opsigelsesvarsel ukendt; skal opsiges før udløb {expires}{}",
                    if *overdue { " — OVERSKREDET" } else { "" }
                ),
                Notice::AsSoonAsPossible { notice_months: Some(m) } => {
                    format!("udløb ukendt: opsig hurtigst muligt (opsigelsesvarsel {m} mdr.)")
                }
                Notice::AsSoonAsPossible { notice_months: None } => {
                    "udløb og opsigelsesvarsel ukendt: opsig hurtigst muligt".to_string()
                }
                Notice::Given { on } => format!("opsagt {on}"),
            };
            let _ = writeln!(
                out,
                "- {number}{} — {name} ({}): {when}",
                a.counterpart.name,
                a.dependency.label_da()
            );
        }
        if !self.agreements.is_empty() {
            let _ = writeln!(out);
        }

        let _ = writeln!(out, "## Berørte systemer (op til {} led)\n", self.depth);
        if self.reached.is_empty() {
            let _ = writeln!(out, "Ingen.\n");
        }
        for r in &self.reached {
            let path: Vec<&str> = r.path.iter().map(|p| p.name.as_str()).collect();
            let _ = writeln!(out, "- {} (afstand {}): {}", r.name, r.distance, path.join(" — "));
        }
        if !self.reached.is_empty() {
            let _ = writeln!(out);
        }

        let _ = writeln!(out, "## Omkostninger\n");
        if self.costs.lines.is_empty() {
            let _ = writeln!(out, "Ingen registrerede omkostninger.");
        } else {
            for c in &self.costs.lines {
                let _ = writeln!(
                    out,
                    "- {}, {}: {} ({} {})",
                    cost_kind_label(c.kind),
                    period_label(&c.period),
                    format_amount(c.amount),
                    c.relations,
                    if c.relations == 1 { "relation" } else { "relationer" }
                );
            }
            let _ = writeln!(
                out,
                "\nLøbende betaling i alt pr. år: {}",
                format_amount(self.costs.running_per_year)
            );
        }
        out
    }
}
