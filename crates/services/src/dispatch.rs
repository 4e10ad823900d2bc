//! The one entry point of every SOAP call: access to the interface, the body's encoding (decoded to UTF-8 when it
//! declares another), the hardened envelope parse, the check of the root element against the service interface,
//! then the interface's own module.

use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use crate::{
    ServicesConfig, beskedfordeler, faste_tillaeg, fravaerskvoter, maskintimer, medarbejderoplysninger,
    moedetidsplaner, opret_fravaer, personalemappe,
};
use snitflade_access::{AccessControl, Denied, SystemInfo};
use snitflade_domain::access_level::Operation;
use snitflade_domain::maskintimer::{MasterData, copenhagen_day};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::{Fault, FaultCode, SoapError, XmlError, decode_request, parse_envelope};
use snitflade_store::Store;
use snitflade_store::document_files::DocumentFiles;
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
    /// Personalemappe's document contents; without it uploads fail with a `Server` fault.
    documents: Option<DocumentFiles>,
    master_data: Mutex<HashMap<(Kommunekode, Pernr), Arc<MasterData>>>,
    traffic: crate::traffic::Traffic,
}

/// Most employees whose master data is cached; past this the cache starts over.
const MASTER_DATA_CACHE_MAX: usize = 100_000;

/// One call, as a service module sees it.
pub struct Call<'a> {
    pub system: &'a SystemInfo,
    /// The operation called (`snitflade_domain::access_level::OPERATIONS`): what access level it needs.
    pub operation: &'static Operation,
    /// `kommune=` from the URL, when given.
    pub kommune_param: Option<Kommunekode>,
    /// The caller's local (Copenhagen) day.
    pub day: jiff::civil::Date,
    pub received_at: String,
    /// The request body the message was read from, as UTF-8 (where `snitflade_soap::BulkText` content lies).
    pub body: &'a [u8],
}

impl Call<'_> {
    /// The municipality of the call (docs/src/interfaces/conventions.md#the-municipality-of-a-call), or the reply that
    /// refuses it: no grant there, or a `read` grant for an operation that changes data. `interface` is the operation's
    /// own.
    pub fn municipality(
        &self,
        services: &Services,
        interface: InterfaceId,
        named: Option<Kommunekode>,
    ) -> Result<Kommunekode, SoapReply> {
        debug_assert_eq!(interface, self.operation.interface);
        services
            .authorize(self.system, self.operation, named.or(self.kommune_param), self.day)
            .map_err(|d| SoapReply::denied(&d))
    }
}

impl Services {
    pub fn new(store: Store, access: AccessControl, config: ServicesConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                access,
                config,
                documents: None,
                master_data: Mutex::new(HashMap::new()),
                traffic: crate::traffic::Traffic::default(),
            }),
        }
    }

    /// The same services with Personalemappe's document contents in `files`. Call before cloning.
    pub fn with_documents(mut self, files: DocumentFiles) -> Self {
        Arc::get_mut(&mut self.inner)
            .expect("with_documents before the services are shared")
            .documents = Some(files);
        self
    }

    /// Today's calls and refusals, counted until the server writes them (see `traffic`).
    pub fn traffic(&self) -> &crate::traffic::Traffic {
        &self.inner.traffic
    }

    /// The access check of one call (`AccessControl::authorize`), counted in today's traffic; a refusal is also
    /// logged and counted as a metric.
    pub fn authorize(
        &self,
        system: &SystemInfo,
        op: &Operation,
        named: Option<Kommunekode>,
        day: jiff::civil::Date,
    ) -> Result<Kommunekode, Denied> {
        match self.access().authorize(system, op, named, day) {
            Ok(k) => {
                self.traffic().allowed(system, op.interface, k, day);
                Ok(k)
            }
            Err(d) => {
                self.note_refusal(system, op.interface, &d, day);
                Err(d)
            }
        }
    }

    /// A refused access check: logged, a metric, today's traffic.
    pub fn note_refusal(&self, system: &SystemInfo, interface: InterfaceId, d: &Denied, day: jiff::civil::Date) {
        crate::reply::note_refusal(Some(&system.name), interface, d);
        self.traffic().refused(system, interface, d, day);
    }

    pub fn documents(&self) -> Option<&DocumentFiles> {
        self.inner.documents.as_ref()
    }

    /// Where answers too large to hold in memory are kept while they are built ([`crate::spool`]): the data
    /// dir's temporary directory when there is one, else the system's.
    pub fn spool_dir(&self) -> std::path::PathBuf {
        self.documents()
            .map_or_else(std::env::temp_dir, |d| d.root().join("tmp"))
    }

    /// The largest request body `def` accepts: `max_body_bytes`, except for Personalemappe's upload.
    pub fn body_limit(&self, def: &ServiceInterfaceDef) -> usize {
        if def.name == personalemappe::UPLOAD_DOCUMENT.name {
            personalemappe::max_upload_body(self.config())
        } else {
            self.config().max_body_bytes
        }
    }

    /// The answer to a body over [`Services::body_limit`] (HTTP 413).
    pub fn too_large(&self, def: &ServiceInterfaceDef) -> SoapReply {
        if def.name == personalemappe::UPLOAD_DOCUMENT.name {
            personalemappe::upload_too_large(self.config())
        } else {
            SoapReply::too_large(self.config().max_body_bytes)
        }
    }

    /// The XML reader's limits for `def`'s messages.
    fn xml_limits(&self, def: &ServiceInterfaceDef) -> snitflade_soap::Limits {
        if def.name == personalemappe::UPLOAD_DOCUMENT.name {
            personalemappe::upload_xml_limits(self.config())
        } else {
            self.config().xml_limits()
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

    /// Handles one SOAP request for `def` from `system`, sent without a `Content-Type` charset.
    pub async fn handle(
        &self,
        def: &'static ServiceInterfaceDef,
        system: &SystemInfo,
        kommune_param: Option<Kommunekode>,
        body: &[u8],
    ) -> SoapReply {
        self.handle_with_content_type(def, system, kommune_param, None, body)
            .await
    }

    /// Handles one SOAP request for `def` from `system`; `content_type` is the request's `Content-Type` header, whose
    /// `charset` counts towards the body's encoding (`snitflade_soap::encoding`).
    pub async fn handle_with_content_type(
        &self,
        def: &'static ServiceInterfaceDef,
        system: &SystemInfo,
        kommune_param: Option<Kommunekode>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> SoapReply {
        self.handle_understanding(def, system, kommune_param, content_type, body, &[])
            .await
    }

    /// [`Services::handle_with_content_type`] for a message whose `mustUnderstand` header entries `understood`
    /// (namespace, name) have been processed already (a WS-Security header checked by Adgangsstyring).
    pub async fn handle_understanding(
        &self,
        def: &'static ServiceInterfaceDef,
        system: &SystemInfo,
        kommune_param: Option<Kommunekode>,
        content_type: Option<&str>,
        body: &[u8],
        understood: &[(&str, &str)],
    ) -> SoapReply {
        let reply = self
            .handle_call(def, system, kommune_param, content_type, body, understood)
            .await;
        metrics::counter!("snitflade_soap_requests_total",
            "interface" => def.interface.as_str(), "service" => def.name, "status" => reply.status.to_string())
        .increment(1);
        reply
    }

    /// Whether `system` may use `def`'s interface at all on `day` — and, for a service interface of one operation
    /// that changes data, whether it may write anywhere; the 403 reply otherwise.
    fn check_interface(
        &self,
        def: &ServiceInterfaceDef,
        system: &SystemInfo,
        day: jiff::civil::Date,
    ) -> Result<(), SoapReply> {
        match def.sole_operation() {
            Some(op) => self.access().admit(system, op, day),
            None => self.access().check_interface(system, def.interface, day),
        }
        .map_err(|d| {
            self.note_refusal(system, def.interface, &d, day);
            SoapReply::denied(&d)
        })
    }

    /// The access check of [`Services::handle`] ahead of reading the body, for a service whose body may be large
    /// (Personalemappe's upload): a system without the grant is refused before it can send megabytes.
    pub fn admit(&self, def: &ServiceInterfaceDef, system: &SystemInfo) -> Result<(), SoapReply> {
        self.check_interface(def, system, copenhagen_day(jiff::Timestamp::now()))
    }

    async fn handle_call(
        &self,
        def: &'static ServiceInterfaceDef,
        system: &SystemInfo,
        kommune_param: Option<Kommunekode>,
        content_type: Option<&str>,
        body: &[u8],
        understood: &[(&str, &str)],
    ) -> SoapReply {
        let now = jiff::Timestamp::now();
        let day = copenhagen_day(now);
        if let Err(reply) = self.check_interface(def, system, day) {
            return reply;
        }
        let limit = self.body_limit(def);
        if body.len() > limit {
            return self.too_large(def);
        }
        let refused = |e: &dyn std::fmt::Display| {
            tracing::debug!(system = %system.name, service = def.name, error = %e, "message refused");
            metrics::counter!("snitflade_soap_refused_total", "service" => def.name).increment(1);
        };
        // The body as UTF-8 (decoded if it declares another encoding), held to the same byte limit.
        let text = match decode_request(body, content_type, limit) {
            Ok(text) => text,
            Err(e @ XmlError::DecodedTooLarge { .. }) => {
                refused(&e);
                let mut reply = SoapReply::fault(Fault::client(e.to_string()));
                reply.status = 413;
                return reply;
            }
            Err(e) => {
                refused(&e);
                return SoapReply::fault(SoapError::from(e).fault());
            }
        };
        let envelope = match parse_envelope(&text, &self.xml_limits(def)) {
            Ok(e) => e,
            Err(e) => {
                refused(&e);
                return SoapReply::fault(e.fault());
            }
        };
        // SOAP 1.1 §4.2.3: no header entry is understood here, so a mandatory one must be refused.
        let processed = |h: &snitflade_soap::Element| {
            understood
                .iter()
                .any(|(ns, name)| h.ns.as_deref() == Some(*ns) && h.name == *name)
        };
        if let Some(h) = envelope.must_understand_headers().find(|h| !processed(h)) {
            return SoapReply::fault(Fault::new(
                FaultCode::MustUnderstand,
                format!("Headerelementet {} (mustUnderstand=\"1\") understøttes ikke", h.name),
            ));
        }
        let root = &envelope.payload;
        if !def.accepts_root(root.ns.as_deref(), &root.name) {
            return SoapReply::client_fault(format!(
                "Service interface {} forventer {} i navnerummet {}, men beskeden indeholder {} i navnerummet {}",
                def.name,
                def.request_roots.join(" eller "),
                def.request_namespace,
                root.name,
                root.ns.as_deref().unwrap_or("(intet)")
            ));
        }
        let Some(operation) = def.operation(&root.name) else {
            tracing::error!(service = def.name, root = %root.name, "an operation missing from the access table");
            return SoapReply::server_error();
        };
        let call = Call {
            system,
            operation,
            kommune_param,
            day,
            received_at: snitflade_store::timestamp_text(now),
            body: &text,
        };
        match def.interface {
            InterfaceId::Maskintimer => maskintimer::handle(self, &call, root).await,
            InterfaceId::Medarbejderoplysninger => medarbejderoplysninger::handle(self, &call, root).await,
            InterfaceId::OpretFravaer => opret_fravaer::handle(self, &call, root).await,
            InterfaceId::Fravaerskvoter => fravaerskvoter::handle(self, &call, root).await,
            InterfaceId::Moedetidsplaner => moedetidsplaner::handle(self, &call, root).await,
            InterfaceId::FasteTillaeg => faste_tillaeg::handle(self, &call, root).await,
            InterfaceId::Personalemappe => personalemappe::handle(self, &call, root).await,
            InterfaceId::Beskedfordeler => beskedfordeler::handle(self, &call, root).await,
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
