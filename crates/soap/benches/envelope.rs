//! Benchmarks: parsing the example registration request of KMD's machine-hours service description and a ~50-row
//! response-sized envelope (with a bare quick-xml event loop as baseline), and building a masterdata-like response with
//! `XmlWriter`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quick_xml::events::Event;
use snitflade_soap::{Limits, XmlWriter, envelope_with, parse_envelope};

const REGISTRATION_REQUEST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/seed-004/registration-request.xml"
));

/// A masterdata response with `rows` rows spread over the four tables.
fn masterdata_response(rows: usize) -> String {
    envelope_with(|w| build_payload(w, rows))
}

fn build_payload(w: &mut XmlWriter, rows: usize) {
    w.start("ns0:ZPSA_CN27_MASTERDATA_RESPONSE_MT")
        .attr("xmlns:ns0", "http://kmd.dk/mobile_equip_masterdata/kmd")
        .leaf("PERNR", "00012345");
    let mut number = String::with_capacity(16);
    for i in 0..rows {
        use std::fmt::Write as _;
        number.clear();
        let _ = write!(number, "{:012}", 519_827 + i);
        match i % 4 {
            0 => {
                w.start("NETWORK_TBL")
                    .leaf("NETWORK", &number)
                    .leaf("KTEXT", "Mobiltest LWZ netværk & co")
                    .end();
            }
            1 => {
                w.start("NETWORK_ACTIVITY_TBL")
                    .leaf("NETWORK", &number)
                    .leaf("ACTIVITY", "0300")
                    .leaf_opt("SUBACTIVITY", (i % 8 == 1).then_some("0400"))
                    .end();
            }
            2 => {
                w.start("ACTIVITY_TBL")
                    .leaf("ARBPL", "70510004")
                    .leaf("LSTAR", "5117")
                    .leaf("LTEXT", "Tromle, stor <M410>")
                    .end();
            }
            _ => {
                w.start("WORK_CENTER_TBL")
                    .leaf("WERKS", "0020")
                    .leaf("ARBPL", &number)
                    .leaf("KTEXT", "Tromle M410")
                    .end();
            }
        }
    }
    w.end();
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();

    let mut group = c.benchmark_group("parse_envelope");
    group.throughput(Throughput::Bytes(REGISTRATION_REQUEST.len() as u64));
    group.bench_function("registration-request.xml", |b| {
        b.iter(|| parse_envelope(black_box(REGISTRATION_REQUEST.as_bytes()), &limits).unwrap())
    });
    let response = masterdata_response(50);
    group.throughput(Throughput::Bytes(response.len() as u64));
    group.bench_function("masterdata response, 50 rows", |b| {
        b.iter(|| parse_envelope(black_box(response.as_bytes()), &limits).unwrap())
    });
    // Baseline: just pulling the events out of quick-xml, no checks and no DOM.
    group.bench_function("baseline: quick-xml events only, 50 rows", |b| {
        b.iter(|| {
            let mut reader = quick_xml::reader::NsReader::from_str(black_box(response.as_str()));
            let mut events = 0usize;
            while !matches!(reader.read_event(), Ok(Event::Eof) | Err(_)) {
                events += 1;
            }
            events
        })
    });
    group.finish();

    let mut group = c.benchmark_group("XmlWriter");
    group.throughput(Throughput::Bytes(response.len() as u64));
    group.bench_function("masterdata response, 50 rows", |b| {
        b.iter(|| masterdata_response(black_box(50)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
