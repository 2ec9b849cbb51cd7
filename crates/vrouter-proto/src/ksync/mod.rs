//! The ksync client session, without I/O: requests in, netlink frames out; replies in, events out.
//!
//! - [`KsyncSession`]: sequence numbers, request packing (16 per frame, as the agent does),
//!   matching answers to requests, and dumps that follow vRouter's marker page by page.
//! - [`markers`]: where each dumpable message keeps its dump marker (shared with the simulator).
//! - [`errno_name`] and friends: names for the negative codes vRouter answers with.
//!
//! A transport drives it like this:
//!
//! ```
//! use vrouter_proto::ksync::{Event, KsyncSession};
//! use vrouter_proto::messages::{Message, SandeshOp, VrouterOps};
//!
//! let mut session = KsyncSession::new(24, 0);
//! let id = session.submit(Message::from(VrouterOps { h_op: SandeshOp::GET, ..Default::default() }))?;
//! let mut out = Vec::new();
//! while let Some(frame) = session.poll_transmit(&mut out) {
//!     // send out[..]: one frame per datagram on the kernel, back to back on a stream
//!     # let _ = frame;
//! }
//! // for each netlink message received: session.handle_frame(&bytes)?;
//! while let Some(event) = session.poll_event() {
//!     if let Event::Reply { id: got, response_code, objects } = event {
//!         # let _ = (got, response_code, objects);
//!     }
//! }
//! # let _ = id;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod dump;
mod errno;
mod error;
mod event;
mod exchange;
pub mod markers;
mod request;
mod session;

pub use config::{SessionConfig, BULK_FRAME_LIMIT, MAX_REQUESTS_PER_FRAME};
pub use errno::{errno_code, errno_description, errno_name};
pub use error::{ProtocolError, SubmitError};
pub use event::{DumpError, DumpId, Event, RequestError, RequestId};
pub use markers::VR_MESSAGE_DUMP_INCOMPLETE;
pub use request::Request;
pub use session::{KsyncSession, Transmit};
