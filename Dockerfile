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
    SNITFLADE_LOG_FORMAT=json
VOLUME ["/var/lib/snitflade"]
EXPOSE 8443 8080
ENTRYPOINT ["/usr/local/bin/snitflade"]
CMD ["serve"]
