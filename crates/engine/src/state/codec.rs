//! The state's byte encoding: LEB128 varints, zigzag for signed values, IEEE bits for floats,
//! length-prefixed bytes and text, and the frame every kind of state shares ([`Frame`]: magic,
//! format version, engine version, body, xxh3-64 checksum). Every read is bounds-checked and
//! fails as a corrupt state.

use crate::compute::aggregate::Stats;
use crate::error::{Error, Result};

#[derive(Default)]
pub(super) struct Writer {
    pub(super) bytes: Vec<u8>,
}

impl Writer {
    pub(super) fn u64(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    pub(super) fn u32(&mut self, value: u32) {
        // NONE (u32::MAX) is common: +1 makes it 0, one byte.
        self.u64(u64::from(value.wrapping_add(1)));
    }

    pub(super) fn i64(&mut self, value: i64) {
        self.u64(((value << 1) ^ (value >> 63)) as u64);
    }

    pub(super) fn u128(&mut self, value: u128) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub(super) fn f64(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_bits().to_le_bytes());
    }

    pub(super) fn bool(&mut self, value: bool) {
        self.bytes.push(u8::from(value));
    }

    pub(super) fn bytes_field(&mut self, bytes: &[u8]) {
        self.u64(bytes.len() as u64);
        self.bytes.extend_from_slice(bytes);
    }

    /// Optional text: a flag, then the text (empty when absent), always.
    pub(super) fn optional_text(&mut self, text: Option<&str>) {
        self.bool(text.is_some());
        self.text(text.unwrap_or_default());
    }

    pub(super) fn text(&mut self, text: &str) {
        self.bytes_field(text.as_bytes());
    }

    pub(super) fn stats(&mut self, stats: &Stats) {
        self.i64(stats.views);
        self.i64(stats.valid);
        self.u128(stats.sum as u128);
    }
}

pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn corrupt(&self, what: &str) -> Error {
        Error::State(format!("the state is corrupt: {what}"))
    }

    pub(super) fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < count {
            return Err(self.corrupt("it ends early"));
        }
        let (head, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Ok(head)
    }

    pub(super) fn u64(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.corrupt("a number is too long"))
    }

    /// A count of items that follow; each takes at least one byte, which bounds allocations.
    pub(super) fn len(&mut self) -> Result<usize> {
        let count = self.u64()?;
        if count > self.bytes.len() as u64 {
            return Err(self.corrupt("a count exceeds the bytes left"));
        }
        Ok(count as usize)
    }

    /// A count of items of at least `each` bytes that follow, so that a buffer of that many
    /// items is at most a few times the bytes it is read from.
    pub(super) fn len_of(&mut self, each: usize) -> Result<usize> {
        let count = self.len()?;
        if count.saturating_mul(each) > self.bytes.len() {
            return Err(self.corrupt("a count exceeds the bytes left"));
        }
        Ok(count)
    }

    pub(super) fn u32(&mut self) -> Result<u32> {
        let value = self.u64()?;
        u32::try_from(value)
            .map(|value| value.wrapping_sub(1))
            .map_err(|_| self.corrupt("an id out of range"))
    }

    pub(super) fn i64(&mut self) -> Result<i64> {
        let value = self.u64()?;
        Ok((value >> 1) as i64 ^ -((value & 1) as i64))
    }

    pub(super) fn u128(&mut self) -> Result<u128> {
        let bytes = self.take(16)?;
        Ok(u128::from_le_bytes(bytes.try_into().unwrap_or_default()))
    }

    pub(super) fn f64(&mut self) -> Result<f64> {
        let bytes = self.take(8)?;
        Ok(f64::from_bits(u64::from_le_bytes(
            bytes.try_into().unwrap_or_default(),
        )))
    }

    pub(super) fn bool(&mut self) -> Result<bool> {
        match self.take(1)?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.corrupt("a flag is neither 0 nor 1")),
        }
    }

    pub(super) fn bytes_field(&mut self) -> Result<&'a [u8]> {
        let length = self.len()?;
        self.take(length)
    }

    /// What [`Writer::optional_text`] wrote.
    pub(super) fn optional_text(&mut self) -> Result<Option<String>> {
        let present = self.bool()?;
        let text = self.text()?;
        Ok(present.then_some(text))
    }

    /// Refuses bytes after the last field.
    pub(super) fn end(&self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(self.corrupt("bytes left over after the last field"))
        }
    }

    pub(super) fn text(&mut self) -> Result<String> {
        let bytes = self.bytes_field()?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.corrupt("text is not UTF-8"))
    }

    pub(super) fn stats(&mut self) -> Result<Stats> {
        Ok(Stats {
            views: self.i64()?,
            valid: self.i64()?,
            sum: self.u128()? as i128,
        })
    }
}

/// One kind of state's frame: its magic, the layout version of its body, and the words its
/// refusals use.
pub(super) struct Frame {
    pub(super) magic: &'static [u8; 4],
    pub(super) version: u32,
    /// What the state is called in messages ("state", "event-log state").
    pub(super) called: &'static str,
    /// What to do instead when it cannot be used ("analyse the dataset again").
    pub(super) instead: &'static str,
}

impl Frame {
    /// A writer holding the frame's head: magic, format version and this engine's version.
    pub(super) fn begin(&self) -> Writer {
        let mut out = Writer::default();
        out.bytes.extend_from_slice(self.magic);
        out.u64(u64::from(self.version));
        out.text(crate::VERSION);
        out
    }

    /// The written state with its checksum appended.
    pub(super) fn seal(mut out: Writer) -> Vec<u8> {
        let checksum = xxhash_rust::xxh3::xxh3_64(&out.bytes);
        out.bytes.extend_from_slice(&checksum.to_le_bytes());
        out.bytes
    }

    /// A reader of the body of `bytes`, after checking the magic (`not_this` says what other
    /// bytes are), the format and engine versions, and the checksum.
    pub(super) fn open<'a>(
        &self,
        bytes: &'a [u8],
        not_this: impl FnOnce(&[u8]) -> String,
    ) -> Result<Reader<'a>> {
        let magic = self.magic.len();
        if bytes.len() < magic + 8 || &bytes[..magic] != self.magic {
            return Err(Error::State(not_this(bytes)));
        }
        let (body, checksum) = bytes.split_at(bytes.len() - 8);
        let mut reader = Reader {
            bytes: &body[magic..],
        };
        let (called, instead) = (self.called, self.instead);
        let version = reader.u64()?;
        if version != u64::from(self.version) {
            return Err(Error::State(format!(
                "the {called} has format version {version}; this engine reads version {}; {instead}",
                self.version
            )));
        }
        let engine = reader.text()?;
        if engine != crate::VERSION {
            return Err(Error::State(format!(
                "the {called} was saved by engine {engine}; this is engine {}; {instead}",
                crate::VERSION
            )));
        }
        if checksum != xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() {
            return Err(reader.corrupt("its checksum does not match"));
        }
        Ok(reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let mut out = Writer::default();
        let values = [
            0i64,
            1,
            -1,
            63,
            -64,
            i64::MAX,
            i64::MIN,
            1_700_000_000_000_000,
        ];
        values.iter().for_each(|value| out.i64(*value));
        [0u32, 5, u32::MAX, u32::MAX - 1]
            .iter()
            .for_each(|value| out.u32(*value));
        out.f64(-0.1);
        out.u128(u128::MAX - 7);
        out.text("héllo");
        let mut reader = Reader { bytes: &out.bytes };
        for value in values {
            assert_eq!(reader.i64().unwrap(), value);
        }
        for value in [0u32, 5, u32::MAX, u32::MAX - 1] {
            assert_eq!(reader.u32().unwrap(), value);
        }
        assert_eq!(reader.f64().unwrap().to_bits(), (-0.1f64).to_bits());
        assert_eq!(reader.u128().unwrap(), u128::MAX - 7);
        assert_eq!(reader.text().unwrap(), "héllo");
        assert!(reader.bytes.is_empty());
        assert!(reader.u64().is_err(), "reading past the end is an error");
    }
}
