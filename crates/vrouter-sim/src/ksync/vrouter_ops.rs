//! `vrouter_ops`: the limits and runtime parameters (GET), setting parameters (ADD) and the
//! soft reset (RESET) (dp-core/vrouter.c).

use vrouter_proto::messages::{SandeshOp, VrouterOps};

use super::errno::*;
use super::{Datapath, Responses};

/// `vo_build_info`: vRouter reports a JSON object describing its build; this one names the
/// simulator.
pub fn build_info() -> String {
    format!(
        r#"{{"build-info": [{{"build-time": "", "build-hostname": "vrouter-sim", "build-git-ver": "", "build-user": "vrouter-io", "build-version": "vrouter-sim {}"}}]}}"#,
        env!("CARGO_PKG_VERSION")
    )
}

/// Handles one `vrouter_ops`.
pub fn handle(dp: &mut Datapath, req: VrouterOps, out: &mut Responses) {
    match req.h_op {
        SandeshOp::GET => out.reply(0, &[&get(dp)]),
        SandeshOp::ADD => {
            set(dp, &req);
            // Nothing in setting parameters can fail: always 0.
            out.code(0);
        }
        SandeshOp::RESET => {
            dp.reset();
            out.code(0);
        }
        _ => out.code(-EOPNOTSUPP),
    }
}

fn get(dp: &Datapath) -> VrouterOps {
    let (l, k, log) = (&dp.limits, &dp.knobs, &dp.drop_log);
    VrouterOps {
        vo_interfaces: l.interfaces as i32,
        vo_vrfs: l.vrfs as i32,
        vo_mpls_labels: l.mpls_labels as i32,
        vo_nexthops: l.nexthops as i32,
        vo_bridge_entries: l.bridge_entries as i32,
        vo_oflow_bridge_entries: l.bridge_oflow_entries as i32,
        vo_flow_entries: l.flow_entries as i32,
        vo_oflow_entries: l.flow_oflow_entries as i32,
        vo_mirror_entries: l.mirrors as i32,
        vo_vif_bridge_entries: l.vif_bridge_entries as i32,
        vo_vif_oflow_bridge_entries: l.vif_bridge_oflow_entries as i32,
        vo_pkt_droplog_bufsz: log.bufsz as i32,
        vo_pkt_droplog_buf_en: log.buf_en as i8,
        vo_perfr: k.perfr,
        vo_perfs: k.perfs,
        vo_from_vm_mss_adj: k.from_vm_mss_adj,
        vo_to_vm_mss_adj: k.to_vm_mss_adj,
        vo_perfr1: k.perfr1,
        vo_perfr2: k.perfr2,
        vo_perfr3: k.perfr3,
        vo_perfp: k.perfp,
        vo_perfq1: k.perfq1,
        vo_perfq2: k.perfq2,
        vo_perfq3: k.perfq3,
        vo_udp_coff: k.udp_coff,
        vo_flow_hold_limit: k.flow_hold_limit,
        vo_mudp: k.mudp,
        vo_packet_dump: k.packet_dump,
        vo_pkt_droplog_en: log.sysctl_en as i8,
        vo_pkt_droplog_min_en: log.min_sysctl_en as i8,
        vo_uncond_close_flow_on_tcp_rst: k.uncond_close_flow_on_tcp_rst,
        vo_genetlink_group_id: k.genetlink_group_id,
        vo_build_info: build_info(),
        vo_log_level: k.log_level,
        vo_log_type_enable: k.log_types.iter().copied().collect(),
        vo_flow_used_entries: dp.flows.used_entries(),
        vo_flow_used_oentries: dp.flows.used_overflow_entries(),
        vo_bridge_used_entries: dp.flows.tables().map_or(0, |t| t.bridge().used_entries()),
        vo_bridge_used_oentries: dp.flows.tables().map_or(0, |t| t.bridge().used_overflow_entries()),
        vo_burst_tokens: k.burst_tokens,
        vo_burst_interval: k.burst_interval,
        vo_burst_step: k.burst_step,
        vo_memory_alloc_checks: k.memory_alloc_checks,
        vo_priority_tagging: k.priority_tagging,
        ..Default::default()
    }
}

/// ADD: a log level of 0 and every numeric parameter at −1 mean "leave as is" (the agent
/// sends exactly that, plus its priority tagging). Priority tagging is always taken.
fn set(dp: &mut Datapath, req: &VrouterOps) {
    let k = &mut dp.knobs;
    if req.vo_log_level != 0 {
        k.log_level = req.vo_log_level;
    }
    k.log_types.extend(&req.vo_log_type_enable);
    for t in &req.vo_log_type_disable {
        k.log_types.remove(t);
    }
    let knobs = [
        (&mut k.packet_dump, req.vo_packet_dump),
        (&mut k.perfr, req.vo_perfr),
        (&mut k.perfs, req.vo_perfs),
        (&mut k.from_vm_mss_adj, req.vo_from_vm_mss_adj),
        (&mut k.to_vm_mss_adj, req.vo_to_vm_mss_adj),
        (&mut k.perfr1, req.vo_perfr1),
        (&mut k.perfr2, req.vo_perfr2),
        (&mut k.perfr3, req.vo_perfr3),
        (&mut k.perfp, req.vo_perfp),
        (&mut k.perfq1, req.vo_perfq1),
        (&mut k.perfq2, req.vo_perfq2),
        (&mut k.perfq3, req.vo_perfq3),
        (&mut k.udp_coff, req.vo_udp_coff),
        (&mut k.flow_hold_limit, req.vo_flow_hold_limit),
        (&mut k.mudp, req.vo_mudp),
        (&mut k.burst_tokens, req.vo_burst_tokens),
        (&mut k.burst_interval, req.vo_burst_interval),
        (&mut k.burst_step, req.vo_burst_step),
    ];
    for (knob, value) in knobs {
        if value != -1 {
            *knob = value;
        }
    }
    k.priority_tagging = req.vo_priority_tagging;
}
