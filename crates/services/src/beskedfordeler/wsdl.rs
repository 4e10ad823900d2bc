//! KOMBIT's reference WSDL and the XSDs it imports, served as they are except for two things: `soap:address`
//! points at this server's real path, and the WSDL's imports (`../xsd/…` in the reference tree) point at
//! `GET /sts-bf-soap/xsd/<file>`, where the XSDs keep their own relative imports (`1.1/…`, `cached/…`).

/// The service's real path (KOMBIT's).
pub const PATH: &str = "/sts-bf-soap/StsbeskedfordelerImpl";
/// Where the XSDs are served; a file's path below it is its path in the reference `xsd/` directory.
pub const XSD_PATH: &str = "/sts-bf-soap/xsd/";

/// The reference WSDL, byte for byte.
pub(super) const WSDL: &str = include_str!("wsdl/Beskedfordeler.wsdl");

/// The XSDs the WSDL imports, directly or not, by their path below `xsd/`.
const SCHEMAS: &[(&str, &str)] = &[
    (
        "VaerdilisteOperationer.xsd",
        include_str!("wsdl/xsd/VaerdilisteOperationer.xsd"),
    ),
    ("VaerdiListe.xsd", include_str!("wsdl/xsd/VaerdiListe.xsd")),
    (
        "BeskedfordelerOperationer.xsd",
        include_str!("wsdl/xsd/BeskedfordelerOperationer.xsd"),
    ),
    ("Beskedkuvert.xsd", include_str!("wsdl/xsd/Beskedkuvert.xsd")),
    ("1.1/SagDokObjekt.xsd", include_str!("wsdl/xsd/1.1/SagDokObjekt.xsd")),
    (
        "1.1/OrganisationFaelles.xsd",
        include_str!("wsdl/xsd/1.1/OrganisationFaelles.xsd"),
    ),
    ("1.1/Part.xsd", include_str!("wsdl/xsd/1.1/Part.xsd")),
    (
        "cached/xmldsig-core-schema.xsd",
        include_str!("wsdl/xsd/cached/xmldsig-core-schema.xsd"),
    ),
];

/// The WSDL with its address and imports on `base` (e.g. `https://localhost:8443`).
pub fn wsdl_for(base: &str) -> String {
    WSDL.replace(
        "<soap:address location=\"\" />",
        &format!("<soap:address location=\"{base}{PATH}\" />"),
    )
    .replace(
        "schemaLocation=\"../xsd/",
        &format!("schemaLocation=\"{base}{XSD_PATH}"),
    )
}

/// The XSD at `path` below [`XSD_PATH`], if it is one of the service's.
pub fn schema_file(path: &str) -> Option<&'static str> {
    SCHEMAS.iter().find(|(p, _)| *p == path).map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wsdl_points_at_this_server() {
        let w = wsdl_for("https://localhost:8443");
        assert!(w.contains("<soap:address location=\"https://localhost:8443/sts-bf-soap/StsbeskedfordelerImpl\" />"));
        assert!(w.contains("schemaLocation=\"https://localhost:8443/sts-bf-soap/xsd/VaerdilisteOperationer.xsd\""));
        assert!(w.contains("schemaLocation=\"https://localhost:8443/sts-bf-soap/xsd/BeskedfordelerOperationer.xsd\""));
        assert!(!w.contains("../xsd/"));
    }

    #[test]
    fn every_import_is_served() {
        for (path, text) in SCHEMAS {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            for import in text.split("schemaLocation=").skip(1) {
                let target = import[1..].split(['"', '\'']).next().unwrap();
                let target = target.trim_start_matches("./");
                let resolved = match (dir, target.strip_prefix("../")) {
                    (_, Some(up)) => up.to_owned(),
                    ("", _) => target.to_owned(),
                    (d, _) => format!("{d}/{target}"),
                };
                assert!(schema_file(&resolved).is_some(), "{path} imports {target} ({resolved})");
            }
        }
        assert!(schema_file("../secret").is_none());
    }
}
