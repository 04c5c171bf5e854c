"""A learner's journey through the lms-rs API with a client generated from the served
OpenAPI document by openapi-python-client: typed calls and models only, no raw HTTP.

Run by lms-axum/tests/http/generated_client.rs, which generates the client package
`lms_client` onto PYTHONPATH and passes the server's base URL (the document's `servers`
entry). Prints one JSON line for the Rust side to check: the learner and the certificate.
"""

import json
import sys

from lms_client import AuthenticatedClient, Client
from lms_client.api.auth import sign_in_user, sign_up
from lms_client.api.catalog import course_outline, courses
from lms_client.api.certificates import my_certificate, verify_certificate
from lms_client.api.curriculum import lesson
from lms_client.api.enrollment import enroll
from lms_client.api.me import my_courses
from lms_client.api.progress import course_progress, record_progress
from lms_client.api.quizzes import submit_attempt
from lms_client.types import Unset
from lms_client.models import (
    AttemptBody,
    CertificateView,
    CourseOutline,
    CourseProgress,
    EnrollBody,
    Enrollment,
    EnrollmentSource,
    LessonBody,
    LessonKind,
    MyCoursesPage,
    PageCourse,
    ProgressResult,
    ProgressUpdate,
    Quiz,
    QuizAttempt,
    SignedInBody,
    SignIn,
    SignUp,
)

ORG, COURSE = "acme", "rust"
EMAIL, PASSWORD = "journey@example.com", "a long enough password"


def expect(value, model):
    """The typed answer, or the problem the server sent instead."""
    if not isinstance(value, model):
        raise SystemExit(f"expected a {model.__name__}, got {value!r}")
    return value


def answer(question):
    """The right answer to the fixture's quiz: q1 is single choice `b`, q2 is true."""
    kind = question.kind.value if hasattr(question.kind, "value") else question.kind
    return {"single_choice": "b", "true_false": True}[kind]


def main(base_url):
    public = Client(base_url=base_url, raise_on_unexpected_status=True)
    new = SignUp(email=EMAIL, password=PASSWORD, name="Journey Learner")
    expect(sign_up.sync(client=public, body=new), SignedInBody)
    signed_in = expect(
        sign_in_user.sync(client=public, body=SignIn(email=EMAIL, password=PASSWORD)),
        SignedInBody,
    )
    me = AuthenticatedClient(
        base_url=base_url, token=signed_in.token, raise_on_unexpected_status=True
    )

    catalog = expect(courses.sync(ORG, client=me), PageCourse)
    assert [c.slug for c in catalog.items] == [COURSE], catalog
    outline = expect(course_outline.sync(ORG, COURSE, client=me), CourseOutline)
    lessons = [lesson for module in outline.modules for lesson in module.lessons]

    # An empty body enrolls the caller. (Omitted, the generated code would send its UNSET
    # marker as JSON: a limitation of openapi-python-client 0.29 with optional bodies.)
    myself = EnrollBody()
    enrollment = expect(enroll.sync(ORG, COURSE, client=me, body=myself), Enrollment)
    assert enrollment.source == EnrollmentSource.FREE, enrollment

    for item in lessons:
        if item.kind == LessonKind.QUIZ:
            quiz = expect(lesson.sync(ORG, COURSE, item.id, client=me), LessonBody)
            content = expect(quiz.content, Quiz)
            keys = ("correct", "answer", "accepted", "value", "tolerance")
            for question in content.questions:
                shown = [k for k in keys if not isinstance(getattr(question, k), Unset)]
                assert not shown, f"a learner was shown the answer key: {shown}"
            answers = AttemptBody(answers={q.id: answer(q) for q in content.questions})
            attempt = expect(
                submit_attempt.sync(ORG, COURSE, item.id, client=me, body=answers),
                QuizAttempt,
            )
            assert attempt.passed and attempt.score_percent == 100, attempt
        else:
            done = ProgressUpdate(percent=100)
            result = expect(
                record_progress.sync(ORG, COURSE, item.id, client=me, body=done),
                ProgressResult,
            )
            assert result.lesson.status.value == "completed", result

    progress = expect(course_progress.sync(ORG, COURSE, client=me), CourseProgress)
    assert progress.percent == 100 and progress.completed_lessons == len(lessons), progress
    mine = expect(my_courses.sync(client=me), MyCoursesPage)
    assert [c.course.slug for c in mine.items] == [COURSE], mine

    certificate = expect(my_certificate.sync(ORG, COURSE, client=me), CertificateView)
    verified = expect(verify_certificate.sync(certificate.code, client=public), CertificateView)
    assert verified.valid and verified.learner_name == "Journey Learner", verified
    print(json.dumps({"user_id": str(signed_in.user.id), "certificate": certificate.code}))


if __name__ == "__main__":
    main(sys.argv[1])
