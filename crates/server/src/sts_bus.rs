//! Tokens from snitflade's STS as publishers present them to the Beskedfordeler over AMQP (SF1460_C's `token`
//! header): checked by the STS for the Beskedfordeler's entityID, the holder found by the certificate the token is
//! bound to, and each refusal counted as the services count theirs.

use snitflade_access::AccessControl;
use snitflade_beskedfordeler::tokens::{StsCheck, StsTokens};
use snitflade_domain::InterfaceId;
use snitflade_services::adgangsstyring::{TokenService, note_refusal};
use snitflade_sts::Refusal;
use std::sync::Arc;

pub(crate) struct BusTokens {
    sts: Arc<TokenService>,
    access: AccessControl,
}

impl BusTokens {
    pub(crate) fn new(sts: Arc<TokenService>, access: AccessControl) -> BusTokens {
        BusTokens { sts, access }
    }

    fn checked(&self, token: &str) -> Result<StsCheck, Refusal> {
        let now = jiff::Timestamp::now().as_second();
        let detached = self.sts.check_detached(InterfaceId::Beskedfordeler, token, now)?;
        // The certificate must still be a system's (not revoked, not closed).
        let system = self
            .access
            .system(&hex::encode(&detached.holder_sha256))
            .map_err(|_| Refusal::HolderOfKey)?;
        Ok(StsCheck::Valid {
            system,
            cvr: detached.cvr,
        })
    }
}

impl StsTokens for BusTokens {
    fn check(&self, token: &str) -> StsCheck {
        match self.checked(token) {
            Ok(valid) => valid,
            Err(refusal) => {
                note_refusal(&refusal, "publish");
                tracing::info!(check = refusal.check(), "a published message's token refused");
                match refusal {
                    Refusal::Expired(_) => StsCheck::Expired(refusal.to_string()),
                    _ => StsCheck::Refused(refusal.to_string()),
                }
            }
        }
    }
}
