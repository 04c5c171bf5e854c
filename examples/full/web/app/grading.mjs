// A course's grading queue (oldest first, as the API gives it) and its media library, for
// the course's owner or an admin.
import { useState } from "../vendor/preact-hooks.mjs";
import { api, upload } from "./api.mjs";
import { Outcome, Problem, fields, html, useAction, useLoad, when } from "./ui.mjs";

/** Names of the course's learners by id. Submissions carry only the learner's id, so the
 *  queue reads names from the report (an API gap, noted in the docs). */
async function learnerNames(base) {
  const names = new Map();
  let cursor = "";
  do {
    const page = await api("GET", `${base}/report?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const row of page.items) names.set(row.user_id, row.name);
    cursor = page.next_cursor;
  } while (cursor && names.size < 2000);
  return names;
}

function Submission({ base, submission, name, title, onGraded }) {
  const [run, problem, done] = useAction();
  const grade = (event) => {
    const { score, feedback } = fields(event);
    run(async () => {
      const graded = await api("POST", `${base}/submissions/${submission.id}/grade`, {
        score: Number(score),
        feedback: feedback || undefined,
      });
      onGraded(graded, name);
    });
  };
  const s = submission;
  const id = `grade-${s.id}`;
  return html`<li class="card">
    <h2>${name || "A learner"} — ${title}</h2>
    <p class="muted">Submission ${s.attempt_number}, ${when(s.submitted_at, true)}</p>
    ${s.body && html`<blockquote class="submitted">${s.body}</blockquote>`}
    ${s.attachments.length > 0 && html`<ul>${s.attachments.map((a) => html`<li>
      <a href=${a.url} target="_blank" rel="noopener">${a.media_key.split("/").pop()}</a> (${a.content_type}, ${Math.ceil(a.size / 1024)} KiB)
    </li>`)}</ul>`}
    ${s.status === "graded" && html`<p>Graded ${s.score}/${s.max_score} — ${s.passed ? "passed" : "not passed"}</p>`}
    <form onSubmit=${grade} class="inline">
      <label for="${id}-score">Score (0 to ${s.max_score})</label>
      <input id="${id}-score" name="score" type="number" min="0" max=${s.max_score} required value=${s.score ?? ""} />
      <label for="${id}-feedback">Feedback</label>
      <textarea id="${id}-feedback" name="feedback" rows="2" value=${s.feedback || ""}></textarea>
      <button type="submit">${s.status === "graded" ? "Change the grade" : "Grade"}</button>
    </form>
    <${Outcome} problem=${problem} done=${done} />
  </li>`;
}

export function GradingQueue({ org, slug }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [status, setStatus] = useState("submitted");
  const [queue, error, reload] = useLoad(() => api("GET", `${base}/submissions?status=${status}&limit=100`), [base, status]);
  const [course] = useLoad(() => api("GET", base), [base]);
  const [names] = useLoad(() => learnerNames(base), [base]);
  const [graded, setGraded] = useState(null);
  const onGraded = (submission, name) => {
    setGraded(`✓ Graded ${name || "the submission"}: ${submission.score}/${submission.max_score}, ${submission.passed ? "passed" : "not passed"}`);
    reload();
  };
  const titles = new Map((course ? course.modules.flatMap((m) => m.lessons) : []).map((l) => [l.id, l.title]));
  return html`<article>
    <p><a href="/teach/courses/${slug}">← Back to the course</a></p>
    <h1>Grading queue</h1>
    <label>Show <select value=${status} onChange=${(e) => setStatus(e.target.value)}>
      <option value="submitted">Waiting for a grade</option>
      <option value="graded">Graded</option>
    </select></label>
    <${Problem} error=${error} />
    ${graded && html`<p class="done" role="status">${graded}</p>`}
    ${queue === undefined && html`<p>Loading the submissions…</p>`}
    ${queue && queue.items.length === 0 && html`<p>${status === "submitted"
      ? "Nothing here: every submission is graded." : "No submission is graded yet."}</p>`}
    ${queue && html`<ul class="cards wide">${queue.items.map((s) => html`<${Submission} key=${s.id}
      base=${base} submission=${s} name=${names && names.get(s.user_id)}
      title=${titles.get(s.lesson_id) || "Assignment"} onGraded=${onGraded} />`)}</ul>`}
  </article>`;
}

/** The course's uploaded files: add one, see what uses each, delete what nothing uses. */
export function MediaLibrary({ org, slug }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [media, error, reload] = useLoad(() => api("GET", `${base}/media?limit=200`), [base]);
  const [run, problem, done] = useAction();
  const send = (event) => {
    const file = event.target.files[0];
    if (file) run(async () => {
      await upload(`${base}/media`, file);
      reload();
    }, `✓ Uploaded ${file.name}`);
  };
  const remove = (key) => run(async () => {
    await api("DELETE", `${base}/media/${encodeURIComponent(key)}`);
    reload();
  }, "✓ Deleted");
  return html`<article>
    <p><a href="/teach/courses/${slug}">← Back to the course</a></p>
    <h1>Media</h1>
    <label>Upload a file (video, audio, image or PDF) <input type="file" onChange=${send} /></label>
    <${Outcome} problem=${problem} done=${done} />
    <${Problem} error=${error} />
    ${media && html`<table class="grid">
      <thead><tr><th scope="col">File</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Used by</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${media.items.map((m) => html`<tr>
        <td>${m.media_key.split("/").pop()}</td><td>${m.content_type}</td>
        <td>${Math.ceil(m.size / 1024)} KiB</td><td>${m.used_by.length} item(s)</td>
        <td>${m.used_by.length === 0 && html`<button type="button" class="small danger" onClick=${() => remove(m.media_key)}>Delete</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </article>`;
}
