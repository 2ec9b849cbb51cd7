//! The helper threads large scans share their work with: started once, waiting for jobs.
//!
//! A job is offered to every helper; each calls [`Job::help`] until the job has nothing left to
//! take, then looks for the next. Keeping the threads (rather than starting them per scan) saves
//! their start-up, tens of microseconds, on every batch of `active()`, and lets a job run while
//! the JavaScript thread does something else (the next batch is filled while this one is read).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Work helpers can share. `help` returns when there is nothing left for a helper to take; it
/// must not touch memory the job's owner may free once the job says it is done.
pub trait Job: Send + Sync {
    fn help(&self);
}

struct Pool {
    jobs: Mutex<Vec<Arc<dyn Job>>>,
    offered: Condvar,
}

fn pool(helpers: usize) -> &'static Pool {
    static POOL: OnceLock<&'static Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let pool: &'static Pool = Box::leak(Box::new(Pool { jobs: Mutex::new(Vec::new()), offered: Condvar::new() }));
        for i in 0..helpers {
            // A helper that cannot be started leaves its share to the others and the caller.
            let _ = std::thread::Builder::new().name(format!("vrouter-io scan {i}")).spawn(move || pool.serve());
        }
        pool
    })
}

impl Pool {
    fn serve(&self) {
        loop {
            let job = {
                let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(job) = jobs.first() {
                        break job.clone();
                    }
                    jobs = self.offered.wait(jobs).unwrap_or_else(|e| e.into_inner());
                }
            };
            // A job that panics is marked failed by its own guard; the helper lives on.
            let _ = catch_unwind(AssertUnwindSafe(|| job.help()));
            let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
            jobs.retain(|j| !Arc::ptr_eq(j, &job));
        }
    }
}

/// Offers `job` to `helpers` helper threads (started on first use; the count of the first call
/// stays). The caller helps too and waits for the job's end by its own means.
pub fn offer(helpers: usize, job: Arc<dyn Job>) {
    let pool = pool(helpers);
    pool.jobs.lock().unwrap_or_else(|e| e.into_inner()).push(job);
    pool.offered.notify_all();
}
