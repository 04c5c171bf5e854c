//! Records counted by kind: what moved, and what the target holds afterwards.

use lms::portability::Record;
use std::fmt;

/// Records of each kind, in the export format's order (`docs/export-format.md`), the
/// header and the end left out: the rows of each table an org's records come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    counts: [u64; Record::KINDS.len()],
}

impl Tally {
    /// Counts `record`, unless it is the header or the end.
    pub fn count(&mut self, record: &Record) {
        if !matches!(record, Record::Header(_) | Record::End(_)) {
            self.counts[record.rank()] += 1;
        }
    }

    /// The records counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Each kind with its count, in the format's order, kinds never seen left out.
    pub fn kinds(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        Record::KINDS
            .iter()
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| (*kind, count))
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    /// The kinds whose counts differ: kind, here, there.
    pub fn differences(&self, other: &Tally) -> Vec<(&'static str, u64, u64)> {
        Record::KINDS
            .iter()
            .zip(self.counts.iter().zip(other.counts))
            .filter(|(_, (mine, theirs))| **mine != *theirs)
            .map(|(kind, (mine, theirs))| (*kind, *mine, theirs))
            .collect()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (kind, count) in self.kinds() {
            writeln!(f, "  {kind:<14} {count:>12}")?;
        }
        Ok(())
    }
}
