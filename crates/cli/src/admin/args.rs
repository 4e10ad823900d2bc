//! Value parsers shared by the `snitflade admin` areas: interface ids, access levels, personnel numbers and dates,
//! checked as the server checks them so that a mistake is a usage error (exit code 2) before anything is sent.

use clap::builder::PossibleValuesParser;
use snitflade_domain::{InterfaceId, Pernr};

/// One of the interface ids (`opret-fravaer`, `medarbejderoplysninger`, …).
pub(crate) fn interface_ids() -> PossibleValuesParser {
    PossibleValuesParser::new(InterfaceId::ALL.map(InterfaceId::as_str))
}

/// An access level of a grant or an order.
pub(crate) fn access_levels() -> PossibleValuesParser {
    PossibleValuesParser::new(snitflade_domain::AccessLevel::ALL.map(snitflade_domain::AccessLevel::as_str))
}

/// `<interface>=<level>` of `orders create --access`.
pub(crate) fn parse_access(s: &str) -> Result<(String, String), String> {
    let (interface, level) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not <interface>=read or <interface>=read-write"))?;
    if InterfaceId::parse(interface).is_none() {
        return Err(format!("unknown interface {interface:?}"));
    }
    if snitflade_domain::AccessLevel::parse(level).is_none() {
        return Err(format!("access level {level:?}: read or read-write"));
    }
    Ok((interface.to_owned(), level.to_owned()))
}

/// An employee's personnel number (up to 8 digits).
pub(crate) fn parse_pernr(s: &str) -> Result<Pernr, String> {
    Pernr::parse(s).map_err(|e| e.to_string())
}
