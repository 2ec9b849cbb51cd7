//! vRouter's own hash outputs (test/fixtures/vectors/hash.json, produced by vRouter's C code):
//! every key is built from its fields, and its hash and bucket starts must match.

use std::net::IpAddr;
use std::path::PathBuf;

use serde_json::Value;
use vrouter_proto::tables::{bucket_start, vr_hash, BridgeKey, FlowKey, TableGeometry};

fn rows() -> Vec<Value> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/vectors/hash.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["rows"].as_array().unwrap().clone()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every `bucket_<main entries>` field of a row, checked against `hash`.
fn check_buckets(row: &Value, hash: u32) -> usize {
    let mut checked = 0;
    for (name, want) in row.as_object().unwrap() {
        if let Some(main) = name.strip_prefix("bucket_") {
            let main: u32 = main.parse().unwrap();
            assert_eq!(
                u64::from(bucket_start(hash, main)),
                want.as_u64().unwrap(),
                "{name} of {row}"
            );
            let geometry = TableGeometry::new(main, None, 256).unwrap();
            assert_eq!(u64::from(geometry.bucket_of(hash)), want.as_u64().unwrap());
            checked += 1;
        }
    }
    checked
}

#[test]
fn flow_rows() {
    let mut n = 0;
    for row in rows().iter().filter(|r| r["kind"] == "flow-hash") {
        let ip = |f: &str| row[f].as_str().unwrap().parse::<IpAddr>().unwrap();
        let num = |f: &str| row[f].as_u64().unwrap();
        let key = FlowKey::new(
            num("proto") as u8,
            ip("sip"),
            ip("dip"),
            num("sport") as u16,
            num("dport") as u16,
            num("nh_id") as u32,
        )
        .unwrap();
        assert_eq!(hex(key.key_bytes()), row["key_hex"], "key bytes of {row}");
        assert_eq!(u64::from(key.key_len()), num("key_len"));
        let hash = key.hash();
        assert_eq!(u64::from(hash), num("hash"), "hash of {row}");
        assert_eq!(vr_hash(key.key_bytes()), hash);
        assert!(check_buckets(row, hash) >= 1);
        n += 1;
    }
    assert_eq!(n, 6, "IPv4 and IPv6 rows");
}

#[test]
fn bridge_rows() {
    let mut n = 0;
    for row in rows().iter().filter(|r| r["kind"] == "bridge-hash") {
        let mac: Vec<u8> = row["mac"]
            .as_str()
            .unwrap()
            .split(':')
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        let key = BridgeKey::new(mac.try_into().unwrap(), row["vrf"].as_u64().unwrap() as u16);
        assert_eq!(hex(&key.to_bytes()), row["key_hex"], "key bytes of {row}");
        let hash = key.hash();
        assert_eq!(
            u64::from(hash),
            row["hash"].as_u64().unwrap(),
            "hash of {row}"
        );
        assert!(check_buckets(row, hash) >= 1);
        n += 1;
    }
    assert_eq!(n, 2);
}

#[test]
fn every_tail_length() {
    // Keys of 0..=13 bytes cover every tail length, the 12-byte key that stays on the tail path
    // and the 13-byte key that takes one full block first. Expected values come from an
    // independent implementation checked against the rows above.
    let bytes: Vec<u8> = (1..=13).collect();
    let want = [
        0xdeadbeef,
        0x04ec883b,
        0x217670cf,
        0x3e2a886b,
        0x043fcddd,
        0xf85554a4,
        0x491fd335,
        0xf0f71a09,
        0x5143bb19,
        0xebaa5ff4,
        0x1a10151a,
        0x1894f68c,
        0x2471b813,
        0xe7d7a0e5u32,
    ];
    for (n, want) in want.iter().enumerate() {
        assert_eq!(vr_hash(&bytes[..n]), *want, "{n} bytes");
    }
}
