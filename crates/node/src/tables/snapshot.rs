//! A whole table copied out at memory speed: the bytes as they are during the copy, not checked
//! entries.

use napi::bindgen_prelude::*;
use vrouter_proto::tables::racy_copy;

use super::errors::invalid;
use super::mapping::MappedTable;

pub(super) fn snapshot(table: &MappedTable) -> Result<Vec<u8>> {
    let len = table.geometry.byte_len() as usize;
    let mut out = Vec::with_capacity(len);
    // SAFETY: u8 has no invalid values; every byte is written by the copy right after.
    #[allow(clippy::uninit_vec)]
    unsafe {
        out.set_len(len)
    };
    copy_table(table, &mut out)?;
    Ok(out)
}

pub(super) fn copy_table(table: &MappedTable, out: &mut [u8]) -> Result<()> {
    let bytes = table.bytes();
    if out.len() < bytes.len() {
        return Err(invalid(format!("a snapshot needs {} bytes, the buffer has {}", bytes.len(), out.len())));
    }
    racy_copy(bytes, &mut out[..bytes.len()]);
    Ok(())
}
