//! Flow keys and scan filters as JavaScript gives them (strings, 32-bit numbers), checked into
//! vrouter-proto's `FlowKey` and `FlowFilter`.

use std::net::IpAddr;
use std::str::FromStr;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{FlowFilter, FlowKey, Prefix};

use super::errors::invalid;

/// A filter for a flow scan; absent fields match anything.
#[napi(object)]
pub struct NativeFlowFilter {
    pub proto: Option<u32>,
    /// Address or `address/length`.
    pub src: Option<String>,
    pub dst: Option<String>,
    /// Either address.
    pub addr: Option<String>,
    pub sport: Option<u32>,
    pub dport: Option<u32>,
    /// Either port.
    pub port: Option<u32>,
    pub vrf: Option<u32>,
    pub action: Option<u32>,
    /// Bits that must all be set in `fe_flags`.
    pub flags: Option<u32>,
    pub min_bytes: Option<BigInt>,
    pub min_packets: Option<BigInt>,
    /// Index range: `start` (default 0) to `end` (exclusive, default the table's end).
    pub start: Option<u32>,
    pub end: Option<u32>,
    /// At most this many matches.
    pub limit: Option<u32>,
}

pub(crate) fn flow_key(proto: u32, src: &str, dst: &str, sport: u32, dport: u32, nh: u32) -> Result<FlowKey> {
    let ip = |s: &str| IpAddr::from_str(s).map_err(|_| invalid(format!("{s:?} is not an IP address")));
    let port = |p: u32| u16::try_from(p).map_err(|_| invalid(format!("port {p} does not fit 16 bits")));
    let proto = u8::try_from(proto).map_err(|_| invalid(format!("protocol {proto} does not fit 8 bits")))?;
    FlowKey::new(proto, ip(src)?, ip(dst)?, port(sport)?, port(dport)?, nh).map_err(|e| invalid(e.to_string()))
}

fn prefix(s: &str) -> Result<Prefix> {
    let bad = || invalid(format!("{s:?} is not an address or address/length"));
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| bad())?)),
        None => (s, None),
    };
    let addr = IpAddr::from_str(addr).map_err(|_| bad())?;
    match len {
        Some(l) => Prefix::new(addr, l).ok_or_else(bad),
        None => Ok(Prefix::exact(addr)),
    }
}

fn narrow<T: TryFrom<u32>>(v: Option<u32>, what: &str) -> Result<Option<T>> {
    v.map(|x| T::try_from(x).map_err(|_| invalid(format!("{what} {x} is out of range")))).transpose()
}

pub(super) fn flow_filter(f: &NativeFlowFilter) -> Result<FlowFilter> {
    let big = |b: &Option<BigInt>| b.as_ref().map_or(0, |b| b.get_u64().1);
    Ok(FlowFilter {
        proto: narrow(f.proto, "protocol")?,
        src: f.src.as_deref().map(prefix).transpose()?,
        dst: f.dst.as_deref().map(prefix).transpose()?,
        addr: f.addr.as_deref().map(prefix).transpose()?,
        sport: narrow(f.sport, "port")?,
        dport: narrow(f.dport, "port")?,
        port: narrow(f.port, "port")?,
        vrf: narrow(f.vrf, "vrf")?,
        action: narrow(f.action, "action")?,
        flags_all: narrow::<u16>(f.flags, "flags")?.unwrap_or(0),
        min_bytes: big(&f.min_bytes),
        min_packets: big(&f.min_packets),
    })
}
