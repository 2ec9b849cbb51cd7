//! The connections a Windows listener (named pipe or TCP) serves, a thread each: a handle per connection to end
//! it at close, and how many connection threads still run, so that close can wait for them.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

pub(super) struct Connections<H> {
    open: Mutex<(HashMap<u64, H>, usize)>,
    ended: Condvar,
}

impl<H> Default for Connections<H> {
    fn default() -> Self {
        Connections { open: Mutex::new((HashMap::new(), 0)), ended: Condvar::new() }
    }
}

impl<H> Connections<H> {
    /// A connection whose thread is about to start.
    pub(super) fn add(&self, id: u64, handle: H) {
        let mut open = lock(&self.open);
        open.0.insert(id, handle);
        open.1 += 1;
    }

    /// Its thread ends: wakes a close waiting for it.
    pub(super) fn ended(&self, id: u64) {
        self.forget(id);
        self.ended.notify_all();
    }

    /// Its thread could not start (the connection was dropped with it).
    pub(super) fn forget(&self, id: u64) {
        let mut open = lock(&self.open);
        open.0.remove(&id);
        open.1 -= 1;
    }

    /// Ends every connection with `end` and waits for their threads. Call once no connection starts any more.
    pub(super) fn end_all(&self, end: impl Fn(&H)) {
        let mut open = lock(&self.open);
        open.0.values().for_each(&end);
        while open.1 > 0 {
            open = self.ended.wait(open).unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
