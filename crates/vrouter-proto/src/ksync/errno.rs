//! Names of the error codes vRouter answers with.
//!
//! A negative `vr_response.resp_code` is `-errno` in Linux numbering on every platform (the
//! Windows and DPDK engines share dp-core's code and its Linux constants), and so is the error of
//! an `NLMSG_ERROR` from the Linux netlink layer. These tables turn a code into its symbolic name
//! (what `KsyncError.code` carries) and a short reason, so callers never depend on the host's
//! `errno` numbering.

/// `(errno, name, what it means when vRouter sends it)`, Linux numbering.
///
/// The reasons name vRouter's uses where they are specific (PROTOCOL.md §3.6, §11); the rest are
/// the generic meanings.
const ERRNOS: &[(i32, &str, &str)] = &[
    (1, "EPERM", "operation not permitted (netlink: CAP_NET_ADMIN missing); as a vr_response code, -1 usually means vRouter could not decode the request"),
    (2, "ENOENT", "no such object"),
    (3, "ESRCH", "no such process"),
    (4, "EINTR", "interrupted"),
    (5, "EIO", "input/output error"),
    (6, "ENXIO", "no such device or address"),
    (7, "E2BIG", "argument list too long"),
    (9, "EBADF", "flow generation id mismatch"),
    (11, "EAGAIN", "resource temporarily unavailable"),
    (12, "ENOMEM", "out of memory"),
    (13, "EACCES", "permission denied"),
    (14, "EFAULT", "flow key mismatch"),
    (16, "EBUSY", "object busy (flow being modified)"),
    (17, "EEXIST", "object already exists"),
    (19, "ENODEV", "no such device (unknown host interface or router id)"),
    (22, "EINVAL", "invalid argument"),
    (24, "EMFILE", "too many open files"),
    (28, "ENOSPC", "no space left (table full)"),
    (34, "ERANGE", "value out of range"),
    (38, "ENOSYS", "operation not implemented"),
    (61, "ENODATA", "no data available"),
    (71, "EPROTO", "protocol error"),
    (75, "EOVERFLOW", "value too large"),
    (90, "EMSGSIZE", "message too long"),
    (95, "EOPNOTSUPP", "operation not supported"),
    (97, "EAFNOSUPPORT", "address family not supported"),
    (100, "ENETDOWN", "network is down"),
    (101, "ENETUNREACH", "network unreachable"),
    (102, "ENETRESET", "vRouter not ready (module initialising or resetting)"),
    (105, "ENOBUFS", "no buffer space available"),
    (110, "ETIMEDOUT", "timed out"),
];

fn entry(code: i32) -> Option<&'static (i32, &'static str, &'static str)> {
    // Codes travel negated; a non-negative code is a success (or a DUMP count), never an errno.
    let errno = code.checked_neg().filter(|e| *e > 0)?;
    ERRNOS.iter().find(|(n, _, _)| *n == errno)
}

/// The symbolic name of a negative response code: `errno_name(-2) == Some("ENOENT")`.
///
/// `None` for codes ≥ 0 (success) and for errnos this table does not list.
pub fn errno_name(code: i32) -> Option<&'static str> {
    entry(code).map(|(_, name, _)| *name)
}

/// A short reason for a negative response code, worded for vRouter's uses of it.
pub fn errno_description(code: i32) -> Option<&'static str> {
    entry(code).map(|(_, _, reason)| *reason)
}

/// The negative response code for a name: `errno_code("EEXIST") == Some(-17)`.
pub fn errno_code(name: &str) -> Option<i32> {
    ERRNOS
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(errno, _, _)| -errno)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_vrouter_codes() {
        let got: Vec<_> = [-2, -17, -22, -12, -28, -16, -9, -14, -19, -95, -102, -1]
            .iter()
            .map(|c| errno_name(*c).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                "ENOENT",
                "EEXIST",
                "EINVAL",
                "ENOMEM",
                "ENOSPC",
                "EBUSY",
                "EBADF",
                "EFAULT",
                "ENODEV",
                "EOPNOTSUPP",
                "ENETRESET",
                "EPERM"
            ]
        );
    }

    #[test]
    fn success_and_unknown_codes_have_no_name() {
        assert_eq!(errno_name(0), None);
        assert_eq!(errno_name(2), None);
        assert_eq!(errno_name(0x4000_0003), None);
        assert_eq!(errno_name(i32::MIN), None);
        assert_eq!(errno_name(-4095), None);
    }

    #[test]
    fn names_map_back_to_codes() {
        for (errno, name, _) in ERRNOS {
            assert_eq!(errno_code(name), Some(-errno));
            assert_eq!(errno_name(-errno), Some(*name));
            assert!(errno_description(-errno).is_some());
        }
        assert_eq!(errno_code("ENOTANERRNO"), None);
    }
}
