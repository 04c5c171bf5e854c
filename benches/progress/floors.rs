//! The floors: each question asked as one hand-written SQL statement on the store's own
//! pool, outside the library (no transaction, no tenant scope, no policy): how fast the
//! database alone answers. W1: a learner's completed and required lessons in a course. W2:
//! a learner's enrollments with each course's title and required lessons. W5: the progress
//! row's upsert in autocommit, from 8 tasks for 15 s.

use crate::dataset::{Dataset, ENROLLMENTS_PER_LEARNER, LESSONS};
use crate::random::Rng;
use crate::report::{Measurement, measurement};
use std::sync::Arc;
use std::time::Instant;

/// A pool that reaches the benchmark's tables directly.
#[derive(Clone)]
pub(crate) enum FloorPool {
    /// The SQLite store's readers.
    Sqlite(sqlx::SqlitePool),
    /// The Postgres database as its owner (tables in the `lms` schema).
    Postgres(sqlx::PgPool),
}

type Failure = Box<dyn std::error::Error>;

impl FloorPool {
    /// `ANALYZE` as the tables' owner. Under row-level security the store's role owns no
    /// table, so `Lms::refresh_statistics` skips them all; a deployment's autovacuum
    /// would have analyzed them long before anyone measured (a benchmark right after its
    /// load would plan for tables of unknown size). SQLite: nothing to do.
    pub(crate) async fn analyze_as_owner(&self) -> Result<(), Failure> {
        if let FloorPool::Postgres(pool) = self {
            sqlx::raw_sql("ANALYZE").execute(pool).await?;
        }
        Ok(())
    }
}

/// W1's floor, 4,000 calls on one task.
pub(crate) async fn w1(
    store: &str,
    pool: &FloorPool,
    data: &Dataset,
) -> Result<Measurement, Failure> {
    let mut rng = Rng(900);
    let mut samples = Vec::with_capacity(4_000);
    let started = Instant::now();
    for _ in 0..4_000 {
        let learner = rng.below(data.learners.len());
        let course = data.enrolled[learner][rng.below(ENROLLMENTS_PER_LEARNER)] as usize;
        let course: uuid::Uuid = data.courses[course].parse()?;
        let user = data.learners[learner].0;
        let t0 = Instant::now();
        let (total, done): (i64, i64) =
            match pool {
                FloorPool::Sqlite(pool) => sqlx::query_as(
                    "SELECT (SELECT count(*) FROM lessons WHERE course_id = $1 AND required = 1),
                            (SELECT count(*) FROM lesson_progress
                             WHERE user_id = $2 AND course_id = $1 AND status = 'completed')",
                )
                .bind(course)
                .bind(user)
                .fetch_one(pool)
                .await?,
                FloorPool::Postgres(pool) => sqlx::query_as(
                    "SELECT (SELECT count(*) FROM lms.lessons WHERE course_id = $1 AND required),
                            (SELECT count(*) FROM lms.lesson_progress
                             WHERE user_id = $2 AND course_id = $1 AND status = 'completed')",
                )
                .bind(course)
                .bind(user)
                .fetch_one(pool)
                .await?,
            };
        samples.push(t0.elapsed());
        assert!(total == LESSONS as i64 && done <= total);
    }
    Ok(measurement(
        store,
        "W1 floor: one statement",
        samples,
        started.elapsed(),
    ))
}

/// W2's floor, 2,000 calls on one task.
pub(crate) async fn w2(
    store: &str,
    pool: &FloorPool,
    data: &Dataset,
) -> Result<Measurement, Failure> {
    let mut rng = Rng(901);
    let mut samples = Vec::with_capacity(2_000);
    let started = Instant::now();
    for _ in 0..2_000 {
        let user = data.learners[rng.below(data.learners.len())].0;
        let t0 = Instant::now();
        let rows: Vec<(uuid::Uuid, String, i64, i64)> = match pool {
            FloorPool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT e.course_id, c.title, e.completed_required,
                            (SELECT count(*) FROM lessons l WHERE l.course_id = e.course_id AND l.required = 1)
                     FROM enrollments e JOIN courses c ON c.id = e.course_id
                     WHERE e.user_id = $1 ORDER BY e.id LIMIT 51",
                )
                .bind(user)
                .fetch_all(pool)
                .await?
            }
            FloorPool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT e.course_id, c.title, e.completed_required::bigint,
                            (SELECT count(*) FROM lms.lessons l WHERE l.course_id = e.course_id AND l.required)
                     FROM lms.enrollments e JOIN lms.courses c ON c.id = e.course_id
                     WHERE e.user_id = $1 ORDER BY e.id LIMIT 51",
                )
                .bind(user)
                .fetch_all(pool)
                .await?
            }
        };
        samples.push(t0.elapsed());
        assert_eq!(rows.len(), ENROLLMENTS_PER_LEARNER);
    }
    Ok(measurement(
        store,
        "W2 floor: one statement",
        samples,
        started.elapsed(),
    ))
}

/// W5's floor: the progress row's upsert alone, in autocommit, from 8 tasks for 15 s.
pub(crate) async fn w5(
    store: &str,
    pool: &FloorPool,
    data: &Arc<Dataset>,
) -> Result<Measurement, Failure> {
    let (pool, data) = (pool.clone(), data.clone());
    let (samples, wall) = crate::workloads::hammer(move |_, mut rng| {
        let (pool, data) = (pool.clone(), data.clone());
        async move {
            let learner = rng.below(data.learners.len());
            let course = data.enrolled[learner][rng.below(ENROLLMENTS_PER_LEARNER)] as usize;
            let lesson = data.lessons[course][rng.below(LESSONS)].0;
            let course: uuid::Uuid = data.courses[course].parse().expect("a course id");
            let user = data.learners[learner].0;
            let now = chrono::Utc::now();
            let done = match &pool {
                FloorPool::Sqlite(pool) => sqlx::query(
                    "INSERT INTO lesson_progress (user_id, lesson_id, course_id, status, percent,
                                                  completed_at, updated_at)
                     VALUES ($1, $2, $3, 'completed', 100, $4, $4)
                     ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                         status = excluded.status, percent = excluded.percent,
                         completed_at = excluded.completed_at, updated_at = excluded.updated_at",
                )
                .bind(user)
                .bind(lesson)
                .bind(course)
                .bind(now)
                .execute(pool)
                .await
                .map(drop),
                FloorPool::Postgres(pool) => sqlx::query(
                    "INSERT INTO lms.lesson_progress (user_id, lesson_id, course_id, org_id, status,
                                                      percent, completed_at, updated_at)
                     SELECT $1, $2, c.id, c.org_id, 'completed', 100, $4, $4
                     FROM lms.courses c WHERE c.id = $3
                     ON CONFLICT (user_id, lesson_id) DO UPDATE SET
                         status = excluded.status, percent = excluded.percent,
                         completed_at = excluded.completed_at, updated_at = excluded.updated_at",
                )
                .bind(user)
                .bind(lesson)
                .bind(course)
                .bind(now)
                .execute(pool)
                .await
                .map(drop),
            };
            done.expect("the floor's upsert");
            rng
        }
    })
    .await;
    Ok(measurement(
        store,
        "W5 floor: autocommit upsert (8 tasks)",
        samples,
        wall,
    ))
}
