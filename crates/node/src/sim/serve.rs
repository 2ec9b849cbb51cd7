//! Where an embedded simulator serves, per OS: on Unix as DPDK vRouter lays it out in its folder (`dpdk_netlink`
//! stream socket, optionally TCP, the `dpdk_pkt0` ⇄ `agent_pkt0` datagram pair); on Windows as named pipes
//! standing in for the driver's devices (`\\.\pipe\<name>-ksync`, `\\.\pipe\<name>-pkt0`, `<name>` from the folder),
//! optionally TCP, with the tables in sections `Local\<name>-flow` and `Local\<name>-bridge` ([`section_prefix`]).

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

use vrouter_sim::server::KsyncService;
use vrouter_sim::Datapath;

#[cfg(unix)]
pub type KsyncServer = vrouter_sim::server::KsyncListener;
#[cfg(windows)]
pub type KsyncServer = vrouter_sim::server::KsyncPipeListener;
#[cfg(unix)]
pub type TcpServer = vrouter_sim::server::KsyncListener;
#[cfg(windows)]
pub type TcpServer = vrouter_sim::server::KsyncTcpListener;
#[cfg(unix)]
pub type Pkt0Server = vrouter_sim::pkt0::Pkt0Endpoint;
#[cfg(windows)]
pub type Pkt0Server = vrouter_sim::pkt0::Pkt0Pipe;

/// The endpoints being served, with the strings that name them for clients.
pub struct Served {
    pub ksync: KsyncServer,
    pub ksync_endpoint: String,
    pub tcp: Option<TcpServer>,
    pub tcp_endpoint: Option<String>,
    pub pkt0: Pkt0Server,
    pub pkt0_endpoint: String,
}

/// A failure to serve: what could not be served, and why.
pub type ServeError = (String, io::Error);

#[cfg(unix)]
pub fn serve(dir: &Path, service: &KsyncService, datapath: &Arc<Mutex<Datapath>>, tcp_port: Option<u16>) -> Result<Served, ServeError> {
    use vrouter_sim::pkt0::AGENT_PKT0;
    use vrouter_sim::server::ListenAddr;

    let socket = dir.join("dpdk_netlink");
    let ksync = KsyncServer::bind(&ListenAddr::Unix(socket.clone()), service.clone())
        .map_err(|e| (socket.display().to_string(), e))?;
    let tcp = match tcp_port {
        None => None,
        Some(port) => Some(
            TcpServer::bind(&ListenAddr::Tcp(([127, 0, 0, 1], port).into()), service.clone())
                .map_err(|e| (format!("127.0.0.1:{port}"), e))?,
        ),
    };
    let tcp_endpoint = tcp.as_ref().and_then(|l| match l.local_addr() {
        ListenAddr::Tcp(a) => Some(format!("tcp:{a}")),
        ListenAddr::Unix(_) => None,
    });
    let pkt0 = Pkt0Server::bind(dir, datapath.clone()).map_err(|e| ("pkt0 socket".to_owned(), e))?;
    Ok(Served {
        ksync,
        ksync_endpoint: format!("unix:{}", socket.display()),
        tcp,
        tcp_endpoint,
        pkt0,
        // The agent binds this one; the simulator sends traps there from dir/dpdk_pkt0.
        pkt0_endpoint: format!("unix:{}", dir.join(AGENT_PKT0).display()),
    })
}

#[cfg(windows)]
pub fn serve(dir: &Path, service: &KsyncService, datapath: &Arc<Mutex<Datapath>>, tcp_port: Option<u16>) -> Result<Served, ServeError> {
    let tcp = match tcp_port {
        None => None,
        Some(port) => Some(TcpServer::bind(([127, 0, 0, 1], port).into(), service.clone()).map_err(|e| (format!("127.0.0.1:{port}"), e))?),
    };
    let tcp_endpoint = tcp.as_ref().map(|l| format!("tcp:{}", l.local_addr()));
    let ksync_endpoint = pipe_name(dir, "ksync");
    let ksync = KsyncServer::bind(&ksync_endpoint, service.clone()).map_err(|e| (ksync_endpoint.clone(), e.into()))?;
    let pkt0_endpoint = pipe_name(dir, "pkt0");
    let pkt0 = Pkt0Server::bind(&pkt0_endpoint, datapath.clone()).map_err(|e| (pkt0_endpoint.clone(), e.into()))?;
    Ok(Served { ksync, ksync_endpoint, tcp, tcp_endpoint, pkt0, pkt0_endpoint })
}

/// `\\.\pipe\<folder name>-<channel>`: a pipe name cannot hold a backslash, so the folder's own name stands for it
/// (unique for a temporary folder; two simulators given folders of the same name collide, which binding reports).
#[cfg(windows)]
fn pipe_name(dir: &Path, channel: &str) -> String {
    format!(r"\\.\pipe\{}-{channel}", leaf(dir))
}

/// `Local\<folder name>`, the prefix of the table sections (`…-flow`, `…-bridge`): named after the folder as the
/// pipes are, in the session's namespace (`Global\` would need SeCreateGlobalPrivilege), so that two simulators
/// never share tables (a name in use is refused).
#[cfg(windows)]
pub fn section_prefix(dir: &Path) -> String {
    format!(r"Local\{}", leaf(dir))
}

/// The folder's own name, with anything but letters, digits, `-`, `_` and `.` replaced (a pipe or section name
/// cannot hold a backslash).
#[cfg(windows)]
fn leaf(dir: &Path) -> String {
    let leaf = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "vrouter-sim".to_owned());
    leaf.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}
