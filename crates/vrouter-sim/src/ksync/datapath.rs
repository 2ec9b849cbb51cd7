//! The forwarding engine's state, and the dispatch of each request message to its handler.

use sandesh::MessageSet;
use sandesh::Reader;
use vrouter_proto::messages::Message;

use super::drops::DropCounters;
use super::errno::*;
use super::interface::Vif;
use super::nexthop::{Nexthop, DISCARD_NH};
use super::{
    drop_log, drop_stats, fc, hugepage, info, interface, mem_stats, mirror, mpls, nexthop, qos, vrf, vrf_assign,
    vrf_stats, vrouter_ops, vxlan,
};
use super::{HostInterfaces, IndexTable, Knobs, Limits, PktDropLog, RefTable, Responses, VrfStats};

/// What the simulated vRouter holds: every object table, with vRouter's limits, plus the
/// counters a traffic source adds to.
///
/// A new table (routes, flows, …) is a field here, a `dispatch` arm, a line in
/// [`Datapath::reset`], and — if it points at nexthops — references taken with
/// [`Datapath::nexthop_ref`] and given back with [`Datapath::put_nexthop`].
#[derive(Debug)]
pub struct Datapath {
    /// Table sizes, reported by `vrouter_ops` GET.
    pub limits: Limits,
    /// The host interfaces vifs may attach to (default: any).
    pub host_interfaces: HostInterfaces,
    /// Interfaces by index.
    pub interfaces: RefTable<Vif>,
    /// Nexthops by id; id 0 is the discard nexthop vRouter starts with.
    pub nexthops: RefTable<Nexthop>,
    /// MPLS label → nexthop.
    pub mpls: IndexTable<nexthop::NhRef>,
    /// Mirror entries by index.
    pub mirrors: IndexTable<mirror::Mirror>,
    /// VRF entries by index.
    pub vrfs: IndexTable<vrf::VrfEntry>,
    /// VXLAN id → nexthop.
    pub vxlan: vxlan::VxlanTable,
    /// QoS maps by id.
    pub qos_maps: IndexTable<qos::QosMap>,
    /// Forwarding classes by id.
    pub fc_maps: IndexTable<fc::ForwardingClass>,
    /// Runtime parameters (`vrouter_ops` ADD).
    pub knobs: Knobs,
    /// Global drop counters (the simulator's one core).
    pub drop_stats: DropCounters,
    /// Per-VRF forwarding counters.
    pub vrf_stats: VrfStats,
    /// The packet drop log.
    pub drop_log: PktDropLog,
    /// PHYSICAL vifs in service (a HOST vif needs one per cross-connect).
    pub(crate) phy_interfaces: u32,
    /// The AGENT vif, once added.
    pub(crate) agent_if: Option<u32>,
    /// Routes: per-VRF inet/inet6 tries and the bridge routes' nexthops.
    pub routes: super::route::RouteTables,
    /// Flows: the flow and bridge tables (when attached), flow counters and hold queues.
    pub flows: super::flow::FlowState,
}

impl Datapath {
    /// A fresh datapath: empty tables except the discard nexthop 0, default parameters.
    pub fn new(limits: Limits) -> Self {
        let mut nexthops = RefTable::new(limits.nexthops);
        nexthops.insert(DISCARD_NH, Nexthop::discard());
        Datapath {
            host_interfaces: HostInterfaces::default(),
            interfaces: RefTable::new(limits.interfaces),
            nexthops,
            mpls: IndexTable::new(limits.mpls_labels),
            mirrors: IndexTable::new(limits.mirrors),
            vrfs: IndexTable::new(limits.vrfs),
            vxlan: vxlan::VxlanTable::new(),
            qos_maps: IndexTable::new(limits.qos_maps),
            fc_maps: IndexTable::new(limits.fc_maps),
            knobs: Knobs::default(),
            drop_stats: DropCounters::default(),
            vrf_stats: VrfStats::default(),
            drop_log: PktDropLog::default(),
            phy_interfaces: 0,
            agent_if: None,
            routes: super::route::RouteTables::default(),
            flows: super::flow::FlowState::default(),
            limits,
        }
    }

    /// vRouter's soft reset (`vrouter_ops` RESET, sent by the agent at start-up): every table
    /// is flushed and the counters zeroed. Kept: the runtime parameters, the drop log, and
    /// nexthop 0 — vRouter's flush skips that slot, whatever is in it (the discard nexthop
    /// unless a client replaced or deleted it), with only its table count left.
    ///
    /// Tables that hold nexthop references are flushed before the nexthops; a new table
    /// (routes, flows, bridge entries) adds its flush here.
    pub fn reset(&mut self) {
        super::route::flush(self);
        self.flows.reset();
        self.mpls.clear();
        self.vxlan.clear();
        self.mirrors.clear();
        self.vrfs.clear();
        self.qos_maps.clear();
        self.fc_maps.clear();
        self.nexthops.clear_except(Some(DISCARD_NH));
        self.interfaces.clear_except(None);
        self.phy_interfaces = 0;
        self.agent_if = None;
        self.drop_stats.clear();
        self.vrf_stats.clear();
    }

    /// Handles one request payload (one or more concatenated Sandesh messages) as vRouter
    /// does: each message at once and in order, each queueing its response buffers. A message
    /// that does not decode ends the payload with `vr_response{-1}`; messages vRouter does
    /// not take as requests (`vr_response`, `vr_flow_response`) get no answer at all.
    pub fn handle(&mut self, payload: &[u8]) -> Responses {
        let mut out = Responses::new();
        let mut r = Reader::new(payload);
        while !r.is_empty() {
            match Message::decode(&mut r) {
                Ok(m) => self.dispatch(m, &mut out),
                Err(_) => {
                    out.code(-1);
                    break;
                }
            }
        }
        out
    }

    fn dispatch(&mut self, m: Message, out: &mut Responses) {
        match m {
            Message::VrInterfaceReq(req) => interface::handle(self, req, out),
            Message::VrNexthopReq(req) => nexthop::handle(self, req, out),
            Message::VrMplsReq(req) => mpls::handle(self, req, out),
            Message::VrMirrorReq(req) => mirror::handle(self, req, out),
            Message::VrVrfReq(req) => vrf::handle(self, req, out),
            Message::VrVrfAssignReq(req) => vrf_assign::handle(self, req, out),
            Message::VrVxlanReq(req) => vxlan::handle(self, req, out),
            Message::VrQosMapReq(req) => qos::handle(self, req, out),
            Message::VrFcMapReq(req) => fc::handle(self, req, out),
            Message::VrouterOps(req) => vrouter_ops::handle(self, req, out),
            Message::VrDropStatsReq(req) => drop_stats::handle(self, req, out),
            Message::VrMemStatsReq(req) => mem_stats::handle(self, req, out),
            Message::VrVrfStatsReq(req) => vrf_stats::handle(self, req, out),
            Message::VrPktDropLogReq(req) => drop_log::handle(self, req, out),
            Message::VrInfoReq(req) => info::handle(self, req, out),
            Message::VrHugepageConfig(req) => hugepage::handle(self, req, out),
            Message::VrRouteReq(req) => super::route::handle(self, req, out),
            Message::VrFlowReq(req) => super::flow::handle(self, req, out),
            Message::VrFlowTableData(req) => super::table_data::flow(self, req, out),
            Message::VrBridgeTableData(req) => super::table_data::bridge(self, req, out),
            Message::VrResponse(_) | Message::VrFlowResponse(_) => {}
            // Every message of the schema is handled now; this arm answers any a newer schema
            // adds before the simulator handles it.
            #[allow(unreachable_patterns)]
            _ => out.code(-EOPNOTSUPP),
        }
    }
}

impl Default for Datapath {
    fn default() -> Self {
        Self::new(Limits::default())
    }
}
