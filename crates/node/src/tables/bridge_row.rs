//! The columns of a bridge entry as JavaScript receives them (lib/tables/bridge-entry.ts).

use vrouter_proto::tables::BridgeEntryCopy;

use super::columns::columns;

columns!(BridgeRow, &BridgeEntryCopy, |c| {
    index: u32 = c.index(),
    hentryFlags: u8 = c.view().hentry_flags(),
    mac: [u8; 6] = c.view().key().mac,
    vrf: u16 = c.view().key().vrf,
    flags: u16 = c.view().flags(),
    label: u32 = c.view().label(),
    nhId: i32 = c.view().nh_id(),
    packets: u64 = c.view().packets(),
});
