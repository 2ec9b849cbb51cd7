//! GET and DUMP of a table indexed by the request's own index, answered as vRouter's index-table
//! handlers answer them: the request comes back with the entry's fields written over it; a
//! dump lists the present entries after the marker, each built fresh.

use sandesh::Sandesh;

use super::dump::resume_after;
use super::errno::*;
use super::{Dumper, IndexTable, Responses};

/// GET of entry `idx`: `-ENODEV` outside the table, `-ENOENT` when absent.
pub fn get<T, M: Sandesh>(table: &IndexTable<T>, idx: u32, mut req: M, fill: fn(&mut M, u32, &T), out: &mut Responses) {
    if !table.in_range(idx as i64) {
        return out.code(-ENODEV);
    }
    match table.get(idx) {
        None => out.code(-ENOENT),
        Some(e) => {
            fill(&mut req, idx, e);
            out.reply(0, &[&req]);
        }
    }
}

/// One dump page of the entries after `marker`.
pub fn dump<T, M: Sandesh + Default>(table: &IndexTable<T>, marker: i32, fill: fn(&mut M, u32, &T), out: &mut Responses) {
    let mut page = Dumper::new();
    for (idx, e) in resume_after(marker, table.limit()).into_iter().flat_map(|a| table.after(a)) {
        let mut object = M::default();
        fill(&mut object, idx, e);
        if !page.push(&object) {
            break;
        }
    }
    page.finish(out);
}
