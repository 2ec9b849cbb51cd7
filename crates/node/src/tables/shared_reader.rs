//! An open flow table's reader, shared by `NativeFlowTable` and the plain callbacks made for it
//! (`fast`). Each callback holds a reference of its own, so that it may outlive the table object
//! in either order of collection; `close` empties the cell, unmapping the table for all of them.

use std::cell::RefCell;
use std::rc::Rc;

use super::flow_reader::FlowReader;

/// The reader, or nothing once the table is closed. Only the JavaScript thread touches it.
pub struct ReaderCell(RefCell<Option<FlowReader>>);

pub type SharedReader = Rc<ReaderCell>;

impl ReaderCell {
    pub fn new(reader: FlowReader) -> SharedReader {
        Rc::new(Self(RefCell::new(Some(reader))))
    }

    /// Runs `f` on the reader; `None` when the table is closed.
    pub fn with<T>(&self, f: impl FnOnce(&mut FlowReader) -> T) -> Option<T> {
        self.0.borrow_mut().as_mut().map(f)
    }

    /// Drops the reader (unmapping its table).
    pub fn close(&self) {
        let gone = self.0.borrow_mut().take();
        drop(gone);
    }
}
