//! The simulator, embedded: its threads serve the endpoints while JavaScript goes on.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::netlink::Dialect;
use vrouter_sim::server::{KsyncListener, KsyncService, ListenAddr};
use vrouter_sim::{Datapath, Limits};

/// How to start a simulator.
#[napi(object)]
pub struct NativeSimOptions {
    /// Folder for the endpoints (`dpdk_netlink`, …); a fresh temporary one when absent.
    pub dir: Option<String>,
    /// Reply framing: `dpdk` (default), `kernel` or `windows`.
    pub dialect: Option<String>,
    /// Also serve ksync on TCP 127.0.0.1 at this port (0: any free port).
    pub tcp_port: Option<u16>,
}

/// A running simulator.
#[napi]
pub struct NativeSimulator {
    dir: PathBuf,
    owns_dir: bool,
    ksync: Option<KsyncListener>,
    tcp: Option<KsyncListener>,
}

#[napi]
impl NativeSimulator {
    /// Starts serving; resolves once every endpoint is bound.
    #[napi(factory)]
    pub fn start(options: NativeSimOptions) -> Result<Self> {
        let dialect = match options.dialect.as_deref().unwrap_or("dpdk") {
            "dpdk" => Dialect::Dpdk,
            "kernel" => Dialect::Kernel,
            "windows" => Dialect::Windows,
            other => return Err(Error::new(Status::InvalidArg, format!("unknown dialect {other:?}: expected dpdk, kernel or windows"))),
        };
        let (dir, owns_dir) = match options.dir {
            Some(d) => {
                std::fs::create_dir_all(&d).map_err(|e| io_error(&d, e))?;
                (PathBuf::from(d), false)
            }
            None => (temp_dir().map_err(|e| io_error("a temporary folder", e))?, true),
        };
        let service = KsyncService::new(dialect, Arc::new(Mutex::new(Datapath::new(Limits::default()))));
        let socket = dir.join("dpdk_netlink");
        let ksync = KsyncListener::bind(&ListenAddr::Unix(socket.clone()), service.clone())
            .map_err(|e| io_error(&socket.display().to_string(), e))?;
        let tcp = match options.tcp_port {
            None => None,
            Some(port) => Some(
                KsyncListener::bind(&ListenAddr::Tcp(([127, 0, 0, 1], port).into()), service)
                    .map_err(|e| io_error(&format!("127.0.0.1:{port}"), e))?,
            ),
        };
        Ok(NativeSimulator { dir, owns_dir, ksync: Some(ksync), tcp })
    }

    /// The folder holding the endpoints.
    #[napi(getter)]
    pub fn dir(&self) -> String {
        self.dir.display().to_string()
    }

    /// The ksync endpoint: `unix:<dir>/dpdk_netlink`.
    #[napi(getter)]
    pub fn ksync(&self) -> String {
        format!("unix:{}", self.dir.join("dpdk_netlink").display())
    }

    /// The TCP ksync endpoint, `tcp:127.0.0.1:<port>`, when one was asked for.
    #[napi(getter)]
    pub fn ksync_tcp(&self) -> Option<String> {
        match self.tcp.as_ref()?.local_addr() {
            ListenAddr::Tcp(a) => Some(format!("tcp:{a}")),
            ListenAddr::Unix(_) => None,
        }
    }

    /// Stops serving, closes every connection and removes a temporary folder.
    #[napi]
    pub fn close(&mut self) {
        self.ksync.take();
        self.tcp.take();
        if self.owns_dir {
            let _ = std::fs::remove_dir_all(&self.dir);
            self.owns_dir = false;
        }
    }
}

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::new(Status::GenericFailure, format!("{what}: {e}"))
}

/// A new private folder under the system's temporary folder.
fn temp_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    for attempt in 0..100u32 {
        let path = base.join(format!("vrouter-sim-{}-{:x}-{attempt}", std::process::id(), stamp));
        match std::fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free temporary folder name"))
}
