//! The console's words in Danish and English. Templates write the Danish text (`{{ t.s("Fejlhåndtering") }}`), the
//! key of the English table; Danish is the default, English is chosen with `/sprog/en` (a cookie). A test holds
//! every text the templates use against the English table.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    Da,
    En,
}

const COOKIE: &str = "snitflade_lang";

impl Lang {
    /// The language chosen in the request's cookie (Danish without one).
    pub(crate) fn of(headers: &HeaderMap) -> Lang {
        let chosen = super::session::cookie(headers, COOKIE);
        match chosen.as_deref() {
            Some("en") => Lang::En,
            _ => Lang::Da,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// A text in this language.
    pub(crate) fn s(self, danish: &'static str) -> &'static str {
        match self {
            Lang::Da => danish,
            Lang::En => EN.iter().find(|(da, _)| *da == danish).map_or(danish, |(_, en)| *en),
        }
    }
}

/// `GET /sprog/{da|en}`: sets the language cookie and goes back to the front page.
pub(crate) async fn choose(Path(lang): Path<String>) -> Response {
    let lang = match lang.as_str() {
        "en" => Lang::En,
        "da" => Lang::Da,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Strict", lang.code());
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Danish → English.
pub(crate) static EN: &[(&str, &str)] = &[
    ("Overblik", "Overview"),
    ("Fejlhåndtering", "Error handling"),
    ("Adgang", "Access"),
    ("Beskedfordeler", "Event distribution"),
    ("Landskab", "Landscape"),
    ("Revision", "Audit"),
    ("Brugere og nøgler", "People and keys"),
    ("Log ind", "Sign in"),
    ("Log ud", "Sign out"),
    ("Navn", "Name"),
    ("Adgangskode", "Password"),
    ("Engangskode (hvis slået til)", "One-time code (if set up)"),
    (
        "Forkert navn, adgangskode eller engangskode.",
        "Wrong name, password or one-time code.",
    ),
    (
        "For mange forsøg. Prøv igen senere.",
        "Too many attempts. Try again later.",
    ),
    (
        "Eller log ind med din organisations login",
        "Or sign in with your organisation's login",
    ),
    (
        "Udbyderen af log ind svarer ikke. Prøv igen senere.",
        "The sign-in provider does not answer. Try again later.",
    ),
    (
        "Din identitet hos udbyderen er ikke knyttet til en aktiv bruger i snitflade. Kontakt din administrator.",
        "Your identity at the provider is not linked to an active person in snitflade. Ask your administrator.",
    ),
    (
        "Log ind hos udbyderen blev afbrudt.",
        "Signing in at the provider was cancelled.",
    ),
    (
        "Log ind blev ikke gennemført. Prøv igen.",
        "Signing in did not complete. Try again.",
    ),
    ("Du er logget ind.", "You are signed in."),
    (
        "Log ind via (i stedet for eller ud over adgangskode)",
        "Sign in through (instead of or besides a password)",
    ),
    (
        "Personens subjekt (sub) hos udbyderen",
        "The person's subject (sub) at the provider",
    ),
    ("Fortsæt til Overblik", "Continue to the overview"),
    (
        "Din session er udløbet. Log ind igen.",
        "Your session has expired. Sign in again.",
    ),
    ("Du er logget ud.", "You are signed out."),
    ("Gå til indhold", "Skip to content"),
    ("Kommune", "Municipality"),
    ("Snitflade", "Interface"),
    ("Afvist i dag", "Refused today"),
    ("Åbne fejl", "Open errors"),
    ("Afventende leverancer", "Pending deliveries"),
    ("I fejlkø", "In the error queue"),
    (
        "Certifikater der udløber inden for 30 dage",
        "Certificates expiring within 30 days",
    ),
    ("Ordrer der venter på mit trin", "Orders waiting for my step"),
    ("Ingen.", "None."),
    ("Status", "Status"),
    ("Alle", "All"),
    ("Filtrér", "Filter"),
    ("Modtaget", "Received"),
    ("Fejltype", "Error type"),
    ("Besked", "Message"),
    ("Ekstern id", "External id"),
    ("Felt", "Field"),
    ("Værdi", "Value"),
    ("Årsag", "Reason"),
    ("Ret og genindsend", "Correct and resubmit"),
    ("Afvis", "Discard"),
    ("Markér som løst", "Mark resolved"),
    ("Note", "Note"),
    ("Historik", "History"),
    ("Forrige", "Previous"),
    ("Næste", "Next"),
    ("Side", "Page"),
    ("Leverandører", "Vendors"),
    ("Systemer", "Systems"),
    ("Leverandør", "Vendor"),
    ("System", "System"),
    ("Certifikater", "Certificates"),
    ("Udløber", "Expires"),
    (
        "Upload certifikat (.pem eller .zip)",
        "Upload certificate (.pem or .zip)",
    ),
    ("Upload", "Upload"),
    ("Standardintegrationer", "Standard integrations"),
    ("Ordrer", "Orders"),
    ("Ordre", "Order"),
    ("Tilstand", "State"),
    ("Trin", "Steps"),
    ("Næste trin", "Next step"),
    ("Udfør mit trin", "Take my step"),
    ("Ny ordre", "New order"),
    ("Opret ordre", "Create order"),
    ("Akut lukning", "Urgent closing"),
    ("Luk akut", "Close urgently"),
    ("Bekræft akut lukning", "Confirm urgent closing"),
    (
        "Dette lukker straks al adgang for systemet:",
        "This at once cuts off all access of the system:",
    ),
    ("Annullér", "Cancel"),
    ("Prisliste", "Price list"),
    ("Fakturaer", "Invoices"),
    ("Hent CSV", "Download CSV"),
    ("Periode", "Period"),
    ("Dueslag", "Dueslag"),
    ("Abonnementer", "Subscriptions"),
    ("Leverancer", "Deliveries"),
    ("Fejlkø", "Error queue"),
    ("Sæt i kø igen", "Requeue"),
    ("Udgivertokens", "Publisher tokens"),
    ("Udsted token", "Issue token"),
    ("Vises kun denne ene gang:", "Shown this once only:"),
    ("Relationer", "Relations"),
    ("Kort", "Map"),
    ("Som nu", "As is"),
    ("Overgang", "Transition"),
    ("Konsekvens ved udfasning", "Phase-out impact"),
    ("Kravtjek", "Requirement check"),
    ("Tjek", "Check"),
    ("Opslag i persondata", "Reads of personal data"),
    ("Hvem", "Who"),
    ("Hvornår", "When"),
    ("Medarbejder", "Employee"),
    ("Handling", "Action"),
    ("Administrativ log", "Admin audit log"),
    ("Personer", "People"),
    ("Rolle", "Role"),
    ("Omfang", "Scope"),
    ("Sidst logget ind", "Last signed in"),
    ("Deaktiveret", "Disabled"),
    ("Deaktivér", "Disable"),
    ("Ny person", "New person"),
    ("Opret", "Create"),
    ("API-nøgler", "API tokens"),
    ("Ny API-nøgle", "New API token"),
    ("Sidst brugt", "Last used"),
    ("Du har ikke adgang til denne side.", "You have no access to this page."),
    ("Findes ikke.", "Not found."),
    ("Handlingen blev afvist:", "The action was refused:"),
    ("Gemt.", "Saved."),
    ("Sprog", "Language"),
    ("Logget ind som", "Signed in as"),
    ("Tilskud", "Grants"),
    ("Tilladelser", "Grants"),
    ("Kommuner", "Municipalities"),
    ("Systemet", "The system"),
    ("Beskrivelse", "Description"),
    ("Resultat", "Result"),
    ("Detaljer", "Details"),
    ("Opgave", "Task"),
    ("Hovedmenu", "Main menu"),
    ("Dage", "Days"),
    ("Ordren er lukket.", "The order is closed."),
    ("Abonnementet er oprettet.", "The subscription is created."),
    ("Nøglen er tilbagekaldt.", "The token is revoked."),
    ("Luk ordren", "Close the order"),
    ("Adgangen ophører den", "Access ends on"),
    ("Lukket", "Closed"),
    ("Nyt abonnement", "New subscription"),
    ("Beskedtyper", "Message types"),
    ("Myndighed (kommunekode eller CVR)", "Authority (kommunekode or CVR)"),
    ("Tilbagekald", "Revoke"),
    ("Tilbagekaldt", "Revoked"),
    ("Opstartspakken er givet.", "The startup package is granted."),
    ("Opstartspakke", "Startup package"),
    ("Giv opstartspakke", "Grant the startup package"),
    ("Testcertifikat", "Test certificate"),
    ("Bestil testcertifikat", "Get a test certificate"),
    (
        "CSR (PEM) — eller tomt: et nøglepar laves her",
        "CSR (PEM) — or empty: a key pair is made here",
    ),
    (
        "Privat nøgle — vises kun denne ene gang",
        "Private key — shown this once only",
    ),
    ("Certifikat", "Certificate"),
    (
        "Tidsbegrænsede adgange der udløber inden for 30 dage",
        "Time-limited grants ending within 30 days",
    ),
    ("CSV-import", "CSV import"),
    ("Kontrol før import", "Check before import"),
    ("Importeret", "Imported"),
    ("Linje", "Line"),
    ("Anvend importen", "Apply the import"),
    ("Slags", "Kind"),
    (
        "CSV-fil (træk den hertil eller vælg)",
        "CSV file (drop it here or choose)",
    ),
    ("… eller indsæt CSV", "… or paste CSV"),
    ("Kontrollér", "Check"),
    ("Kald i dag", "Calls today"),
    ("Genindsendt.", "Resubmitted."),
    ("Afvist.", "Discarded."),
    ("Markeret som løst.", "Marked resolved."),
    ("Trinnet er udført.", "The step is taken."),
    ("Ordren er oprettet.", "The order is created."),
    ("Systemets adgang er lukket.", "The system's access is closed."),
    ("Certifikatet er tilføjet.", "The certificate is added."),
    ("Sat i kø igen.", "Requeued."),
    ("Personen er oprettet.", "The person is created."),
    ("Personen er deaktiveret.", "The person is disabled."),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The `t.s("…")` texts of every template.
    fn used() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for part in text.split("t.s(\"").skip(1) {
                out.push(part.split('"').next().unwrap().to_owned());
            }
        }
        out
    }

    #[test]
    fn every_text_of_the_templates_has_its_english() {
        let used = used();
        assert!(used.len() > 50, "{} texts found", used.len());
        let missing: Vec<_> = used.iter().filter(|d| !EN.iter().any(|(da, _)| da == d)).collect();
        assert!(missing.is_empty(), "no English for {missing:?}");
        assert_eq!(Lang::En.s("Overblik"), "Overview");
        assert_eq!(Lang::Da.s("Overblik"), "Overblik");
    }

    #[test]
    fn every_notice_has_its_english() {
        for (_, danish) in crate::console::pages::NOTICES {
            assert!(EN.iter().any(|(da, _)| da == danish), "no English for {danish}");
        }
        assert_eq!(crate::console::pages::notice(Some("trin")), Some("Trinnet er udført."));
        assert_eq!(crate::console::pages::notice(Some("ukendt")), None);
    }

    #[test]
    fn the_table_has_no_duplicates() {
        let mut keys: Vec<_> = EN.iter().map(|(d, _)| d).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len());
    }
}
