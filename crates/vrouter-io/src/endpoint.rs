//! Endpoint strings (DESIGN.md "Endpoints"): which transport a string names, and opening it for ksync.
//!
//! | endpoint | transport | where |
//! |---|---|---|
//! | `unix:PATH` | Unix stream socket ([`unix::connect`](crate::unix::connect)) | Unix |
//! | `tcp:HOST:PORT` | TCP, `TCP_NODELAY` ([`tcp::connect`](crate::tcp::connect)) | Unix |
//! | `\\.\…` | driver device or named pipe ([`windows::open_ksync`](crate::windows::open_ksync)) | Windows |
//! | `netlink:`, `netlink:FAMILY` | generic netlink to the kernel module, family "vrouter" or FAMILY (`netlink_socket::connect`) | Linux |
//!
//! Parsing is the same on every OS, so a string is reported as "not supported here" rather than "unknown" when it
//! names another OS's transport.
//!
//! Requests carry a generic-netlink family id in `nlmsg_type`: [`open_ksync_with_family`] returns the one to use with
//! the channel (the agent's 24 on Unix and TCP sockets, 1 on Windows, the looked-up id on `netlink:`).

use std::fmt;

use vrouter_proto::netlink::{DPDK_AGENT_FAMILY_ID, VROUTER_GENL_FAMILY_NAME, WINDOWS_FAMILY_ID};

use crate::error::{Error, ErrorKind, Result};
use crate::transport::Transport;

/// A parsed endpoint string, borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint<'a> {
    /// `unix:PATH`: the socket's path.
    Unix(&'a str),
    /// `tcp:HOST:PORT`: the `HOST:PORT` part.
    Tcp(&'a str),
    /// `\\.\NAME` or `\\?\NAME`: a Windows device or named pipe path, whole.
    WindowsPath(&'a str),
    /// `netlink:` or `netlink:FAMILY`: a generic-netlink family of the Linux kernel, by name (`"vrouter"` for
    /// `netlink:`, the kernel module's; another name serves tests and tools).
    Netlink(&'a str),
}

/// Why an endpoint string cannot be opened, before any I/O is tried.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not of any known form.
    UnknownScheme {
        /// The string given.
        endpoint: String,
    },
    /// A known scheme with an unusable rest (`unix:` without a path, `tcp:` without a numeric port).
    Malformed {
        /// The string given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A valid endpoint that this build cannot open (another OS's transport, or one not implemented yet).
    Unsupported {
        /// The string given.
        endpoint: String,
        /// Why.
        reason: &'static str,
    },
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::UnknownScheme { endpoint } => write!(
                f,
                "unknown endpoint '{endpoint}': expected unix:PATH, tcp:HOST:PORT, netlink: or \\\\.\\NAME"
            ),
            EndpointError::Malformed { endpoint, reason } => {
                write!(f, "malformed endpoint '{endpoint}': {reason}")
            }
            EndpointError::Unsupported { endpoint, reason } => {
                write!(f, "endpoint '{endpoint}' is not supported: {reason}")
            }
        }
    }
}

impl std::error::Error for EndpointError {}

impl From<EndpointError> for Error {
    /// An [`ErrorKind::InvalidInput`] error whose source chain holds the [`EndpointError`] (inside an `io::Error`,
    /// the only source this crate's error keeps).
    fn from(err: EndpointError) -> Self {
        let context = match &err {
            EndpointError::UnknownScheme { .. } | EndpointError::Malformed { .. } => {
                "parse endpoint"
            }
            EndpointError::Unsupported { .. } => "open endpoint",
        };
        let kind = match err {
            EndpointError::Unsupported { .. } => std::io::ErrorKind::Unsupported,
            _ => std::io::ErrorKind::InvalidInput,
        };
        Error::with_kind(
            ErrorKind::InvalidInput,
            std::io::Error::new(kind, err),
            context,
        )
    }
}

impl<'a> Endpoint<'a> {
    /// Parses `endpoint`, checking its syntax and whether this OS has its transport.
    pub fn parse(endpoint: &'a str) -> Result<Self, EndpointError> {
        let malformed = |reason| EndpointError::Malformed {
            endpoint: endpoint.to_owned(),
            reason,
        };
        let parsed = if let Some(path) = endpoint.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(malformed("no socket path after unix:"));
            }
            Endpoint::Unix(path)
        } else if let Some(address) = endpoint.strip_prefix("tcp:") {
            match address.rsplit_once(':') {
                Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                    Endpoint::Tcp(address)
                }
                _ => return Err(malformed("expected tcp:HOST:PORT with a port number")),
            }
        } else if endpoint.starts_with(r"\\.\") || endpoint.starts_with(r"\\?\") {
            if endpoint.len() == 4 {
                return Err(malformed(r"no device or pipe name after \\.\"));
            }
            Endpoint::WindowsPath(endpoint)
        } else if let Some(family) = endpoint.strip_prefix("netlink:") {
            if family.is_empty() {
                Endpoint::Netlink(VROUTER_GENL_FAMILY_NAME)
            } else if family.len() > vrouter_proto::netlink::GENL_MAX_FAMILY_NAME
                || family.contains('\0')
            {
                return Err(malformed(
                    "a generic netlink family name has 1 to 15 bytes, no NUL",
                ));
            } else {
                Endpoint::Netlink(family)
            }
        } else {
            return Err(EndpointError::UnknownScheme {
                endpoint: endpoint.to_owned(),
            });
        };
        match parsed.unsupported_here() {
            Some(reason) => Err(EndpointError::Unsupported {
                endpoint: endpoint.to_owned(),
                reason,
            }),
            None => Ok(parsed),
        }
    }

    /// Why this build cannot open the endpoint, if it cannot.
    fn unsupported_here(&self) -> Option<&'static str> {
        match self {
            Endpoint::Unix(_) | Endpoint::Tcp(_) if !cfg!(unix) => {
                Some("Unix and TCP sockets are served on Unix systems only")
            }
            Endpoint::WindowsPath(_) if !cfg!(windows) => {
                Some("devices and named pipes exist on Windows only")
            }
            Endpoint::Netlink(_) if !cfg!(target_os = "linux") => {
                Some("generic netlink exists on Linux only")
            }
            _ => None,
        }
    }

    /// The family id clients put in `nlmsg_type` on this endpoint when it is fixed by convention: the agent's 24
    /// on Unix and TCP sockets (DPDK), 1 on Windows. `None` for `netlink:`, whose id the kernel assigned (see
    /// [`open_ksync_with_family`](Self::open_ksync_with_family)).
    pub fn default_family_id(&self) -> Option<u16> {
        match self {
            Endpoint::Unix(_) | Endpoint::Tcp(_) => Some(DPDK_AGENT_FAMILY_ID),
            Endpoint::WindowsPath(_) => Some(WINDOWS_FAMILY_ID),
            Endpoint::Netlink(_) => None,
        }
    }

    /// Opens the endpoint as a ksync channel and says which family id its requests carry: the
    /// [default](Self::default_family_id), or on `netlink:` the id looked up from the kernel (as the agent does,
    /// on a short-lived socket of its own).
    ///
    /// Errors: those of [`open_ksync`](Self::open_ksync); on `netlink:`, [`ErrorKind::NotFound`] when the family is
    /// not registered (the vrouter kernel module is not loaded).
    pub fn open_ksync_with_family(&self) -> Result<(Box<dyn Transport>, u16)> {
        #[cfg(target_os = "linux")]
        if let Endpoint::Netlink(family) = *self {
            let (transport, id) = crate::netlink_socket::connect(family)?;
            return Ok((Box::new(transport), id));
        }
        let id = self.default_family_id().ok_or_else(|| {
            Error::from(EndpointError::Unsupported {
                endpoint: self.to_string(),
                reason: "no transport for it in this build",
            })
        })?;
        Ok((self.open_ksync()?, id))
    }

    /// Opens the endpoint as a ksync channel: a byte stream of netlink frames, or datagrams of them on `netlink:`.
    ///
    /// Errors are the transports' own: [`ErrorKind::NotFound`] when nothing serves the endpoint (also for a
    /// refused connection), [`ErrorKind::PermissionDenied`], [`ErrorKind::Busy`] (Windows).
    pub fn open_ksync(&self) -> Result<Box<dyn Transport>> {
        match *self {
            #[cfg(unix)]
            Endpoint::Unix(path) => Ok(Box::new(crate::unix::connect(path)?)),
            #[cfg(unix)]
            Endpoint::Tcp(address) => Ok(Box::new(crate::tcp::connect(address)?)),
            #[cfg(windows)]
            Endpoint::WindowsPath(path) => crate::windows::open_ksync(path),
            #[cfg(target_os = "linux")]
            Endpoint::Netlink(_) => Ok(self.open_ksync_with_family()?.0),
            // `parse` refuses the others on this OS; reaching here means the value was built by hand.
            _ => Err(EndpointError::Unsupported {
                endpoint: self.to_string(),
                reason: "no transport for it in this build",
            }
            .into()),
        }
    }
}

impl fmt::Display for Endpoint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(path) => write!(f, "unix:{path}"),
            Endpoint::Tcp(address) => write!(f, "tcp:{address}"),
            Endpoint::WindowsPath(path) => f.write_str(path),
            Endpoint::Netlink(VROUTER_GENL_FAMILY_NAME) => f.write_str("netlink:"),
            Endpoint::Netlink(family) => write!(f, "netlink:{family}"),
        }
    }
}

/// Opens the ksync channel that `endpoint` names: [`Endpoint::parse`] then [`Endpoint::open_ksync`].
///
/// An endpoint that does not parse, or that this OS cannot open, is an [`ErrorKind::InvalidInput`] error (its
/// [`EndpointError`] is in the source chain); call [`Endpoint::parse`] first to tell those cases apart.
pub fn open_ksync(endpoint: &str) -> Result<Box<dyn Transport>> {
    Endpoint::parse(endpoint)?.open_ksync()
}

/// Opens the ksync channel that `endpoint` names, with the family id its requests carry: [`Endpoint::parse`] then
/// [`Endpoint::open_ksync_with_family`].
pub fn open_ksync_with_family(endpoint: &str) -> Result<(Box<dyn Transport>, u16)> {
    Endpoint::parse(endpoint)?.open_ksync_with_family()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_form() {
        let here = |s| Endpoint::parse(s);
        if cfg!(unix) {
            assert_eq!(here("unix:/run/x"), Ok(Endpoint::Unix("/run/x")));
            assert_eq!(
                here("tcp:127.0.0.1:20914"),
                Ok(Endpoint::Tcp("127.0.0.1:20914"))
            );
            assert_eq!(here("tcp:[::1]:1"), Ok(Endpoint::Tcp("[::1]:1")));
        }
        if cfg!(windows) {
            assert_eq!(
                here(r"\\.\pipe\ksync"),
                Ok(Endpoint::WindowsPath(r"\\.\pipe\ksync"))
            );
        }
    }

    #[test]
    fn refuses_malformed_and_unknown() {
        for bad in [
            "unix:",
            "tcp:host",
            "tcp:host:http",
            "tcp::1",
            "tcp:h:70000",
            r"\\.\",
        ] {
            assert!(
                matches!(Endpoint::parse(bad), Err(EndpointError::Malformed { .. })),
                "{bad}"
            );
        }
        for unknown in ["", "/var/run/vrouter/dpdk_netlink", "udp:1.2.3.4:5", "pipe"] {
            assert!(
                matches!(
                    Endpoint::parse(unknown),
                    Err(EndpointError::UnknownScheme { .. })
                ),
                "{unknown}"
            );
        }
    }

    #[test]
    fn another_os_transport_is_unsupported_not_unknown() {
        let foreign = if cfg!(windows) {
            "unix:/run/x"
        } else {
            r"\\.\pipe\ksync"
        };
        assert!(matches!(
            Endpoint::parse(foreign),
            Err(EndpointError::Unsupported { .. })
        ));
        let netlink = Endpoint::parse("netlink:");
        if cfg!(target_os = "linux") {
            assert_eq!(netlink, Ok(Endpoint::Netlink("vrouter")));
        } else {
            assert!(matches!(netlink, Err(EndpointError::Unsupported { .. })));
        }
    }

    #[test]
    fn netlink_names_a_family() {
        if cfg!(target_os = "linux") {
            let nlctrl = Endpoint::parse("netlink:nlctrl").unwrap();
            assert_eq!(nlctrl, Endpoint::Netlink("nlctrl"));
            assert_eq!(nlctrl.to_string(), "netlink:nlctrl");
            assert_eq!(
                Endpoint::parse("netlink:vrouter").unwrap().to_string(),
                "netlink:"
            );
            assert_eq!(nlctrl.default_family_id(), None);
        }
        assert!(matches!(
            Endpoint::parse("netlink:a-name-of-16-bytes"),
            Err(EndpointError::Malformed { .. })
        ));
    }

    #[test]
    fn fixed_family_ids() {
        assert_eq!(Endpoint::Unix("/x").default_family_id(), Some(24));
        assert_eq!(Endpoint::Tcp("h:1").default_family_id(), Some(24));
        assert_eq!(Endpoint::WindowsPath(r"\\.\x").default_family_id(), Some(1));
    }

    #[test]
    fn open_reports_parse_failures_as_invalid_input() {
        let err = open_ksync("nope").err().unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("unknown endpoint"), "{err}");
    }
}
