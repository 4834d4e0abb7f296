//! PostgreSQL's SCRAM-SHA-256 password verifier, the form `rolpassword`
//! holds: `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` with
//! base64 fields and RFC 5802/7677 key derivation (PBKDF2-HMAC-SHA-256).
//! CREATE/ALTER ROLE ... PASSWORD stores it, so the endpoint can run a
//! SCRAM exchange for the role without ever keeping the password.

use sha2::{Digest, Sha256};

/// PostgreSQL's default `scram_iterations`.
pub const ITERATIONS: u32 = 4096;

const PREFIX: &str = "SCRAM-SHA-256$";

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer.finalize());
    out
}

/// PBKDF2-HMAC-SHA-256 with one output block (32 bytes), as SCRAM uses.
fn salted_password(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut u = hmac(password.as_bytes(), &[salt, &1u32.to_be_bytes()]);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac(password.as_bytes(), &[&u]);
        for (o, x) in out.iter_mut().zip(u) {
            *o ^= x;
        }
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// 16 salt bytes. A salt must be unique, not secret: the standard library's
/// randomly keyed hasher (seeded from the OS once per process) over the time
/// and a counter gives that without a random-number dependency.
fn fresh_salt() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let state = std::collections::hash_map::RandomState::new();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut salt = [0u8; 16];
    for (i, half) in salt.chunks_mut(8).enumerate() {
        let mut h = state.build_hasher();
        h.write_u128(now);
        h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        h.write_usize(i);
        half.copy_from_slice(&h.finish().to_le_bytes());
    }
    salt
}

/// The verifier of `password` with `salt`.
pub fn verifier_with_salt(password: &str, salt: &[u8], iterations: u32) -> String {
    let salted = salted_password(password, salt, iterations);
    let client_key = hmac(&salted, &[b"Client Key"]);
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let server_key = hmac(&salted, &[b"Server Key"]);
    format!(
        "{PREFIX}{iterations}:{}${}:{}",
        base64(salt),
        base64(&stored_key),
        base64(&server_key)
    )
}

/// What a role stores for PASSWORD `password`: a SCRAM verifier, or the
/// text itself when it already is one (or an md5 hash), as pg_dump writes.
pub fn stored_form(password: &str) -> String {
    let md5_hash = password.len() == 35
        && password.starts_with("md5")
        && password[3..].bytes().all(|b| b.is_ascii_hexdigit());
    if password.starts_with(PREFIX) || md5_hash {
        return password.to_string();
    }
    verifier_with_salt(password, &fresh_salt(), ITERATIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_postgres_verifier() {
        // What PostgreSQL 15 stored for CREATE ROLE x PASSWORD 'pw' (its
        // salt reused here).
        let salt = [
            0x5e, 0x50, 0x60, 0x8c, 0xd8, 0x09, 0x28, 0x50, 0xa2, 0x82, 0x2f, 0xba, 0x41, 0x98,
            0x3d, 0x74,
        ];
        assert_eq!(
            verifier_with_salt("pw", &salt, 4096),
            "SCRAM-SHA-256$4096:XlBgjNgJKFCigi+6QZg9dA==$d2U22Ht5yd05Wfu2OHiNg8DgyA9LvmVDd7Le2WzOUds=:+/iIkr+maZvJ3dSHfsQPoZ+ToPL1+0ot5TtRvdUYnQ8="
        );
        assert_eq!(
            stored_form("md5a3556571e93b0d20722ba62be61e8c2d"),
            "md5a3556571e93b0d20722ba62be61e8c2d"
        );
        assert_ne!(stored_form("x"), stored_form("x"), "fresh salts");
    }
}
