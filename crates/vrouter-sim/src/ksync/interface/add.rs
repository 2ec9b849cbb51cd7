//! Interface ADD: a new vif, or a change to an existing one (dp-core/vr_interface.c
//! `vr_interface_add`, `vr_interface_change`, `vrouter_add_interface` and the type drivers).

use vrouter_proto::messages::{VifFlag, VifType, VrInterfaceReq};

use super::src_macs::{SrcMacs, SRC_MACS};
use super::vif::{mac_from, Vif, VIF_TYPE_MAX};
use crate::ksync::errno::*;
use crate::ksync::vrf_assign::{service_disable, service_enable};
use crate::ksync::Datapath;

/// VLAN ids are read as u16 and vRouter's `VLAN_ID_MAX` (0xffff, i.e. −1) is refused.
const VLAN_ID_MAX: u16 = 0xffff;

/// Handles an ADD; returns the response code.
pub(super) fn add(dp: &mut Datapath, req: &VrInterfaceReq) -> i32 {
    if !dp.interfaces.in_range(req.vifr_idx as u32 as i64) {
        return -EINVAL;
    }
    if !(0..VIF_TYPE_MAX).contains(&req.vifr_type) {
        return -EINVAL;
    }
    // An unknown transport makes vRouter jump to its exit with the code still 0: the ADD
    // "succeeds" and nothing is created.
    if !(0..=3).contains(&req.vifr_transport) {
        return 0;
    }
    let idx = req.vifr_idx as u32;
    if dp.interfaces.get(idx).is_some() {
        // Re-ADD of an existing vif is a change, never EEXIST.
        return change(dp, idx, req);
    }
    match create(dp, req) {
        Ok(vif) => {
            register(dp, vif);
            0
        }
        Err(code) => code,
    }
}

/// Builds a new vif and runs every check vRouter makes before it is in service. vRouter puts
/// the vif in its table before the type driver runs and takes it out again when the driver
/// fails; checking first and inserting last is the same to a client.
fn create(dp: &mut Datapath, req: &VrInterfaceReq) -> Result<Vif, i32> {
    let mut vif = Vif::from_request(req);
    if !req.vifr_mac.is_empty() {
        if req.vifr_mac.len() != 6 {
            return Err(-EINVAL);
        }
        vif.mac = mac_from(&req.vifr_mac);
    }
    vif.fat_flow.apply(req)?;
    if vif.vif_type == VifType::HOST.0 {
        check_host_cross_connect(dp, req)?;
    }
    attach(dp, &mut vif, req)?;
    Ok(vif)
}

/// A HOST vif (vhost0) bridges the physical interfaces: there must be some, and the request
/// must name each one by its host index in `vifr_cross_connect_idx`.
fn check_host_cross_connect(dp: &Datapath, req: &VrInterfaceReq) -> Result<(), i32> {
    if dp.phy_interfaces == 0 {
        return Err(-ENODEV);
    }
    for i in 0..dp.phy_interfaces as usize {
        let os_idx = match req.vifr_cross_connect_idx.get(i) {
            Some(&x) if x >= 0 => x as u32,
            _ => return Err(-EINVAL),
        };
        if !dp.interfaces.iter().any(|(_, v)| v.os_idx == os_idx) {
            return Err(-ENODEV);
        }
    }
    Ok(())
}

/// The type driver: default MTU, and attaching to the host interface (−ENODEV when the host
/// has no such interface, PROTOCOL.md §11).
fn attach(dp: &mut Datapath, vif: &mut Vif, req: &VrInterfaceReq) -> Result<(), i32> {
    let default_mtu = |vif: &mut Vif, mtu: i32| {
        if vif.mtu == 0 {
            vif.mtu = mtu;
        }
    };
    match VifType(vif.vif_type) {
        VifType::HOST | VifType::XEN_LL_HOST | VifType::GATEWAY | VifType::MONITORING => {
            default_mtu(vif, 1514);
            host_check(dp, vif.os_idx)
        }
        VifType::AGENT => {
            default_mtu(vif, 1514);
            // pkt0 exists once: a second agent vif finds it taken (PROTOCOL.md §5.2).
            if dp.agent_if.is_some() {
                return Err(-EEXIST);
            }
            host_check(dp, vif.os_idx)
        }
        VifType::PHYSICAL | VifType::VIRTUAL | VifType::STATS => {
            default_mtu(vif, if vif.vif_type == VifType::PHYSICAL.0 { 1514 } else { 9160 });
            if vif.flags & VifFlag::SERVICE_IF.0 != 0 {
                service_enable(vif);
            }
            host_check(dp, vif.os_idx)
        }
        VifType::VIRTUAL_VLAN => attach_vlan(dp, vif, req),
        // VLAN (8) has no driver: nothing to attach.
        _ => Ok(()),
    }
}

fn host_check(dp: &Datapath, os_idx: u32) -> Result<(), i32> {
    if dp.host_interfaces.contains(os_idx) {
        Ok(())
    } else {
        Err(-ENODEV)
    }
}

/// A VLAN sub-interface of a PHYSICAL or VIRTUAL parent.
fn attach_vlan(dp: &mut Datapath, vif: &mut Vif, req: &VrInterfaceReq) -> Result<(), i32> {
    if req.vifr_vlan_id as u16 == VLAN_ID_MAX || req.vifr_ovlan_id as u16 == VLAN_ID_MAX {
        return Err(-EINVAL);
    }
    let parent_idx = req.vifr_parent_vif_idx as u32;
    // vRouter takes a reference on the parent here and never gives it back, not even when the
    // ADD fails further down: the count is taken and the reference dropped unreleased.
    if dp.interfaces.acquire(parent_idx).is_none() {
        return Err(-EINVAL);
    }
    let macs = &req.vifr_src_mac;
    if !macs.is_empty() && (macs.len() % 6 != 0 || macs.len() / 6 > SRC_MACS) {
        return Err(-EINVAL);
    }
    if vif.mtu == 0 {
        vif.mtu = 1514;
    }
    vif.vlan_id = req.vifr_vlan_id;
    vif.ovlan_id = req.vifr_ovlan_id;
    vif.parent = Some(parent_idx);
    let parent_type = dp.interfaces.get(parent_idx).map(|p| p.vif_type);
    // Only the ethernet driver takes sub-interfaces.
    if parent_type != Some(VifType::PHYSICAL.0) && parent_type != Some(VifType::VIRTUAL.0) {
        return Err(-EINVAL);
    }
    // The sub-interface is attached like its parent, except that host index 0 means none.
    if vif.os_idx != 0 {
        host_check(dp, vif.os_idx)?;
    }
    if macs.is_empty() {
        let parent = dp.interfaces.get_mut(parent_idx).expect("looked up above");
        let vlan = req.vifr_vlan_id as u16;
        if parent.sub_interfaces.contains_key(&vlan) {
            return Err(-EEXIST);
        }
        parent.sub_interfaces.insert(vlan, vif.idx);
    } else {
        vif.src_macs.insert(SrcMacs::default()).update(macs)?;
    }
    Ok(())
}

/// Puts a checked vif in service.
fn register(dp: &mut Datapath, vif: Vif) {
    match VifType(vif.vif_type) {
        VifType::AGENT => dp.agent_if = Some(vif.idx),
        VifType::PHYSICAL => dp.phy_interfaces += 1,
        _ => {}
    }
    dp.interfaces.insert(vif.idx, vif);
}

/// A re-ADD: the configurable fields change, identity (type, name, MAC, host index,
/// transport) stays. Settings applied before a failing step stay applied, as in vRouter.
fn change(dp: &mut Datapath, idx: u32, req: &VrInterfaceReq) -> i32 {
    let vif = dp.interfaces.get_mut(idx).expect("caller checked");
    let service = VifFlag::SERVICE_IF.0;
    if req.vifr_flags & service != 0 && vif.flags & service == 0 {
        service_enable(vif);
    } else if vif.flags & service != 0 && req.vifr_flags & service == 0 {
        service_disable(vif);
    }
    vif.set_flags(req.vifr_flags);
    vif.set_mirror_id(req.vifr_mir_id);
    // Negative VRFs and MTU 0 mean "leave as is".
    if req.vifr_vrf >= 0 {
        vif.vrf = req.vifr_vrf;
    }
    if req.vifr_mcast_vrf >= 0 {
        vif.mcast_vrf = req.vifr_mcast_vrf;
    }
    if req.vifr_mtu != 0 {
        vif.mtu = req.vifr_mtu;
    }
    vif.nh_id = req.vifr_nh_id;
    vif.qos_map_index = req.vifr_qos_map_index;
    vif.isid = req.vifr_isid;
    vif.set_pbb_mac(&req.vifr_pbb_mac);
    vif.ip = req.vifr_ip;
    vif.ip6_u = req.vifr_ip6_u;
    vif.ip6_l = req.vifr_ip6_l;
    vif.in_mirror_md.set(&req.vifr_in_mirror_md);
    vif.out_mirror_md.set(&req.vifr_out_mirror_md);
    if let Err(code) = vif.fat_flow.apply(req) {
        return code;
    }
    match (&vif.parent, &mut vif.src_macs) {
        (Some(_), Some(macs)) => macs.update(&req.vifr_src_mac).err().unwrap_or(0),
        _ => 0,
    }
}
