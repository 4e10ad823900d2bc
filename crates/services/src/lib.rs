//! The standard interfaces, one module each, behind one transport-agnostic entry point: the server hands over
//! the caller's system, the service interface named by the URL and the request body; a module never sees HTTP
//! or TLS.

pub mod adgangsstyring;
pub mod beskedfordeler;
pub mod dispatch;
pub mod employee_time;
pub mod engangsydelse;
pub mod error_handling;
pub mod faste_tillaeg;
pub mod fravaerskvoter;
pub mod maskintimer;
pub mod medarbejderoplysninger;
pub mod moedetidsplaner;
pub mod opret_fravaer;
pub mod overdraw;
pub mod personalemappe;
pub mod registry;
pub mod reply;
pub mod retur;
pub mod sap;
pub mod set_flow;
pub mod spool;
pub mod traffic;
pub mod wire;

pub use dispatch::Services;
pub use registry::{ServiceInterfaceDef, find_service};
pub use reply::SoapReply;
use snitflade_domain::InterfaceId;

/// Settings of the services (the `[services]` table of the config file). The doc comments of the fields are the
/// configuration reference's descriptions.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesConfig {
    /// Machine hours: master data at most once a day per employee and calling system, as KMD's interface
    /// description requires. Relax only in test set-ups.
    pub masterdata_once_per_day: bool,
    /// Largest request body accepted on the SOAP endpoints, in bytes.
    pub max_body_bytes: usize,
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most elements accepted in one message.
    pub max_elements: usize,
    /// Longest text node accepted, in bytes.
    pub max_text_bytes: usize,
    /// Medarbejderoplysninger `List`: most employees in one answer; past this the answer ends with StatusKode 103
    /// naming the last employee number processed, so the client continues from the next one.
    pub employee_list_max: usize,
    /// Medarbejderoplysninger `List`: time budget of one call in milliseconds, answered the same way (103).
    pub employee_list_budget_ms: u64,
    /// Personalemappe: the largest document accepted, in bytes of content (before base64). The upload's body
    /// limit follows from it (its base64 text plus `max_body_bytes`); every other service keeps
    /// `max_body_bytes`.
    pub max_document_bytes: usize,
    /// Personalemappe: the content types accepted (media types; parameters such as `charset` are ignored).
    pub document_content_types: Vec<String>,
    /// Adgangsstyring: how long a token the STS issues is valid, in seconds (KOMBIT's: eight hours).
    pub token_lifetime_secs: u64,
    /// Adgangsstyring: the standard interfaces (snitflade's ids, e.g. `opret-fravaer`) whose services also accept
    /// tokens from snitflade's STS, each under the entityID `https://snitflade/service/<id>/1` (listed by `GET
    /// /api/v1/sts/services`). The Beskedfordeler's value-list service always accepts them.
    pub token_interfaces: Vec<String>,
    /// Adgangsstyring: of the services that accept tokens (`token_interfaces` and `beskedfordeler`), the ones that
    /// refuse a call carrying no token, where mutual TLS alone is otherwise enough.
    pub token_required: Vec<String>,
}

impl Default for ServicesConfig {
    fn default() -> Self {
        Self {
            masterdata_once_per_day: true,
            max_body_bytes: 1024 * 1024,
            max_depth: 32,
            max_elements: 10_000,
            max_text_bytes: 64 * 1024,
            employee_list_max: 2000,
            employee_list_budget_ms: 20_000,
            max_document_bytes: 20 * 1024 * 1024,
            document_content_types: snitflade_domain::documents::DEFAULT_CONTENT_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            token_lifetime_secs: 8 * 3600,
            token_interfaces: Vec::new(),
            token_required: Vec::new(),
        }
    }
}

impl ServicesConfig {
    /// Refuses the sizes, counts and time budgets of 0, which would refuse every request (or answer every list
    /// empty), naming the key.
    pub fn validate(&self) -> Result<(), String> {
        let zero = [
            ("max_body_bytes", self.max_body_bytes as u64),
            ("max_depth", self.max_depth as u64),
            ("max_elements", self.max_elements as u64),
            ("max_text_bytes", self.max_text_bytes as u64),
            ("employee_list_max", self.employee_list_max as u64),
            ("employee_list_budget_ms", self.employee_list_budget_ms),
            ("max_document_bytes", self.max_document_bytes as u64),
            ("token_lifetime_secs", self.token_lifetime_secs),
        ]
        .into_iter()
        .find(|(_, v)| *v == 0);
        if let Some((key, _)) = zero {
            return Err(format!("[services] {key} must be at least 1"));
        }
        self.token_interfaces()?;
        Ok(())
    }

    /// The interfaces of `token_interfaces` and whether each requires a token, with the Beskedfordeler's first;
    /// an unknown id, or one in `token_required` that accepts no tokens, is refused naming the key.
    pub fn token_interfaces(&self) -> Result<Vec<(InterfaceId, bool)>, String> {
        let parse = |key: &str, id: &str| {
            InterfaceId::parse(id).ok_or_else(|| format!("[services] {key}: unknown interface '{id}'"))
        };
        let mut accepting = vec![InterfaceId::Beskedfordeler];
        for id in &self.token_interfaces {
            let i = parse("token_interfaces", id)?;
            if !accepting.contains(&i) {
                accepting.push(i);
            }
        }
        let mut required = Vec::new();
        for id in &self.token_required {
            let i = parse("token_required", id)?;
            if !accepting.contains(&i) {
                return Err(format!(
                    "[services] token_required: '{id}' accepts no tokens; add it to token_interfaces"
                ));
            }
            required.push(i);
        }
        Ok(accepting.into_iter().map(|i| (i, required.contains(&i))).collect())
    }

    pub fn xml_limits(&self) -> snitflade_soap::Limits {
        snitflade_soap::Limits {
            max_depth: self.max_depth,
            max_elements: self.max_elements,
            max_text_len: self.max_text_bytes,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod config_tests {
    use super::ServicesConfig;

    #[test]
    fn zero_sizes_counts_and_budgets_are_refused_by_name() {
        assert_eq!(ServicesConfig::default().validate(), Ok(()));
        type Zero = fn(&mut ServicesConfig);
        let zeroed: [(&str, Zero); 7] = [
            ("max_body_bytes", |c| c.max_body_bytes = 0),
            ("max_depth", |c| c.max_depth = 0),
            ("max_elements", |c| c.max_elements = 0),
            ("max_text_bytes", |c| c.max_text_bytes = 0),
            ("employee_list_max", |c| c.employee_list_max = 0),
            ("employee_list_budget_ms", |c| c.employee_list_budget_ms = 0),
            ("max_document_bytes", |c| c.max_document_bytes = 0),
        ];
        for (key, zero) in zeroed {
            let mut c = ServicesConfig::default();
            zero(&mut c);
            assert_eq!(c.validate(), Err(format!("[services] {key} must be at least 1")));
        }
    }
}
