//! The segment's durable metadata: the highest epoch it has promised (sealed
//! to), the epoch history it follows, and the last VDL it heard of. Written
//! whole to a new file, synced, then renamed over the old one, so a crash
//! leaves either the old or the new version; checksummed, so a corrupt file
//! is detected.
//!
//! ```text
//! u32 crc32c(rest) | rest: u8 version(=1) | u64 epoch | u64 vdl_hint | history
//! ```

use borealis_common::{Epoch, Lsn};
use borealis_wire::codec::{DecodeError, Reader, Writer};
use borealis_wire::EpochHistory;

pub const META_FORMAT_VERSION: u8 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SegmentMeta {
    /// The highest epoch this segment has seen; older ones are refused.
    pub epoch: Epoch,
    /// The highest VDL heard from a writer (everything at or below is
    /// committed and durable).
    pub vdl_hint: Lsn,
    /// The history of the newest writer heard from.
    pub history: EpochHistory,
}

impl SegmentMeta {
    pub fn encode(&self) -> Vec<u8> {
        let mut writer = Writer::with_capacity(64);
        writer.u32(0);
        writer.u8(META_FORMAT_VERSION);
        writer.u64(self.epoch.0);
        writer.u64(self.vdl_hint.0);
        self.history.encode(&mut writer);
        let crc = crc32c::crc32c(&writer.bytes[4..]);
        writer.bytes[0..4].copy_from_slice(&crc.to_le_bytes());
        writer.bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<SegmentMeta, DecodeError> {
        let mut reader = Reader::new(bytes);
        let stored = reader.u32()?;
        let computed = crc32c::crc32c(reader.peek_rest());
        if stored != computed {
            return Err(DecodeError::Checksum { stored, computed });
        }
        let version = reader.u8()?;
        if version != META_FORMAT_VERSION {
            return Err(DecodeError::Version(version));
        }
        let meta = SegmentMeta {
            epoch: Epoch(reader.u64()?),
            vdl_hint: Lsn(reader.u64()?),
            history: EpochHistory::decode(&mut reader)?,
        };
        reader.finish()?;
        Ok(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_and_detects_corruption() {
        let meta = SegmentMeta {
            epoch: Epoch(3),
            vdl_hint: Lsn(99),
            history: EpochHistory::starting(Epoch(2), Lsn(10)).extended(Epoch(3), Lsn(50)),
        };
        let bytes = meta.encode();
        assert_eq!(SegmentMeta::decode(&bytes).unwrap(), meta);
        for index in 0..bytes.len() {
            let mut corrupt = bytes.clone();
            corrupt[index] ^= 0x40;
            assert!(SegmentMeta::decode(&corrupt).is_err(), "byte {index}");
        }
    }
}
