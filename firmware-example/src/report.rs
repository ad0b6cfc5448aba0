//! Report lines, formatted by hand: integers, fixed-point decimals and hex,
//! with no `core::fmt` (its float printing alone is larger than the runtime).
//! A finished line goes out as semihosting text (QEMU, the default) or as
//! a defmt string over RTT (`--features rtt`), so both transports print the
//! same lines.

use remul_runtime::Error;

/// Longest line; longer text is cut.
const CAPACITY: usize = 160;

/// One line of the report, built up and then printed.
pub struct Line {
    buf: [u8; CAPACITY],
    len: usize,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

impl Line {
    /// An empty line.
    pub const fn new() -> Self {
        Self {
            buf: [0; CAPACITY],
            len: 0,
        }
    }

    /// Appends text.
    #[inline(never)]
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.push(s.as_bytes());
        self
    }

    /// Appends an unsigned integer in decimal.
    #[inline(never)]
    pub fn uint(&mut self, v: u64) -> &mut Self {
        self.digits(v, 0)
    }

    /// Appends `num / den` rounded to `decimals` places (`den` = 0 gives "-").
    #[inline(never)]
    pub fn ratio(&mut self, num: u64, den: u64, decimals: u32) -> &mut Self {
        if den == 0 {
            return self.text("-");
        }
        let scaled = num
            .saturating_mul(10u64.pow(decimals))
            .saturating_add(den / 2)
            / den;
        self.digits(scaled, decimals)
    }

    /// Appends `v` rounded to `decimals` places (non-finite values as
    /// "NaN"/"inf").
    #[inline(never)]
    pub fn decimal(&mut self, v: f32, decimals: u32) -> &mut Self {
        if v.is_nan() {
            return self.text("NaN");
        }
        if v.is_infinite() {
            return self.text(if v < 0.0 { "-inf" } else { "inf" });
        }
        let scale = (0..decimals).fold(1.0f32, |s, _| s * 10.0);
        // f32 keeps about 7 digits, and `as` saturates: enough for a report.
        let scaled = (v.abs() * scale + 0.5) as u64;
        if v < 0.0 && scaled > 0 {
            self.text("-");
        }
        self.digits(scaled, decimals)
    }

    /// Appends `v` as 8 hex digits with a `0x` prefix.
    #[inline(never)]
    pub fn hex(&mut self, v: u32) -> &mut Self {
        self.push(b"0x");
        for shift in (0..8).rev() {
            let nibble = ((v >> (shift * 4)) & 0xF) as u8;
            self.push(&[if nibble < 10 {
                b'0' + nibble
            } else {
                b'a' + nibble - 10
            }]);
        }
        self
    }

    /// Appends a runtime error: its kind and numbers.
    pub fn error(&mut self, error: &Error) -> &mut Self {
        let l = self;
        // Without `core::fmt`: the runtime's own messages would pull it in.
        match *error {
            Error::BadMagic => l.text("not a model blob (bad magic)"),
            Error::UnsupportedVersion { found, .. } => {
                l.text("unsupported blob version ").uint(u64::from(found))
            }
            Error::BlobLength { expected, got } => l
                .text("blob has ")
                .uint(got as u64)
                .text(" bytes, header says ")
                .uint(expected as u64),
            Error::Checksum { expected, computed } => l
                .text("CRC32 ")
                .hex(computed)
                .text(" != header's ")
                .hex(expected),
            Error::Decode => l.text("payload does not decode"),
            Error::InvalidModel { what } => l.text("invalid model: ").text(what),
            Error::ScratchTooSmall { needed, got } => l
                .text("scratch ")
                .uint(got as u64)
                .text(" < ")
                .uint(needed as u64),
            Error::NonFiniteInput { index } => l.text("non-finite input ").uint(index as u64),
            Error::NonFiniteOutput { index } => l.text("non-finite output ").uint(index as u64),
            Error::GoldenMismatch { vector, index } => l
                .text("golden vector ")
                .uint(vector as u64)
                .text(" differs at output ")
                .uint(index as u64),
            _ => l.text("error (see remul_runtime::Error)"),
        }
    }

    /// `scaled / 10^decimals` in decimal, the point put back. Digits by
    /// subtracting powers of ten: no 64-bit division (a library routine on
    /// a Cortex-M), so the panic handler, which prints line numbers, stays
    /// small.
    fn digits(&mut self, mut scaled: u64, decimals: u32) -> &mut Self {
        let mut started = false;
        for place in (0..20u32).rev() {
            let power = 10u64.pow(place);
            let mut digit = b'0';
            while scaled >= power {
                scaled -= power;
                digit += 1;
            }
            started |= digit != b'0' || place <= decimals;
            if started {
                self.push(&[digit]);
                if place == decimals && decimals > 0 {
                    self.push(b".");
                }
            }
        }
        self
    }

    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    /// The line so far: the bytes of the text and numbers appended (a text
    /// cut at the capacity may end mid-character).
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Prints the line.
    #[inline(never)]
    pub fn print(&self) {
        emit(self.as_bytes());
    }
}

/// Sends one line over semihosting (QEMU's stdout).
#[cfg(not(feature = "rtt"))]
fn emit(line: &[u8]) {
    if let Ok(mut out) = cortex_m_semihosting::hio::hstdout() {
        // A report line that cannot be written cannot be reported either.
        let _ = out.write_all(line);
        let _ = out.write_all(b"\n");
    }
}

/// defmt's global logger: the RTT channel the probe reads.
#[cfg(feature = "rtt")]
use defmt_rtt as _;

/// Sends one line as a defmt string over RTT (`:a`: shown as text).
#[cfg(feature = "rtt")]
fn emit(line: &[u8]) {
    defmt::println!("{=[u8]:a}", line);
}

/// Starts a line: `line().text("x = ").uint(3).print()`, or keep it in a
/// variable (`let mut l = line();`) to add parts conditionally.
pub fn line() -> Line {
    Line::new()
}
