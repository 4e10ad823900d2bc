//! The HTTP body of an answer partly kept in a file ([`snitflade_services::spool`]): the text before the file's
//! part, the file in pieces read on a blocking thread, then the rest — sent as it is read, so memory holds a
//! piece, not the answer. The length is known, so it goes with a `Content-Length`.

use axum::body::Body;
use bytes::Bytes;
use snitflade_services::spool::Spooled;

/// Bytes read from the file at a time.
const PIECE: usize = 256 * 1024;

/// Where the body is: sending the head, the file from an offset (then the tail), or done.
enum Next {
    Head,
    File(u64),
    Done,
}

/// The body `body[..at]` + the spooled text + `body[at..]`.
pub fn body(text: String, at: usize, spooled: Spooled) -> Body {
    let text = Bytes::from(text);
    let stream = futures_lite::stream::unfold(Next::Head, move |next| {
        let text = text.clone();
        let spooled = spooled.clone();
        async move {
            match next {
                Next::Head => Some((Ok(text.slice(..at)), Next::File(0))),
                Next::File(offset) if offset >= spooled.len() => Some((Ok(text.slice(at..)), Next::Done)),
                Next::File(offset) => {
                    let read = tokio::task::spawn_blocking(move || spooled.read_at(offset, PIECE)).await;
                    match read.map_err(std::io::Error::other).and_then(|r| r) {
                        Ok(piece) if piece.is_empty() => {
                            Some((Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)), Next::Done))
                        }
                        Ok(piece) => {
                            let after = offset + piece.len() as u64;
                            Some((Ok(Bytes::from(piece)), Next::File(after)))
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "reading a spooled answer failed; the answer is cut short");
                            Some((Err(e), Next::Done))
                        }
                    }
                }
                Next::Done => None,
            }
        }
    });
    Body::from_stream(stream)
}
