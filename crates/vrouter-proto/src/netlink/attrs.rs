//! Walking a sequence of netlink attributes (generic-netlink controller messages carry several).

use super::constants::{nlmsg_align, NLA_HDRLEN, NLA_TYPE_MASK};
use super::error::FrameError;
use super::header::AttrHeader;

/// One attribute: its type (flag bits removed) and value bytes (padding excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// `nla_type` without the `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` bits.
    pub attr_type: u16,
    /// The value: `nla_len` − 4 bytes.
    pub value: &'a [u8],
}

/// Iterates over the attributes in `area`, each starting at a 4-byte aligned offset.
///
/// Yields an error and stops at an attribute whose `nla_len` is below 4 or runs past `area`.
/// Fewer than 4 bytes left at the end (padding) end the walk quietly.
pub fn attributes(area: &[u8]) -> Attributes<'_> {
    Attributes {
        area,
        offset: 0,
        failed: false,
    }
}

/// Iterator returned by [`attributes`].
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    area: &'a [u8],
    offset: usize,
    failed: bool,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.area.get(self.offset..)?;
        let (head, _) = rest.split_first_chunk::<NLA_HDRLEN>()?;
        let header = AttrHeader::from_bytes(head);
        let len = usize::from(header.len);
        let Some(value) = rest.get(NLA_HDRLEN..len) else {
            self.failed = true;
            return Some(Err(FrameError::MalformedAttribute {
                offset: self.offset,
                nla_len: header.len,
            }));
        };
        // The next attribute starts at the aligned end; if that is past the area, the walk just ends.
        self.offset += nlmsg_align(len);
        Some(Ok(Attribute {
            attr_type: header.attr_type & NLA_TYPE_MASK,
            value,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_aligned_attributes_and_masks_flag_bits() {
        // type 1 (2-byte value, 2 pad), type 0x8002 nested (4-byte value), then 2 stray pad bytes.
        let area = [
            6, 0, 1, 0, 0xaa, 0xbb, 0, 0, 8, 0, 2, 0x80, 1, 2, 3, 4, 0, 0,
        ];
        let got: Vec<_> = attributes(&area).collect();
        assert_eq!(
            got,
            [
                Ok(Attribute {
                    attr_type: 1,
                    value: &[0xaa, 0xbb][..]
                }),
                Ok(Attribute {
                    attr_type: 2,
                    value: &[1, 2, 3, 4][..]
                }),
            ]
        );
    }

    #[test]
    fn last_attribute_without_trailing_pad_is_accepted() {
        let area = [5, 0, 7, 0, 0x42];
        assert_eq!(
            attributes(&area).collect::<Vec<_>>(),
            [Ok(Attribute {
                attr_type: 7,
                value: &[0x42][..]
            })]
        );
    }
}
