//! laesvaerdiliste, listvaerdiliste, soegvaerdiliste: a system reads and searches only its own lists (another
//! system's list is refused like a change to it, 43). Laes answers the current registration (with its
//! LivscyklusKode), List a FiltreretOejebliksbillede per list (with its UUID), Soeg the matching ids.

use super::answer::{self, Shown};
use super::lists::{refused, reply};
use super::request::{self, Search};
use super::{MAX_LIST_ANSWER_VALUES, Retur, StatusKode, not_found, not_owner, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_soap::Element;
use snitflade_store::StoreError;
use snitflade_store::vaerdilister::{self, ListState, StoredList};

/// The list `id` if `owner` may read it.
async fn readable(services: &Services, id: &str, owner: &str) -> Result<Result<StoredList, Retur>, StoreError> {
    Ok(match vaerdilister::get(services.store().pool(), id).await? {
        None => Err(not_found(id)),
        Some(l) if l.owner_system_id != owner => Err(not_owner(id)),
        Some(l) => Ok(l),
    })
}

pub async fn laes(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    const ROOT: &str = "LaesOutput";
    let id = match request::laes(root) {
        Ok(id) => id,
        Err(e) => return refused(ROOT, e),
    };
    let list = match readable(services, &id, &call.system.id).await {
        Ok(Ok(l)) => l,
        Ok(Err(retur)) => return reply(ROOT, &retur),
        Err(e) => return store_failed(ROOT, &e),
    };
    let values = match vaerdilister::values(services.store().pool(), &id).await {
        Ok(v) => v,
        Err(e) => return store_failed(ROOT, &e),
    };
    let shown = Shown {
        list: &list,
        values: &values,
    };
    SoapReply::ok(answer::output(ROOT, &Retur::ok(), |w| {
        w.start("vl:LaesResultat");
        answer::registrering(w, &shown, None);
        w.end();
    }))
}

pub async fn list(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    const ROOT: &str = "ListOutput";
    let ids = match request::list(root) {
        Ok(ids) => ids,
        Err(e) => return refused(ROOT, e),
    };
    let pool = services.store().pool();
    let mut lists = Vec::with_capacity(ids.len());
    let mut total = 0;
    for id in &ids {
        let list = match readable(services, id, &call.system.id).await {
            Ok(Ok(l)) => l,
            Ok(Err(retur)) => return reply(ROOT, &retur),
            Err(e) => return store_failed(ROOT, &e),
        };
        total += match vaerdilister::count_values(pool, id).await {
            Ok(n) => n,
            Err(e) => return store_failed(ROOT, &e),
        };
        if total > MAX_LIST_ANSWER_VALUES {
            return reply(
                ROOT,
                &Retur::with(
                    StatusKode::Invalid,
                    format!(
                        "Listerne har tilsammen over {MAX_LIST_ANSWER_VALUES} værdier; læs dem med færre ad gangen \
                         (eller med Laes)"
                    ),
                ),
            );
        }
        lists.push(list);
    }
    let mut all_values = Vec::with_capacity(lists.len());
    for l in &lists {
        match vaerdilister::values(pool, &l.id).await {
            Ok(v) => all_values.push(v),
            Err(e) => return store_failed(ROOT, &e),
        }
    }
    SoapReply::ok(answer::output(ROOT, &Retur::ok(), |w| {
        for (list, values) in lists.iter().zip(&all_values) {
            answer::oejebliksbillede(w, &Shown { list, values });
        }
    }))
}

/// Whether `text` matches `pattern`: case-insensitive, `*` any run of characters.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

async fn hits(services: &Services, owner: &str, s: &Search) -> Result<Vec<String>, StoreError> {
    let pool = services.store().pool();
    let mut ids = Vec::new();
    for l in vaerdilister::owned_by(pool, owner).await? {
        let ok = s.id.as_ref().is_none_or(|id| *id == l.id)
            && s.livscyklus
                .as_ref()
                .is_none_or(|c| *c == l.livscyklus || (c == "Passiveret" && l.state == ListState::Passiveret))
            && s.name.as_ref().is_none_or(|n| matches(n, &l.name))
            && s.description.as_ref().is_none_or(|d| matches(d, &l.description));
        if !ok {
            continue;
        }
        let mut all = true;
        for v in &s.values {
            // `contains` is the subscription filter's view (active lists only); a search sees every list.
            if !vaerdilister::values_include(pool, &l.id, v).await? {
                all = false;
                break;
            }
        }
        if all {
            ids.push(l.id);
        }
    }
    Ok(ids)
}

pub async fn soeg(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    const ROOT: &str = "SoegOutput";
    let search = match request::soeg(root) {
        Ok(s) => s,
        Err(e) => return refused(ROOT, e),
    };
    let ids = match hits(services, &call.system.id, &search).await {
        Ok(ids) => ids,
        Err(e) => return store_failed(ROOT, &e),
    };
    let page: Vec<String> = ids.into_iter().skip(search.first).take(search.max).collect();
    SoapReply::ok(answer::output(ROOT, &Retur::ok(), |w| answer::id_liste(w, &page)))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards() {
        assert!(matches("Medarbejdere", "medarbejdere"));
        assert!(matches("Med*", "Medarbejdere"));
        assert!(matches("*dere", "Medarbejdere"));
        assert!(matches("M*arb*e", "Medarbejdere"));
        assert!(matches("*", ""));
        assert!(!matches("Med", "Medarbejdere"));
        assert!(!matches("a*a", "a"));
        assert!(!matches("*x*", "Medarbejdere"));
    }
}
