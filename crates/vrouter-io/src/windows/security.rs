//! The security descriptor for endpoints the simulator creates (pipes, sections): SYSTEM, Administrators and the
//! creating user only, so another local user cannot talk to (or impersonate) someone's forwarding engine.

use std::io;

use windows_sys::core::PWSTR;
use windows_sys::Win32::Foundation::{LocalFree, HLOCAL};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenUser, PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY,
    TOKEN_USER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

use super::handle::{wide, OwnedHandle};
use crate::error::{Error, Result};

/// The SDDL of a DACL granting full access to SYSTEM, Administrators and `user_sid` only. "P" (protected) keeps
/// inheritable entries of a parent from widening it.
pub fn owner_only_sddl(user_sid: &str) -> String {
    format!("D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;{user_sid})")
}

/// The SID of the user this process runs as, in string form ("S-1-5-21-…"), read from the process token.
pub fn current_user_sid() -> Result<String> {
    let os = |e: io::Error, what: &'static str| Error::from_os(e, what);
    let mut token = std::ptr::null_mut();
    // SAFETY: plain call with a valid out-pointer; the pseudo-handle of the current process needs no closing.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(os(io::Error::last_os_error(), "OpenProcessToken"));
    }
    let token = OwnedHandle::from_null_result(token).map_err(|e| os(e, "OpenProcessToken"))?;

    let mut needed = 0u32;
    // SAFETY: size query with a null buffer; fails with ERROR_INSUFFICIENT_BUFFER and sets `needed`.
    unsafe { GetTokenInformation(token.raw(), TokenUser, std::ptr::null_mut(), 0, &mut needed) };
    // u64 elements: TOKEN_USER holds pointers and must be 8-byte aligned.
    let mut buf = vec![0u64; (needed as usize).div_ceil(8).max(1)];
    // SAFETY: buf is at least `needed` bytes and suitably aligned.
    if unsafe {
        GetTokenInformation(
            token.raw(),
            TokenUser,
            buf.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    } == 0
    {
        return Err(os(
            io::Error::last_os_error(),
            "GetTokenInformation(TokenUser)",
        ));
    }
    // SAFETY: GetTokenInformation filled buf with a TOKEN_USER whose SID lives in the same buffer.
    let sid = unsafe { (*buf.as_ptr().cast::<TOKEN_USER>()).User.Sid };

    let mut text: PWSTR = std::ptr::null_mut();
    // SAFETY: sid is valid while buf lives; text receives a LocalAlloc'ed string we free below.
    if unsafe { ConvertSidToStringSidW(sid, &mut text) } == 0 {
        return Err(os(io::Error::last_os_error(), "ConvertSidToStringSidW"));
    }
    // SAFETY: text is a NUL-terminated UTF-16 string from the OS.
    let s = unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        String::from_utf16_lossy(std::slice::from_raw_parts(text, len))
    };
    // SAFETY: allocated by ConvertSidToStringSidW with LocalAlloc.
    unsafe { LocalFree(text as HLOCAL) };
    Ok(s)
}

/// SECURITY_ATTRIBUTES for an endpoint reachable only by SYSTEM, Administrators and the current user.
pub struct OwnerOnlySecurity {
    descriptor: PSECURITY_DESCRIPTOR,
    attributes: SECURITY_ATTRIBUTES,
    sddl: String,
}

// SAFETY: the descriptor is immutable after construction and freed only on drop.
unsafe impl Send for OwnerOnlySecurity {}
// SAFETY: as above; the OS only reads it.
unsafe impl Sync for OwnerOnlySecurity {}

impl OwnerOnlySecurity {
    /// Builds the descriptor for the current user.
    pub fn new() -> Result<Self> {
        Self::from_sddl(owner_only_sddl(&current_user_sid()?))
    }

    fn from_sddl(sddl: String) -> Result<Self> {
        let text = wide(&sddl)?;
        let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: text is NUL-terminated; descriptor receives a LocalAlloc'ed block freed on drop.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                text.as_ptr(),
                SDDL_REVISION_1,
                &mut descriptor,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(Error::from_os(
                io::Error::last_os_error(),
                format!("build security descriptor {sddl}"),
            ));
        }
        let attributes = SECURITY_ATTRIBUTES {
            nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: descriptor,
            bInheritHandle: 0,
        };
        Ok(OwnerOnlySecurity {
            descriptor,
            attributes,
            sddl,
        })
    }

    /// The SDDL the descriptor was built from.
    pub fn sddl(&self) -> &str {
        &self.sddl
    }

    /// For the `lpSecurityAttributes` argument of Create* calls; valid while `self` lives.
    pub fn as_ptr(&self) -> *const SECURITY_ATTRIBUTES {
        &self.attributes
    }
}

impl Drop for OwnerOnlySecurity {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW with LocalAlloc.
        unsafe { LocalFree(self.descriptor as HLOCAL) };
    }
}
