//! A request as the caller hands it over: a message, or one already encoded.

use crate::messages::Message;
use crate::netlink::MAX_SANDESH_PAYLOAD;

use super::error::SubmitError;

/// One request for [`submit`](super::KsyncSession::submit).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A message of the schema; the session encodes it. (Boxed: the largest message is a
    /// kilobyte, which would make every request that large.)
    Message(Box<Message>),
    /// The encoding of exactly one sandesh (e.g. from the JavaScript tape writer).
    ///
    /// The session cannot check that it is one sandesh without decoding it. Two would draw two
    /// answers, and every later answer in the frame would be handed to the wrong request.
    Encoded(Vec<u8>),
}

impl From<Message> for Request {
    fn from(m: Message) -> Self {
        Request::Message(Box::new(m))
    }
}

impl From<Vec<u8>> for Request {
    fn from(bytes: Vec<u8>) -> Self {
        Request::Encoded(bytes)
    }
}

impl Request {
    /// The sandesh bytes, checked to fit one netlink message on their own.
    pub(crate) fn into_payload(self) -> Result<Vec<u8>, SubmitError> {
        let payload = match self {
            Request::Message(m) => m.to_bytes(),
            Request::Encoded(bytes) => bytes,
        };
        if payload.is_empty() {
            return Err(SubmitError::EmptyPayload);
        }
        if payload.len() > MAX_SANDESH_PAYLOAD {
            return Err(SubmitError::TooLarge {
                len: payload.len(),
                max: MAX_SANDESH_PAYLOAD,
            });
        }
        Ok(payload)
    }
}
