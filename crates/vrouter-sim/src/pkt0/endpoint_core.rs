//! What every pkt0 endpoint of the simulator keeps alike (the Unix socket or tap, the Windows pipe): its
//! counters, the log of re-injected frames and the datapath it accounts frames on.

use std::sync::{Arc, Mutex, MutexGuard};

use super::inbound::{account, ReinjectLog, Reinjected};
use super::stats::{Pkt0Counters, Pkt0Stats};
use super::{TrapBatch, TrapSink};
use crate::traffic::{InjectError, Injected};
use crate::Datapath;

pub(super) struct EndpointCore {
    pub(super) counters: Pkt0Counters,
    pub(super) log: Mutex<ReinjectLog>,
    pub(super) datapath: Arc<Mutex<Datapath>>,
}

impl EndpointCore {
    pub(super) fn new(datapath: Arc<Mutex<Datapath>>) -> Self {
        EndpointCore { counters: Pkt0Counters::default(), log: Mutex::new(ReinjectLog::default()), datapath }
    }

    pub(super) fn stats(&self) -> Pkt0Stats {
        self.counters.snapshot()
    }

    pub(super) fn reinjected(&self) -> Vec<Reinjected> {
        lock(&self.log).frames().cloned().collect()
    }

    pub(super) fn clear_reinjected(&self) {
        lock(&self.log).clear();
    }

    /// Runs `frame` through the datapath as received on vif `vif` and sends the trap it causes, if any, to `sink`
    /// (the endpoint).
    pub(super) fn inject(&self, frame: &[u8], vif: u32, sink: &dyn TrapSink) -> Result<Injected, InjectError> {
        let mut traps = TrapBatch::new();
        let outcome = crate::traffic::inject(&mut lock(&self.datapath), frame, vif, &mut traps);
        sink.send_traps(&traps);
        outcome
    }

    /// Frames from the agent (see [`account`]).
    pub(super) fn receive<'a>(&self, frames: impl Iterator<Item = &'a [u8]>) {
        account(&self.counters, &self.log, &self.datapath, frames);
    }
}

/// The methods every endpoint offers over its [`EndpointCore`] (`self.shared.core`), written once.
macro_rules! core_methods {
    ($endpoint:ty) => {
        impl $endpoint {
            /// The counters.
            pub fn stats(&self) -> $crate::pkt0::Pkt0Stats {
                self.shared.core.stats()
            }

            /// The frames re-injected by the agent that are still in the log, oldest first.
            pub fn reinjected(&self) -> Vec<$crate::pkt0::Reinjected> {
                self.shared.core.reinjected()
            }

            /// Empties the log of re-injected frames.
            pub fn clear_reinjected(&self) {
                self.shared.core.clear_reinjected();
            }

            /// Runs `frame` through the datapath as received on vif `vif`
            /// ([`inject`]($crate::traffic::inject)) and sends the trap it causes, if any.
            pub fn inject(
                &self,
                frame: &[u8],
                vif: u32,
            ) -> Result<$crate::traffic::Injected, $crate::traffic::InjectError> {
                self.shared.core.inject(frame, vif, self)
            }
        }
    };
}
pub(super) use core_methods;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
