//! The simulator, embedded: its threads serve the endpoints while JavaScript goes on.
//!
//! One datapath behind a lock, with its flow and bridge table files, served on ksync (Unix
//! stream socket, optionally TCP) and pkt0 (the DPDK datagram pair) — on Windows on named pipes,
//! with the tables in named sections; frames injected one at a time or by a traffic run (on libuv's thread
//! pool, one batch per lock of the datapath).

mod churn;
#[cfg(unix)]
mod measure;
mod objects;
mod options;
mod serve;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::netlink::Dialect;
use vrouter_sim::server::KsyncService;
#[cfg(windows)]
use vrouter_sim::section_tables::SectionTables;
#[cfg(unix)]
use vrouter_sim::tables::SimTables;
use vrouter_sim::traffic::{TrafficReport, TrafficSpec};
use vrouter_sim::{Datapath, Limits};

use serve::{KsyncServer, Pkt0Server, TcpServer};

pub use objects::{NativeInjected, NativeReinjected, NativeSimStats, NativeTrafficResult};

/// How to start a simulator.
#[napi(object)]
pub struct NativeSimOptions {
    /// Folder for the endpoints (`dpdk_netlink`, …); a fresh temporary one when absent.
    pub dir: Option<String>,
    /// Reply framing: `dpdk` (default), `kernel` or `windows`.
    pub dialect: Option<String>,
    /// Also serve ksync on TCP 127.0.0.1 at this port (0: any free port).
    pub tcp_port: Option<u16>,
    /// Host interface indexes vifs may attach to, as a list (`0,10,100-131`); default: any.
    pub host_ifs: Option<String>,
    /// Main flow-table entries (default 524288; the overflow table is sized by vRouter's rule).
    pub flow_entries: Option<u32>,
    /// Main bridge-table entries (default 262144).
    pub bridge_entries: Option<u32>,
    /// Flow-entry layout: `2024` (default) or `2019`.
    pub layout: Option<String>,
    /// Flows in HOLD beyond which new flows are dropped (vRouter's `vo_flow_hold_limit`; 0: no
    /// limit). Default: vRouter's 8192.
    pub flow_hold_limit: Option<u32>,
    /// Serve pkt0 on this tap device instead of the datagram pair, as the kernel module does
    /// (the agent creates the tap; Linux only).
    pub pkt0_tap: Option<String>,
}

/// What traffic to send.
#[napi(object)]
pub struct NativeTrafficSpec {
    pub flows: u32,
    pub packets_per_flow: Option<u32>,
    /// Packets per second; absent: as fast as possible.
    pub rate: Option<f64>,
    /// Only from this vif; absent: from every vif with POLICY_ENABLED.
    pub vif: Option<u32>,
}

/// A running simulator.
#[napi]
pub struct NativeSimulator {
    dir: PathBuf,
    owns_dir: bool,
    datapath: Arc<Mutex<Datapath>>,
    service: KsyncService,
    ksync: Option<KsyncServer>,
    tcp: Option<TcpServer>,
    pkt0: Option<Arc<Pkt0Server>>,
    ksync_endpoint: String,
    tcp_endpoint: Option<String>,
    pkt0_endpoint: String,
    flow_table: PathBuf,
    bridge_table: PathBuf,
    flow_table_size: f64,
    bridge_table_size: f64,
    /// Set on close: traffic runs stop after their batch.
    stopping: Arc<AtomicBool>,
}

#[napi]
impl NativeSimulator {
    /// Starts serving; returns once every endpoint is bound and both table files exist.
    #[napi(factory)]
    pub fn start(options: NativeSimOptions) -> Result<Self> {
        let dialect = match options.dialect.as_deref().unwrap_or("dpdk") {
            "dpdk" => Dialect::Dpdk,
            "kernel" => Dialect::Kernel,
            "windows" => Dialect::Windows,
            other => return Err(invalid(format!("unknown dialect {other:?}: expected dpdk, kernel or windows"))),
        };
        let flow = options::flow_geometry(options.flow_entries).map_err(invalid)?;
        let bridge = options::bridge_geometry(options.bridge_entries).map_err(invalid)?;
        let layout = options::layout(options.layout.as_deref()).map_err(invalid)?;
        let mut datapath = Datapath::new(Limits::default());
        if let Some(list) = &options.host_ifs {
            datapath.host_interfaces = options::host_interfaces(list).map_err(invalid)?;
        }
        if let Some(limit) = options.flow_hold_limit {
            datapath.knobs.flow_hold_limit = limit as i32;
        }
        let (dir, owns_dir) = match options.dir {
            Some(d) => {
                std::fs::create_dir_all(&d).map_err(|e| io_error(&d, e))?;
                (PathBuf::from(d), false)
            }
            None => (temp_dir().map_err(|e| io_error("a temporary folder", e))?, true),
        };
        // From here on a failure must not leave a temporary folder behind.
        let cleanup = |e: Error| {
            if owns_dir {
                let _ = std::fs::remove_dir_all(&dir);
            }
            e
        };
        #[cfg(unix)]
        let (flow_table, bridge_table, flow_table_size, bridge_table_size) = {
            let tables = SimTables::create(&dir, flow, bridge, layout).map_err(|e| cleanup(io_error("table files", e)))?;
            let paths = (absolute(tables.flow_path()), absolute(tables.bridge_path()));
            let sizes = (tables.flow_size() as f64, tables.bridge_size() as f64);
            datapath.attach_tables(tables);
            (paths.0, paths.1, sizes.0, sizes.1)
        };
        // On Windows the tables are named sections (`Local\<folder name>-flow`, `-bridge`), which table queries
        // name in the path fields; `flow_table` / `bridge_table` hold those names.
        #[cfg(windows)]
        let (flow_table, bridge_table, flow_table_size, bridge_table_size) = {
            let prefix = serve::section_prefix(&dir);
            let tables = SectionTables::create(&prefix, flow, bridge, layout).map_err(|e| cleanup(io_error(&format!("table sections {prefix}-*"), e)))?;
            let names = (PathBuf::from(tables.flow_name()), PathBuf::from(tables.bridge_name()));
            let sizes = (tables.flow_size() as f64, tables.bridge_size() as f64);
            datapath.attach_tables(tables);
            (names.0, names.1, sizes.0, sizes.1)
        };
        let datapath = Arc::new(Mutex::new(datapath));
        let service = KsyncService::new(dialect, datapath.clone());
        #[allow(unused_mut)]
        let mut served = serve::serve(&dir, &service, &datapath, options.tcp_port).map_err(|(what, e)| cleanup(io_error(&what, e)))?;
        if let Some(name) = &options.pkt0_tap {
            #[cfg(target_os = "linux")]
            {
                served.pkt0 = Pkt0Server::tap(name, datapath.clone()).map_err(|e| cleanup(io_error(&format!("pkt0 on tap {name}"), e)))?;
                served.pkt0_endpoint = format!("tap:{name}");
            }
            #[cfg(not(target_os = "linux"))]
            return Err(cleanup(invalid(format!("pkt0 on tap {name}: taps are Linux only"))));
        }
        Ok(NativeSimulator {
            dir,
            owns_dir,
            datapath,
            service,
            ksync: Some(served.ksync),
            tcp: served.tcp,
            pkt0: Some(Arc::new(served.pkt0)),
            ksync_endpoint: served.ksync_endpoint,
            tcp_endpoint: served.tcp_endpoint,
            pkt0_endpoint: served.pkt0_endpoint,
            flow_table,
            bridge_table,
            flow_table_size,
            bridge_table_size,
            stopping: Arc::default(),
        })
    }

    /// The folder holding the endpoints.
    #[napi(getter)]
    pub fn dir(&self) -> String {
        self.dir.display().to_string()
    }

    /// The ksync endpoint: `unix:<dir>/dpdk_netlink` (Windows: `\\.\pipe\<dir's name>-ksync`).
    #[napi(getter)]
    pub fn ksync(&self) -> String {
        self.ksync_endpoint.clone()
    }

    /// The TCP ksync endpoint, `tcp:127.0.0.1:<port>`, when one was asked for.
    #[napi(getter)]
    pub fn ksync_tcp(&self) -> Option<String> {
        self.tcp_endpoint.clone()
    }

    /// The pkt0 endpoint an agent uses: `unix:<dir>/agent_pkt0`, the datagram socket the agent
    /// binds; the simulator sends traps there from `<dir>/dpdk_pkt0`, which the agent
    /// connects to (Windows: the message pipe `\\.\pipe\<dir's name>-pkt0`, which it opens).
    #[napi(getter)]
    pub fn pkt0(&self) -> String {
        self.pkt0_endpoint.clone()
    }

    /// The flow table file (absolute), as `vr_flow_table_data` reports it (Windows: the section's name,
    /// `Local\<dir's name>-flow`).
    #[napi(getter)]
    pub fn flow_table(&self) -> String {
        self.flow_table.display().to_string()
    }

    /// The bridge table file (absolute), as `vr_bridge_table_data` reports it (Windows: the section's
    /// name, `Local\<dir's name>-bridge`).
    #[napi(getter)]
    pub fn bridge_table(&self) -> String {
        self.bridge_table.display().to_string()
    }

    /// Bytes of the flow table file.
    #[napi(getter)]
    pub fn flow_table_size(&self) -> f64 {
        self.flow_table_size
    }

    /// Bytes of the bridge table file.
    #[napi(getter)]
    pub fn bridge_table_size(&self) -> f64 {
        self.bridge_table_size
    }

    /// Runs one frame (from its Ethernet header) through the datapath as received on `vif`;
    /// a trap it causes goes to the agent's socket.
    #[napi]
    pub fn inject(&self, frame: &[u8], vif: u32) -> Result<NativeInjected> {
        let pkt0 = self.pkt0.as_ref().ok_or_else(closed)?;
        pkt0.inject(frame, vif).map(NativeInjected::from).map_err(|e| invalid(e.to_string()))
    }

    /// Sends traffic on libuv's thread pool; resolves with what happened.
    #[napi(ts_return_type = "Promise<NativeTrafficResult>")]
    pub fn traffic(&self, spec: NativeTrafficSpec) -> Result<AsyncTask<Traffic>> {
        let sink = self.pkt0.clone().ok_or_else(closed)?;
        let spec = TrafficSpec {
            flows: spec.flows,
            packets_per_flow: spec.packets_per_flow.unwrap_or(1),
            rate: spec.rate,
            vif: spec.vif,
            ..TrafficSpec::default()
        };
        Ok(AsyncTask::new(Traffic { datapath: self.datapath.clone(), sink, spec, stop: self.stopping.clone() }))
    }

    /// Sends `count` FLOW_MISS trap frames of `inner_len`-byte packets to the agent's pkt0
    /// socket on libuv's thread pool, waiting for room (a load generator); resolves with how
    /// many went.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn flood(&self, inner_len: u32, count: f64) -> Result<AsyncTask<Flood>> {
        let endpoint = self.pkt0.clone().ok_or_else(closed)?;
        Ok(AsyncTask::new(Flood { endpoint, inner_len: inner_len as usize, count: count.max(0.0) as u64 }))
    }

    /// The counters.
    #[napi]
    pub fn stats(&self) -> NativeSimStats {
        let pkt0 = self.pkt0.as_ref().map(|p| p.stats()).unwrap_or_default();
        let dp = self.datapath.lock().unwrap_or_else(|p| p.into_inner());
        NativeSimStats::new(self.service.requests_served(), pkt0, dp.flows.allocated, dp.flows.used_entries())
    }

    /// The frames the agent re-injected (SWITCH, ROUTE), the last 1024, oldest first.
    #[napi]
    pub fn reinjected(&self) -> Vec<NativeReinjected> {
        self.pkt0.as_ref().map(|p| p.reinjected().into_iter().map(NativeReinjected::from).collect()).unwrap_or_default()
    }

    /// Stops serving, stops traffic, closes every connection, removes the table files and
    /// the pkt0 socket, and a temporary folder.
    #[napi]
    pub fn close(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.ksync.take();
        self.tcp.take();
        if let Some(p) = self.pkt0.take() {
            p.close();
        }
        // The files go when the tables drop (unlinked: readers keep their mappings).
        drop(self.datapath.lock().unwrap_or_else(|p| p.into_inner()).detach_tables());
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
            self.owns_dir = false;
        }
    }
}

/// A traffic run, computed on libuv's thread pool.
pub struct Traffic {
    datapath: Arc<Mutex<Datapath>>,
    sink: Arc<Pkt0Server>,
    spec: TrafficSpec,
    stop: Arc<AtomicBool>,
}

impl Task for Traffic {
    type Output = TrafficReport;
    type JsValue = NativeTrafficResult;

    fn compute(&mut self) -> Result<TrafficReport> {
        vrouter_sim::traffic::run(&self.datapath, self.sink.as_ref(), &self.spec, &self.stop).map_err(|e| invalid(e.to_string()))
    }

    fn resolve(&mut self, _env: Env, report: TrafficReport) -> Result<NativeTrafficResult> {
        Ok(report.into())
    }
}

/// A pkt0 flood, on libuv's thread pool.
pub struct Flood {
    endpoint: Arc<Pkt0Server>,
    inner_len: usize,
    count: u64,
}

impl Task for Flood {
    type Output = u64;
    type JsValue = f64;

    fn compute(&mut self) -> Result<u64> {
        self.endpoint.flood(self.inner_len, self.count).map_err(|e| Error::new(Status::GenericFailure, format!("pkt0 flood: {e}")))
    }

    fn resolve(&mut self, _env: Env, sent: u64) -> Result<f64> {
        Ok(sent as f64)
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, message.into())
}

fn closed() -> Error {
    Error::new(Status::GenericFailure, "the simulator is closed".to_owned())
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(Status::GenericFailure, format!("{what}: {e}"))
}

#[cfg(unix)]
fn absolute(p: &std::path::Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_owned())
}

/// A new private folder under the system's temporary folder.
fn temp_dir() -> std::io::Result<PathBuf> {
    #[cfg(unix)]
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    for attempt in 0..100u32 {
        let path = base.join(format!("vrouter-sim-{}-{:x}-{attempt}", std::process::id(), stamp));
        #[allow(unused_mut)] // set only on Unix
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        builder.mode(0o700);
        match builder.create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary folder name"))
}
