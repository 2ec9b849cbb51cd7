//! The simulator's churn writer (a test mode, `vrouter_sim::churn`) from JavaScript: the flow
//! table rewritten at full rate on libuv's thread pool, each flow stamped with a check value a
//! reader verifies.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_sim::churn::{self, ChurnReport, ChurnSpec};

use super::NativeSimulator;

/// How to churn.
#[napi(object)]
pub struct NativeChurnSpec {
    /// Distinct keys cycled through.
    pub flows: u32,
    /// How long, in milliseconds.
    pub duration_ms: u32,
}

/// What the churn did.
#[napi(object)]
pub struct NativeChurnResult {
    pub inserted: f64,
    pub released: f64,
    pub updated: f64,
    pub refused: f64,
    pub stopped: bool,
    pub elapsed_ms: f64,
}

#[napi]
impl NativeSimulator {
    /// Runs the churn writer on libuv's thread pool; resolves when its time is up (or the
    /// simulator closes).
    #[napi(ts_return_type = "Promise<NativeChurnResult>")]
    pub fn churn(&self, spec: NativeChurnSpec) -> AsyncTask<Churn> {
        let spec = ChurnSpec { flows: spec.flows, duration: std::time::Duration::from_millis(u64::from(spec.duration_ms)), ..ChurnSpec::default() };
        AsyncTask::new(Churn { datapath: self.datapath.clone(), spec, stop: self.stopping.clone() })
    }
}

/// The check value of a churned flow (see `vrouter_sim::churn::check_value`): addresses as
/// host-order integers, ports in host order.
#[napi]
pub fn churn_check_value(sip: u32, dip: u32, sport: u32, dport: u32, gen_id: u32) -> u32 {
    churn::check_value(sip, dip, sport as u16, dport as u16, gen_id as u8)
}

/// A churn run, on libuv's thread pool.
pub struct Churn {
    datapath: std::sync::Arc<std::sync::Mutex<vrouter_sim::Datapath>>,
    spec: ChurnSpec,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Task for Churn {
    type Output = ChurnReport;
    type JsValue = NativeChurnResult;

    fn compute(&mut self) -> Result<ChurnReport> {
        churn::run(&self.datapath, &self.spec, &self.stop).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))
    }

    fn resolve(&mut self, _env: Env, r: ChurnReport) -> Result<NativeChurnResult> {
        Ok(NativeChurnResult {
            inserted: r.inserted as f64,
            released: r.released as f64,
            updated: r.updated as f64,
            refused: r.refused as f64,
            stopped: r.stopped,
            elapsed_ms: r.elapsed.as_secs_f64() * 1e3,
        })
    }
}
