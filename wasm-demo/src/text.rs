//! A fixed buffer for the short UTF-8 texts the page reads (error messages,
//! the task name, the architecture), filled with `core::fmt`.

/// Bytes of the text buffer; longer texts are cut at a character boundary.
pub const TEXT_CAPACITY: usize = 512;

/// A UTF-8 text of at most [`TEXT_CAPACITY`] bytes.
pub struct Text {
    bytes: [u8; TEXT_CAPACITY],
    len: usize,
}

impl Text {
    /// Empty.
    pub const fn new() -> Self {
        Self {
            bytes: [0; TEXT_CAPACITY],
            len: 0,
        }
    }

    /// Empties the text.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Start of the bytes.
    pub fn as_ptr(&self) -> *const u8 {
        self.bytes.as_ptr()
    }
}

impl core::fmt::Write for Text {
    /// Appends what fits, never splitting a character, and never fails (a
    /// cut message is better than none).
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = TEXT_CAPACITY - self.len;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.bytes[self.len..self.len + take].copy_from_slice(&s.as_bytes()[..take]);
        self.len += take;
        Ok(())
    }
}
