//! The console benchmark: a fresh demo data dir with N more employees (every data category) and E open
//! error-table entries, a server on it, an operator signed in to the console; then each page is fetched R times
//! (after a warm-up) and the time to its last byte measured on loopback. The goal of issue 19: every page under
//! 100 ms with 50,000 employees and 10,000 error entries.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use crate::ServerProcess;
use crate::employee_list::{FIRST_SYNTHETIC, fresh_demo_store, write_synthetic};

/// Employments and error entries written per transaction while preparing.
const BATCH: u32 = 1_000;
/// The pages measured (path, what it is). `{error}` is replaced by one entry's id.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "Overblik"),
    ("/fejl", "Fejlhåndtering, first page"),
    ("/fejl?status=open&side=150", "Fejlhåndtering, page 151"),
    ("/fejl/{error}", "one error entry"),
    ("/adgang", "Adgang"),
    ("/beskedfordeler", "Beskedfordeler"),
    ("/landskab", "Landskab"),
    ("/revision", "Revision"),
    ("/brugere", "Brugere og nøgler"),
];

/// One page's times.
#[derive(Debug, Clone)]
pub struct PageTimes {
    pub path: String,
    pub what: &'static str,
    pub bytes: usize,
    pub p50: Duration,
    pub p95: Duration,
    pub max: Duration,
}

impl PageTimes {
    pub fn to_json(&self) -> Value {
        json!({
            "path": self.path, "page": self.what, "bytes": self.bytes,
            "p50_ms": ms(self.p50), "p95_ms": ms(self.p95), "max_ms": ms(self.max),
        })
    }

    pub fn table_row(&self) -> String {
        format!(
            "{:<28} {:>9} {:>8.1} {:>8.1} {:>8.1}",
            self.what,
            self.bytes,
            ms(self.p50),
            ms(self.p95),
            ms(self.max)
        )
    }
}

pub const TABLE_HEADER: &str = "page                             bytes  p50 ms   p95 ms   max ms";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `errors` open machine-hours entries (alternating 0340 and 0751), as `maskinregistrering` sent them.
async fn write_errors(store: &snitflade_store::Store, errors: u32) -> Result<()> {
    let system = snitflade_store::access::system_by_name(store.pool(), "maskinregistrering")
        .await?
        .context("the demo's maskinregistrering")?
        .id;
    let mut written = 0;
    while written < errors {
        let (first, count) = (written, BATCH.min(errors - written));
        let system = system.clone();
        store
            .write(move |c| {
                let system = system.clone();
                Box::pin(async move {
                    for i in first..first + count {
                        let municipality = if i % 2 == 0 { "0340" } else { "0751" };
                        let ex_ident = format!("{:032X}", u128::from(i) + 1);
                        let payload = json!({
                            "PERSONAL_ID": format!("{:08}", FIRST_SYNTHETIC + i % 50_000), "NETWORK": "000000519827",
                            "EX_IDENT": ex_ident, "ACTIVITY": "0300", "WORK_CNTR": "70510004", "PLANT": "0020",
                            "POSTG_DATE": "x", "ACT_TYPE": "5117", "ACT_WORK": "2.50", "KOMMUNEKODE": municipality,
                        });
                        let entry = snitflade_store::errors::NewError {
                            interface: "maskintimer",
                            municipality: Some(municipality),
                            system_id: &system,
                            actor: "maskinregistrering",
                            external_id: Some(&ex_ident),
                            error_type: snitflade_domain::ErrorType::InvalidData,
                            message: "POSTG_DATE 'x' er ikke en gyldig dato på formen ÅÅÅÅMMDD",
                            payload: &payload,
                        };
                        snitflade_store::errors::insert(c, entry).await?;
                    }
                    Ok(())
                })
            })
            .await?;
        written += count;
    }
    Ok(())
}

/// A fresh demo data dir at `dir` with `employees` more employments and `errors` open error entries.
pub async fn prepare(bin: &Path, dir: &Path, employees: u32, errors: u32) -> Result<()> {
    let store = fresh_demo_store(bin, dir).await?;
    let mut written = 0;
    while written < employees {
        let count = BATCH.min(employees - written);
        write_synthetic(&store, FIRST_SYNTHETIC + written, count).await?;
        written += count;
    }
    write_errors(&store, errors).await?;
    store.close().await;
    Ok(())
}

/// The session cookie of a person who signs in.
async fn sign_in(client: &reqwest::Client, base: &str, name: &str, password: &str) -> Result<String> {
    let r = client
        .post(format!("{base}/logind"))
        .form(&[("name", name), ("password", password)])
        .send()
        .await?;
    ensure!(
        r.status() == reqwest::StatusCode::SEE_OTHER,
        "sign-in answered {}",
        r.status()
    );
    let cookie = r
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .context("no session cookie")?
        .to_str()?;
    Ok(cookie.split(';').next().unwrap_or_default().to_owned())
}

/// Starts the server on a prepared dir, signs an operator in and measures every page `rounds` times.
pub async fn measure(bin: &Path, dir: &Path, rounds: usize) -> Result<Vec<PageTimes>> {
    let server = ServerProcess::spawn_async(ServerProcess::demo_command(bin, dir)).await?;
    let base = format!("http://{}", server.admin);
    let token = crate::admin_token(dir)?;
    // reqwest builds a TLS configuration even for plain HTTP and needs a crypto provider for it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let password = "benchmark password, long enough";
    let created = client
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"name": "bench", "role": "operator", "password": password}))
        .send()
        .await?;
    ensure!(
        created.status().is_success(),
        "creating the person: {}",
        created.status()
    );
    let cookie = sign_in(&client, &base, "bench", password).await?;
    let first: Value = client
        .get(format!("{base}/api/v1/errors?limit=1"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let error_id = first[0]["id"].as_str().context("no error entry")?.to_owned();
    let mut out = Vec::new();
    for (path, what) in PAGES {
        let path = path.replace("{error}", &error_id);
        let url = format!("{base}{path}");
        let mut times = Vec::with_capacity(rounds);
        let mut bytes = 0;
        for round in 0..rounds + 3 {
            let started = Instant::now();
            let r = client.get(&url).header("cookie", &cookie).send().await?;
            let status = r.status();
            let body = r.bytes().await?;
            let elapsed = started.elapsed();
            ensure!(status.is_success(), "{path} answered {status}");
            bytes = body.len();
            if round >= 3 {
                times.push(elapsed);
            }
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        out.push(PageTimes {
            path,
            what,
            bytes,
            p50: at(0.5),
            p95: at(0.95),
            max: *times.last().unwrap_or(&Duration::ZERO),
        });
    }
    drop(server);
    Ok(out)
}
