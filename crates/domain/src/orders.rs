//! Orders of access to standard interfaces (KMD's ordering process, docs/src/access/lifecycle.md): the contract
//! addendum that is also the data controller's instruction, walked through its steps — proposed by the vendor,
//! clarified with the customer (what the contract covers, what must be bought), addendum signed, delivery ordered,
//! access set up on the agreed certificate, customer and vendor told. An individual integration (no standard
//! integration agreement) needs one more step before the addendum: the clarification of certificates and access rights.
//!
//! Only the rules live here: which step may follow which, and what each step records. Storage, the admin API and
//! the grants an order creates are built on top (issue 6).

use serde::{Deserialize, Serialize};

/// The kind of integration an order is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationKind {
    /// The vendor and KMD have a standard integration agreement: certificates and scenarios are agreed.
    Standard,
    /// No standard integration: certificates and access rights must be clarified for this order.
    Individual,
}

/// The steps of an order, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 1. The vendor has told the customer which standard integration to order.
    Proposed,
    /// 2a. The customer and KMD's account manager have settled what the contract covers and what must be bought.
    Clarified,
    /// Individual integrations only: certificates and access rights are clarified.
    CertificatesClarified,
    /// 2b/3. The addendum (order and data-processing instruction) is signed.
    AddendumSigned,
    /// 3. The account manager has ordered the delivery.
    DeliveryOrdered,
    /// 4. Access is set up on the agreed certificate: the grants exist.
    AccessSetUp,
    /// 5. Customer and vendor are told; the order is complete.
    Notified,
    /// Given up before access was set up.
    Cancelled,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Clarified => "clarified",
            Self::CertificatesClarified => "certificates_clarified",
            Self::AddendumSigned => "addendum_signed",
            Self::DeliveryOrdered => "delivery_ordered",
            Self::AccessSetUp => "access_set_up",
            Self::Notified => "notified",
            Self::Cancelled => "cancelled",
        }
    }

    /// The step after this one for an order of `kind`, if any.
    pub fn next(self, kind: IntegrationKind) -> Option<OrderState> {
        use OrderState::*;
        Some(match (self, kind) {
            (Proposed, _) => Clarified,
            (Clarified, IntegrationKind::Individual) => CertificatesClarified,
            (Clarified, IntegrationKind::Standard) | (CertificatesClarified, _) => AddendumSigned,
            (AddendumSigned, _) => DeliveryOrdered,
            (DeliveryOrdered, _) => AccessSetUp,
            (AccessSetUp, _) => Notified,
            (Notified | Cancelled, _) => return None,
        })
    }

    /// Whether the order can still be cancelled (not once access is set up: then access is closed instead).
    pub fn cancellable(self) -> bool {
        self < OrderState::AccessSetUp
    }
}

/// The parties of an order (in KMD's ordering process): the vendor indicates the integration and supplies its
/// certificates, the municipality (the customer) orders, signs the addendum and closes, the operator (KMD's role)
/// clarifies, sets up the access and closes urgently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Operator,
    Municipality,
    Vendor,
}

impl Party {
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Operator => "operator",
            Party::Municipality => "municipality",
            Party::Vendor => "vendor",
        }
    }

    /// The party in Danish, with its article ("kommunen").
    pub fn danish(self) -> &'static str {
        match self {
            Party::Operator => "operatøren",
            Party::Municipality => "kommunen",
            Party::Vendor => "leverandøren",
        }
    }
}

/// Why `party` may not take `step`, which belongs to `parties` (in Danish, then English).
pub fn not_the_party(step: &str, parties: &[Party], party: Party) -> String {
    let join = |names: Vec<&str>, or: &str| names.join(or);
    format!(
        "trinnet {step} tages af {} — ikke af {} ({step} belongs to {}, not the {})",
        join(parties.iter().map(|p| p.danish()).collect(), " eller "),
        party.danish(),
        join(parties.iter().map(|p| p.as_str()).collect(), " or "),
        party.as_str()
    )
}

/// Who may take the step to `to` from `from`. The operator may take every step (on a party's behalf, recorded as
/// the operator's); otherwise each step belongs to its party: proposing to the municipality or the vendor,
/// clarifying to the operator, the certificates' clarification to the vendor, the addendum to the municipality,
/// ordering the delivery, setting up access and notifying to the operator. Cancelling belongs to the municipality
/// (and the vendor while the order is only proposed).
pub fn step_parties(from: OrderState, to: OrderState) -> &'static [Party] {
    use OrderState::*;
    use Party::*;
    match to {
        Proposed => &[Municipality, Vendor, Operator],
        Clarified | DeliveryOrdered | AccessSetUp | Notified => &[Operator],
        CertificatesClarified => &[Vendor, Operator],
        AddendumSigned => &[Municipality, Operator],
        Cancelled if from == Proposed => &[Municipality, Vendor, Operator],
        Cancelled => &[Municipality, Operator],
    }
}

/// Who may close a delivered order normally (its grants end on a day).
pub const NORMAL_CLOSE_PARTIES: &[Party] = &[Party::Municipality, Party::Operator];

/// Who may close a system's access urgently.
pub const URGENT_CLOSE_PARTIES: &[Party] = &[Party::Operator];

/// One step taken: which, by whom, when (RFC 3339), with an optional note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub state: OrderState,
    pub actor: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    #[error("bestillingen er {from}; næste trin er {expected}, ikke {wanted}")]
    OutOfOrder {
        from: &'static str,
        expected: &'static str,
        wanted: &'static str,
    },
    #[error("bestillingen er {0} og kan ikke ændres")]
    Finished(&'static str),
    #[error("bestillingen er {0}; adgangen er sat op og skal lukkes i stedet")]
    NotCancellable(&'static str),
}

/// An order's progress: its kind and the steps taken, the first being `Proposed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub kind: IntegrationKind,
    pub steps: Vec<Step>,
}

impl Progress {
    /// A new order, proposed by `actor` at `at`.
    pub fn proposed(kind: IntegrationKind, actor: &str, at: &str) -> Self {
        Self {
            kind,
            steps: vec![Step {
                state: OrderState::Proposed,
                actor: actor.into(),
                at: at.into(),
                note: None,
            }],
        }
    }

    pub fn state(&self) -> OrderState {
        self.steps.last().map_or(OrderState::Proposed, |s| s.state)
    }

    /// Takes the step to `wanted`: it must be the next one, or a cancellation before access is set up.
    pub fn advance(
        &mut self,
        wanted: OrderState,
        actor: &str,
        at: &str,
        note: Option<String>,
    ) -> Result<(), StepError> {
        let from = self.state();
        if wanted == OrderState::Cancelled {
            if matches!(from, OrderState::Notified | OrderState::Cancelled) {
                return Err(StepError::Finished(from.as_str()));
            }
            if !from.cancellable() {
                return Err(StepError::NotCancellable(from.as_str()));
            }
        } else {
            match from.next(self.kind) {
                None => return Err(StepError::Finished(from.as_str())),
                Some(expected) if expected != wanted => {
                    return Err(StepError::OutOfOrder {
                        from: from.as_str(),
                        expected: expected.as_str(),
                        wanted: wanted.as_str(),
                    });
                }
                Some(_) => {}
            }
        }
        self.steps.push(Step {
            state: wanted,
            actor: actor.into(),
            at: at.into(),
            note,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::OrderState::*;
    use super::*;

    fn walk(kind: IntegrationKind) -> Vec<OrderState> {
        let mut states = vec![Proposed];
        while let Some(n) = states.last().unwrap().next(kind) {
            states.push(n);
        }
        states
    }

    #[test]
    fn the_five_steps_of_seed_000() {
        assert_eq!(
            walk(IntegrationKind::Standard),
            [
                Proposed,
                Clarified,
                AddendumSigned,
                DeliveryOrdered,
                AccessSetUp,
                Notified
            ]
        );
        assert_eq!(
            walk(IntegrationKind::Individual),
            [
                Proposed,
                Clarified,
                CertificatesClarified,
                AddendumSigned,
                DeliveryOrdered,
                AccessSetUp,
                Notified
            ]
        );
    }

    #[test]
    fn each_step_records_who_and_when_and_must_be_the_next() {
        let mut p = Progress::proposed(IntegrationKind::Standard, "leverandør", "2026-12-01T09:00:00Z");
        let skip = p
            .advance(AddendumSigned, "kunde", "2026-12-01T10:00:00Z", None)
            .unwrap_err();
        assert_eq!(
            skip.to_string(),
            "bestillingen er proposed; næste trin er clarified, ikke addendum_signed"
        );
        for (i, s) in [Clarified, AddendumSigned, DeliveryOrdered, AccessSetUp, Notified]
            .into_iter()
            .enumerate()
        {
            p.advance(s, "kmd", &format!("2026-12-0{}T10:00:00Z", i + 2), None)
                .unwrap();
        }
        assert_eq!(p.state(), Notified);
        assert_eq!(p.steps.len(), 6);
        assert_eq!(
            (p.steps[1].actor.as_str(), p.steps[1].at.as_str()),
            ("kmd", "2026-12-02T10:00:00Z")
        );
        assert_eq!(
            p.advance(Notified, "kmd", "x", None),
            Err(StepError::Finished("notified"))
        );
        assert_eq!(
            p.advance(Cancelled, "kmd", "x", None),
            Err(StepError::Finished("notified"))
        );
    }

    #[test]
    fn an_individual_integration_clarifies_certificates_first() {
        let mut p = Progress::proposed(IntegrationKind::Individual, "leverandør", "t0");
        p.advance(Clarified, "kunde", "t1", Some("kontrakten dækker snitfladen".into()))
            .unwrap();
        assert!(p.advance(AddendumSigned, "kunde", "t2", None).is_err());
        p.advance(CertificatesClarified, "kmd", "t2", None).unwrap();
        p.advance(AddendumSigned, "kunde", "t3", None).unwrap();
        assert_eq!(p.steps[1].note.as_deref(), Some("kontrakten dækker snitfladen"));
    }

    #[test]
    fn cancelling_is_possible_until_access_is_set_up() {
        let mut p = Progress::proposed(IntegrationKind::Standard, "a", "t0");
        p.advance(Clarified, "a", "t1", None).unwrap();
        p.advance(Cancelled, "a", "t2", None).unwrap();
        assert_eq!(p.state(), Cancelled);
        assert_eq!(
            p.advance(Clarified, "a", "t3", None),
            Err(StepError::Finished("cancelled"))
        );
        let mut q = Progress::proposed(IntegrationKind::Standard, "a", "t0");
        for s in [Clarified, AddendumSigned, DeliveryOrdered, AccessSetUp] {
            q.advance(s, "a", "t", None).unwrap();
        }
        assert_eq!(
            q.advance(Cancelled, "a", "t", None),
            Err(StepError::NotCancellable("access_set_up"))
        );
    }

    #[test]
    fn each_step_belongs_to_its_party() {
        use Party::*;
        let may = |from, to, p: Party| step_parties(from, to).contains(&p);
        assert!(may(Proposed, Proposed, Municipality) && may(Proposed, Proposed, Vendor));
        assert!(may(Proposed, Clarified, Operator) && !may(Proposed, Clarified, Municipality));
        assert!(!may(Proposed, Clarified, Vendor));
        assert!(may(Clarified, CertificatesClarified, Vendor));
        assert!(!may(Clarified, CertificatesClarified, Municipality));
        assert!(may(Clarified, AddendumSigned, Municipality) && !may(Clarified, AddendumSigned, Vendor));
        for to in [DeliveryOrdered, AccessSetUp, Notified] {
            assert!(may(AddendumSigned, to, Operator));
            assert!(!may(AddendumSigned, to, Municipality) && !may(AddendumSigned, to, Vendor));
        }
        // The vendor may withdraw its proposal, not an order the customer is working on.
        assert!(may(Proposed, Cancelled, Vendor) && !may(Clarified, Cancelled, Vendor));
        assert!(may(AddendumSigned, Cancelled, Municipality) && may(AddendumSigned, Cancelled, Operator));
        assert!(NORMAL_CLOSE_PARTIES.contains(&Municipality) && !NORMAL_CLOSE_PARTIES.contains(&Vendor));
        assert_eq!(URGENT_CLOSE_PARTIES, &[Operator]);
        assert_eq!(
            not_the_party(
                "access_set_up",
                step_parties(DeliveryOrdered, AccessSetUp),
                Municipality
            ),
            "trinnet access_set_up tages af operatøren — ikke af kommunen \
             (access_set_up belongs to operator, not the municipality)"
        );
    }

    #[test]
    fn progress_round_trips_as_json() {
        let mut p = Progress::proposed(IntegrationKind::Individual, "a", "t0");
        p.advance(Clarified, "b", "t1", Some("n".into())).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"state\":\"clarified\""), "{json}");
        assert_eq!(serde_json::from_str::<Progress>(&json).unwrap(), p);
    }
}
