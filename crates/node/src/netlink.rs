//! Netlink frame helpers for JavaScript: wrap a Sandesh payload as vRouter's peers do, and
//! take received frames apart. (The ksync client and the simulator frame natively; these are
//! for tools, tests and anyone looking at captured bytes.)

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::netlink::{self, Dialect, Reply, ReplyWriter, RequestHeader};

/// Header fields of a request frame.
#[napi(object)]
pub struct RequestFields {
    /// `nlmsg_type`: the family id (DPDK agent 24, utilities 0x20, Windows 1, kernel: looked up).
    pub family_id: u16,
    pub seq: u32,
    /// `nlmsg_pid`: the agent sends its process id, the utilities 0 (the default).
    pub pid: Option<u32>,
}

/// Header fields of a reply, as a forwarding engine in `dialect` frames it.
#[napi(object)]
pub struct ReplyFields {
    /// `kernel`, `dpdk` or `windows`.
    pub dialect: String,
    /// `nlmsg_type` of the request, echoed.
    pub family_id: u16,
    pub seq: u32,
    /// The request's `nlmsg_pid` (echoed by the kernel dialect only).
    pub pid: Option<u32>,
}

/// One frame taken apart.
#[napi(object, object_from_js = false)]
pub struct ParsedFrame {
    /// `sandesh` (a ksync message), `done` (NLMSG_DONE) or `error` (NLMSG_ERROR from the kernel).
    pub kind: &'static str,
    pub length: u32,
    #[napi(js_name = "type")]
    pub msg_type: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
    /// NLM_F_MULTI: more messages of the same reply follow.
    pub multi: bool,
    /// The Sandesh payload (pad bytes dropped), for `sandesh` frames.
    pub payload: Option<Buffer>,
    /// The errno of an `error` frame (0 for an acknowledgement).
    pub errno: Option<i32>,
}

fn dialect(name: &str) -> Result<Dialect> {
    match name {
        "kernel" => Ok(Dialect::Kernel),
        "dpdk" => Ok(Dialect::Dpdk),
        "windows" => Ok(Dialect::Windows),
        other => Err(Error::new(Status::InvalidArg, format!("unknown dialect {other:?}: expected kernel, dpdk or windows"))),
    }
}

fn frame_error(e: impl std::fmt::Display) -> Error {
    Error::new(Status::InvalidArg, e.to_string())
}

/// Frames a Sandesh payload as one request: exact lengths, no padding.
#[napi]
pub fn frame_request(payload: Uint8ArraySlice, fields: RequestFields) -> Result<Buffer> {
    let header = RequestHeader { family_id: fields.family_id, seq: fields.seq, pid: fields.pid.unwrap_or(0) };
    let mut out = Vec::with_capacity(24 + payload.len());
    netlink::write_request(&mut out, &header, &payload).map_err(frame_error)?;
    Ok(out.into())
}

/// Frames the replies to one request (each payload one message) as `fields.dialect` does:
/// MULTI flags, the kernel's and Windows' padding and closing DONE.
#[napi]
pub fn frame_replies(payloads: Vec<Uint8Array>, fields: ReplyFields) -> Result<Buffer> {
    let d = dialect(&fields.dialect)?;
    let writer = ReplyWriter::with_fields(d, fields.family_id, fields.seq, d.reply_pid(fields.pid.unwrap_or(0)));
    let mut out = Vec::new();
    writer.write_response(&mut out, &payloads).map_err(frame_error)?;
    Ok(out.into())
}

/// Takes apart back-to-back frames, read as replies (the agent's rules) or requests (vRouter's).
#[napi]
pub fn parse_frames(bytes: Uint8ArraySlice, role: String) -> Result<Vec<ParsedFrame>> {
    let requests = match role.as_str() {
        "reply" => false,
        "request" => true,
        other => return Err(Error::new(Status::InvalidArg, format!("unknown role {other:?}: expected reply or request"))),
    };
    let mut out = Vec::new();
    for frame in netlink::split_frames(&bytes) {
        let frame = frame.map_err(frame_error)?;
        let reply = if requests {
            Reply::Sandesh(netlink::parse_request(frame).map_err(frame_error)?)
        } else {
            netlink::parse_reply(frame).map_err(frame_error)?
        };
        let h = *reply.header();
        let base = |kind| ParsedFrame {
            kind,
            length: h.len,
            msg_type: h.msg_type,
            flags: h.flags,
            seq: h.seq,
            pid: h.pid,
            multi: reply.is_multi(),
            payload: None,
            errno: None,
        };
        out.push(match reply {
            Reply::Sandesh(m) => ParsedFrame { payload: Some(m.declared_payload().to_vec().into()), ..base("sandesh") },
            Reply::Done(_) => base("done"),
            Reply::Error(e) => ParsedFrame { errno: Some(e.errno()), ..base("error") },
        });
    }
    Ok(out)
}
