//! Personalemappe's metadata on every engine (SQLite always, PostgreSQL when `SNITFLADE_TEST_DATABASE_URL` is
//! set): a document is registered once per client id, read back field for field, listed by type, folder and
//! period; a municipality's own document types replace the built-in ones.

use jiff::civil::date;
use snitflade_domain::documents::{DocumentType, default_document_types};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::access::{self, Municipality};
use snitflade_store::documents::{self, DocumentFilter, StoredDocument};
use snitflade_store::testing::TestDb;
use std::sync::Arc;

fn k() -> Kommunekode {
    Kommunekode::parse("0340").unwrap()
}

fn doc(id: &str, type_key: &str, kle: &str, day: jiff::civil::Date) -> StoredDocument {
    StoredDocument {
        municipality: k(),
        document_id: id.into(),
        pernr: Pernr::parse("401").unwrap(),
        doc_type: DocumentType {
            key: type_key.into(),
            text: "Tekst".into(),
            kle: kle.into(),
            folder: "Mappe æøå".into(),
        },
        title: "Titel".into(),
        file_name: "a.pdf".into(),
        content_type: "application/pdf".into(),
        size: 20 * 1024 * 1024,
        sha256: "ab".repeat(32),
        document_date: day,
        uploaded_at: "2026-11-01T10:00:00.000000Z".into(),
        uploaded_by: "rekruttering".into(),
    }
}

#[tokio::test]
async fn documents_and_document_types_on_every_engine() {
    for db in TestDb::all().await {
        scenario(&db).await;
        db.cleanup().await;
    }
}

async fn scenario(db: &TestDb) {
    let store = db.open().await;
    let docs = Arc::new(vec![
        doc("a", "ANSAETTELSESKONTRAKT", "81.03.00", date(2026, 1, 10)),
        doc("b", "MUS", "81.05.00", date(2026, 3, 1)),
        doc("c", "MUS", "81.05.00", date(2026, 5, 1)),
    ]);
    let stored = docs.clone();
    store
        .write(move |c| {
            let docs = stored.clone();
            Box::pin(async move {
                access::insert_municipality(
                    c,
                    &Municipality {
                        code: "0340".into(),
                        name: "Sorø Kommune".into(),
                        cvr: "29188629".into(),
                        ..Municipality::default()
                    },
                )
                .await?;
                for d in docs.iter() {
                    documents::insert_document(c, d).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let pool = store.pool();
    assert_eq!(
        documents::document(pool, k(), "b").await.unwrap().as_ref(),
        Some(&docs[1])
    );
    assert_eq!(documents::document(pool, k(), "x").await.unwrap(), None);
    // The client's id is unique within the municipality.
    let again = Arc::new(doc("a", "MUS", "81.05.00", date(2026, 1, 1)));
    let err = store
        .write(move |c| {
            let d = again.clone();
            Box::pin(async move { documents::insert_document(c, &d).await })
        })
        .await
        .unwrap_err();
    assert!(err.is_unique_violation(), "{err}");

    let list = |filter: DocumentFilter, limit: i64| {
        let store = store.clone();
        async move {
            documents::documents_of(store.pool(), k(), Pernr::parse("401").unwrap(), &filter, limit)
                .await
                .unwrap()
                .into_iter()
                .map(|d| d.document_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(DocumentFilter::default(), 10).await, ["a", "b", "c"]);
    assert_eq!(list(DocumentFilter::default(), 2).await, ["a", "b"]);
    let by_type = DocumentFilter {
        type_key: Some("MUS".into()),
        ..Default::default()
    };
    assert_eq!(list(by_type, 10).await, ["b", "c"]);
    let by_folder = DocumentFilter {
        kle: Some("81.03.00".into()),
        ..Default::default()
    };
    assert_eq!(list(by_folder, 10).await, ["a"]);
    let period = DocumentFilter {
        from: Some(date(2026, 3, 1)),
        to: Some(date(2026, 4, 30)),
        ..Default::default()
    };
    assert_eq!(list(period, 10).await, ["b"]);

    // Document types: built in until replaced.
    assert_eq!(
        documents::document_types(pool, k()).await.unwrap(),
        default_document_types()
    );
    let mine = Arc::new(vec![default_document_types()[0].clone()]);
    let set = mine.clone();
    store
        .write(move |c| {
            let t = set.clone();
            Box::pin(async move { documents::set_document_types(c, k(), &t, "admin", "2026-01-01T00:00:00Z").await })
        })
        .await
        .unwrap();
    assert_eq!(documents::document_types(pool, k()).await.unwrap(), *mine);
    store.close().await;
}
