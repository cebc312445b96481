//! The wall clock, in whole seconds since the Unix epoch (0 for a clock set
//! before it), for timestamps in archives, the journal and reports.

pub fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
