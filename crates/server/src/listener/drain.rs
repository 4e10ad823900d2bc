//! A request body that is read to its end even when the handler does not want it: dropped unread, the rest is
//! read and thrown away in the background (bounded in bytes and time) while the answer goes out. A client that
//! sends its whole body before reading (Python's `http.client`, SAP PI) then sees the answer — a fault decided
//! by the URL alone, a 413 — instead of a connection reset in the middle of its upload.

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// The most of an unwanted body that is read and thrown away. Past this, or after [`DRAIN_TIME`], the connection
/// is closed.
pub const DRAIN_MAX: usize = 32 * 1024 * 1024;
pub const DRAIN_TIME: Duration = Duration::from_secs(10);

/// An [`Incoming`] body whose unread rest is drained when it is dropped.
#[derive(Debug)]
pub struct DrainOnDrop {
    inner: Option<Incoming>,
}

impl DrainOnDrop {
    pub fn new(body: Incoming) -> Self {
        Self { inner: Some(body) }
    }
}

impl Body for DrainOnDrop {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.inner.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        let Some(body) = self.inner.take().filter(|b| !b.is_end_stream()) else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(body));
        }
    }
}

async fn drain(mut body: Incoming) {
    use http_body_util::BodyExt;
    let read = async {
        let mut total = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            total += frame.data_ref().map_or(0, Bytes::len);
            if total > DRAIN_MAX {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIME, read).await;
}
