//! How a person proves who they are to the console: a password kept as an argon2id hash (the PHC string, OWASP's
//! parameters: 19 MiB, 2 passes, 1 lane), and an optional TOTP second factor (RFC 6238: SHA-1, 6 digits, 30-second
//! steps, one step of clock skew either way; a step is accepted once — the caller stores the step it returns).

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};
use totp_rs::{Secret, Totp};

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; a console reaching personal data asks more).
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted (bounding the hashing work an anonymous caller can cause).
pub const MAX_PASSWORD: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")]
    Length,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

fn argon2() -> Argon2<'static> {
    // Argon2id v19 with OWASP's first recommendation; a stored hash carries its own parameters, so these can be
    // raised later without invalidating older hashes.
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// Checks a new password's length.
pub fn acceptable(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if (MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        Ok(())
    } else {
        Err(PasswordError::Length)
    }
}

/// The PHC string of a new password (a fresh random salt each time).
pub fn hash(password: &str) -> Result<String, PasswordError> {
    acceptable(password)?;
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string (false for an unreadable one, or an overlong password).
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD * 4 {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the name is unknown, so that an unknown name takes as long as a wrong password
/// (names are not to be found by timing).
pub fn decoy() -> &'static str {
    static DECOY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("decoy password, never valid").expect("hashing works"));
    &DECOY
}

/// A new TOTP secret (160 random bits, base32 as authenticator apps take it).
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).expect("system randomness");
    Secret::new_stack(bytes).to_base32()
}

fn totp(secret_base32: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32).ok()?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some("snitflade"))
        .build()
        .ok()
}

/// The `otpauth://` address an authenticator app is set up with.
pub fn totp_url(secret_base32: &str, account: &str) -> Option<String> {
    totp(secret_base32, account)?.to_url().ok()
}

/// The time step `code` is valid for at `unix_time` (within one step either way), if any.
pub fn totp_step(secret_base32: &str, code: &str, unix_time: u64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    totp(secret_base32, "x")?
        .check(code, unix_time)
        .and_then(|s| i64::try_from(s).ok())
}

/// The code of `unix_time` (for tests and the test clients of the documentation).
pub fn totp_code(secret_base32: &str, unix_time: u64) -> Option<String> {
    Some(totp(secret_base32, "x")?.generate(unix_time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_are_salted() {
        let a = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterY", &a));
        assert!(!verify("correct horse battery", "not a hash"));
        assert_ne!(a, hash("correct horse battery").unwrap());
        assert_eq!(hash("short"), Err(PasswordError::Length));
        assert_eq!(hash(&"x".repeat(257)), Err(PasswordError::Length));
        assert!(!verify("anything at all", decoy()));
    }

    #[test]
    fn totp_codes_follow_rfc_6238() {
        // RFC 6238 appendix B: the SHA-1 secret "12345678901234567890", T = 59 → 94287082 (8 digits; 6: 287082).
        let secret = Secret::new_stack(*b"12345678901234567890").to_base32();
        assert_eq!(totp_code(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(totp_step(&secret, "287082", 59), Some(1));
        // One step of skew either way, not two.
        assert_eq!(totp_step(&secret, "287082", 59 + 30), Some(1));
        assert_eq!(totp_step(&secret, "287082", 59 + 60), None);
        assert_eq!(totp_step(&secret, "28708", 59), None);
        assert_eq!(totp_step(&secret, "abcdef", 59), None);
        let fresh = new_totp_secret();
        assert_eq!(fresh.len(), 32);
        assert!(
            totp_url(&fresh, "anna")
                .unwrap()
                .starts_with("otpauth://totp/snitflade:anna?secret=")
        );
    }
}
