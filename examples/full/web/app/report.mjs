// A course's report for its owner or an admin: the summary with charts of where learners
// are, the learners page by page, the CSV and NDJSON exports, and one learner's drill-down.
import { useState } from "../vendor/preact-hooks.mjs";
import { api } from "./api.mjs";
import { BarChart, PERCENT_RANGES } from "./chart.mjs";
import { Outcome, Problem, html, useAction, useLoad, when } from "./ui.mjs";

/** The export links of a report at `path` (the API streams them as attachments). */
export function Exports({ path, what }) {
  return html`<p class="actions">
    <a class="cta" href="/api/v1${path}?format=csv" download>Export ${what} (CSV)</a>
    <a class="cta secondary" href="/api/v1${path}?format=ndjson" download>Export ${what} (NDJSON)</a>
  </p>`;
}

export function CourseReport({ org, slug }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [report, error] = useLoad(() => api("GET", `${base}/report?limit=50`), [base]);
  const [more, setMore] = useState([]);
  const [cursor, setCursor] = useState(undefined);
  const [problem, setProblem] = useState(null);
  if (error) return html`<${Problem} error=${error} />`;
  if (!report) return html`<p>Loading the report…</p>`;
  const next = cursor === undefined ? report.next_cursor : cursor;
  const loadMore = async () => {
    try {
      const page = await api("GET", `${base}/report?limit=50&cursor=${encodeURIComponent(next)}`);
      setMore([...more, ...page.items]);
      setCursor(page.next_cursor);
    } catch (e) {
      setProblem(e);
    }
  };
  const s = report.summary;
  const weeks = s.completions_by_week;
  return html`<article>
    <p><a href="/teach/courses/${slug}">← Back to the course</a></p>
    <h1>Report</h1>
    <dl class="figures">
      <div><dt>Enrolled</dt><dd>${s.enrolled}</dd></div>
      <div><dt>Completed</dt><dd>${s.completed}</dd></div>
      <div><dt>Average progress</dt><dd>${Math.round(s.average_percent)}%</dd></div>
    </dl>
    <${BarChart} id="distribution" title="Active learners by progress (%)"
      labels=${PERCENT_RANGES} values=${s.distribution} />
    <${BarChart} id="weeks" title="Completions per week, the last 26 weeks" every=${4}
      labels=${weeks.map((w) => w.week_start)} values=${weeks.map((w) => w.completed)} />
    <${Exports} path="${base}/report/export" what="the learners" />
    <h2>Learners</h2>
    <table class="grid">
      <thead><tr><th scope="col">Learner</th><th scope="col">Progress</th><th scope="col">Completed</th></tr></thead>
      <tbody>${[...report.items, ...more].map((r) => html`<tr>
        <td><a href="/teach/courses/${slug}/learners/${r.user_id}">${r.name}</a></td>
        <td>${r.percent}%</td>
        <td>${when(r.completed_at)}</td>
      </tr>`)}</tbody>
    </table>
    ${next && html`<button type="button" class="secondary" onClick=${loadMore}>More learners</button>`}
    <${Problem} error=${problem} />
  </article>`;
}

/** One learner in one course: progress lesson by lesson, attempts and submissions. */
export function LearnerDrillDown({ org, slug, user }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [course] = useLoad(() => api("GET", base), [base]);
  const [learner, error, reload] = useLoad(() => api("GET", `${base}/learners/${user}`), [base, user]);
  const [run, problem, done] = useAction();
  if (error) return html`<${Problem} error=${error} />`;
  if (!learner || !course) return html`<p>Loading the learner…</p>`;
  const titles = new Map(course.modules.flatMap((m) => m.lessons).map((l) => [l.id, l.title]));
  const p = learner.progress;
  return html`<article>
    <p><a href="/teach/courses/${slug}/report">← Back to the report</a></p>
    <h1>${learner.user.name}</h1>
    <p>${learner.user.email} · enrolled ${when(learner.enrollment.enrolled_at)} ·
      ${learner.enrollment.status}${learner.enrollment.revoked_reason ? ` (${learner.enrollment.revoked_reason})` : ""}</p>
    <p><strong>${p.percent}%</strong>: ${p.completed_lessons} of ${p.total_lessons} required lessons${p.completed ? ", completed" : ""}.</p>
    ${p.unmet.length > 0 && html`<ul>${p.unmet.map((u) => html`<li>${u.detail}</li>`)}</ul>`}
    ${learner.enrollment.unlocked === "all"
      ? html`<p>Every lesson is open to this learner, whatever its release rule.</p>`
      : html`<button type="button" class="secondary" onClick=${() => run(async () => {
          await api("POST", `${base}/enrollments/${user}/unlock`, { all: true });
          reload();
        }, "✓ Every lesson is open to this learner now")}>Open every lesson to this learner now</button>`}
    <${Outcome} problem=${problem} done=${done} />
    <h2>Lessons</h2>
    <table class="grid">
      <thead><tr><th scope="col">Lesson</th><th scope="col">Status</th><th scope="col">%</th><th scope="col">Updated</th></tr></thead>
      <tbody>${learner.lessons.map((l) => html`<tr>
        <td>${titles.get(l.lesson_id) || l.lesson_id}</td><td>${l.status.replace("_", " ")}</td>
        <td>${l.percent}</td><td>${when(l.updated_at, true)}</td>
      </tr>`)}</tbody>
    </table>
    <h2>Quiz attempts</h2>
    ${learner.attempts.length === 0 ? html`<p>None.</p>` : html`<ul>${learner.attempts.map((a) => html`<li>
      ${titles.get(a.lesson_id) || "Quiz"}, attempt ${a.attempt_number}: ${a.score_percent}%
      ${a.passed ? "passed" : "not passed"} (${when(a.submitted_at, true)})</li>`)}</ul>`}
    <h2>Submissions</h2>
    ${learner.submissions.length === 0 ? html`<p>None.</p>` : html`<ul>${learner.submissions.map((s) => html`<li>
      ${titles.get(s.lesson_id) || "Assignment"}, submission ${s.attempt_number}: ${s.status}
      ${s.status === "graded" && ` — ${s.score}/${s.max_score}, ${s.passed ? "passed" : "not passed"}`}</li>`)}</ul>`}
  </article>`;
}
