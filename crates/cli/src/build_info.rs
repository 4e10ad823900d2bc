//! What `snitflade --version` prints and the server's `snitflade_build_info` names: the version, the git commit
//! and the compiler (captured by `build.rs`).

/// `-V`: the version and commit.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("SNITFLADE_COMMIT"), ")");

/// `--version`: the version, commit and compiler.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SNITFLADE_COMMIT"),
    ", ",
    env!("SNITFLADE_RUSTC_VERSION"),
    ")"
);

/// The build, for the server.
pub fn build() -> snitflade_server::metrics::BuildInfo {
    snitflade_server::metrics::BuildInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: env!("SNITFLADE_COMMIT").to_owned(),
    }
}
