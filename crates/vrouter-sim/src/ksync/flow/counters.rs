//! The flow table's counters (vRouter's `struct vr_flow_table_info`), as `vr_flow_table_data`
//! reports them.

/// What vRouter counts about flow programming, on the simulator's one core. All start at 0 and
/// go back to 0 with the soft reset, as vRouter zeroes its table info then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowCounters {
    /// Flows the agent added with FLOW_SET (`ftable_added`).
    pub added: u64,
    /// Flows the agent deleted (`ftable_deleted`).
    pub deleted: u64,
    /// FLOW_SETs that changed a flow other than by resolving a HOLD (`ftable_changed`).
    pub changed: u64,
    /// HOLD flows the agent resolved: gave another action or deleted (`ftable_processed`).
    pub processed: u64,
    /// Flows put in HOLD, by packets or by the agent (`ftable_hold_stat[0]`, summed into
    /// `ftable_created`). 32 bits, as in vRouter: when it would wrap, the resolved part is
    /// taken out of it and of `processed`, and `hold_oflows` counts the event.
    pub hold: u32,
    /// Times `hold` would have wrapped (`ftable_hold_oflows`).
    pub hold_oflows: u32,
}

impl FlowCounters {
    /// Counts one flow put in HOLD (vRouter's `vr_flow_entry_set_hold`).
    pub fn count_hold(&mut self) {
        if self.hold == u32::MAX {
            self.hold_oflows = self.hold_oflows.wrapping_add(1);
            // Keep `hold - processed` (the flows still held) while making room.
            if self.processed > u64::from(self.hold) {
                self.processed -= u64::from(self.hold);
                self.hold = 0;
            } else {
                self.hold -= self.processed as u32;
                self.processed = 0;
            }
        }
        self.hold += 1;
    }

    /// Flows put in HOLD and not yet resolved (`ftable_hold_entries`, and what the hold limit
    /// is checked against).
    pub fn held(&self) -> u64 {
        u64::from(self.hold).saturating_sub(self.processed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_wrap_keeps_the_held_count() {
        let mut c = FlowCounters { hold: u32::MAX, processed: 10, ..Default::default() };
        let held = c.held();
        c.count_hold();
        assert_eq!((c.held(), c.hold_oflows, c.processed), (held + 1, 1, 0));
    }
}
