//! The rules a record must keep to be imported: its ids new in the file, and every id it
//! names read before it (see `docs/export-format.md`). The core's own rules for the values
//! — a lesson's content, a media key — are applied by the conversions (`domain`).

use super::read::{ImportError, Reader};
use super::records::Record;
use crate::course::LessonKind;
use crate::ids::{CourseId, LessonId, UserId};
use crate::store::OrgRow;

impl Reader {
    /// Checks `record` against what came before it and makes it the domain's value.
    pub(super) fn check(&mut self, record: Record) -> Result<OrgRow, ImportError> {
        let org_id = self.org.as_ref().map(|o| o.id);
        let row = match record {
            Record::Header(_) | Record::End(_) => unreachable!("handled by `read`"),
            Record::Org(o) => {
                if self.org.is_some() {
                    return self.refuse("a second org: a file holds one org");
                }
                let org = o.into_org().or_else(|reason| self.refuse(reason))?;
                self.org = Some(org.clone());
                OrgRow::Org(org)
            }
            Record::User(u) => {
                if self.users.contains_key(&u.id) {
                    return self.refuse(format!("user {} appears twice", u.id));
                }
                if !self.emails.insert(u.email.to_lowercase()) {
                    return self.refuse(format!("a second user with the email {}", u.email));
                }
                self.users.insert(u.id, u.name.clone());
                OrgRow::User(u.into_user())
            }
            Record::Member(m) => {
                self.user(m.user_id)?;
                if !self.members.insert(m.user_id) {
                    return self.refuse(format!("user {} is a member twice", m.user_id));
                }
                OrgRow::Member(m.into_membership(self.org_id(org_id)))
            }
            Record::Invitation(i) => {
                let name = self.user(i.invited_by)?;
                if !self.invitations.insert(i.id) {
                    return self.refuse(format!("invitation {} appears twice", i.id));
                }
                let org = self.org.clone().expect("read before any other record");
                OrgRow::Invitation(i.into_invitation(&org, name))
            }
            Record::Course(c) => {
                self.user(c.owner_id)?;
                if !self.courses.insert(c.id) || !self.slugs.insert(c.slug.clone()) {
                    return self.refuse(format!("course {} ({}) appears twice", c.id, c.slug));
                }
                if !c.prerequisites.is_empty() {
                    let prerequisites = c.prerequisites.clone();
                    self.deferred.prerequisites.push((c.id, prerequisites));
                }
                OrgRow::Course(c.into_course(self.org_id(org_id)))
            }
            Record::Module(m) => {
                self.course(m.course_id)?;
                if self.modules.insert(m.id, m.course_id).is_some() {
                    return self.refuse(format!("module {} appears twice", m.id));
                }
                OrgRow::Module(m.into_module())
            }
            Record::Lesson(l) => {
                match self.modules.get(&l.module_id) {
                    Some(course) if *course == l.course_id => {}
                    _ => {
                        return self.refuse(format!(
                            "module {} is not one of course {}'s, read before",
                            l.module_id, l.course_id
                        ));
                    }
                }
                if self.lessons.insert(l.id, (l.course_id, l.kind)).is_some() {
                    return self.refuse(format!("lesson {} appears twice", l.id));
                }
                let lesson = l.into_lesson().or_else(|reason| self.refuse(reason))?;
                OrgRow::Lesson(lesson)
            }
            Record::Media(m) => {
                self.course(m.course_id)?;
                if let Some(file) = &m.learner_file {
                    self.user(file.uploaded_by)?;
                    self.lesson_of(file.lesson_id, m.course_id, Some(LessonKind::Assignment))?;
                    if let Some(submission) = file.submission_id {
                        self.pending_attachments
                            .push((self.line, m.key.clone(), submission));
                    }
                }
                if !self.media.insert(m.key.clone()) {
                    return self.refuse(format!("media {} appears twice", m.key));
                }
                OrgRow::Media(m.into_media().or_else(|reason| self.refuse(reason))?)
            }
            Record::Enrollment(e) => {
                self.user(e.user_id)?;
                self.course(e.course_id)?;
                if !self.enrollment_ids.insert(e.id)
                    || !self.enrollments.insert((e.user_id, e.course_id))
                {
                    return self.refuse(format!(
                        "a second enrollment of user {} in course {}",
                        e.user_id, e.course_id
                    ));
                }
                let enrollment = e.into_enrollment();
                if let Some(reason) = enrollment.inconsistency() {
                    return self.refuse(reason);
                }
                OrgRow::Enrollment(enrollment)
            }
            Record::Progress(p) => {
                self.enrolled(p.user_id, p.course_id)?;
                self.lesson_of(p.lesson_id, p.course_id, None)?;
                let progress = p.into_progress();
                if let Some(reason) = progress.inconsistency() {
                    return self.refuse(reason);
                }
                OrgRow::Progress(progress)
            }
            Record::QuizAttempt(a) => {
                self.enrolled(a.user_id, a.course_id)?;
                self.lesson_of(a.lesson_id, a.course_id, Some(LessonKind::Quiz))?;
                if !self.attempts.insert(a.id)
                    || !self
                        .attempt_numbers
                        .insert((a.user_id, a.lesson_id, a.attempt_number))
                {
                    return self.refuse(format!("attempt {} or its number appears twice", a.id));
                }
                OrgRow::QuizAttempt(a.into_attempt())
            }
            Record::Submission(s) => {
                self.enrolled(s.user_id, s.course_id)?;
                self.lesson_of(s.lesson_id, s.course_id, Some(LessonKind::Assignment))?;
                if let Some(grader) = s.graded_by {
                    self.user(grader)?;
                }
                if !self.submissions.insert(s.id)
                    || !self
                        .submission_numbers
                        .insert((s.user_id, s.lesson_id, s.attempt_number))
                {
                    return self.refuse(format!("submission {} or its number appears twice", s.id));
                }
                OrgRow::Submission(s.into_submission())
            }
            Record::Certificate(c) => {
                self.user(c.user_id)?;
                self.course(c.course_id)?;
                if !self.certificates.insert(c.code.as_str().to_owned())
                    || !self.certified.insert((c.user_id, c.course_id))
                {
                    return self.refuse(format!(
                        "certificate {} or a second one for its learner and course",
                        c.code.as_str()
                    ));
                }
                OrgRow::Certificate(c.into_certificate(self.org_id(org_id)))
            }
            Record::Post(p) => {
                let author = self.user(p.author_id)?;
                self.lesson_of(p.lesson_id, p.course_id, None)?;
                if let Some(parent) = p.parent_id {
                    match self.posts.get(&parent) {
                        Some((lesson, true)) if *lesson == p.lesson_id => {}
                        _ => return self.refuse(format!(
                            "post {parent} is not a top-level post of the same lesson, read before"
                        )),
                    }
                }
                if self
                    .posts
                    .insert(p.id, (p.lesson_id, p.parent_id.is_none()))
                    .is_some()
                {
                    return self.refuse(format!("post {} appears twice", p.id));
                }
                OrgRow::Post(p.into_post(author))
            }
            Record::Payment(p) => {
                self.user(p.user_id)?;
                if let Some(course) = p.course_id {
                    self.course(course)?;
                }
                if !self.payments.insert(p.id) {
                    return self.refuse(format!("payment {} appears twice", p.id));
                }
                OrgRow::Payment(p.into_payment(self.org_id(org_id)))
            }
            Record::Subscription(s) => {
                self.user(s.user_id)?;
                if !self.subscribers.insert(s.user_id) {
                    return self.refuse(format!("a second subscription of user {}", s.user_id));
                }
                OrgRow::Subscription(s.into_subscription(self.org_id(org_id)))
            }
        };
        Ok(row)
    }

    fn org_id(&self, org: Option<crate::ids::OrgId>) -> crate::ids::OrgId {
        org.expect("the org's record comes first")
    }

    /// The name of a user read before, or why not.
    fn user(&self, user: UserId) -> Result<String, ImportError> {
        match self.users.get(&user) {
            Some(name) => Ok(name.clone()),
            None => self.refuse(format!("user {user} is not among the users read before")),
        }
    }

    fn course(&self, course: CourseId) -> Result<(), ImportError> {
        match self.courses.contains(&course) {
            true => Ok(()),
            false => self.refuse(format!(
                "course {course} is not among the courses read before"
            )),
        }
    }

    fn enrolled(&self, user: UserId, course: CourseId) -> Result<(), ImportError> {
        match self.enrollments.contains(&(user, course)) {
            true => Ok(()),
            false => self.refuse(format!("user {user} has no enrollment in course {course}")),
        }
    }

    /// `lesson` must be a lesson of `course` read before (of `kind`, when given).
    fn lesson_of(
        &self,
        lesson: LessonId,
        course: CourseId,
        kind: Option<LessonKind>,
    ) -> Result<(), ImportError> {
        match self.lessons.get(&lesson) {
            Some((c, k)) if *c == course && kind.is_none_or(|kind| kind == *k) => Ok(()),
            Some((c, _)) if *c == course => self.refuse(format!(
                "lesson {lesson} is not a {} lesson",
                kind.map_or("", LessonKind::as_str)
            )),
            _ => self.refuse(format!(
                "lesson {lesson} is not a lesson of course {course} read before"
            )),
        }
    }
}
