//! The packet drop log (`vr_pkt_drop_log_req`): a ring of recent drops per core, read by GET
//! in slices, configured by ADD and zeroed by RESET (dp-core/vr_pkt_droplog.c).

use vrouter_proto::messages::{SandeshOp, VrPktDropLogReq};

use super::drops::DROP_REASONS;
use super::{Datapath, Responses, CORES};

/// Bytes of one log record (`vr_pkt_drop_log_t` as laid out on x86_64).
pub const DROP_LOG_RECORD: usize = 168;
/// Records one GET returns at most (`VR_PKT_DROPLOG_MAX_ALLOW_BUFSZ`).
const RECORDS_PER_GET: u32 = 20;

/// One dropped packet, as a traffic source reports it.
#[allow(missing_docs)]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DropLogEntry {
    pub timestamp: i64,
    pub vp_type: u8,
    pub drop_reason: u16,
    pub vif_idx: u16,
    pub nh_id: u32,
    /// IPv4 in the first 4 bytes, or IPv6, in network order.
    pub src: [u8; 16],
    pub dst: [u8; 16],
    /// Ports as the flow key holds them (network order in a native u16).
    pub sport: u16,
    pub dport: u16,
    /// Where in vRouter the drop happened (file number, line).
    pub file: u32,
    pub line: u32,
    pub pkt_len: u16,
    /// The first bytes of the packet (up to 100).
    pub pkt_header: Vec<u8>,
}

impl DropLogEntry {
    /// The record as vRouter stores it (little-endian, x86_64 padding).
    fn encode(&self) -> [u8; DROP_LOG_RECORD] {
        let mut b = [0u8; DROP_LOG_RECORD];
        b[0..8].copy_from_slice(&self.timestamp.to_le_bytes());
        b[8] = self.vp_type;
        b[10..12].copy_from_slice(&self.drop_reason.to_le_bytes());
        b[12..14].copy_from_slice(&self.vif_idx.to_le_bytes());
        b[16..20].copy_from_slice(&self.nh_id.to_le_bytes());
        b[20..36].copy_from_slice(&self.src);
        b[36..52].copy_from_slice(&self.dst);
        b[52..54].copy_from_slice(&self.sport.to_le_bytes());
        b[54..56].copy_from_slice(&self.dport.to_le_bytes());
        b[56..60].copy_from_slice(&self.file.to_le_bytes());
        b[60..64].copy_from_slice(&self.line.to_le_bytes());
        b[64..66].copy_from_slice(&self.pkt_len.to_le_bytes());
        let n = self.pkt_header.len().min(100);
        b[66..66 + n].copy_from_slice(&self.pkt_header[..n]);
        b
    }
}

/// The log and its settings (vRouter's load-time and sysctl values).
#[derive(Debug, Clone)]
pub struct PktDropLog {
    /// Records per core.
    pub bufsz: u32,
    /// Log buffers allocated at load time.
    pub buf_en: u32,
    /// Logging switched on.
    pub sysctl_en: u32,
    /// Minimal records only (no vif, nexthop, length or header).
    pub min_sysctl_en: u32,
    /// Only this drop reason is logged (`VP_DROP_MAX`: all).
    pub log_type: u32,
    ring: Vec<u8>,
    next: usize,
}

impl Default for PktDropLog {
    fn default() -> Self {
        let bufsz = 200;
        PktDropLog {
            bufsz,
            buf_en: 1,
            sysctl_en: 1,
            min_sysctl_en: 1,
            log_type: DROP_REASONS as u32,
            ring: vec![0; bufsz as usize * DROP_LOG_RECORD],
            next: 0,
        }
    }
}

impl PktDropLog {
    /// Logs one drop (when logging is on and the reason passes the filter), overwriting the
    /// oldest record once the ring is full.
    pub fn record(&mut self, entry: &DropLogEntry) {
        if self.sysctl_en != 1 || self.buf_en != 1 || self.bufsz == 0 {
            return;
        }
        if self.log_type != DROP_REASONS as u32 && self.log_type != entry.drop_reason as u32 {
            return;
        }
        let mut e = entry.clone();
        if self.min_sysctl_en == 1 {
            (e.vif_idx, e.nh_id, e.pkt_len, e.pkt_header) = (0, 0, 0, Vec::new());
        }
        let at = self.next * DROP_LOG_RECORD;
        self.ring[at..at + DROP_LOG_RECORD].copy_from_slice(&e.encode());
        self.next = (self.next + 1) % self.bufsz as usize;
    }

    /// Records `index..` (at most 20); slots past the ring read as zeros.
    fn slice(&self, index: i32, count: u32) -> Vec<u8> {
        let mut out = vec![0; count as usize * DROP_LOG_RECORD];
        if let Ok(start) = usize::try_from(index) {
            let from = (start * DROP_LOG_RECORD).min(self.ring.len());
            let n = (self.ring.len() - from).min(out.len());
            out[..n].copy_from_slice(&self.ring[from..from + n]);
        }
        out
    }
}

/// Handles one `vr_pkt_drop_log_req`. Ops other than ADD, RESET and GET get a bare success
/// and then a GET answer: two answers for one request, as in vRouter.
pub fn handle(dp: &mut Datapath, req: VrPktDropLogReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => configure(dp, &req, out),
        SandeshOp::RESET => {
            dp.drop_log.ring.fill(0);
            out.reply(0, &[&VrPktDropLogReq { h_op: SandeshOp::RESET, ..Default::default() }]);
        }
        op => {
            if op != SandeshOp::GET {
                out.code(0);
            }
            get(dp, &req, out);
        }
    }
}

/// ADD sets either the logged drop type (`vdl_pkt_droplog_config` non-zero) or the minimal
/// logging switch, and echoes what it set.
fn configure(dp: &mut Datapath, req: &VrPktDropLogReq, out: &mut Responses) {
    let mut r = VrPktDropLogReq {
        h_op: SandeshOp::ADD,
        vdl_pkt_droplog_config: req.vdl_pkt_droplog_config,
        ..Default::default()
    };
    if req.vdl_pkt_droplog_config != 0 {
        dp.drop_log.log_type = req.vdl_pkt_droplog_type as i32 as u32;
        r.vdl_pkt_droplog_type = req.vdl_pkt_droplog_type;
    } else {
        dp.drop_log.min_sysctl_en = req.vdl_pkt_droplog_min_sysctl_en as i32 as u32;
        r.vdl_pkt_droplog_min_sysctl_en = req.vdl_pkt_droplog_min_sysctl_en;
    }
    out.reply(0, &[&r]);
}

/// GET: up to 20 records of core `vdl_core` − 1 (0: the first core) from `vdl_log_idx`.
fn get(dp: &Datapath, req: &VrPktDropLogReq, out: &mut Responses) {
    let log = &dp.drop_log;
    let mut r = VrPktDropLogReq { vdl_pkt_droplog_sysctl_en: log.sysctl_en as i16, ..Default::default() };
    if log.sysctl_en == 1 {
        r.vdl_pkt_droplog_en = log.buf_en as i16;
        if log.buf_en == 1 {
            let index = req.vdl_log_idx as i32;
            let left = log.bufsz.wrapping_sub(index as u32);
            let count = if left > RECORDS_PER_GET { RECORDS_PER_GET } else { left };
            let core = (req.vdl_core as i32 - 1).max(0) as u32;
            r.vdl_core = req.vdl_core;
            r.vdl_log_idx = req.vdl_log_idx;
            r.vdl_max_num_cores = CORES as i16;
            r.vdl_pkt_droplog_max_bufsz = log.bufsz as i16;
            r.vdl_pkt_droplog_type = log.log_type as i8;
            r.vdl_pkt_droplog_arr =
                if core < CORES { log.slice(index, count) } else { vec![0; count as usize * DROP_LOG_RECORD] };
        }
    }
    out.reply(0, &[&r]);
}
