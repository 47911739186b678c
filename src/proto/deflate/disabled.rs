//! The codecs of a build without the `deflate` feature: types with no values, since a
//! connection that offered nothing never negotiates compression.

/// No inflater can exist in this build.
#[derive(Debug)]
pub(crate) enum Inflater {}

/// No deflater can exist in this build.
#[derive(Debug)]
pub(crate) enum Deflater {}

/// No inflate error can happen in this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InflateError {}

impl Inflater {
    /// Never called: there is no inflater.
    pub(crate) fn inflate(
        &mut self,
        _: &[u8],
        _: &mut Vec<u8>,
        _: usize,
    ) -> Result<(), InflateError> {
        match *self {}
    }

    /// Never called: there is no inflater.
    pub(crate) fn finish(&mut self, _: &mut Vec<u8>, _: usize) -> Result<(), InflateError> {
        match *self {}
    }
}

impl Deflater {
    /// Never called: there is no deflater.
    pub(crate) fn compress(&mut self, _: &[u8], _: &mut Vec<u8>) {
        match *self {}
    }

    /// Never called: there is no deflater.
    pub(crate) fn is_allocated(&self) -> bool {
        match *self {}
    }

    /// Never called: there is no deflater.
    pub(crate) fn release(&mut self) {
        match *self {}
    }
}

impl From<InflateError> for crate::error::ProtocolError {
    fn from(e: InflateError) -> crate::error::ProtocolError {
        match e {}
    }
}
