//! The pkt0 agent header and frame, byte for byte against the offsets of PROTOCOL.md §6.

use proptest::prelude::*;
use vrouter_proto::agent_header::{
    parse_pkt0_frame, write_pkt0_frame, write_pkt0_frame_with, AgentHeader, FlowTrap,
    OuterEthernet, Pkt0Error, AGENT_HDR_LEN, MIN_PKT0_FRAME_LEN, PKT0_HEADERS_LEN,
};
use vrouter_proto::messages::AgentCmd;

/// A header whose every field has distinct bytes, so that a misplaced field shows.
fn sample() -> AgentHeader {
    AgentHeader {
        ifindex: 0x0102,
        vrf: 0x0304,
        cmd: 6,
        param: 0x1112_1314,
        param_1: 0x2122_2324,
        param_2: 0x3132_3334,
        param_3: 0x4142_4344,
        param_4: 0x5152_5354,
        param_5: 0x61,
    }
}

#[test]
fn header_fields_sit_at_their_offsets_in_network_order() {
    // §6.1, field by field: offset, size, big-endian value.
    let mut want = [0u8; AGENT_HDR_LEN];
    want[0..2].copy_from_slice(&[0x01, 0x02]); // hdr_ifindex @0
    want[2..4].copy_from_slice(&[0x03, 0x04]); // hdr_vrf @2
    want[4..6].copy_from_slice(&[0x00, 0x06]); // hdr_cmd @4
    want[6..10].copy_from_slice(&[0x11, 0x12, 0x13, 0x14]); // hdr_cmd_param @6
    want[10..14].copy_from_slice(&[0x21, 0x22, 0x23, 0x24]); // hdr_cmd_param_1 @10
    want[14..18].copy_from_slice(&[0x31, 0x32, 0x33, 0x34]); // hdr_cmd_param_2 @14
    want[18..22].copy_from_slice(&[0x41, 0x42, 0x43, 0x44]); // hdr_cmd_param_3 @18
    want[22..26].copy_from_slice(&[0x51, 0x52, 0x53, 0x54]); // hdr_cmd_param_4 @22
    want[26] = 0x61; // hdr_cmd_param_5 @26, then 3 pad bytes
    assert_eq!(sample().to_bytes(), want);
    assert_eq!(AgentHeader::from_bytes(&want), sample());
}

#[test]
fn pad_bytes_are_ignored_on_decode() {
    let mut b = sample().to_bytes();
    b[27..30].copy_from_slice(&[0xde, 0xad, 0xbe]);
    assert_eq!(AgentHeader::decode(&b), Ok(sample()));
    assert_eq!(
        AgentHeader::decode(&b[..29]),
        Err(Pkt0Error::HeaderTruncated { len: 29 })
    );
}

#[test]
fn agent_to_vrouter_frame_layout() {
    let inner: Vec<u8> = (0..60).collect();
    let mut out = vec![0xee];
    let hdr = AgentHeader::switch(7, 2);
    let n = write_pkt0_frame(&mut out, &hdr, &inner);
    assert_eq!(n, 44 + 60);
    let frame = &out[1..];
    assert_eq!(frame.len(), n);
    assert_eq!(
        &frame[..14],
        &[0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00],
        "dst :02, src :01, type 0x0800"
    );
    assert_eq!(
        &frame[14..20],
        &[0, 7, 0, 2, 0, 0],
        "ifindex 7, vrf 2, CMD_SWITCH"
    );
    assert!(frame[20..44].iter().all(|b| *b == 0));
    assert_eq!(&frame[44..], &inner[..]);

    let parsed = parse_pkt0_frame(frame).unwrap();
    assert_eq!(parsed.outer, OuterEthernet::AGENT_TO_VROUTER);
    assert_eq!(parsed.header, hdr);
    assert_eq!(parsed.header.command(), AgentCmd::CMD_SWITCH);
    assert_eq!(parsed.inner, &inner[..]);
}

#[test]
fn vrouter_to_agent_frame_stamps_the_pkt0_mac() {
    let mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    let hdr = AgentHeader::with_cmd(AgentCmd::TRAP_ARP, 3, 1);
    let mut out = Vec::new();
    write_pkt0_frame_with(
        &mut out,
        &OuterEthernet::vrouter_to_agent(mac),
        &hdr,
        &[0xff; 42],
    );
    assert_eq!(&out[0..6], &mac);
    assert_eq!(&out[6..12], &mac);
    assert_eq!(&out[12..14], &[0x08, 0x00]);
    assert_eq!(&out[14..16], &[0, 3]);
    assert_eq!(&out[18..20], &[0, 2], "TRAP_ARP = 2");
    let parsed = parse_pkt0_frame(&out).unwrap();
    assert!(parsed.header.is_trap());
    assert_eq!(parsed.outer.src, mac);
}

#[test]
fn frames_of_44_bytes_or_fewer_are_refused() {
    assert_eq!(MIN_PKT0_FRAME_LEN, 45);
    let mut out = Vec::new();
    write_pkt0_frame(&mut out, &sample(), &[0x42]);
    assert_eq!(out.len(), 45);
    assert_eq!(parse_pkt0_frame(&out).unwrap().inner, &[0x42]);
    for len in [0, 1, 14, 30, 43, 44] {
        assert_eq!(
            parse_pkt0_frame(&out[..len]),
            Err(Pkt0Error::FrameTooShort { len }),
            "{len}"
        );
    }
}

#[test]
fn route_header_and_diag_packets() {
    let h = AgentHeader::route(1, 9);
    assert_eq!(h.command(), AgentCmd::CMD_ROUTE);
    assert!(!h.is_trap() && !h.is_diag_route());
    let diag = AgentHeader {
        param: 1,
        param_1: 1,
        ..h
    };
    assert!(diag.is_diag_route());
    assert_eq!(&diag.to_bytes()[4..14], &[0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
}

#[test]
fn flow_trap_parameters() {
    let flow = FlowTrap {
        flow_index: 524_287,
        nh: 12,
        bytes: 0x0005_dead_beef,
        packets: 0x0003_0000_0010,
        gen_id: 200,
    };
    for cmd in [AgentCmd::TRAP_FLOW_MISS, AgentCmd::TRAP_FLOW_ACTION_HOLD] {
        let h = AgentHeader::flow_trap(cmd, 4, 2, &flow);
        assert_eq!(h.param, 524_287);
        assert_eq!(h.param_1, 12);
        assert_eq!(h.param_2, 0xdead_beef, "bytes, low 32 bits");
        assert_eq!(h.param_3, 0x10, "packets, low 32 bits");
        assert_eq!(h.param_4, 0x0003_0005, "bytes_oflow | packets_oflow << 16");
        assert_eq!(h.param_5, 200);
        assert_eq!(h.flow_trap_params(), Some(flow));
        let b = h.to_bytes();
        assert_eq!(&b[22..26], &[0x00, 0x03, 0x00, 0x05]);
        assert_eq!(b[26], 200);
    }
    assert_eq!(AgentHeader::switch(1, 1).flow_trap_params(), None);
    assert_eq!(
        AgentHeader::with_cmd(AgentCmd::TRAP_HANDLE_DF, 1, 1).flow_trap_params(),
        None
    );
}

proptest! {
    #[test]
    fn header_round_trips(
        ifindex: u16, vrf: u16, cmd: u16,
        p: (u32, u32, u32, u32, u32), param_5: u8,
    ) {
        let h = AgentHeader {
            ifindex, vrf, cmd,
            param: p.0, param_1: p.1, param_2: p.2, param_3: p.3, param_4: p.4,
            param_5,
        };
        let b = h.to_bytes();
        prop_assert_eq!(&b[27..], &[0, 0, 0]);
        prop_assert_eq!(AgentHeader::from_bytes(&b), h);
    }

    #[test]
    fn frames_round_trip(
        inner in proptest::collection::vec(any::<u8>(), 1..300),
        ifindex: u16, vrf: u16,
    ) {
        let h = AgentHeader::route(ifindex, vrf);
        let mut out = Vec::new();
        let n = write_pkt0_frame(&mut out, &h, &inner);
        prop_assert_eq!(n, PKT0_HEADERS_LEN + inner.len());
        let f = parse_pkt0_frame(&out).unwrap();
        prop_assert_eq!(f.header, h);
        prop_assert_eq!(f.inner, &inner[..]);
    }
}
