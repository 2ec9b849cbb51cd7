//! vRouter's table hash and where a hash puts a key.
//!
//! vRouter hashes flow and bridge keys with `vr_hash(key, len, 0)` (include/vr_hash.h): Bob
//! Jenkins' lookup3 byte hash in the form the Linux kernel's `jhash` took, with the initial value
//! `0xdeadbeef + len`. Whole 12-byte blocks are read as little-endian words (vRouter reads them in
//! host order, and every supported host is little-endian), the last 1..=12 bytes are added byte by
//! byte into the same positions, and an empty tail skips the final mix. Tables use buckets of
//! four consecutive main entries starting at `(hash % main_entries) & !3`.

/// Entries per bucket in the main table.
pub const HENTRIES_PER_BUCKET: u32 = 4;

/// lookup3's arbitrary start value, which vRouter keeps.
const INITVAL: u32 = 0xdead_beef;

/// vRouter's hash of `key` (`vr_hash(key, key.len(), 0)`).
///
/// For a flow the key is [`FlowKey::key_bytes`](super::FlowKey::key_bytes) (20 or 44 bytes); for a
/// bridge entry, [`BridgeKey::to_bytes`](super::BridgeKey::to_bytes) (8 bytes).
pub fn vr_hash(key: &[u8]) -> u32 {
    // Lengths fit u32 for any key vRouter hashes; truncation for larger input mirrors the C
    // function's u32 length parameter.
    let start = INITVAL.wrapping_add(key.len() as u32);
    let (mut a, mut b, mut c) = (start, start, start);

    let mut rest = key;
    // Strictly more than 12 bytes: a key of exactly 12 goes through the tail path below, as in C.
    while rest.len() > 12 {
        a = a.wrapping_add(word(&rest[0..4]));
        b = b.wrapping_add(word(&rest[4..8]));
        c = c.wrapping_add(word(&rest[8..12]));
        mix(&mut a, &mut b, &mut c);
        rest = &rest[12..];
    }
    if rest.is_empty() {
        return c;
    }
    // The tail adds byte k at bit 8*(k%4) of word k/4: the same as zero-padding it to 12 bytes.
    let mut tail = [0u8; 12];
    tail[..rest.len()].copy_from_slice(rest);
    a = a.wrapping_add(word(&tail[0..4]));
    b = b.wrapping_add(word(&tail[4..8]));
    c = c.wrapping_add(word(&tail[8..12]));
    final_mix(&mut a, &mut b, &mut c);
    c
}

/// The first main-table index of the bucket `hash` falls in, for a main table of `main_entries`
/// (a multiple of four, as [`TableGeometry`](super::TableGeometry) guarantees).
///
/// # Panics
///
/// If `main_entries` is zero.
pub fn bucket_start(hash: u32, main_entries: u32) -> u32 {
    (hash % main_entries) & !(HENTRIES_PER_BUCKET - 1)
}

fn word(bytes: &[u8]) -> u32 {
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(4);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(6);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(8);
    *b = b.wrapping_add(*a);
    *a = a.wrapping_sub(*c);
    *a ^= c.rotate_left(16);
    *c = c.wrapping_add(*b);
    *b = b.wrapping_sub(*a);
    *b ^= a.rotate_left(19);
    *a = a.wrapping_add(*c);
    *c = c.wrapping_sub(*b);
    *c ^= b.rotate_left(4);
    *b = b.wrapping_add(*a);
}

fn final_mix(a: &mut u32, b: &mut u32, c: &mut u32) {
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(14));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(11));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(25));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(16));
    *a ^= *c;
    *a = a.wrapping_sub(c.rotate_left(4));
    *b ^= *a;
    *b = b.wrapping_sub(a.rotate_left(14));
    *c ^= *b;
    *c = c.wrapping_sub(b.rotate_left(24));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_key_is_the_start_value() {
        assert_eq!(vr_hash(&[]), 0xdead_beef);
    }

    #[test]
    fn known_flow_key() {
        // hash.json's first row (an IPv4 TCP key).
        let key = [
            2, 6, 0, 0, 0x9c, 0x40, 0, 0x50, 12, 0, 0, 0, 10, 1, 1, 5, 10, 1, 1, 6,
        ];
        assert_eq!(vr_hash(&key), 1_467_223_609);
        assert_eq!(bucket_start(1_467_223_609, 524_288), 265_784);
    }

    #[test]
    fn buckets_are_aligned_to_four() {
        for h in [0u32, 1, 2, 3, 4, 7, u32::MAX] {
            assert_eq!(bucket_start(h, 1024) % 4, 0);
        }
    }
}
