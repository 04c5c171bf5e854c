// A lesson as a learner takes it: text (markdown, sanitized), a video that resumes where it
// was left and saves its position as it plays, a quiz form graded by the server.
import { useEffect, useRef, useState } from "../vendor/preact-hooks.mjs";
import { api } from "./api.mjs";
import { Assignment } from "./assignment.mjs";
import { Discussion } from "./discussion.mjs";
import { Markdown } from "./markdown.mjs";
import { Problem, html } from "./ui.mjs";

/** The lesson `id` of the course `slug`, with the learner's progress in it. */
export function LessonPage({ org, me, slug, id }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [lesson, setLesson] = useState(undefined);
  // undefined while loading: a video starts from where it was left, so it waits for it.
  const [progress, setProgress] = useState(undefined);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    setLesson(undefined);
    setProgress(undefined);
    api("GET", `${base}/lessons/${id}`).then(setLesson, (e) => { setLesson(null); setProblem(e); });
    api("GET", `${base}/progress/lessons`).then(
      (states) => setProgress(states.items.find((s) => s.lesson_id === id) || null),
      () => setProgress(null),
    );
  }, [org, slug, id]);
  const record = async (change) => {
    try {
      const saved = await api("PUT", `${base}/lessons/${id}/progress`, change);
      setProgress(saved.lesson);
      return saved;
    } catch (e) {
      setProblem(e);
    }
  };
  if (lesson === undefined || progress === undefined) return html`<p>Loading the lesson…</p>`;
  if (!lesson) return html`<${Problem} error=${problem} /><p><a href="/courses/${slug}">Back to the course</a></p>`;
  const done = progress && progress.status === "completed";
  return html`<article>
    <p><a href="/courses/${slug}">← Back to the course</a></p>
    <h1>${lesson.title}</h1>
    ${done && html`<p class="done" role="status">✓ Completed</p>`}
    ${lesson.kind === "text" && html`<${Markdown} text=${lesson.content.markdown} />
      ${!done && html`<button type="button" onClick=${() => record({ status: "completed" })}>Mark as complete</button>`}`}
    ${lesson.kind === "video" && html`<${Video} lesson=${lesson} progress=${progress} record=${record} />`}
    ${lesson.kind === "quiz" && html`<${Quiz} base=${base} lesson=${lesson} onPassed=${() => setProgress({ ...progress, status: "completed" })} />`}
    ${lesson.kind === "assignment" && html`<${Assignment} base=${base} lesson=${lesson}
      onPassed=${() => setProgress({ ...progress, status: "completed" })} />`}
    <${Problem} error=${problem} />
    <${Discussion} base=${base} lesson=${lesson.id} me=${me} org=${org} />
  </article>`;
}

/** A video that starts where the learner left it and saves its position every few seconds. */
function Video({ lesson, progress, record }) {
  const player = useRef(null);
  const saved = useRef(progress ? progress.position_seconds || 0 : 0);
  const [position, setPosition] = useState(saved.current);
  useEffect(() => {
    const video = player.current;
    const resume = () => { if (saved.current > 0) video.currentTime = saved.current; };
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
  }, [lesson.id]);
  const save = (video, force) => {
    const at = Math.floor(video.currentTime);
    setPosition(at);
    if (force || Math.abs(at - saved.current) >= 5) {
      saved.current = at;
      const percent = video.duration ? Math.floor((100 * video.currentTime) / video.duration) : undefined;
      record({ position_seconds: at, percent });
    }
  };
  return html`<div>
    <video ref=${player} src=${lesson.content.url} controls preload="metadata" class="player"
      onTimeUpdate=${(e) => save(e.target, false)} onPause=${(e) => save(e.target, true)}
      onEnded=${() => record({ percent: 100 })}>
      Your browser cannot play this video.
    </video>
    <p class="muted">Saved position: <span id="position">${position}</span> s</p>
    ${lesson.content.transcript && html`<details><summary>Transcript</summary><${Markdown} text=${lesson.content.transcript} /></details>`}
  </div>`;
}

/** One question's controls, named by its id. */
function Question({ q }) {
  const choice = (type) => q.options.map((o) => html`<label class="choice">
    <input type=${type} name=${q.id} value=${o.id} /> ${o.text}</label>`);
  return html`<fieldset>
    <legend>${q.prompt}</legend>
    ${q.kind === "single_choice" && choice("radio")}
    ${q.kind === "multiple_choice" && choice("checkbox")}
    ${q.kind === "true_false" && html`
      <label class="choice"><input type="radio" name=${q.id} value="true" /> True</label>
      <label class="choice"><input type="radio" name=${q.id} value="false" /> False</label>`}
    ${q.kind === "short_text" && html`<label>Your answer <input name=${q.id} /></label>`}
    ${q.kind === "numeric" && html`<label>Your answer <input name=${q.id} type="number" step="any" /></label>`}
  </fieldset>`;
}

/** The form's answers in the shape each question kind takes. */
function answers(form, questions) {
  const data = new FormData(form);
  const out = {};
  for (const q of questions) {
    if (q.kind === "multiple_choice") out[q.id] = data.getAll(q.id);
    else if (!data.has(q.id)) continue;
    else if (q.kind === "true_false") out[q.id] = data.get(q.id) === "true";
    else if (q.kind === "numeric") out[q.id] = Number(data.get(q.id));
    else out[q.id] = data.get(q.id);
  }
  return out;
}

function Quiz({ base, lesson, onPassed }) {
  const [result, setResult] = useState(null);
  const [problem, setProblem] = useState(null);
  const questions = lesson.content.questions;
  const submit = async (event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const attempt = await api("POST", `${base}/lessons/${lesson.id}/attempts`, {
        answers: answers(event.target, questions),
      });
      setResult(attempt);
      if (attempt.passed) onPassed();
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<form onSubmit=${submit} class="quiz">
    ${questions.map((q) => html`<${Question} q=${q} />`)}
    <button type="submit">Submit answers</button>
    ${result && html`<p class="result" role="status">
      Attempt ${result.attempt_number}: ${result.score_percent}% — ${result.passed ? "passed" : "not passed yet"}
      (${lesson.content.pass_percent}% passes)</p>`}
    <${Problem} error=${problem} />
  </form>`;
}
