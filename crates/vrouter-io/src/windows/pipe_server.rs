//! The server end of named-pipe channels, as the simulator serves them.
//!
//! - ksync pipes are byte streams (frames reassembled by `nlmsg_len` on the reading side) with any number of
//!   clients at once: a new instance is created as soon as one is connected.
//! - pkt0 pipes are message pipes (one message = one frame) with a single instance: while a client is connected,
//!   a second one gets ERROR_PIPE_BUSY, which it sees as [`ErrorKind::Busy`].
//!
//! Every instance is created overlapped, with PIPE_REJECT_REMOTE_CLIENTS (the channels are local) and a DACL for
//! SYSTEM, Administrators and the creating user only ([`OwnerOnlySecurity`]). The first instance is created with
//! FILE_FLAG_FIRST_PIPE_INSTANCE, so binding fails rather than joining a pipe someone else already serves.

use std::sync::Weak;

use windows_sys::Win32::Foundation::{
    GetLastError, ERROR_ACCESS_DENIED, ERROR_NO_DATA, ERROR_PIPE_CONNECTED, ERROR_SEM_TIMEOUT,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, WaitNamedPipeW, PIPE_READMODE_BYTE, PIPE_READMODE_MESSAGE,
    PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE, PIPE_TYPE_MESSAGE, PIPE_UNLIMITED_INSTANCES,
    PIPE_WAIT,
};

use super::file::OverlappedFile;
use super::handle::{wide, OwnedHandle};
use super::overlapped::{cancel_io_action, Overlapped};
use super::security::OwnerOnlySecurity;
use crate::cancel::Canceller;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::Framing;

/// How a pipe is served.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Byte pipe ([`Framing::Stream`]) or message pipe ([`Framing::Message`]).
    pub framing: Framing,
    /// Clients connected at once: `None` for any number, `Some(1)` for an exclusive channel.
    pub max_instances: Option<u8>,
    /// Size hint for each direction's pipe buffer.
    pub buffer_size: u32,
}

impl ServerOptions {
    /// ksync: byte stream, any number of clients.
    pub fn ksync() -> Self {
        ServerOptions {
            framing: Framing::Stream,
            max_instances: None,
            buffer_size: 64 * 1024,
        }
    }

    /// pkt0: one message per frame, one client.
    pub fn pkt0() -> Self {
        ServerOptions {
            framing: Framing::Message,
            max_instances: Some(1),
            buffer_size: 64 * 1024,
        }
    }
}

/// A named-pipe server: bind once, then [`accept`](PipeServer::accept) clients.
pub struct PipeServer {
    path: String,
    name: Vec<u16>,
    options: ServerOptions,
    security: OwnerOnlySecurity,
    // The instance waiting for the next client (always present for multi-instance servers, so the name never
    // disappears; absent for a single-instance server while its client is connected).
    listening: Option<OwnedHandle>,
    // A single-instance server's current connection, to tell "client still connected" from "name stolen".
    current: Weak<OwnedHandle>,
    op: Overlapped,
    canceller: Canceller,
}

impl PipeServer {
    /// Serves a ksync pipe at `path` (`\\.\pipe\…`).
    pub fn ksync(path: &str) -> Result<Self> {
        Self::bind(path, ServerOptions::ksync())
    }

    /// Serves a pkt0 pipe at `path` (`\\.\pipe\…`).
    pub fn pkt0(path: &str) -> Result<Self> {
        Self::bind(path, ServerOptions::pkt0())
    }

    /// Creates the pipe's first instance, so the name is ours from now on. Fails with
    /// [`ErrorKind::AlreadyExists`] if another server already serves `path`.
    pub fn bind(path: &str, options: ServerOptions) -> Result<Self> {
        let op = Overlapped::new().map_err(|e| Error::from_os(e, "create I/O event"))?;
        let mut server = PipeServer {
            path: path.to_owned(),
            name: wide(path)?,
            options,
            security: OwnerOnlySecurity::new()?,
            listening: None,
            current: Weak::new(),
            op,
            canceller: Canceller::new(),
        };
        server.listening = Some(server.create_instance(true)?);
        Ok(server)
    }

    /// The pipe's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The SDDL of the pipe's security descriptor.
    pub fn sddl(&self) -> &str {
        self.security.sddl()
    }

    /// Cancels a blocked [`accept`](PipeServer::accept) from another thread.
    pub fn canceller(&self) -> Canceller {
        self.canceller.clone()
    }

    /// Waits for a client and returns the connection.
    ///
    /// For a single-instance (pkt0) server, fails with [`ErrorKind::Busy`] while the previous connection is still
    /// alive: drop it first (after it reported [`ErrorKind::PeerClosed`]). Between that drop and this call the
    /// pipe name does not exist, so a client reconnecting in that instant gets [`ErrorKind::NotFound`] and should
    /// retry; the driver's device has no such gap.
    pub fn accept(&mut self) -> Result<OverlappedFile> {
        let instance = match self.listening.take() {
            Some(h) => h,
            // Multi-instance server whose previous attempt to create the next instance failed: connections of
            // ours may still hold the name, so this one is not "first".
            None if self.options.max_instances != Some(1) => self.create_instance(false)?,
            None if self.current.strong_count() > 0 => {
                return Err(Error::new(
                    ErrorKind::Busy,
                    format!("{}: previous client still connected", self.path),
                ))
            }
            // Single instance, client gone, name released: claim it again, refusing to join a pipe that someone
            // else created meanwhile.
            None => self.create_instance(true)?,
        };

        self.canceller
            .set_abort(cancel_io_action(instance.raw(), &self.op));
        let h = instance.raw();
        // SAFETY: h is a pipe instance we own; run waits for the completion.
        let connected = self
            .op
            .run(h, &self.canceller, |ov| unsafe { ConnectNamedPipe(h, ov) });
        self.canceller.clear_abort();
        match connected {
            Ok(_) => {}
            Err(e) if client_came_first(&e) => {}
            Err(e) => {
                self.listening = Some(instance);
                return Err(Error::from_os(e, format!("accept on {}", self.path)));
            }
        }

        if self.options.max_instances != Some(1) {
            // Keep the name served while this client talks. On failure the next accept retries.
            self.listening = self.create_instance(false).ok();
        }
        let connection = OverlappedFile::new(instance, self.options.framing)
            .map_err(|e| Error::from_os(e, "create I/O events"))?;
        self.current = connection.handle_weak();
        Ok(connection)
    }

    fn create_instance(&self, first: bool) -> Result<OwnedHandle> {
        if first && self.name_in_use() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                format!("serve {}: already served", self.path),
            ));
        }
        let (pipe_type, read_mode) = match self.options.framing {
            Framing::Stream => (PIPE_TYPE_BYTE, PIPE_READMODE_BYTE),
            Framing::Message => (PIPE_TYPE_MESSAGE, PIPE_READMODE_MESSAGE),
        };
        let open_mode = PIPE_ACCESS_DUPLEX
            | FILE_FLAG_OVERLAPPED
            | if first {
                FILE_FLAG_FIRST_PIPE_INSTANCE
            } else {
                0
            };
        let instances = self
            .options
            .max_instances
            .map_or(PIPE_UNLIMITED_INSTANCES, u32::from);
        // SAFETY: name is NUL-terminated; the security attributes live as long as self.
        let h = unsafe {
            CreateNamedPipeW(
                self.name.as_ptr(),
                open_mode,
                pipe_type | read_mode | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                instances,
                self.options.buffer_size,
                self.options.buffer_size,
                0,
                self.security.as_ptr(),
            )
        };
        OwnedHandle::from_file_result(h).map_err(|e| {
            if first && e.raw_os_error() == Some(ERROR_ACCESS_DENIED as i32) {
                // What FILE_FLAG_FIRST_PIPE_INSTANCE gives when the pipe already exists.
                Error::with_kind(
                    ErrorKind::AlreadyExists,
                    e,
                    format!("serve {}: already served", self.path),
                )
            } else {
                Error::from_os(e, format!("CreateNamedPipeW {}", self.path))
            }
        })
    }
}

/// ConnectNamedPipe's "errors" that mean a client is there: it connected between CreateNamedPipeW and
/// ConnectNamedPipe (ERROR_PIPE_CONNECTED), or did so and has left already (ERROR_NO_DATA; its reads will say so).
fn client_came_first(e: &std::io::Error) -> bool {
    let code = e.raw_os_error().map(|c| c as u32);
    code == Some(ERROR_PIPE_CONNECTED) || code == Some(ERROR_NO_DATA)
}

impl PipeServer {
    /// Whether a pipe of our name exists (someone else's, when we are about to create the first instance).
    ///
    /// FILE_FLAG_FIRST_PIPE_INSTANCE is what guarantees this on Windows; this probe adds a clear error where the
    /// flag is not enforced (Wine 8 creates a further instance of the existing pipe instead). WaitNamedPipeW
    /// does not connect: it returns at once if an instance is free, times out if all are busy, and fails with
    /// ERROR_FILE_NOT_FOUND if there is no such pipe.
    fn name_in_use(&self) -> bool {
        // SAFETY: name is NUL-terminated.
        if unsafe { WaitNamedPipeW(self.name.as_ptr(), 1) } != 0 {
            return true;
        }
        // SAFETY: plain call.
        unsafe { GetLastError() == ERROR_SEM_TIMEOUT }
    }
}

impl Drop for PipeServer {
    fn drop(&mut self) {
        self.canceller.clear_abort();
    }
}
