//! Orders of access (the five steps of KMD's ordering process, docs/src/access/lifecycle.md; an individual integration
//! adds the clarification of certificates): created by the customer on the vendor's proposal, priced by the price list
//! when clarified, and — once access is set up on the agreed certificate — the grants for each interface in the
//! municipality, put into force at once. Normal closing ends an order's grants (and its running fees) on a date.

use crate::parties::in_tx;
use crate::{Lifecycle, LifecycleError, Result, actor_or_default, day, interface, system_named, today};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_domain::access_level::grant_level;
use snitflade_domain::orders::{
    IntegrationKind, NORMAL_CLOSE_PARTIES, OrderState, Party, Progress, not_the_party, step_parties,
};
use snitflade_domain::prices::{PriceList, PricedOrder, Purchase, order_cost};
use snitflade_domain::{AccessLevel, InterfaceId, Kommunekode};
use snitflade_store::access::{self, GrantRecord, GrantScope};
use snitflade_store::orders::{self as store_orders, OrderRecord, PriceListRecord};
use snitflade_store::{StoreError, Tx, admin_audit, now_text, vendors};
use std::collections::{BTreeMap, BTreeSet};

/// `POST /orders`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    pub municipality: String,
    pub system: String,
    pub interfaces: Vec<String>,
    /// The access level ordered per interface (`read`, `read-write`); an interface left out gets its default
    /// (`snitflade_domain::access_level`).
    #[serde(default)]
    pub access: BTreeMap<String, AccessLevel>,
    #[serde(default)]
    pub package: bool,
    pub standard_integration: Option<String>,
    pub certificate: Option<String>,
    pub valid_from: Option<jiff::civil::Date>,
    pub note: Option<String>,
    pub actor: Option<String>,
}

/// `POST /orders/{id}/advance`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advance {
    pub to: OrderState,
    pub actor: Option<String>,
    pub note: Option<String>,
    pub covered_by_contract: Option<Vec<String>>,
    pub certificate: Option<String>,
}

/// `POST /orders/{id}/close`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Close {
    pub on: Option<jiff::civil::Date>,
    pub reason: Option<String>,
    pub actor: Option<String>,
}

/// How an order ended.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    pub kind: String,
    pub on: Option<String>,
    pub at: Option<String>,
    pub actor: Option<String>,
    pub reason: Option<String>,
}

/// An order as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub id: String,
    pub municipality: String,
    pub system: String,
    pub vendor: serde_json::Value,
    pub kind: String,
    pub standard_integration: Option<String>,
    pub interfaces: Vec<String>,
    /// The access level of each interface's grant.
    pub access: BTreeMap<String, AccessLevel>,
    pub package: bool,
    pub covered_by_contract: Vec<String>,
    pub certificate: Option<String>,
    pub valid_from: String,
    pub state: String,
    /// The steps taken: state, actor, time, note.
    pub steps: serde_json::Value,
    pub cost: Option<serde_json::Value>,
    pub delivered_on: Option<String>,
    pub closed: Option<Closed>,
    pub created_at: String,
    pub updated_at: String,
}

/// A price list as set through the admin API: the list and the day it applies from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceListInput {
    #[serde(flatten)]
    pub list: PriceList,
    pub valid_from: Option<jiff::civil::Date>,
    pub actor: Option<String>,
}

fn note(n: Option<String>) -> Result<Option<String>> {
    match n.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()) {
        Some(s) if s.chars().count() > 2000 => Err(LifecycleError::BadRequest("note er længere end 2000 tegn".into())),
        other => Ok(other),
    }
}

fn interfaces_of(list: &[String]) -> Result<BTreeSet<InterfaceId>> {
    list.iter().map(|s| interface(s)).collect()
}

/// The level of each ordered interface: the one asked for in `asked` (which names ordered interfaces only), else
/// the interface's default; a level the interface's nature does not allow is refused.
fn ordered_levels(
    interfaces: &BTreeSet<InterfaceId>,
    asked: &BTreeMap<String, AccessLevel>,
) -> Result<BTreeMap<String, AccessLevel>> {
    for name in asked.keys() {
        let i = interface(name)?;
        if !interfaces.contains(&i) {
            return Err(LifecycleError::BadRequest(format!(
                "access nævner snitfladen {i}, som bestillingen ikke omfatter"
            )));
        }
    }
    interfaces
        .iter()
        .map(|i| {
            let level = grant_level(*i, asked.get(i.as_str()).copied())
                .map_err(|e| LifecycleError::BadRequest(e.to_string()))?;
            Ok((i.as_str().to_owned(), level))
        })
        .collect()
}

/// The level of `interface`'s grant by order `o`; an order from before levels gives every operation.
fn level_of(o: &OrderRecord, interface: &str) -> AccessLevel {
    o.access
        .get(interface)
        .copied()
        .unwrap_or_else(|| InterfaceId::parse(interface).map_or(AccessLevel::ReadWrite, InterfaceId::full_level))
}

fn progress(o: &OrderRecord) -> Result<Progress> {
    serde_json::from_value(o.steps.clone())
        .map_err(|e| LifecycleError::Store(StoreError::Corrupt(format!("order {} steps: {e}", o.id))))
}

impl Lifecycle {
    fn view(o: OrderRecord, system: String) -> OrderView {
        OrderView {
            access: o.interfaces.iter().map(|i| (i.clone(), level_of(&o, i))).collect(),
            closed: o.closed_kind.clone().map(|kind| Closed {
                kind,
                on: o.closed_on.clone(),
                at: o.closed_at.clone(),
                actor: o.closed_by.clone(),
                reason: o.closed_reason.clone(),
            }),
            id: o.id,
            municipality: o.municipality,
            system,
            vendor: o.vendor,
            kind: o.kind,
            standard_integration: o.standard_integration,
            interfaces: o.interfaces,
            package: o.package,
            covered_by_contract: o.covered_by_contract,
            certificate: o.certificate,
            valid_from: o.valid_from,
            state: o.state,
            steps: o.steps.get("steps").cloned().unwrap_or_default(),
            cost: o.cost,
            delivered_on: o.delivered_on,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }

    async fn order_views(&self, orders: Vec<OrderRecord>) -> Result<Vec<OrderView>> {
        let systems = access::systems(self.store.pool()).await?;
        Ok(orders
            .into_iter()
            .map(|o| {
                let name = systems
                    .iter()
                    .find(|s| s.id == o.system_id)
                    .map_or_else(|| o.system_id.clone(), |s| s.name.clone());
                Self::view(o, name)
            })
            .collect())
    }

    async fn one_view(&self, o: OrderRecord) -> Result<OrderView> {
        Ok(self.order_views(vec![o]).await?.remove(0))
    }

    pub async fn orders(
        &self,
        municipality: Option<&str>,
        system: Option<&str>,
        state: Option<&str>,
    ) -> Result<Vec<OrderView>> {
        let system_id = match system {
            Some(name) => Some(system_named(&self.store, name).await?.id),
            None => None,
        };
        let rows = store_orders::list(self.store.pool(), municipality, system_id.as_deref(), state).await?;
        self.order_views(rows).await
    }

    pub async fn order(&self, id: &str) -> Result<OrderView> {
        let o = store_orders::by_id(self.store.pool(), id)
            .await?
            .ok_or_else(|| LifecycleError::NotFound(format!("bestillingen {id}")))?;
        self.one_view(o).await
    }

    /// Creates an order in state `proposed`: for a standard integration (its system, interfaces and certificate)
    /// or, without one, an individual integration. `by` is the party proposing it (the caller has checked that it
    /// is a party to the order: the municipality itself, or the system's vendor).
    pub async fn create_order(&self, input: NewOrder, by: Party) -> Result<OrderView> {
        party_may(by, step_parties(OrderState::Proposed, OrderState::Proposed), "proposed")?;
        let municipality = Kommunekode::parse(&input.municipality)
            .map_err(|e| LifecycleError::BadRequest(format!("municipality: {e}")))?
            .to_string();
        if !access::municipalities(self.store.pool())
            .await?
            .iter()
            .any(|m| m.code == municipality)
        {
            return Err(LifecycleError::NotFound(format!("kommunen {municipality}")));
        }
        let system = system_named(&self.store, &input.system).await?;
        let vendor_id = system.vendor_id.clone().ok_or_else(|| {
            LifecycleError::Conflict(format!(
                "systemet '{}' har ingen registreret leverandør; registrér leverandøren først",
                system.name
            ))
        })?;
        let vendor = self.vendor(&vendor_id).await?;
        let interfaces = interfaces_of(&input.interfaces)?;
        if interfaces.is_empty() {
            return Err(LifecycleError::BadRequest(
                "interfaces skal nævne mindst én snitflade".into(),
            ));
        }
        let access = ordered_levels(&interfaces, &input.access)?;
        let (kind, certificate) = match input.standard_integration.as_deref() {
            Some(si_id) => {
                let si = vendors::standard_integration_by_id(self.store.pool(), si_id)
                    .await?
                    .ok_or_else(|| LifecycleError::NotFound(format!("standardintegrationen {si_id}")))?;
                if si.system_id != system.id {
                    return Err(LifecycleError::Conflict(format!(
                        "standardintegrationen {si_id} gælder et andet system"
                    )));
                }
                let agreed = interfaces_of(&si.interfaces)?;
                if let Some(i) = interfaces.iter().find(|i| !agreed.contains(i)) {
                    return Err(LifecycleError::Conflict(format!(
                        "standardintegrationen {si_id} omfatter ikke snitfladen {i}"
                    )));
                }
                (
                    IntegrationKind::Standard,
                    Some(input.certificate.clone().unwrap_or(si.certificate)),
                )
            }
            None => (IntegrationKind::Individual, input.certificate.clone()),
        };
        if let Some(fp) = &certificate {
            self.usable_certificate(&system.id, fp).await?;
        }
        let actor = actor_or_default(input.actor.as_deref());
        let now = now_text();
        let mut steps = Progress::proposed(kind, &actor, &now);
        steps.steps[0].note = note(input.note)?;
        let record = OrderRecord {
            id: uuid::Uuid::new_v4().to_string(),
            municipality,
            system_id: system.id.clone(),
            vendor: json!({
                "id": vendor.id, "name": vendor.name, "cvr": vendor.cvr, "contact_name": vendor.contact_name,
                "contact_phone": vendor.contact_phone, "contact_email": vendor.contact_email,
            }),
            kind: match kind {
                IntegrationKind::Standard => "standard",
                IntegrationKind::Individual => "individual",
            }
            .into(),
            standard_integration: input.standard_integration.clone(),
            interfaces: interfaces.iter().map(|i| i.as_str().to_owned()).collect(),
            access,
            package: input.package,
            covered_by_contract: Vec::new(),
            certificate: certificate.map(|c| c.trim().to_ascii_lowercase()),
            valid_from: input.valid_from.unwrap_or_else(today).to_string(),
            state: OrderState::Proposed.as_str().into(),
            steps: serde_json::to_value(&steps).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            cost: None,
            delivered_on: None,
            closed_kind: None,
            closed_on: None,
            closed_at: None,
            closed_by: None,
            closed_reason: None,
            created_at: now.clone(),
            updated_at: now,
        };
        let rec = record.clone();
        self.store
            .write(move |c| {
                let (o, actor) = (rec.clone(), actor.clone());
                Box::pin(async move {
                    store_orders::save(c, &o).await?;
                    let detail = json!({ "municipality": o.municipality, "system": o.system_id,
                        "interfaces": o.interfaces, "access": o.access, "kind": o.kind, "package": o.package });
                    admin_audit::record(c, &actor, "order.create", "order", &o.id, &detail, &o.created_at).await
                })
            })
            .await?;
        self.one_view(record).await
    }

    /// Takes the order's next step (or cancels it) as party `by` (to the order: the caller has checked that), if
    /// the step is that party's (see [`step_parties`]). `clarified` prices the order; `access_set_up` creates its
    /// grants, which are in force when this answers.
    pub async fn advance_order(&self, id: &str, input: Advance, by: Party) -> Result<OrderView> {
        let actor = actor_or_default(input.actor.as_deref());
        let note = note(input.note.clone())?;
        let covered = input.covered_by_contract.as_deref().map(interfaces_of).transpose()?;
        if covered.is_some() && input.to != OrderState::Clarified {
            return Err(LifecycleError::BadRequest(
                "covered_by_contract hører til trinnet clarified".into(),
            ));
        }
        let current = store_orders::by_id(self.store.pool(), id)
            .await?
            .ok_or_else(|| LifecycleError::NotFound(format!("bestillingen {id}")))?;
        // Checked before anything else is read, and again on the state the write finds.
        party_may(
            by,
            step_parties(progress(&current)?.state(), input.to),
            input.to.as_str(),
        )?;
        if let Some(fp) = &input.certificate {
            if OrderState::AccessSetUp <= progress(&current)?.state() {
                return Err(LifecycleError::Conflict(
                    "adgangen er sat op; certifikatet kan ikke skiftes på bestillingen".into(),
                ));
            }
            self.usable_certificate(&current.system_id, fp).await?;
        }
        // What only reads may decide, decided before the write: the price list and the agreed certificate.
        let price_list = match input.to {
            OrderState::Clarified => Some(self.price_list_on(&current.valid_from).await?.ok_or_else(|| {
                LifecycleError::Conflict(format!(
                    "der er ingen prisliste gældende {}; sæt den med PUT /api/v1/price-list",
                    current.valid_from
                ))
            })?),
            _ => None,
        };
        let certificate = input
            .certificate
            .clone()
            .map(|c| c.trim().to_ascii_lowercase())
            .or(current.certificate.clone());
        if matches!(input.to, OrderState::CertificatesClarified | OrderState::AccessSetUp) {
            let fp = certificate.as_deref().ok_or_else(|| {
                LifecycleError::Conflict("bestillingen har intet aftalt certifikat; angiv certificate".into())
            })?;
            self.usable_certificate(&current.system_id, fp).await?;
        }
        let id_owned = id.to_owned();
        let to = input.to;
        let order = self
            .store
            .write(move |c| {
                let (id, actor, note, covered, certificate, price_list) = (
                    id_owned.clone(),
                    actor.clone(),
                    note.clone(),
                    covered.clone(),
                    certificate.clone(),
                    price_list.clone(),
                );
                Box::pin(async move {
                    let mut o = store_orders::by_id(&mut **c, &id).await?.ok_or(StoreError::NotFound)?;
                    let mut steps: Progress =
                        serde_json::from_value(o.steps.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let from = steps.state();
                    if let Err(refused) = party_may(by, step_parties(from, to), to.as_str()) {
                        return Ok(Err(refused));
                    }
                    let now = now_text();
                    steps
                        .advance(to, &actor, &now, note.clone())
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    o.certificate = certificate;
                    if let Some(covered) = covered {
                        o.covered_by_contract = covered.iter().map(|i| i.as_str().to_owned()).collect();
                    }
                    if let Some(list) = price_list {
                        o.cost = Some(price(c, &o, &list).await?);
                    }
                    if to == OrderState::AccessSetUp {
                        deliver(c, &mut o).await?;
                    }
                    o.state = to.as_str().into();
                    o.steps = serde_json::to_value(&steps).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    o.updated_at = now.clone();
                    store_orders::save(c, &o).await?;
                    let detail = json!({ "from": from.as_str(), "to": to.as_str(), "note": note });
                    admin_audit::record(c, &actor, "order.advance", "order", &o.id, &detail, &now).await?;
                    Ok(Ok(o))
                })
            })
            .await
            .map_err(in_tx(&format!("bestillingen {id}")))??;
        if to == OrderState::AccessSetUp {
            self.access_changed().await?;
        }
        self.one_view(order).await
    }

    /// Normal closing by party `by` (the municipality or the operator): the order's grants end on `on` (default
    /// today; from that day calls are refused) and its running fees stop after that month.
    pub async fn close_order(&self, id: &str, input: Close, by: Party) -> Result<OrderView> {
        party_may(by, NORMAL_CLOSE_PARTIES, "close")?;
        let on = input.on.unwrap_or_else(today).to_string();
        let actor = actor_or_default(input.actor.as_deref());
        let reason = note(input.reason)?;
        let id_owned = id.to_owned();
        let order = self
            .store
            .write(move |c| {
                let (id, on, actor, reason) = (id_owned.clone(), on.clone(), actor.clone(), reason.clone());
                Box::pin(async move {
                    let mut o = store_orders::by_id(&mut **c, &id).await?.ok_or(StoreError::NotFound)?;
                    if o.delivered_on.is_none() {
                        return Err(StoreError::Conflict(format!(
                            "bestillingen er {}; kun en leveret bestilling kan lukkes (annullér den i stedet)",
                            o.state
                        )));
                    }
                    if o.closed_kind.is_some() {
                        return Err(StoreError::Conflict("bestillingen er allerede lukket".into()));
                    }
                    let now = now_text();
                    let why = reason.clone().unwrap_or_else(|| "lukning".into());
                    access::close_grants(c, GrantScope::Order(&o.id), &on, &why, &now).await?;
                    o.closed_kind = Some("normal".into());
                    o.closed_on = Some(on.clone());
                    o.closed_at = Some(now.clone());
                    o.closed_by = Some(actor.clone());
                    o.closed_reason = reason.clone();
                    o.updated_at = now.clone();
                    store_orders::save(c, &o).await?;
                    emit_closed(c, &o);
                    let detail = json!({ "on": on, "reason": reason });
                    admin_audit::record(c, &actor, "order.close", "order", &o.id, &detail, &now).await?;
                    Ok(o)
                })
            })
            .await
            .map_err(in_tx(&format!("bestillingen {id}")))?;
        self.access_changed().await?;
        self.one_view(order).await
    }

    /// The price list in force on `day` (`yyyy-MM-dd`).
    pub async fn price_list_on(&self, day: &str) -> Result<Option<PriceListRecord>> {
        Ok(store_orders::price_list_on(self.store.pool(), day).await?)
    }

    /// Stores a new price list version, in force from `valid_from` (default today).
    pub async fn set_price_list(&self, input: PriceListInput) -> Result<PriceListRecord> {
        let list = &input.list;
        let negative = list
            .startup_fee
            .values()
            .chain(list.running_fee.values())
            .chain([
                &list.package_running_fee,
                &list.setup_fee_standard,
                &list.setup_fee_individual,
            ])
            .any(|a| a.is_sign_negative());
        if negative {
            return Err(LifecycleError::BadRequest("en pris kan ikke være negativ".into()));
        }
        let document = serde_json::to_value(list).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let valid_from = input.valid_from.unwrap_or_else(today).to_string();
        let actor = actor_or_default(input.actor.as_deref());
        let now = now_text();
        let (doc, from, at) = (document.clone(), valid_from.clone(), now.clone());
        let version = self
            .store
            .write(move |c| {
                let (doc, from, at, actor) = (doc.clone(), from.clone(), at.clone(), actor.clone());
                Box::pin(async move {
                    let v = store_orders::add_price_list(c, &from, &doc, &at).await?;
                    let detail = json!({ "valid_from": from, "list": doc });
                    admin_audit::record(c, &actor, "price_list.set", "price_list", &v.to_string(), &detail, &at)
                        .await?;
                    Ok(v)
                })
            })
            .await?;
        Ok(PriceListRecord {
            version,
            valid_from,
            document,
            created_at: now,
        })
    }
}

/// Whether `party` may take a step that belongs to `parties` (403 otherwise).
fn party_may(party: Party, parties: &[Party], step: &str) -> Result<()> {
    if parties.contains(&party) {
        Ok(())
    } else {
        Err(LifecycleError::Forbidden(not_the_party(step, parties, party)))
    }
}

/// The order's cost by `list`: start-up fees only for interfaces the municipality has not bought before, running
/// fees only for interfaces it does not already pay for, and the set-up fee when the system has no access in the
/// municipality yet. Interfaces the customer's contract covers cost nothing.
async fn price(c: &mut Tx, o: &OrderRecord, list: &PriceListRecord) -> snitflade_store::Result<serde_json::Value> {
    let prices: PriceList =
        serde_json::from_value(list.document.clone()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let parse = |v: &[String]| -> BTreeSet<InterfaceId> { v.iter().filter_map(|s| InterfaceId::parse(s)).collect() };
    let today = today().to_string();
    let others = store_orders::list(&mut **c, Some(&o.municipality), None, None).await?;
    let active = others.iter().filter(|x| {
        x.id != o.id && x.delivered_on.is_some() && x.closed_on.as_deref().is_none_or(|on| on > today.as_str())
    });
    let mut bought_before = BTreeSet::new();
    let mut system_has_access = false;
    for x in active {
        if !x.package {
            bought_before.extend(parse(&x.interfaces));
        }
        system_has_access |= x.system_id == o.system_id;
    }
    let direct_grants = access::grants(&mut **c).await?.into_iter().any(|g| {
        g.system_id == o.system_id
            && g.municipality == o.municipality
            && g.order_id.is_none()
            && g.valid_to.as_deref().is_none_or(|to| to > today.as_str())
    });
    let order = PricedOrder {
        purchase: if o.package {
            Purchase::Package
        } else {
            Purchase::Interfaces(parse(&o.interfaces))
        },
        kind: if o.kind == "standard" {
            IntegrationKind::Standard
        } else {
            IntegrationKind::Individual
        },
        new_system: !(system_has_access || direct_grants),
        bought_before,
        covered_by_contract: parse(&o.covered_by_contract),
    };
    let cost = order_cost(&prices, &order).map_err(|e| StoreError::Conflict(e.to_string()))?;
    Ok(
        json!({ "price_list_version": list.version, "lines": cost.lines, "one_time": cost.one_time,
        "running_per_period": cost.running_per_period }),
    )
}

/// Access set-up: one grant per interface in the order's municipality at the ordered level, from the order's
/// first day.
async fn deliver(c: &mut Tx, o: &mut OrderRecord) -> snitflade_store::Result<()> {
    let today = today().to_string();
    for i in &o.interfaces {
        let g = GrantRecord {
            id: uuid::Uuid::new_v4().to_string(),
            system_id: o.system_id.clone(),
            interface: i.clone(),
            municipality: o.municipality.clone(),
            access: level_of(o, i),
            valid_from: o.valid_from.clone(),
            order_id: Some(o.id.clone()),
            ..GrantRecord::default()
        };
        access::insert_grant(c, &g).await.map_err(|e| {
            if e.is_unique_violation() {
                StoreError::Conflict(format!(
                    "systemet har allerede en adgang til {i} i {} fra {}",
                    o.municipality, o.valid_from
                ))
            } else {
                e
            }
        })?;
    }
    for i in o.interfaces.iter().filter_map(|i| InterfaceId::parse(i)) {
        c.emit(access_event(
            "access.granted",
            o,
            i,
            json!({ "valid_from": o.valid_from, "access": level_of(o, i.as_str()) }),
        ));
    }
    o.delivered_on = Some(today);
    Ok(())
}

/// The event of access granted or closed for one interface of an order (object: the system).
pub(crate) fn access_event(
    kind: &'static str,
    o: &OrderRecord,
    interface: InterfaceId,
    mut detail: serde_json::Value,
) -> snitflade_store::outbox::NewEvent {
    detail["order"] = o.id.clone().into();
    detail["system_id"] = o.system_id.clone().into();
    detail["interface"] = interface.as_str().into();
    snitflade_store::outbox::NewEvent {
        kind,
        interface: interface.as_str(),
        municipality: Some(o.municipality.clone()),
        object_id: Some(o.system_id.clone()),
        payload: detail,
    }
}

/// Emits `access.closed` for every interface of a closed order.
pub(crate) fn emit_closed(c: &mut Tx, o: &OrderRecord) {
    for i in o.interfaces.iter().filter_map(|i| InterfaceId::parse(i)) {
        let detail = json!({ "kind": o.closed_kind, "on": o.closed_on, "reason": o.closed_reason });
        c.emit(access_event("access.closed", o, i, detail));
    }
}

/// The first day an order is billed for: its start, or its delivery if that came later.
pub(crate) fn billing_start(o: &OrderRecord) -> Option<jiff::civil::Date> {
    let delivered = day(o.delivered_on.as_deref()?)?;
    Some(day(&o.valid_from).map_or(delivered, |from| from.max(delivered)))
}
