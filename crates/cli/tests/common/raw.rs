//! A raw keep-alive HTTPS connection to the services listener as one demo system, for tests that must see one
//! connection's fate (cut by an urgent close, say): it sends a Medarbejderoplysninger Laes and reads one HTTP answer.

use std::net::SocketAddr;
use std::path::Path;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub struct RawConnection {
    stream: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    authority: String,
}

impl RawConnection {
    /// Connects to `services` with the demo certificate of `system` from `data_dir`.
    pub async fn open(data_dir: &Path, services: SocketAddr, system: &str) -> RawConnection {
        let config = snitflade_bench::mtls_client_config(data_dir, system).unwrap();
        let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(services).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        RawConnection {
            stream: connector.connect(name, tcp).await.unwrap(),
            authority: services.to_string(),
        }
    }

    /// Sends a Laes of 00000101; the status of the answer, or `None` when the connection is closed or broken.
    pub async fn laes(&mut self) -> Option<u16> {
        let body = super::laes_envelope("00000101");
        let request = format!(
            "POST /ws/Employee_Provide_Out HTTP/1.1\r\nHost: {}\r\nContent-Type: text/xml; charset=utf-8\r\n\
             SOAPAction: \"\"\r\nContent-Length: {}\r\n\r\n{body}",
            self.authority,
            body.len()
        );
        self.stream.write_all(request.as_bytes()).await.ok()?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = self.stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some(end) = text.find("\r\n\r\n") {
                let head = &text[..end];
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    return head.split(' ').nth(1).and_then(|c| c.parse().ok());
                }
            }
        }
    }
}
