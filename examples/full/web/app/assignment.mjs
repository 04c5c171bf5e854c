// An assignment as a learner hands it in: the instructions, a text answer and files
// (each uploaded first, then attached), and each submission's grade and feedback once given.
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { api, upload } from "./api.mjs";
import { Markdown } from "./markdown.mjs";
import { Outcome, html, useAction, useLoad, when } from "./ui.mjs";

function Submitted({ s }) {
  return html`<li class="card">
    <h3>Submission ${s.attempt_number} <span class="muted">${when(s.submitted_at, true)}</span></h3>
    ${s.body && html`<blockquote class="submitted">${s.body}</blockquote>`}
    ${s.attachments.length > 0 && html`<ul>${s.attachments.map((a) => html`<li>
      <a href=${a.url} target="_blank" rel="noopener">${a.media_key.split("/").pop()}</a></li>`)}</ul>`}
    ${s.status === "graded"
      ? html`<p class="grade" role="status">Grade: ${s.score}/${s.max_score} — ${s.passed ? "passed" : "not passed"}</p>
        ${s.feedback && html`<p>Feedback: ${s.feedback}</p>`}`
      : html`<p class="muted">Waiting for a grade.</p>`}
  </li>`;
}

export function Assignment({ base, lesson, onPassed }) {
  const path = `${base}/lessons/${lesson.id}`;
  const [mine, , reload] = useLoad(() => api("GET", `${path}/submissions?limit=50`), [path]);
  // Each file is uploaded as it is chosen and attached by its key when handing in: a
  // refused submission does not send its files again (a learner may upload 10 a lesson).
  const [attached, setAttached] = useState([]);
  const [uploading, setUploading] = useState(false);
  const [run, problem, done] = useAction();
  const choose = async (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    setUploading(true);
    await run(async () => {
      for (const file of files) {
        const stored = await upload(`${path}/files`, file);
        setAttached((list) => [...list, { name: file.name, key: stored.media_key }]);
      }
    }, `✓ Attached ${files.map((f) => f.name).join(", ")}`);
    setUploading(false);
  };
  const submit = (event) => {
    event.preventDefault();
    const form = event.target;
    const body = new FormData(form).get("body").trim();
    run(async () => {
      const attachments = attached.map((a) => a.key);
      await api("POST", `${path}/submissions`, { body: body || undefined, attachments });
      form.reset();
      setAttached([]);
      reload();
    }, "✓ Handed in: your instructor has been told");
  };
  const items = mine ? mine.items : [];
  const passed = items.some((s) => s.passed);
  useEffect(() => { if (passed) onPassed(); }, [passed]);
  const waiting = items.some((s) => s.status === "submitted");
  return html`<div>
    <${Markdown} text=${lesson.content.instructions} />
    ${items.length > 0 && html`<h2>Your submissions</h2><ul class="cards wide">${items.map((s) => html`<${Submitted} key=${s.id} s=${s} />`)}</ul>`}
    ${mine && !waiting && !passed && html`<form onSubmit=${submit} class="assignment">
      <label for="answer">Your answer</label>
      <textarea id="answer" name="body" rows="6" maxlength="20000"></textarea>
      <label for="attachments">Files (PDF, images, audio, video, text or zip)</label>
      <input id="attachments" type="file" multiple onChange=${choose} />
      ${attached.length > 0 && html`<ul class="attached">${attached.map((a) => html`<li>
        ${a.name} <button type="button" class="small secondary" aria-label="Leave out ${a.name}"
          onClick=${() => setAttached(attached.filter((x) => x !== a))}>Leave out</button></li>`)}</ul>`}
      <button type="submit" disabled=${uploading}>Hand in</button>
    </form>`}
    <${Outcome} problem=${problem} done=${done} />
  </div>`;
}
