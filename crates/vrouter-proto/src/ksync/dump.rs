//! One dump in progress: from a page's answer to the next page's request.

use crate::messages::Message;

use super::event::DumpError;
use super::markers::VR_MESSAGE_DUMP_INCOMPLETE;
use super::markers::{object_key, prepare_dump, request_resume, DumpKey, MarkerError, Resume};

/// One page as vRouter answered it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// The page's objects.
    pub(crate) objects: Vec<Message>,
    /// Whether vRouter said more remain.
    pub(crate) more: bool,
    /// When more remain: the request for the next page, or why there can be none.
    pub(crate) next: Option<Result<Message, DumpError>>,
}

/// The state of one dump between pages.
#[derive(Debug)]
pub(crate) struct Dump {
    /// The first request as sent (filters included); every continuation is a copy with another marker.
    template: Message,
    /// Key of the last object of the previous page, to catch a vRouter that does not move on.
    last_key: Option<DumpKey>,
}

impl Dump {
    /// A dump of what `request` selects, from `resume`; returns the first page's request.
    pub(crate) fn start(
        mut request: Message,
        resume: Option<Resume>,
    ) -> Result<(Self, Message), MarkerError> {
        let resume = match resume {
            Some(r) => r,
            None => request_resume(&request).ok_or(MarkerError::NotDumpable(request.name()))?,
        };
        prepare_dump(&mut request, &resume)?;
        let last_key = match resume {
            Resume::After(key) => Some(key),
            Resume::Start => None,
        };
        let dump = Dump {
            template: request.clone(),
            last_key,
        };
        Ok((dump, request))
    }

    /// Takes the answer to the latest page request; an error if vRouter refused the page.
    pub(crate) fn on_answer(
        &mut self,
        code: i32,
        objects: Vec<Message>,
    ) -> Result<Page, DumpError> {
        if code < 0 {
            return Err(DumpError::Response(code));
        }
        let more = code & VR_MESSAGE_DUMP_INCOMPLETE != 0;
        let next = more.then(|| self.next_request(&objects));
        Ok(Page {
            objects,
            more,
            next,
        })
    }

    /// The request continuing after `page`'s last object of the dumped kind (other objects, such
    /// as the drop stats that follow each interface, carry no key).
    fn next_request(&mut self, page: &[Message]) -> Result<Message, DumpError> {
        let kind = self.template.index();
        let key = page
            .iter()
            .rev()
            .filter(|o| o.index() == kind)
            .find_map(object_key);
        // No key, or the previous page's again: asking would get the same page forever.
        let key = key
            .filter(|k| self.last_key.as_ref() != Some(k))
            .ok_or(DumpError::Stalled)?;
        let mut next = self.template.clone();
        // A key read from an object of the template's kind fits its marker, except a route of
        // another family than the request's (MAC vs prefix): that dump cannot go on.
        prepare_dump(&mut next, &Resume::After(key.clone())).map_err(|_| DumpError::Stalled)?;
        self.last_key = Some(key);
        Ok(next)
    }
}
