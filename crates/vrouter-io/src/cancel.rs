//! Cancellation of blocked calls from another thread.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

type Abort = Box<dyn Fn() + Send + Sync>;

/// Cancels the blocked calls of one transport half (or one server's `accept`) from any thread.
///
/// Cancellation is sticky: after [`cancel`](Canceller::cancel), the call in progress and every later call fail
/// with [`ErrorKind::Cancelled`](crate::ErrorKind::Cancelled) until [`reset`](Canceller::reset). Being sticky
/// closes the race where `cancel` lands just before the call starts blocking. Clones share the same state.
#[derive(Clone)]
pub struct Canceller {
    state: Arc<State>,
}

struct State {
    cancelled: AtomicBool,
    // Guards the flag for sleepers, so that a cancel between their check and their wait is not lost.
    gate: Mutex<()>,
    wake: Condvar,
    // What aborts the OS call currently blocked, e.g. CancelIoEx on the half's handle. Held locked while it runs,
    // so that its owner can unregister it (and then close the handle) without racing a concurrent cancel.
    abort: Mutex<Option<Abort>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in an abort action must not make cancellation unusable for everyone else.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Canceller {
    /// A fresh, not-cancelled canceller without an abort action.
    pub fn new() -> Self {
        Canceller {
            state: Arc::new(State {
                cancelled: AtomicBool::new(false),
                gate: Mutex::new(()),
                wake: Condvar::new(),
                abort: Mutex::new(None),
            }),
        }
    }

    /// Cancels the blocked call, if any, and all later calls until [`reset`](Canceller::reset).
    pub fn cancel(&self) {
        {
            let _gate = lock(&self.state.gate);
            self.state.cancelled.store(true, Ordering::SeqCst);
            self.state.wake.notify_all();
        }
        if let Some(abort) = lock(&self.state.abort).as_ref() {
            abort();
        }
    }

    /// Makes calls possible again after a [`cancel`](Canceller::cancel).
    pub fn reset(&self) {
        self.state.cancelled.store(false, Ordering::SeqCst);
    }

    /// Whether [`cancel`](Canceller::cancel) was called and not yet [`reset`](Canceller::reset).
    pub fn is_cancelled(&self) -> bool {
        self.state.cancelled.load(Ordering::SeqCst)
    }

    /// Sleeps for `duration` or until cancelled, whichever comes first; returns whether it was cancelled.
    /// For transports that must poll (the Windows ksync device answers "nothing yet" instead of blocking).
    pub fn sleep(&self, duration: Duration) -> bool {
        let gate = lock(&self.state.gate);
        let (_gate, _) = self
            .state
            .wake
            .wait_timeout_while(gate, duration, |_| !self.is_cancelled())
            .unwrap_or_else(PoisonError::into_inner);
        self.is_cancelled()
    }

    /// Installs the action that aborts the OS call in progress (replacing any previous one). Transport
    /// implementations call this once they own the handle; the action must be harmless when nothing is blocked.
    pub fn set_abort(&self, abort: impl Fn() + Send + Sync + 'static) {
        *lock(&self.state.abort) = Some(Box::new(abort));
    }

    /// Removes the abort action. Returns only once a concurrently running action has finished, so the caller may
    /// then release what the action refers to.
    pub fn clear_abort(&self) {
        *lock(&self.state.abort) = None;
    }
}

impl Default for Canceller {
    fn default() -> Self {
        Canceller::new()
    }
}

impl fmt::Debug for Canceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Canceller")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    #[test]
    fn cancel_is_sticky_until_reset() {
        let c = Canceller::new();
        assert!(!c.is_cancelled());
        c.cancel();
        assert!(c.clone().is_cancelled());
        c.reset();
        assert!(!c.is_cancelled());
    }

    #[test]
    fn cancel_wakes_a_sleeper() {
        let c = Canceller::new();
        let c2 = c.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            c2.cancel();
        });
        let start = Instant::now();
        assert!(c.sleep(Duration::from_secs(30)));
        assert!(start.elapsed() < Duration::from_secs(10));
        t.join().unwrap();
    }

    #[test]
    fn sleep_times_out_without_cancel() {
        assert!(!Canceller::new().sleep(Duration::from_millis(5)));
    }

    #[test]
    fn cancel_runs_the_abort_action_until_cleared() {
        let c = Canceller::new();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        c.set_abort(move || {
            h.fetch_add(1, Ordering::SeqCst);
        });
        c.cancel();
        c.clear_abort();
        c.cancel();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
