//! A vif's fat-flow configuration: the rules as given, and the exclude lists as vRouter keeps
//! them (prefixes masked by their length, lengths not reported back).

use vrouter_proto::messages::VrInterfaceReq;

use crate::ksync::errno::EINVAL;

/// At most this many IPv4 and IPv6 exclude prefixes (`FAT_FLOW_IPV*_EXCLUDE_LIST_MAX_SIZE`).
const EXCLUDE_MAX: usize = 3;

/// One fat-flow rule, as reported back in the `vifr_fat_flow_*` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FatFlowRule {
    /// port | protocol << 16 | aggregation info << 24.
    pub(crate) protocol_port: i32,
    pub(crate) src_prefix_h: u64,
    pub(crate) src_prefix_l: u64,
    pub(crate) src_prefix_mask: u8,
    pub(crate) src_aggregate_plen: u8,
    pub(crate) dst_prefix_h: u64,
    pub(crate) dst_prefix_l: u64,
    pub(crate) dst_prefix_mask: u8,
    pub(crate) dst_aggregate_plen: u8,
}

/// Fat-flow rules and exclude lists of one vif.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FatFlow {
    pub(crate) rules: Vec<FatFlowRule>,
    pub(crate) exclude_v4: Vec<u32>,
    pub(crate) exclude_v6: Vec<(u64, u64)>,
}

impl FatFlow {
    /// Applies a request's fat-flow lists, as vRouter does on every ADD: exclude lists first
    /// (each replaced, or emptied when absent), then the rules. A list too long, or IPv6 lists
    /// of different lengths, is −EINVAL (after the IPv4 list may already have been taken).
    pub(crate) fn apply(&mut self, req: &VrInterfaceReq) -> Result<(), i32> {
        let v4 = &req.vifr_fat_flow_exclude_ip_list;
        if v4.len() > EXCLUDE_MAX {
            return Err(-EINVAL);
        }
        // Each entry is prefix | length << 32; the kept prefix is masked by its length.
        self.exclude_v4 = v4.iter().map(|&e| (e as u32) & v4_mask((e >> 32) as u32)).collect();

        let (u, l, plen) = (
            &req.vifr_fat_flow_exclude_ip6_u_list,
            &req.vifr_fat_flow_exclude_ip6_l_list,
            &req.vifr_fat_flow_exclude_ip6_plen_list,
        );
        if l.is_empty() {
            self.exclude_v6.clear();
        } else {
            if l.len() != u.len() || l.len() != plen.len() || l.len() > EXCLUDE_MAX {
                return Err(-EINVAL);
            }
            self.exclude_v6 = (0..l.len())
                .map(|i| {
                    let (mh, ml) = v6_masks(plen[i]);
                    (u[i] & mh, l[i] & ml)
                })
                .collect();
        }

        // Rule lists are read in parallel with the protocol/port list; a shorter one reads as 0.
        let at = |list: &[u64], i: usize| list.get(i).copied().unwrap_or(0);
        let byte = |list: &[u8], i: usize| list.get(i).copied().unwrap_or(0);
        self.rules = req
            .vifr_fat_flow_protocol_port
            .iter()
            .enumerate()
            .map(|(i, &pp)| FatFlowRule {
                protocol_port: pp,
                src_prefix_h: at(&req.vifr_fat_flow_src_prefix_h, i),
                src_prefix_l: at(&req.vifr_fat_flow_src_prefix_l, i),
                src_prefix_mask: byte(&req.vifr_fat_flow_src_prefix_mask, i),
                src_aggregate_plen: byte(&req.vifr_fat_flow_src_aggregate_plen, i),
                dst_prefix_h: at(&req.vifr_fat_flow_dst_prefix_h, i),
                dst_prefix_l: at(&req.vifr_fat_flow_dst_prefix_l, i),
                dst_prefix_mask: byte(&req.vifr_fat_flow_dst_prefix_mask, i),
                dst_aggregate_plen: byte(&req.vifr_fat_flow_dst_aggregate_plen, i),
            })
            .collect();
        Ok(())
    }

    /// Fills the reply's fat-flow lists (the IPv6 exclude lengths are not reported).
    pub(crate) fn report(&self, r: &mut VrInterfaceReq) {
        let rules = &self.rules;
        r.vifr_fat_flow_protocol_port = rules.iter().map(|x| x.protocol_port).collect();
        r.vifr_fat_flow_src_prefix_h = rules.iter().map(|x| x.src_prefix_h).collect();
        r.vifr_fat_flow_src_prefix_l = rules.iter().map(|x| x.src_prefix_l).collect();
        r.vifr_fat_flow_src_prefix_mask = rules.iter().map(|x| x.src_prefix_mask).collect();
        r.vifr_fat_flow_src_aggregate_plen = rules.iter().map(|x| x.src_aggregate_plen).collect();
        r.vifr_fat_flow_dst_prefix_h = rules.iter().map(|x| x.dst_prefix_h).collect();
        r.vifr_fat_flow_dst_prefix_l = rules.iter().map(|x| x.dst_prefix_l).collect();
        r.vifr_fat_flow_dst_prefix_mask = rules.iter().map(|x| x.dst_prefix_mask).collect();
        r.vifr_fat_flow_dst_aggregate_plen = rules.iter().map(|x| x.dst_aggregate_plen).collect();
        r.vifr_fat_flow_exclude_ip_list = self.exclude_v4.iter().map(|&p| p as u64).collect();
        r.vifr_fat_flow_exclude_ip6_u_list = self.exclude_v6.iter().map(|&(u, _)| u).collect();
        r.vifr_fat_flow_exclude_ip6_l_list = self.exclude_v6.iter().map(|&(_, l)| l).collect();
    }
}

/// The mask of an IPv4 prefix length, in the byte order of the address (network bytes in a
/// native integer).
fn v4_mask(plen: u32) -> u32 {
    let host = if plen == 0 { 0 } else { u32::MAX << (32 - plen.min(32)) };
    u32::from_ne_bytes(host.to_be_bytes())
}

/// The masks of the high and low halves of an IPv6 prefix length, in address byte order.
fn v6_masks(plen: u16) -> (u64, u64) {
    let shifted = |bits: u16| if bits == 0 { 0 } else { u64::MAX << (64 - bits.min(64)) };
    let order = |m: u64| u64::from_ne_bytes(m.to_be_bytes());
    if plen > 64 {
        (u64::MAX, order(shifted(plen - 64)))
    } else {
        (order(shifted(plen)), 0)
    }
}
