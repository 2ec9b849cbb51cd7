//! Flow-entry layouts: every field written through the writer reads back through the view, and
//! sits at the byte offsets of PROTOCOL.md §7.2 / §7.3.

use std::net::{Ipv4Addr, Ipv6Addr};

use vrouter_proto::tables::constants::{
    FLOW_FLAG_ACTIVE, FLOW_FLAG_NEW_FLOW, FLOW_TYPE_IP, FLOW_TYPE_IP6,
};
use vrouter_proto::tables::{
    FlowEntryRef, FlowKey, FlowLayout, FlowStats, FlowTableWriter, TableError, TableGeometry,
    FLOW_ENTRY_SIZE,
};

fn geometry() -> TableGeometry {
    TableGeometry::new(16, Some(8), FLOW_ENTRY_SIZE).unwrap()
}

fn key() -> FlowKey {
    FlowKey::inet(
        6,
        Ipv4Addr::new(10, 1, 1, 5),
        Ipv4Addr::new(10, 1, 1, 6),
        40000,
        80,
        12,
    )
}

const STATS: FlowStats = FlowStats {
    bytes: 0x1122_3344,
    packets: 0x5566_7788,
    bytes_oflow: 0x99aa,
    packets_oflow: 0xbb,
};

/// Writes a distinctive value into every field of a fresh entry; returns the entry's bytes.
fn write_all_fields(layout: FlowLayout) -> (Vec<u8>, u32) {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, layout).unwrap();
    let slot = w.insert(&key()).unwrap();
    let mut e = w.entry_mut(slot.index).unwrap();
    e.set_ttl(0x21);
    e.set_qos_id(-2);
    e.set_tcp_flags(0x8020);
    e.set_tcp_seq(0xa1b2_c3d4);
    e.set_rflow(0x0102_0304);
    e.set_flags(FLOW_FLAG_ACTIVE | 0x1000);
    e.set_action(3);
    e.set_vrf(0x0a0b);
    e.set_dvrf(0x0c0d);
    e.set_mirror_id(7);
    e.set_sec_mirror_id(8);
    e.set_src_nh_index(0xfedc).unwrap();
    e.set_stats(STATS);
    e.set_ecmp_nh_index(-3);
    e.set_drop_reason(0x22);
    e.set_udp_src_port(0x4321);
    e.set_src_info(0xc0a8_0001);
    match layout {
        FlowLayout::Tf2024 => {
            e.set_flags1(0x3000).unwrap();
            e.set_tcp_ack(0x0bad_f00d).unwrap();
            e.set_underlay_ecmp_index(5).unwrap();
        }
        FlowLayout::Juniper2019 => {
            for r in [
                e.set_flags1(1),
                e.set_tcp_ack(1),
                e.set_underlay_ecmp_index(1),
            ] {
                assert!(matches!(
                    r,
                    Err(TableError::FieldNotInLayout {
                        layout: FlowLayout::Juniper2019,
                        ..
                    })
                ));
            }
        }
    }
    (table, slot.index)
}

fn check_view(layout: FlowLayout) {
    let (table, index) = write_all_fields(layout);
    let e = FlowEntryRef::new(&table[..], layout, index).unwrap();
    assert_eq!(e.key(), Some(key()));
    assert_eq!(e.key_len(), 20);
    assert_eq!(e.gen_id(), 1);
    assert_eq!(e.ttl(), 0x21);
    assert_eq!(e.qos_id(), -2);
    assert_eq!(e.tcp_flags(), 0x8020);
    assert_eq!(e.tcp_seq(), 0xa1b2_c3d4);
    assert_eq!(e.rflow(), 0x0102_0304);
    assert_eq!(e.flags(), FLOW_FLAG_ACTIVE | 0x1000);
    assert_eq!(e.action(), 3);
    assert_eq!((e.vrf(), e.dvrf()), (0x0a0b, 0x0c0d));
    assert_eq!((e.mirror_id(), e.sec_mirror_id()), (7, 8));
    assert_eq!(e.src_nh_index(), 0xfedc);
    assert_eq!(e.stats(), STATS);
    assert_eq!(e.bytes_count(), 0x99aa_1122_3344);
    assert_eq!(e.packets_count(), 0xbb_5566_7788);
    assert_eq!(e.ecmp_nh_index(), -3);
    assert_eq!(e.drop_reason(), 0x22);
    assert_eq!(e.flow_type(), FLOW_TYPE_IP);
    assert_eq!(e.udp_src_port(), 0x4321);
    assert_eq!(e.src_info(), 0xc0a8_0001);
    assert!(e.is_active() && e.is_live());
    match layout {
        FlowLayout::Tf2024 => {
            assert_eq!(e.flags1(), Some(0x3000));
            assert_eq!(e.tcp_ack(), Some(0x0bad_f00d));
            assert_eq!(e.underlay_ecmp_index(), Some(5));
        }
        FlowLayout::Juniper2019 => {
            assert_eq!(
                (e.flags1(), e.tcp_ack(), e.underlay_ecmp_index()),
                (None, None, None)
            );
        }
    }
}

#[test]
fn every_field_reads_back_2024() {
    check_view(FlowLayout::Tf2024);
}

#[test]
fn every_field_reads_back_2019() {
    check_view(FlowLayout::Juniper2019);
}

/// Offsets shared by both layouts: header, key, gen id, TCP fields.
fn check_common_bytes(b: &[u8], index: u32) {
    assert_eq!(&b[8..12], &index.to_le_bytes(), "hentry_index");
    assert_eq!(b[20], 0x01, "hentry_flags VALID");
    assert_eq!(b[21], 0x21, "fe_ttl");
    assert_eq!(&b[22..24], &(-2i16).to_le_bytes(), "fe_qos_id");
    assert_eq!(&b[24..28], &[2, 6, 0, 0], "family, proto, unused");
    assert_eq!(
        &b[28..30],
        &40000u16.to_be_bytes(),
        "sport in network order"
    );
    assert_eq!(&b[30..32], &80u16.to_be_bytes(), "dport in network order");
    assert_eq!(&b[32..36], &12u32.to_le_bytes(), "nh_id in host order");
    assert_eq!(
        &b[36..44],
        &[10, 1, 1, 5, 10, 1, 1, 6],
        "addresses in network order"
    );
    assert_eq!(b[68], 20, "vr_flow_keylen");
    assert_eq!(b[69], 1, "fe_gen_id");
    assert_eq!(&b[70..72], &0x8020u16.to_le_bytes(), "fe_tcp_flags");
    assert_eq!(&b[80..84], &0xa1b2_c3d4u32.to_le_bytes(), "fe_tcp_seq");
}

#[test]
fn byte_offsets_2024() {
    let (table, index) = write_all_fields(FlowLayout::Tf2024);
    let b = &table[index as usize * 256..][..256];
    check_common_bytes(b, index);
    assert_eq!(&b[84..88], &0x0102_0304u32.to_le_bytes(), "fe_rflow");
    assert_eq!(&b[88..90], &0x1001u16.to_le_bytes(), "fe_flags");
    assert_eq!(&b[90..92], &0x3000u16.to_le_bytes(), "fe_flags1");
    assert_eq!(&b[92..94], &3u16.to_le_bytes(), "fe_action");
    assert_eq!(&b[94..98], &[0x0b, 0x0a, 0x0d, 0x0c], "fe_vrf, fe_dvrf");
    assert_eq!(&b[98..100], &[7, 8], "mirror ids");
    assert_eq!(
        &b[100..104],
        &0xfedcu32.to_le_bytes(),
        "fe_src_nh_index (u32)"
    );
    assert_eq!(
        &b[104..115],
        &[0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0xaa, 0x99, 0xbb],
        "fe_stats"
    );
    assert_eq!(b[115], (-3i8) as u8, "fe_ecmp_nh_index");
    assert_eq!(b[116], 0x22, "fe_drop_reason");
    assert_eq!(b[117], 2, "fe_type");
    assert_eq!(&b[118..120], &0x4321u16.to_le_bytes(), "fe_udp_src_port");
    assert_eq!(&b[120..124], &0xc0a8_0001u32.to_le_bytes(), "fe_src_info");
    assert_eq!(&b[132..136], &0x0bad_f00du32.to_le_bytes(), "fe_tcp_ack");
    assert_eq!(b[136], 5, "fe_underlay_ecmp_index");
    assert_eq!(b[137], 0, "fe_bucket_lock untouched");
    assert!(b[138..].iter().all(|&x| x == 0), "padding");
}

#[test]
fn byte_offsets_2019() {
    let (table, index) = write_all_fields(FlowLayout::Juniper2019);
    let b = &table[index as usize * 256..][..256];
    check_common_bytes(b, index);
    assert_eq!(&b[84..86], &3u16.to_le_bytes(), "fe_action");
    assert_eq!(&b[86..88], &0x1001u16.to_le_bytes(), "fe_flags");
    assert_eq!(&b[88..92], &0x0102_0304u32.to_le_bytes(), "fe_rflow");
    assert_eq!(&b[92..96], &[0x0b, 0x0a, 0x0d, 0x0c], "fe_vrf, fe_dvrf");
    assert_eq!(
        &b[96..98],
        &0xfedcu16.to_le_bytes(),
        "fe_src_nh_index (u16)"
    );
    assert_eq!(&b[98..100], &[7, 8], "mirror ids");
    assert_eq!(
        &b[100..111],
        &[0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0xaa, 0x99, 0xbb],
        "fe_stats"
    );
    assert_eq!(b[111], (-3i8) as u8, "fe_ecmp_nh_index");
    assert_eq!(b[112], 0x22, "fe_drop_reason");
    assert_eq!(b[113], 2, "fe_type");
    assert_eq!(&b[114..116], &0x4321u16.to_le_bytes(), "fe_udp_src_port");
    assert_eq!(&b[116..120], &0xc0a8_0001u32.to_le_bytes(), "fe_src_info");
    assert!(b[128..].iter().all(|&x| x == 0), "padding");
}

#[test]
fn src_nh_index_is_16_bits_in_2019() {
    let g = geometry();
    let mut table = vec![0u8; g.byte_len() as usize];
    let mut w = FlowTableWriter::create(&mut table[..], &g, FlowLayout::Juniper2019).unwrap();
    let slot = w.insert(&key()).unwrap();
    let err = w
        .entry_mut(slot.index)
        .unwrap()
        .set_src_nh_index(0x1_0000)
        .unwrap_err();
    assert_eq!(
        err,
        TableError::ValueTooWide {
            field: "fe_src_nh_index",
            value: 0x1_0000
        }
    );
    assert_eq!(err.errno(), 22);
}

#[test]
fn fresh_entry_values() {
    for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
        let g = geometry();
        let mut table = vec![0u8; g.byte_len() as usize];
        let mut w = FlowTableWriter::create(&mut table[..], &g, layout).unwrap();
        let k6 = FlowKey::inet6(
            17,
            Ipv6Addr::LOCALHOST,
            "fd00::2".parse().unwrap(),
            546,
            547,
            3,
        );
        let slot = w.insert(&k6).unwrap();
        let e = w.entry(slot.index).unwrap();
        assert_eq!(e.flags(), FLOW_FLAG_ACTIVE | FLOW_FLAG_NEW_FLOW);
        assert_eq!(e.hentry().flags, 0x01);
        assert_eq!(
            (e.key(), e.key_len(), e.flow_type()),
            (Some(k6), 44, FLOW_TYPE_IP6)
        );
        assert_eq!(
            (
                e.rflow(),
                e.mirror_id(),
                e.sec_mirror_id(),
                e.ecmp_nh_index()
            ),
            (-1, 255, 255, -1)
        );
        let underlay = if layout == FlowLayout::Tf2024 {
            Some(-1)
        } else {
            None
        };
        assert_eq!(e.underlay_ecmp_index(), underlay);
        assert_eq!(e.action(), 0, "the action is the caller's");
    }
}

#[test]
fn released_entry_values() {
    for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
        let g = geometry();
        let mut table = vec![0u8; g.byte_len() as usize];
        let mut w = FlowTableWriter::create(&mut table[..], &g, layout).unwrap();
        let slot = w.insert(&key()).unwrap();
        let mut e = w.entry_mut(slot.index).unwrap();
        e.set_action(2);
        e.set_src_nh_index(9).unwrap();
        e.set_stats(STATS);
        e.set_udp_src_port(5);
        e.set_src_info(6);
        e.set_ttl(64);
        e.set_tcp_flags(0x20);
        if layout == FlowLayout::Tf2024 {
            e.set_flags1(0x3001).unwrap();
        }
        w.release(slot.index).unwrap();
        let e = w.entry(slot.index).unwrap();
        assert_eq!(
            (e.flags(), e.key_len(), e.flow_type(), e.gen_id()),
            (0, 0, 0, 1)
        );
        assert_eq!(e.key(), None);
        assert_eq!(
            (e.action(), e.src_nh_index(), e.rflow(), e.ecmp_nh_index()),
            (0, 0, -1, -1)
        );
        assert_eq!(
            (e.stats(), e.udp_src_port(), e.src_info()),
            (FlowStats::default(), 0, 0)
        );
        assert_eq!((e.ttl(), e.tcp_flags(), e.mirror_id()), (0, 0, 255));
        assert_eq!(e.hentry().flags, 0, "main slot: VALID cleared");
        if layout == FlowLayout::Tf2024 {
            assert_eq!(e.flags1(), Some(0x0001), "only the HBS bits are cleared");
        }
    }
}
