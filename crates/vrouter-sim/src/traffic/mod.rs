//! Traffic through the simulated datapath: one frame at a time ([`inject`]) or a generator of
//! many flows ([`run`], [`TrafficRun`]), both sans I/O except for where trap frames go (a
//! [`TrapSink`](crate::pkt0::TrapSink)).

mod generator;
mod inject;
mod packet;
mod synth;

pub use generator::{run, TrafficError, TrafficReport, TrafficRun, TrafficSpec};
pub use inject::{inject, InjectError, Injected, VIF_DROP_NEW_FLOWS, VIF_POLICY_ENABLED};
pub use packet::{parse, Packet};
pub use synth::{nth_tuple, write_frame, Tuple};
