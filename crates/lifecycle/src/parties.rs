//! The parties of an integration: customers (municipalities with their contact), vendors (with the contact person KMD's
//! ordering process asks for), external systems and their vendor, and KMD's standard integration agreements.

use crate::{Lifecycle, LifecycleError, Result, actor_or_default, interface, system_named};
use serde::Deserialize;
use serde_json::json;
use snitflade_domain::{Cvr, Kommunekode};
use snitflade_store::access::{self, Municipality, SystemRecord};
use snitflade_store::vendors::{self, StandardIntegration, Vendor};
use snitflade_store::{StoreError, admin_audit, now_text};

/// A customer's details (`PUT /municipalities/{code}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
    pub cvr: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
    pub actor: Option<String>,
}

/// A vendor's details (`POST /vendors`, `PUT /vendors/{id}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorInput {
    pub name: String,
    pub cvr: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub actor: Option<String>,
}

/// A new system, or a system's vendor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    pub name: Option<String>,
    pub vendor: String,
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardIntegrationInput {
    pub id: String,
    pub vendor: String,
    pub system: String,
    pub interfaces: Vec<String>,
    pub certificate: String,
    pub actor: Option<String>,
}

fn required(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(LifecycleError::BadRequest(format!("{field} skal udfyldes")));
    }
    if v.chars().count() > max {
        return Err(LifecycleError::BadRequest(format!("{field} er længere end {max} tegn")));
    }
    Ok(v.to_owned())
}

fn optional(field: &str, value: &str, max: usize) -> Result<String> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        required(field, value, max)
    }
}

fn cvr(value: &str) -> Result<String> {
    Cvr::parse(value.trim())
        .map(|c| c.to_string())
        .map_err(|e| LifecycleError::BadRequest(format!("cvr: {e}")))
}

fn email(field: &str, value: &str) -> Result<String> {
    let v = optional(field, value, 200)?;
    if !v.is_empty() && !v.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.')) {
        return Err(LifecycleError::BadRequest(format!("{field} er ikke en e-mailadresse")));
    }
    Ok(v)
}

/// Maps the store's answer inside an operation, naming what was not found.
pub(crate) fn in_tx(what: &str) -> impl Fn(StoreError) -> LifecycleError + '_ {
    move |e| match e {
        StoreError::NotFound => LifecycleError::NotFound(what.to_owned()),
        StoreError::Conflict(m) => LifecycleError::Conflict(m),
        e if e.is_unique_violation() => LifecycleError::Conflict(format!("{what} findes allerede")),
        e => LifecycleError::Store(e),
    }
}

impl Lifecycle {
    /// Creates a customer or replaces its details. Answers whether it was created.
    pub async fn put_municipality(&self, code: &str, input: CustomerInput) -> Result<(bool, Municipality)> {
        let code = Kommunekode::parse(code).map_err(|e| LifecycleError::BadRequest(format!("kommunekode: {e}")))?;
        let m = Municipality {
            code: code.to_string(),
            name: required("name", &input.name, 200)?,
            cvr: cvr(&input.cvr)?,
            contact_name: optional("contact_name", &input.contact_name, 200)?,
            contact_phone: optional("contact_phone", &input.contact_phone, 40)?,
            contact_email: email("contact_email", &input.contact_email)?,
        };
        let actor = actor_or_default(input.actor.as_deref());
        let existed = access::municipalities(self.store.pool())
            .await?
            .iter()
            .any(|x| x.code == m.code);
        let rec = m.clone();
        self.store
            .write(move |c| {
                let (m, actor) = (rec.clone(), actor.clone());
                Box::pin(async move {
                    access::upsert_municipality(c, &m).await?;
                    let detail = serde_json::to_value(&m).unwrap_or_default();
                    admin_audit::record(
                        c,
                        &actor,
                        "municipality.put",
                        "municipality",
                        &m.code,
                        &detail,
                        &now_text(),
                    )
                    .await
                })
            })
            .await?;
        Ok((!existed, m))
    }

    pub async fn vendors(&self) -> Result<Vec<Vendor>> {
        Ok(vendors::vendors(self.store.pool()).await?)
    }

    pub async fn vendor(&self, id: &str) -> Result<Vendor> {
        vendors::vendor_by_id(self.store.pool(), id)
            .await?
            .ok_or_else(|| LifecycleError::NotFound(format!("leverandøren {id}")))
    }

    fn vendor_from(&self, id: String, input: &VendorInput, created_at: String) -> Result<Vendor> {
        Ok(Vendor {
            id,
            name: required("name", &input.name, 200)?,
            cvr: cvr(&input.cvr)?,
            contact_name: required("contact_name", &input.contact_name, 200)?,
            contact_phone: required("contact_phone", &input.contact_phone, 40)?,
            contact_email: {
                required("contact_email", &input.contact_email, 200)?;
                email("contact_email", &input.contact_email)?
            },
            updated_at: created_at.clone(),
            created_at,
        })
    }

    /// Registers a vendor; its CVR must be new.
    pub async fn add_vendor(&self, input: VendorInput) -> Result<Vendor> {
        let v = self.vendor_from(uuid::Uuid::new_v4().to_string(), &input, now_text())?;
        let actor = actor_or_default(input.actor.as_deref());
        let rec = v.clone();
        self.store
            .write(move |c| {
                let (v, actor) = (rec.clone(), actor.clone());
                Box::pin(async move {
                    vendors::insert_vendor(c, &v).await?;
                    let detail = serde_json::to_value(&v).unwrap_or_default();
                    admin_audit::record(c, &actor, "vendor.add", "vendor", &v.id, &detail, &v.created_at).await
                })
            })
            .await
            .map_err(in_tx(&format!("en leverandør med CVR {}", v.cvr)))?;
        Ok(v)
    }

    /// Replaces a vendor's details; its systems keep the name and CVR beside them in step.
    pub async fn update_vendor(&self, id: &str, input: VendorInput) -> Result<Vendor> {
        let old = self.vendor(id).await?;
        let v = self.vendor_from(old.id.clone(), &input, old.created_at.clone())?;
        let v = Vendor {
            updated_at: now_text(),
            ..v
        };
        let actor = actor_or_default(input.actor.as_deref());
        let (rec, before) = (v.clone(), old);
        self.store
            .write(move |c| {
                let (v, before, actor) = (rec.clone(), before.clone(), actor.clone());
                Box::pin(async move {
                    vendors::update_vendor(c, &v).await?;
                    for s in access::systems(&mut **c).await? {
                        if s.vendor_id.as_deref() == Some(v.id.as_str()) {
                            access::set_system_vendor(c, &s.id, &v).await?;
                        }
                    }
                    let detail = json!({ "before": before, "after": v });
                    admin_audit::record(c, &actor, "vendor.update", "vendor", &v.id, &detail, &v.updated_at).await
                })
            })
            .await
            .map_err(in_tx(&format!("leverandøren {id}")))?;
        Ok(v)
    }

    /// Registers an external system of a vendor.
    pub async fn add_system(&self, input: SystemInput) -> Result<SystemRecord> {
        let name = required("name", input.name.as_deref().unwrap_or(""), 100)?;
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(LifecycleError::BadRequest(
                "name må kun indeholde bogstaverne a-z, A-Z, cifre, '-', '_' og '.'".into(),
            ));
        }
        let vendor = self.vendor(&input.vendor).await?;
        let s = SystemRecord {
            id: uuid::Uuid::new_v4().to_string(),
            name,
            vendor_id: Some(vendor.id.clone()),
            vendor_name: vendor.name.clone(),
            vendor_cvr: vendor.cvr.clone(),
        };
        let actor = actor_or_default(input.actor.as_deref());
        let rec = s.clone();
        self.store
            .write(move |c| {
                let (s, actor) = (rec.clone(), actor.clone());
                Box::pin(async move {
                    access::insert_system(c, &s).await?;
                    let detail = serde_json::to_value(&s).unwrap_or_default();
                    admin_audit::record(c, &actor, "system.add", "system", &s.name, &detail, &now_text()).await
                })
            })
            .await
            .map_err(in_tx(&format!("systemet '{}'", s.name)))?;
        Ok(s)
    }

    /// Links an existing system (e.g. one known so far only by its certificate) to its vendor. The vendor's CVR
    /// must be the one in the system's certificates.
    pub async fn set_system_vendor(&self, name: &str, input: SystemInput) -> Result<SystemRecord> {
        let system = system_named(&self.store, name).await?;
        let vendor = self.vendor(&input.vendor).await?;
        let certs = access::certificates(self.store.pool()).await?;
        if let Some(other) = certs
            .iter()
            .filter(|c| c.system_id == system.id)
            .filter_map(|c| c.cvr.as_deref())
            .find(|cvr| *cvr != vendor.cvr)
        {
            return Err(LifecycleError::Conflict(format!(
                "systemets certifikat er udstedt til CVR {other}, ikke leverandørens CVR {}",
                vendor.cvr
            )));
        }
        let actor = actor_or_default(input.actor.as_deref());
        let (id, v, before) = (system.id.clone(), vendor.clone(), system.clone());
        self.store
            .write(move |c| {
                let (id, v, before, actor) = (id.clone(), v.clone(), before.clone(), actor.clone());
                Box::pin(async move {
                    access::set_system_vendor(c, &id, &v).await?;
                    let detail = json!({ "before": before.vendor_id, "vendor": v.id });
                    admin_audit::record(
                        c,
                        &actor,
                        "system.set_vendor",
                        "system",
                        &before.name,
                        &detail,
                        &now_text(),
                    )
                    .await
                })
            })
            .await?;
        Ok(SystemRecord {
            vendor_id: Some(vendor.id),
            vendor_name: vendor.name,
            vendor_cvr: vendor.cvr,
            ..system
        })
    }

    pub async fn standard_integrations(&self) -> Result<Vec<StandardIntegration>> {
        Ok(vendors::standard_integrations(self.store.pool()).await?)
    }

    /// Records KMD's standard integration agreement with a vendor: the system, its interfaces and the certificate
    /// agreed (which must be the system's and not revoked).
    pub async fn add_standard_integration(&self, input: StandardIntegrationInput) -> Result<StandardIntegration> {
        let id = required("id", &input.id, 64)?;
        let vendor = self.vendor(&input.vendor).await?;
        let system = system_named(&self.store, &input.system).await?;
        if system.vendor_id.as_deref() != Some(vendor.id.as_str()) {
            return Err(LifecycleError::Conflict(format!(
                "systemet '{}' hører ikke til leverandøren {}",
                system.name, vendor.name
            )));
        }
        let mut interfaces = input
            .interfaces
            .iter()
            .map(|s| interface(s))
            .collect::<Result<Vec<_>>>()?;
        interfaces.sort();
        interfaces.dedup();
        if interfaces.is_empty() {
            return Err(LifecycleError::BadRequest(
                "interfaces skal nævne mindst én snitflade".into(),
            ));
        }
        self.usable_certificate(&system.id, &input.certificate).await?;
        let si = StandardIntegration {
            id,
            vendor_id: vendor.id,
            system_id: system.id,
            interfaces: interfaces.iter().map(|i| i.as_str().to_owned()).collect(),
            certificate: input.certificate.clone(),
            created_at: now_text(),
        };
        let actor = actor_or_default(input.actor.as_deref());
        let rec = si.clone();
        self.store
            .write(move |c| {
                let (si, actor) = (rec.clone(), actor.clone());
                Box::pin(async move {
                    vendors::insert_standard_integration(c, &si).await?;
                    let detail = serde_json::to_value(&si).unwrap_or_default();
                    admin_audit::record(
                        c,
                        &actor,
                        "standard_integration.add",
                        "standard_integration",
                        &si.id,
                        &detail,
                        &si.created_at,
                    )
                    .await
                })
            })
            .await
            .map_err(in_tx(&format!("standardintegrationen {}", si.id)))?;
        Ok(si)
    }

    /// The certificate `fingerprint` if it is `system_id`'s, not revoked and not expired; 409 otherwise.
    pub(crate) async fn usable_certificate(
        &self,
        system_id: &str,
        fingerprint: &str,
    ) -> Result<snitflade_store::access::CertificateRecord> {
        let cert = access::certificates(self.store.pool())
            .await?
            .into_iter()
            .find(|c| c.fingerprint == fingerprint.trim().to_ascii_lowercase())
            .ok_or_else(|| LifecycleError::NotFound(format!("certifikatet {fingerprint}")))?;
        if cert.system_id != system_id {
            return Err(LifecycleError::Conflict(format!(
                "certifikatet {fingerprint} hører til et andet system"
            )));
        }
        if cert.revoked_at.is_some() {
            return Err(LifecycleError::Conflict(format!(
                "certifikatet {fingerprint} er spærret"
            )));
        }
        if cert.not_after < now_text() {
            return Err(LifecycleError::Conflict(format!(
                "certifikatet {fingerprint} udløb {}",
                &cert.not_after[..10]
            )));
        }
        Ok(cert)
    }
}
