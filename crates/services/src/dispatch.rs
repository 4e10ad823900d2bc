//! The one entry point of every SOAP call: access to the interface, the hardened envelope parse, the check of
//! the root element against the service interface, then the interface's own module.

use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use crate::{
    ServicesConfig, faste_tillaeg, fravaerskvoter, maskintimer, medarbejderoplysninger, moedetidsplaner, opret_fravaer,
};
use snitflade_access::{AccessControl, SystemInfo};
use snitflade_domain::maskintimer::{MasterData, copenhagen_day};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::{Fault, FaultCode, parse_envelope};
use snitflade_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The services with everything they share. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    access: AccessControl,
    config: ServicesConfig,
    master_data: Mutex<HashMap<(Kommunekode, Pernr), Arc<MasterData>>>,
}

/// Most employees whose master data is cached; past this the cache starts over.
const MASTER_DATA_CACHE_MAX: usize = 100_000;

/// One call, as a service module sees it.
pub struct Call<'a> {
    pub system: &'a SystemInfo,
    /// `kommune=` from the URL, when given.
    pub kommune_param: Option<Kommunekode>,
    /// The caller's local (Copenhagen) day.
    pub day: jiff::civil::Date,
    pub received_at: String,
}

impl Call<'_> {
    /// The municipality of the call (CONTRACT §5), or the reply that refuses it.
    pub fn municipality(
        &self,
        services: &Services,
        interface: InterfaceId,
        named: Option<Kommunekode>,
    ) -> Result<Kommunekode, SoapReply> {
        services
            .access()
            .resolve(self.system, interface, named.or(self.kommune_param), self.day)
            .map_err(|d| {
                tracing::info!(system = %self.system.name, %interface, reason = %d, "access refused");
                metrics::counter!("snitflade_access_denied_total", "interface" => interface.as_str()).increment(1);
                SoapReply::denied(&d)
            })
    }
}

impl Services {
    pub fn new(store: Store, access: AccessControl, config: ServicesConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                access,
                config,
                master_data: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn access(&self) -> &AccessControl {
        &self.inner.access
    }

    pub fn config(&self) -> &ServicesConfig {
        &self.inner.config
    }

    /// Handles one SOAP request for `def` from `system`.
    pub async fn handle(
        &self,
        def: &'static ServiceInterfaceDef,
        system: &SystemInfo,
        kommune_param: Option<Kommunekode>,
        body: &[u8],
    ) -> SoapReply {
        let now = jiff::Timestamp::now();
        let call = Call {
            system,
            kommune_param,
            day: copenhagen_day(now),
            received_at: snitflade_store::timestamp_text(now),
        };
        let reply = self.handle_call(def, &call, body).await;
        metrics::counter!("snitflade_soap_requests_total",
            "interface" => def.interface.as_str(), "service" => def.name, "status" => reply.status.to_string())
        .increment(1);
        reply
    }

    async fn handle_call(&self, def: &'static ServiceInterfaceDef, call: &Call<'_>, body: &[u8]) -> SoapReply {
        if let Err(d) = self.access().check_interface(call.system, def.interface, call.day) {
            tracing::info!(system = %call.system.name, interface = %def.interface, reason = %d, "access refused");
            metrics::counter!("snitflade_access_denied_total", "interface" => def.interface.as_str()).increment(1);
            return SoapReply::denied(&d);
        }
        if body.len() > self.config().max_body_bytes {
            return SoapReply::too_large(self.config().max_body_bytes);
        }
        let envelope = match parse_envelope(body, &self.config().xml_limits()) {
            Ok(e) => e,
            Err(e) => {
                tracing::info!(system = %call.system.name, service = def.name, error = %e, "message refused");
                metrics::counter!("snitflade_soap_refused_total", "service" => def.name).increment(1);
                return SoapReply::fault(e.fault());
            }
        };
        // SOAP 1.1 §4.2.3: no header entry is understood here, so a mandatory one must be refused.
        if let Some(h) = envelope.must_understand_headers().next() {
            return SoapReply::fault(Fault::new(
                FaultCode::MustUnderstand,
                format!("Headerelementet {} (mustUnderstand=\"1\") understøttes ikke", h.name),
            ));
        }
        let root = &envelope.payload;
        if root.ns.as_deref() != Some(def.request_namespace) || !def.request_roots.contains(&root.name.as_str()) {
            return SoapReply::client_fault(format!(
                "Service interface {} forventer {} i navnerummet {}, men beskeden indeholder {} i navnerummet {}",
                def.name,
                def.request_roots.join(" eller "),
                def.request_namespace,
                root.name,
                root.ns.as_deref().unwrap_or("(intet)")
            ));
        }
        match def.interface {
            InterfaceId::Maskintimer => maskintimer::handle(self, call, root).await,
            InterfaceId::Medarbejderoplysninger => medarbejderoplysninger::handle(self, call, root).await,
            InterfaceId::OpretFravaer => opret_fravaer::handle(self, call, root).await,
            InterfaceId::Fravaerskvoter => fravaerskvoter::handle(self, call, root).await,
            InterfaceId::Moedetidsplaner => moedetidsplaner::handle(self, call, root).await,
            InterfaceId::FasteTillaeg => faste_tillaeg::handle(self, call, root).await,
            other => {
                tracing::error!(interface = %other, "no handler registered");
                SoapReply::server_error()
            }
        }
    }

    /// An employee's machine-hours master data (cached; `None` if the employee does not exist there). Nothing
    /// changes master data while the server runs yet; whatever starts to (an import, an admin call) must clear
    /// this cache in the same step.
    pub async fn master_data(
        &self,
        kommune: Kommunekode,
        pernr: Pernr,
    ) -> Result<Option<Arc<MasterData>>, snitflade_store::StoreError> {
        if let Some(md) = self
            .inner
            .master_data
            .lock()
            .expect("cache lock")
            .get(&(kommune, pernr))
        {
            return Ok(Some(md.clone()));
        }
        let found =
            snitflade_store::maskintimer::master_data(self.store().pool(), &kommune.to_string(), &pernr.to_string())
                .await?;
        Ok(found.map(|md| {
            let md = Arc::new(md);
            let mut cache = self.inner.master_data.lock().expect("cache lock");
            if cache.len() >= MASTER_DATA_CACHE_MAX {
                cache.clear();
            }
            cache.insert((kommune, pernr), md.clone());
            md
        }))
    }
}
