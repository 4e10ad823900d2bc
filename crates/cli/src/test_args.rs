//! Test support: parses one command group's arguments (`AdminArgs`, `LandscapeArgs`) from a command line whose
//! first word is the group's name, exactly as the binary's parser does for that subcommand.

/// The group's arguments, or clap's error (exit code, message) for a command line it refuses.
pub fn try_parse<A, I, T>(argv: I) -> Result<A, clap::Error>
where
    A: clap::Args + clap::FromArgMatches,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = A::augment_args(clap::Command::new("snitflade")).try_get_matches_from(argv)?;
    A::from_arg_matches(&matches)
}

/// The group's arguments from `name` and `args`; panics with clap's message when they are refused.
pub fn parse<A: clap::Args + clap::FromArgMatches>(name: &str, args: &[&str]) -> A {
    try_parse(std::iter::once(name).chain(args.iter().copied())).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}
