# A container image of snitflade: built from this repository with the pinned toolchain and the committed
# Cargo.lock, run as an unprivileged user with its data in the volume /var/lib/snitflade. Described in
# docs/src/operations/running.md. Build: `docker build -t snitflade .`

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p snitflade \
 && strip target/release/snitflade \
 && cp target/release/snitflade /usr/local/bin/snitflade

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/snitflade --shell /usr/sbin/nologin snitflade \
 && install -d -o snitflade -g snitflade -m 0700 /var/lib/snitflade
COPY --from=build /usr/local/bin/snitflade /usr/local/bin/snitflade
USER snitflade
ENV SNITFLADE_DATA_DIR=/var/lib/snitflade \
    SNITFLADE_LISTEN=0.0.0.0:8443 \
    SNITFLADE_ADMIN_LISTEN=0.0.0.0:8080 \
    SNITFLADE_ADMIN_TLS=true \
    SNITFLADE_LOG=info \
    SNITFLADE_LOG_FORMAT=json \
    SNITFLADE_ADMIN_URL=https://localhost:8080
VOLUME ["/var/lib/snitflade"]
EXPOSE 8443 8080
# /healthz over the admin listener's TLS, trusting the data dir's CA (pki/ca.pem) besides the system's. A server
# certificate that does not name localhost: set SNITFLADE_ADMIN_URL to a name it carries and map that name to
# 127.0.0.1 (`docker run --add-host name:127.0.0.1`). The first start may migrate a large database: hence the
# start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5m --retries=3 \
  CMD ["/usr/local/bin/snitflade", "admin", "health"]
ENTRYPOINT ["/usr/local/bin/snitflade"]
CMD ["serve"]
