//! The documentation: the book in docs/ builds with mdBook and every link in its HTML output resolves (each relative
//! href or src names a file of the output, each #anchor an id on that page); the README's links resolve to files in
//! the repository and their headings; and neither the README nor the book points at documents a reader does not
//! have (../shared, "seed NNN", "CONTRACT §N").

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The mdBook release `./scripts/test` installs when `mdbook` is missing.
const MDBOOK_INSTALL: &str = "cargo install mdbook --locked --version 0.5.4 --no-default-features";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

#[test]
fn the_book_builds_and_every_link_in_it_resolves() {
    let out = tempfile::tempdir().unwrap();
    let built = Command::new("mdbook")
        .arg("build")
        .arg(repo().join("docs"))
        .arg("--dest-dir")
        .arg(out.path())
        .output()
        .unwrap_or_else(|e| {
            panic!("mdbook could not be run ({e}); install it with `{MDBOOK_INSTALL}` (./scripts/test does so)")
        });
    let log = String::from_utf8_lossy(&built.stderr);
    assert!(built.status.success(), "mdbook build failed:\n{log}");
    assert!(!log.contains("WARN") && !log.contains("ERROR"), "mdbook warned:\n{log}");

    let pages = html_files(out.path());
    assert!(pages.len() > 30, "the book has {} pages", pages.len());
    let mut ids: HashMap<PathBuf, BTreeSet<String>> = HashMap::new();
    let mut broken = Vec::new();
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        for link in attribute_values(&html, "href")
            .into_iter()
            .chain(attribute_values(&html, "src"))
        {
            if let Some(problem) = check_link(out.path(), page, &link, &mut ids) {
                broken.push(format!(
                    "{}: {link}: {problem}",
                    page.strip_prefix(out.path()).unwrap().display()
                ));
            }
        }
    }
    assert!(broken.is_empty(), "broken links in the book:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_finds_a_missing_page_and_a_missing_anchor() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.html"),
        r#"<h1 id="top">A</h1><a href="b.html#here">b</a>"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("b.html"), r#"<h2 id="here">B</h2>"#).unwrap();
    let page = dir.path().join("a.html");
    let mut ids = HashMap::new();
    assert_eq!(check_link(dir.path(), &page, "b.html#here", &mut ids), None);
    assert_eq!(check_link(dir.path(), &page, "#top", &mut ids), None);
    assert_eq!(check_link(dir.path(), &page, "https://example.org/x", &mut ids), None);
    assert!(check_link(dir.path(), &page, "c.html", &mut ids).is_some());
    assert!(check_link(dir.path(), &page, "b.html#there", &mut ids).is_some());
    assert!(
        check_link(dir.path(), &page, "../a.html", &mut ids).is_some(),
        "outside the book"
    );
}

#[test]
fn every_link_in_the_readme_resolves() {
    let root = repo();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let links = markdown_links(&readme);
    assert!(
        links.iter().any(|l| l.starts_with("docs/src/")),
        "the README links into the book"
    );
    let mut broken = Vec::new();
    for link in links {
        if is_external(&link) {
            continue;
        }
        let (path, anchor) = link.split_once('#').unwrap_or((link.as_str(), ""));
        let target = if path.is_empty() {
            root.join("README.md")
        } else {
            root.join(percent_decode(path))
        };
        if !target.exists() {
            broken.push(format!("{link}: no such file"));
            continue;
        }
        if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&target).unwrap();
            if !heading_slugs(&text).contains(&percent_decode(anchor)) {
                broken.push(format!("{link}: no heading #{anchor} in {path}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links in README.md:\n{}", broken.join("\n"));
}

#[test]
fn readme_and_book_name_no_documents_a_reader_does_not_have() {
    let root = repo();
    let mut files = vec![root.join("README.md")];
    files.extend(text_files(&root.join("docs")));
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if let Some(what) = private_reference(line) {
                found.push(format!(
                    "{}:{}: {what}: {line}",
                    file.strip_prefix(&root).unwrap().display(),
                    n + 1
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "references to documents outside the repository:\n{}",
        found.join("\n")
    );
}

#[test]
fn private_references_are_recognised() {
    assert!(private_reference("see seed 004's example").is_some());
    assert!(private_reference("(seeds 000, 001)").is_some());
    assert!(private_reference("as CONTRACT §3 says").is_some());
    assert!(private_reference("include ../shared/reference/x.xml").is_some());
    assert_eq!(private_reference("a seed of 004 things; the contract § is fine"), None);
    assert_eq!(private_reference("seeded once by serve --demo"), None);
}

/// What in `line` points at a document outside the repository, if anything.
fn private_reference(line: &str) -> Option<&'static str> {
    if line.contains("../shared") || line.contains("shared/reference") || line.contains("shared/seeds") {
        return Some("../shared");
    }
    if line.contains("CONTRACT §") || line.contains("CONTRACT.md") {
        return Some("CONTRACT");
    }
    let lower = line.to_lowercase();
    for word in ["seed ", "seeds "] {
        let mut rest = lower.as_str();
        while let Some(i) = rest.find(word) {
            let after = &rest[i + word.len()..];
            let starts_word = i == 0 || !rest[..i].ends_with(|c: char| c.is_alphanumeric());
            if starts_word && after.len() >= 3 && after.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
                return Some("seed NNN");
            }
            rest = after;
        }
    }
    None
}

/// Whether `link` is in order; `None` when it is, else what is wrong. `ids` caches the ids of pages read so far.
fn check_link(root: &Path, page: &Path, link: &str, ids: &mut HashMap<PathBuf, BTreeSet<String>>) -> Option<String> {
    if is_external(link) {
        return None;
    }
    let link = link.replace("&amp;", "&");
    let (path, anchor) = link.split_once('#').unwrap_or((link.as_str(), ""));
    let path = path.split('?').next().unwrap_or_default();
    let target = if path.is_empty() {
        page.to_path_buf()
    } else {
        // A root-relative link (the 404 page's) is relative to where the book is served: its output directory.
        let base = if path.starts_with('/') {
            root
        } else {
            page.parent().unwrap()
        };
        let joined = base.join(percent_decode(path.trim_start_matches('/')));
        let mut target = normalize(&joined);
        if path.ends_with('/') {
            target.push("index.html");
        }
        target
    };
    if !target.starts_with(root) {
        return Some("points outside the book".into());
    }
    if !target.is_file() {
        return Some("no such file".into());
    }
    let anchor = percent_decode(anchor);
    if anchor.is_empty() || target.extension().is_none_or(|e| e != "html") {
        return None;
    }
    let known = ids.entry(target.clone()).or_insert_with(|| {
        let html = std::fs::read_to_string(&target).unwrap();
        attribute_values(&html, "id")
            .into_iter()
            .chain(attribute_values(&html, "name"))
            .collect()
    });
    (!known.contains(&anchor)).then(|| format!("no id \"{anchor}\" on {}", target.display()))
}

fn is_external(link: &str) -> bool {
    ["http:", "https:", "mailto:", "javascript:", "data:", "//"]
        .iter()
        .any(|p| link.starts_with(p))
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The values of every `name="…"` attribute in `html`.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .filter_map(|(i, _)| {
            let start = i + pattern.len();
            html[start..].find('"').map(|end| html[start..start + end].to_owned())
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every `*.html` below `dir`.
fn html_files(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect()
}

/// Every text file of the book's sources and extras below `dir` (not the built book).
fn text_files(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|p| !p.components().any(|c| c.as_os_str() == "book"))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| ["md", "toml", "xml", "json", "service", "txt"].contains(&e.to_str().unwrap()))
        })
        .collect()
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The targets of the inline links and images of a markdown text, outside code.
fn markdown_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            links.push(target.trim_matches(|c| c == '<' || c == '>').to_owned());
            rest = &after[end..];
        }
    }
    links
}

/// The anchors GitHub and mdBook give a markdown file's headings: lower case, spaces to `-`, other punctuation
/// than `-` and `_` dropped.
fn heading_slugs(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut slugs = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        slugs.insert(slug);
    }
    slugs
}
