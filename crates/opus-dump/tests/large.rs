//! A generated 50,000-employee dump streams through the reader in bounded memory.
//!
//! This test binary counts every heap allocation (a global allocator wrapping the system one), so it can assert
//! that the reader's live heap stays small while the file is many megabytes: by design the reader holds only the
//! record it is building, and the iterator hands each record over as its own value.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::BufWriter;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use snitflade_domain::{Cpr, Kommunekode, Pernr};
use snitflade_opus_dump::{
    DumpReader, DumpWriter, Employee, EmployeeCpr, EmployeeRecord, Leave, OrgUnit, OrgUnitId, Quantity, Record,
};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc` / `realloc`).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is valid per the caller's contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const EMPLOYEES: u32 = 50_000;
const UNITS: u64 = 200;

fn generated_employee(i: u32) -> Employee {
    let client = Kommunekode::parse("813").unwrap();
    let mut e = Employee::new(
        Pernr::parse(&(10_000 + i).to_string()).unwrap(),
        client,
        jiff::civil::date(2020, 1, 19),
    );
    let day = i % 28 + 1;
    e.cpr = Some(EmployeeCpr {
        cpr: Cpr::parse(&format!("{day:02}0185{:04}", i % 10_000)).unwrap(),
        supp_id: Some((i % 3) as u8),
    });
    e.first_name = Some(format!("Fornavn{i}"));
    e.last_name = Some("Efternavn & Søn".into());
    e.address = Some(format!("Testvej {}", i % 300));
    e.postal_code = Some("9900".into());
    e.city = Some("Frederikshavn".into());
    e.country = Some("DK".into());
    e.work_phone = Some(String::new());
    e.work_contract = Some("08".into());
    e.work_contract_text = Some("Ansat".into());
    e.position_id = Some("500".into());
    e.position = Some("Pædagog".into());
    e.position_short = Some("PÆD".into());
    e.is_manager = Some(i.is_multiple_of(50));
    e.superior_level = Some("0".into());
    e.subordinate_level = Some("00".into());
    e.org_unit = Some(OrgUnitId::new(u64::from(i) % UNITS + 1));
    e.pay_grade_text = Some("LR 31".into());
    e.numerator = Some(Quantity::parse(if i.is_multiple_of(4) { "30.00" } else { "37.00" }).unwrap());
    e.denominator = Some(Quantity::parse("37.00").unwrap());
    e
}

#[test]
fn fifty_thousand_employees_stream_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ZLPE20240101020304_delta.xml");

    let started = Instant::now();
    let mut writer = DumpWriter::new(BufWriter::new(File::create(&path).unwrap()));
    let client = Kommunekode::parse("813").unwrap();
    for id in 1..=UNITS {
        let mut u = OrgUnit::new(OrgUnitId::new(id), client, jiff::civil::date(2020, 9, 16));
        u.parent = (id > 1).then(|| OrgUnitId::new(id / 2));
        u.long_name = Some(format!("Enhed {id}"));
        writer.write_org_unit(&u).unwrap();
    }
    for i in 0..EMPLOYEES {
        let record: EmployeeRecord = if i % 100 == 99 {
            Leave::new(Pernr::parse(&(10_000 + i).to_string()).unwrap(), client).into()
        } else {
            generated_employee(i).into()
        };
        writer.write_employee(&record).unwrap();
    }
    writer.finish().unwrap().into_inner().unwrap().sync_all().unwrap();
    let written = started.elapsed();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 30_000_000, "a file of {size} bytes");

    let started = Instant::now();
    let baseline = LIVE.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let mut reader = DumpReader::open(&path).unwrap();
    let (mut units, mut active, mut leaves) = (0u64, 0u32, 0u32);
    let mut max_buffer = 0;
    let mut last_progress = 0;
    while let Some(item) = reader.next() {
        // Each record is an owned value handed over here and dropped at the end of the iteration.
        match item.unwrap() {
            Record::OrgUnit(_) => units += 1,
            Record::Employee(EmployeeRecord::Active(e)) => {
                if active == 12_345 {
                    assert_eq!(e, generated_employee(e.id.number() - 10_000));
                }
                active += 1;
            }
            Record::Employee(EmployeeRecord::Leave(_)) => leaves += 1,
        }
        max_buffer = max_buffer.max(reader.buffer_capacity());
        assert!(reader.bytes_read() > last_progress);
        last_progress = reader.bytes_read();
    }
    let read = started.elapsed();
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    let total = reader.bytes_read();
    drop(reader);

    assert_eq!(
        (units, active, leaves),
        (UNITS, EMPLOYEES - EMPLOYEES / 100, EMPLOYEES / 100)
    );
    assert_eq!(total, size, "progress ends at the file size");
    assert!(
        max_buffer <= 64 * 1024,
        "the reader's own buffer stayed at {max_buffer} bytes"
    );
    // File buffer (64 KiB) + event buffer + one record; nothing proportional to the 40 MB file.
    assert!(
        peak < 512 * 1024,
        "peak live heap while streaming: {peak} bytes for a {size}-byte file"
    );
    eprintln!(
        "{size} bytes: written in {written:.2?}, streamed in {read:.2?} ({:.1} MB/s), peak heap {peak} bytes",
        size as f64 / 1e6 / read.as_secs_f64()
    );
}
