//! The reader registry: open flow tables on the JavaScript thread, by id. `NativeFlowTable` holds
//! the id and removes its table when closed or collected; the plain callbacks (`fast`) find the
//! table by the id they are given.

use std::cell::RefCell;

use super::flow_reader::FlowReader;

thread_local! {
    static READERS: RefCell<Vec<Option<FlowReader>>> = const { RefCell::new(Vec::new()) };
}

/// Keeps `reader`; returns its id.
pub fn register(reader: FlowReader) -> u32 {
    READERS.with_borrow_mut(|r| match r.iter().position(Option::is_none) {
        Some(i) => {
            r[i] = Some(reader);
            i as u32
        }
        None => {
            r.push(Some(reader));
            (r.len() - 1) as u32
        }
    })
}

/// Drops the reader `id` (unmapping its table).
pub fn unregister(id: u32) {
    let gone = READERS.with_borrow_mut(|r| r.get_mut(id as usize).and_then(Option::take));
    drop(gone);
}

/// Runs `f` on reader `id`; `None` when there is none (closed).
pub fn with<T>(id: u32, f: impl FnOnce(&mut FlowReader) -> T) -> Option<T> {
    READERS.with_borrow_mut(|r| r.get_mut(id as usize).and_then(Option::as_mut).map(f))
}
