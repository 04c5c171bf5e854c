//! Reading an export line by line: each record parsed, checked against the format's rules
//! and against what came before it, and made into the domain's value — or refused with its
//! line number. Memory grows with the ids later records may name (users, courses, lessons,
//! enrollments, attempts, submissions, posts…), never with the progress rows, whose
//! uniqueness is the store's key to keep.

use super::records::{FORMAT, Record, VERSION};
use crate::course::LessonKind;
use crate::ids::{
    AttemptId, CourseId, EnrollmentId, InvitationId, LessonId, ModuleId, PaymentId, PostId,
    SubmissionId, UserId,
};
use crate::org::Org;
use crate::store::OrgRow;
use std::collections::{HashMap, HashSet};

/// Why a file cannot be imported, and on which line (1 is the header; the line after the
/// last, for a file cut short).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct ImportError {
    /// The line, counted from 1.
    pub line: u64,
    /// What is wrong with it, and what to do.
    pub reason: String,
}

/// What a whole file leaves to apply once every record is read: the references the format
/// lets point forward.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Deferred {
    /// Each course's prerequisites (courses of the file).
    pub prerequisites: Vec<(CourseId, Vec<CourseId>)>,
    /// Learners' files and the submissions they are attached to.
    pub attachments: Vec<(String, SubmissionId)>,
    /// The records between the header and the end.
    pub records: u64,
}

/// Reads an export's lines in order (see [`Reader::read`]), then [`Reader::finish`].
#[derive(Default)]
pub struct Reader {
    pub(super) line: u64,
    /// The kind of the last record (its place in the format's order).
    pub(super) rank: usize,
    pub(super) org: Option<Org>,
    pub(super) ended: Option<u64>,
    pub(super) records: u64,
    pub(super) users: HashMap<UserId, String>,
    pub(super) emails: HashSet<String>,
    pub(super) members: HashSet<UserId>,
    pub(super) invitations: HashSet<InvitationId>,
    pub(super) courses: HashSet<CourseId>,
    pub(super) slugs: HashSet<String>,
    pub(super) modules: HashMap<ModuleId, CourseId>,
    pub(super) lessons: HashMap<LessonId, (CourseId, LessonKind)>,
    pub(super) media: HashSet<String>,
    pub(super) enrollments: HashSet<(UserId, CourseId)>,
    pub(super) enrollment_ids: HashSet<EnrollmentId>,
    pub(super) attempts: HashSet<AttemptId>,
    pub(super) attempt_numbers: HashSet<(UserId, LessonId, u32)>,
    pub(super) submissions: HashSet<SubmissionId>,
    pub(super) submission_numbers: HashSet<(UserId, LessonId, u32)>,
    pub(super) certificates: HashSet<String>,
    pub(super) certified: HashSet<(UserId, CourseId)>,
    pub(super) posts: HashMap<PostId, (LessonId, bool)>,
    pub(super) payments: HashSet<PaymentId>,
    pub(super) subscribers: HashSet<UserId>,
    pub(super) deferred: Deferred,
    pub(super) pending_attachments: Vec<(u64, String, SubmissionId)>,
}

impl Reader {
    /// A reader before the first line.
    pub fn new() -> Self {
        Self::default()
    }

    /// The org the file is of, once its record was read.
    pub fn org(&self) -> Option<&Org> {
        self.org.as_ref()
    }

    /// Reads the next line: the stored value it makes, or `None` for the header and the
    /// end; an error names the line and what is wrong with it.
    pub fn read(&mut self, line: &str) -> Result<Option<OrgRow>, ImportError> {
        self.line += 1;
        if let Some(end) = self.ended {
            return self.refuse(format!("nothing may follow the end (line {end})"));
        }
        if self.line == 1 {
            self.header(line)?;
            return Ok(None);
        }
        let record: Record = serde_json::from_str(line)
            .or_else(|e| self.refuse(format!("not a record of this format: {e}")))?;
        let rank = record.rank();
        if rank < self.rank {
            return self.refuse("out of order: see the format's table for the order of kinds");
        }
        if self.org.is_none() && !matches!(record, Record::Org(_)) {
            return self.refuse("the org's record must follow the header");
        }
        self.rank = rank;
        if let Record::End(end) = record {
            if end.records != self.records {
                return self.refuse(format!(
                    "the end counts {} records but {} came before it: the file is damaged",
                    end.records, self.records
                ));
            }
            self.ended = Some(self.line);
            return Ok(None);
        }
        self.records += 1;
        self.check(record).map(Some)
    }

    /// Ends the reading: the file must have ended with its end record, and every forward
    /// reference must name a record of the file.
    pub fn finish(mut self) -> Result<Deferred, ImportError> {
        if self.ended.is_none() {
            self.line += 1;
            return self.refuse("the file ends before its end record: it was cut short");
        }
        for (course, prerequisites) in &self.deferred.prerequisites {
            if let Some(missing) = prerequisites.iter().find(|p| !self.courses.contains(p)) {
                let reason = format!("course {course} requires course {missing}, not in the file");
                return Err(ImportError {
                    line: self.line,
                    reason,
                });
            }
        }
        for (line, key, submission) in std::mem::take(&mut self.pending_attachments) {
            if !self.submissions.contains(&submission) {
                let reason =
                    format!("{key} is attached to submission {submission}, not in the file");
                return Err(ImportError { line, reason });
            }
            self.deferred.attachments.push((key, submission));
        }
        self.deferred.records = self.records;
        Ok(self.deferred)
    }

    pub(super) fn refuse<T>(&self, reason: impl Into<String>) -> Result<T, ImportError> {
        Err(ImportError {
            line: self.line,
            reason: reason.into(),
        })
    }

    /// The header, read loosely first: a newer version may carry fields this one does not
    /// know, and must be refused for its version, not for them.
    fn header(&self, line: &str) -> Result<(), ImportError> {
        let value: serde_json::Value =
            serde_json::from_str(line).or_else(|e| self.refuse(format!("not JSON: {e}")))?;
        if value["type"] != "header" || value["format"] != FORMAT {
            return self.refuse(format!(
                "not an org export: its first line must be the header of format {FORMAT:?}"
            ));
        }
        match value["version"].as_u64() {
            Some(v) if (1..=u64::from(VERSION)).contains(&v) => {}
            Some(v) => {
                return self.refuse(format!(
                    "format version {v} is newer than this library reads ({VERSION}): \
                     import it with a newer lms-rs"
                ));
            }
            None => return self.refuse("the header has no version"),
        }
        match serde_json::from_value::<Record>(value) {
            Ok(Record::Header(_)) => Ok(()),
            Ok(_) => self.refuse("not a header"),
            Err(e) => self.refuse(format!("the header does not fit version {VERSION}: {e}")),
        }
    }
}
