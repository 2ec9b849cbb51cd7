//! Linux errno values, as vRouter returns them (negated) in `vr_response.resp_code`.

/// Operation not permitted.
pub const EPERM: i32 = 1;
/// No such object.
pub const ENOENT: i32 = 2;
/// Bad generation (flows).
pub const EBADF: i32 = 9;
/// Out of memory.
pub const ENOMEM: i32 = 12;
/// Bad key (flows).
pub const EFAULT: i32 = 14;
/// Busy (flows).
pub const EBUSY: i32 = 16;
/// Already exists.
pub const EEXIST: i32 = 17;
/// No such device.
pub const ENODEV: i32 = 19;
/// Invalid argument.
pub const EINVAL: i32 = 22;
/// No space left.
pub const ENOSPC: i32 = 28;
/// Operation not supported.
pub const EOPNOTSUPP: i32 = 95;
/// vRouter not ready.
pub const ENETRESET: i32 = 102;
