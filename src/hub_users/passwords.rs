//! Passwords for a host to hand out: 4 groups of 4 characters from an
//! alphabet without look-alikes (no 0/o, 1/l/i), lower case only so that
//! nobody has to find the shift key: `kq7d-m3xa-9tpe-wh4c`. 16 characters
//! from 31 give about 79 bits, from the OS's CSPRNG (getrandom).

use crate::error::{Error, Result};

/// a–z without i, l, o; 2–9.
pub const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
pub const GROUPS: usize = 4;
pub const GROUP_LEN: usize = 4;

/// One new password.
pub fn generate() -> Result<String> {
    generate_with(|buf| getrandom::fill(buf).map_err(|e| e.to_string()))
}

/// `generate` with the random bytes from `fill`; bytes that would bias the
/// choice (those at or above the largest multiple of the alphabet's size)
/// are thrown away and drawn again.
pub fn generate_with(
    mut fill: impl FnMut(&mut [u8]) -> std::result::Result<(), String>,
) -> Result<String> {
    let n = ALPHABET.len();
    let limit = 256 - 256 % n;
    let mut chars = Vec::with_capacity(GROUPS * GROUP_LEN);
    let mut buf = [0u8; 32];
    let mut draws = 0;
    while chars.len() < GROUPS * GROUP_LEN {
        draws += 1;
        if draws > 64 {
            return Err(Error::new(
                "the random number source keeps giving unusable bytes",
            ));
        }
        fill(&mut buf).map_err(|e| {
            Error::new(format!(
                "could not read random bytes from the operating system: {e}"
            ))
        })?;
        for &b in &buf {
            if (b as usize) < limit && chars.len() < GROUPS * GROUP_LEN {
                chars.push(ALPHABET[b as usize % n] as char);
            }
        }
    }
    let groups: Vec<String> = chars
        .chunks(GROUP_LEN)
        .map(|c| c.iter().collect())
        .collect();
    Ok(groups.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn alphabet_has_no_look_alikes_and_no_repeats() {
        for c in b"0o1liIO" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        let set: HashSet<_> = ALPHABET.iter().collect();
        assert_eq!(set.len(), ALPHABET.len());
        assert_eq!(ALPHABET.len(), 31);
    }

    #[test]
    fn shape_is_four_groups_of_four_from_the_alphabet() {
        for _ in 0..200 {
            let p = generate().unwrap();
            assert_eq!(p.len(), 19, "{p}");
            let groups: Vec<&str> = p.split('-').collect();
            assert_eq!(groups.len(), GROUPS, "{p}");
            assert!(groups.iter().all(|g| g.len() == GROUP_LEN), "{p}");
            assert!(
                p.bytes()
                    .filter(|&b| b != b'-')
                    .all(|b| ALPHABET.contains(&b)),
                "{p}"
            );
            assert_eq!(crate::firstuse::password_problem(&p), None);
        }
    }

    #[test]
    fn passwords_differ_and_use_the_whole_alphabet() {
        let all: Vec<String> = (0..2000).map(|_| generate().unwrap()).collect();
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
        let seen: HashSet<u8> = all.iter().flat_map(|p| p.bytes()).collect();
        // 32000 draws: every one of the 31 characters shows up.
        assert_eq!(seen.len(), ALPHABET.len() + 1, "the dash too");
    }

    #[test]
    fn biased_bytes_are_thrown_away() {
        // 248 = 8 × 31: bytes 248..=255 would favour the first 8 characters.
        let mut calls = 0;
        let p = generate_with(|buf| {
            calls += 1;
            buf.fill(if calls == 1 { 250 } else { 31 });
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert_eq!(p, "aaaa-aaaa-aaaa-aaaa");
        let p = generate_with(|buf| {
            buf.fill(247);
            Ok(())
        })
        .unwrap();
        let last = ALPHABET[247 % 31] as char;
        assert!(p.chars().filter(|&c| c != '-').all(|c| c == last), "{p}");
    }

    #[test]
    fn a_failing_source_is_an_error_not_a_weak_password() {
        let err = generate_with(|_| Err("no entropy".into())).unwrap_err();
        assert!(err.message.contains("no entropy"), "{}", err.message);
        let err = generate_with(|buf| {
            buf.fill(255);
            Ok(())
        })
        .unwrap_err();
        assert!(err.message.contains("unusable"), "{}", err.message);
    }
}
