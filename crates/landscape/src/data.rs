//! Reading landscape fragments from TOML, the shipped data files (KMD Opus Personale's standard interfaces, KOMBIT's
//! interface catalogue and integration requirements, Sorø Kommune's "Snitfladeoversigt" maps), and checking that a
//! landscape's references hold together.

use std::collections::HashSet;

use crate::model::{InterfaceRef, Landscape};
use crate::naming::is_municipality_form;

/// The shipped catalogue: reference data that is part of every landscape, read-only, merged in at read time.
pub const CATALOGUE: [(&str, &str); 2] = [
    ("opus-standard.toml", include_str!("../data/opus-standard.toml")),
    ("kombit-catalogue.toml", include_str!("../data/kombit-catalogue.toml")),
];

/// The demo's landscape (Sorø Kommune's "Snitfladeoversigt" maps): stored by `serve --demo` like any typed-in data.
pub const DEMO: [(&str, &str); 1] = [("soroe.toml", include_str!("../data/soroe.toml"))];

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{file}: {source}")]
    Toml {
        file: String,
        #[source]
        source: toml::de::Error,
    },
    #[error("the landscape does not hold together: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

impl Landscape {
    /// Parses one TOML fragment (`[[system]]`, `[[interface]]`, `[[relation]]`, `[[requirement_area]]`).
    pub fn from_toml(file: &str, text: &str) -> Result<Landscape, DataError> {
        toml::from_str(text).map_err(|source| DataError::Toml {
            file: file.to_string(),
            source,
        })
    }

    /// The shipped catalogue (KMD Opus Personale's standard interfaces, KOMBIT's interface catalogue and integration
    /// requirements), validated.
    pub fn catalogue() -> Result<Landscape, DataError> {
        let all = Self::parse_all(&CATALOGUE)?;
        all.checked()
    }

    /// The demo fragment (Sorø's "Snitfladeoversigt" maps) alone; it refers to the catalogue, so check it merged with
    /// that.
    pub fn demo() -> Result<Landscape, DataError> {
        Self::parse_all(&DEMO)
    }

    fn parse_all(files: &[(&str, &str)]) -> Result<Landscape, DataError> {
        let mut all = Landscape::default();
        for (file, text) in files {
            all.merge(Landscape::from_toml(file, text)?);
        }
        Ok(all)
    }

    /// The landscape itself if [`Landscape::problems`] finds nothing, otherwise every problem.
    pub fn checked(self) -> Result<Landscape, DataError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(DataError::Invalid(problems))
        }
    }

    /// Everything that does not hold together: duplicate ids, relations or transitions naming unknown systems or
    /// interfaces, relations whose municipality is not a four-digit kommunekode (`0340`, not `340`) or whose two
    /// ends are the same system, requirement areas naming unknown interfaces. Empty when the landscape is
    /// consistent.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut systems = HashSet::new();
        for s in &self.systems {
            if !systems.insert(s.id.as_str()) {
                problems.push(format!("system {} is defined twice", s.id));
            }
        }
        let mut interfaces = HashSet::new();
        for i in &self.interfaces {
            if !interfaces.insert((i.id.as_str(), i.version.as_str())) {
                problems.push(format!("interface {} v{} is defined twice", i.id, i.version));
            }
        }
        let known_interface = |r: &InterfaceRef| interfaces.contains(&(r.id.as_str(), r.version.as_str()));
        for s in &self.systems {
            if let Some(next) = &s.replaced_by
                && !systems.contains(next.as_str())
            {
                problems.push(format!("system {}: replaced_by {next} is not a system", s.id));
            }
        }
        for i in &self.interfaces {
            if let Some(p) = &i.provider
                && !systems.contains(p.as_str())
            {
                problems.push(format!("interface {}: provider {p} is not a system", i.id));
            }
        }
        let mut relations = HashSet::new();
        for r in &self.relations {
            if !relations.insert(r.id.as_str()) {
                problems.push(format!("relation {} is defined twice", r.id));
            }
            if !is_municipality_form(&r.municipality) {
                problems.push(format!(
                    "relation {}: municipality {:?} is not a kommunekode of four digits (e.g. 0340)",
                    r.id, r.municipality
                ));
            }
            for end in [&r.system, &r.counterpart] {
                if !systems.contains(end.as_str()) {
                    problems.push(format!("relation {}: {end} is not a system", r.id));
                }
            }
            if r.system == r.counterpart {
                problems.push(format!(
                    "relation {}: system and counterpart are the same system ({})",
                    r.id, r.system
                ));
            }
            if let Some(i) = &r.interface
                && !known_interface(i)
            {
                problems.push(format!(
                    "relation {}: interface {} v{} is not in the catalogue",
                    r.id, i.id, i.version
                ));
            }
            if let Some(t) = &r.transition {
                if let Some(s) = &t.target_system
                    && !systems.contains(s.as_str())
                {
                    problems.push(format!("relation {}: target system {s} is not a system", r.id));
                }
                if let Some(i) = &t.target_interface
                    && !known_interface(i)
                {
                    problems.push(format!(
                        "relation {}: target interface {} v{} is not in the catalogue",
                        r.id, i.id, i.version
                    ));
                }
            }
        }
        for a in &self.requirement_areas {
            for i in &a.interfaces {
                if !known_interface(i) {
                    problems.push(format!(
                        "requirement area {}: interface {} is not in the catalogue",
                        a.name, i.id
                    ));
                }
            }
        }
        problems
    }
}
