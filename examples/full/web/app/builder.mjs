// The lesson editor: a lesson of any kind and its content — markdown; a video by URL or from
// the course's own media (uploaded here); a quiz (quiz-builder.mjs); an assignment — with
// whether it is a free preview or required, its duration and its release rule.
import { useState } from "../vendor/preact-hooks.mjs";
import { api, upload } from "./api.mjs";
import { QuizBuilder, blankQuiz, fromContent, toContent } from "./quiz-builder.mjs";
import { ReleaseFields, releaseBody, releaseDraft } from "./release.mjs";
import { Outcome, Problem, go, html, useAction, useLoad } from "./ui.mjs";

const KINDS = [["text", "Text"], ["video", "Video"], ["quiz", "Quiz"], ["assignment", "Assignment"]];

function blank(kind) {
  if (kind === "text") return { markdown: "" };
  if (kind === "video") return { url: "", media_key: "", transcript: "" };
  if (kind === "quiz") return blankQuiz();
  return { instructions: "", max_score: 100, pass_percent: 50, max_submissions: "" };
}

/** A lesson as the editor holds it. */
function draftOf(lesson) {
  const c = lesson.content;
  const content = lesson.kind === "quiz" ? fromContent(c)
    : lesson.kind === "video" ? { url: c.media_key ? "" : c.url || "", media_key: c.media_key || "", transcript: c.transcript || "" }
    : lesson.kind === "assignment" ? { ...blank("assignment"), ...c, max_submissions: c.max_submissions ?? "" }
    : { markdown: c.markdown || "" };
  return {
    title: lesson.title, kind: lesson.kind, content,
    free_preview: lesson.free_preview, required: lesson.required,
    duration_minutes: lesson.duration_minutes ?? "",
    ...releaseDraft(lesson.release),
  };
}

/** The editor's lesson as the API takes it. */
function bodyOf(draft) {
  const c = draft.content;
  const content = draft.kind === "quiz" ? toContent(c)
    : draft.kind === "video" ? { ...(c.media_key ? { media_key: c.media_key } : { url: c.url }), ...(c.transcript ? { transcript: c.transcript } : {}) }
    : draft.kind === "assignment" ? {
      instructions: c.instructions, max_score: Number(c.max_score), pass_percent: Number(c.pass_percent),
      ...(c.max_submissions !== "" ? { max_submissions: Number(c.max_submissions) } : {}),
    }
    : { markdown: c.markdown };
  return {
    title: draft.title, kind: draft.kind, content, free_preview: draft.free_preview,
    required: draft.required, release: releaseBody(draft),
    duration_minutes: draft.duration_minutes === "" ? null : Number(draft.duration_minutes),
  };
}

/** A video's source: a URL, or a file of the course's media, which may be uploaded here. */
function VideoSource({ base, content, set }) {
  const [media, , reload] = useLoad(() => api("GET", `${base}/media?limit=200`), [base]);
  const [run, problem, done] = useAction();
  const send = (event) => {
    const file = event.target.files[0];
    if (file) run(async () => {
      const stored = await upload(`${base}/media`, file);
      reload();
      set({ media_key: stored.media_key, url: "" });
    }, `✓ Uploaded ${file.name}`);
  };
  const videos = media ? media.items.filter((m) => m.content_type.startsWith("video/")) : [];
  return html`<div>
    <label>From the course's media
      <select value=${content.media_key} onChange=${(e) => set({ media_key: e.target.value })}>
        <option value="">— none: use the address below —</option>
        ${videos.map((m) => html`<option value=${m.media_key}>${m.media_key} (${Math.round(m.size / 1024)} KiB)</option>`)}
      </select></label>
    <label>Upload a video (mp4 or webm) <input type="file" accept="video/mp4,video/webm" onChange=${send} /></label>
    <${Outcome} problem=${problem} done=${done} />
    <label>Or its address (https://…) <input type="url" value=${content.url} disabled=${!!content.media_key}
      onInput=${(e) => set({ url: e.target.value })} /></label>
    <label>Transcript (markdown) <textarea rows="4" value=${content.transcript}
      onInput=${(e) => set({ transcript: e.target.value })}></textarea></label>
  </div>`;
}

function Content({ base, draft, set }) {
  const c = draft.content;
  const setContent = (patch) => set({ content: { ...c, ...patch } });
  if (draft.kind === "text") {
    return html`<label>Text (markdown) <textarea id="markdown" rows="12" value=${c.markdown} required
      onInput=${(e) => setContent({ markdown: e.target.value })}></textarea></label>`;
  }
  if (draft.kind === "video") return html`<${VideoSource} base=${base} content=${c} set=${setContent} />`;
  if (draft.kind === "quiz") return html`<${QuizBuilder} quiz=${c} onChange=${(quiz) => set({ content: quiz })} />`;
  return html`<div>
    <label>Instructions (markdown) <textarea id="instructions" rows="8" value=${c.instructions} required
      onInput=${(e) => setContent({ instructions: e.target.value })}></textarea></label>
    <div class="inline">
      <label>Highest score <input type="number" min="1" max="1000" value=${c.max_score}
        onInput=${(e) => setContent({ max_score: e.target.value })} /></label>
      <label>Passing score (%) <input type="number" min="0" max="100" value=${c.pass_percent}
        onInput=${(e) => setContent({ pass_percent: e.target.value })} /></label>
      <label>Submissions allowed (empty: unlimited) <input type="number" min="1" value=${c.max_submissions}
        onInput=${(e) => setContent({ max_submissions: e.target.value })} /></label>
    </div>
  </div>`;
}

/** The form for `initial`; `save(body)` creates or updates. */
function LessonForm({ base, slug, initial, save, heading, isNew }) {
  const [draft, setDraft] = useState(initial);
  const [run, problem, done] = useAction();
  const set = (patch) => setDraft({ ...draft, ...patch });
  const submit = (event) => {
    event.preventDefault();
    run(() => save(bodyOf(draft)), "✓ Saved");
  };
  const check = (name, label) => html`<label class="choice"><input type="checkbox" checked=${draft[name]}
    onChange=${(e) => set({ [name]: e.target.checked })} /> ${label}</label>`;
  return html`<article>
    <p><a href="/teach/courses/${slug}">← Back to the course</a></p>
    <h1>${heading}</h1>
    <form onSubmit=${submit} class="lesson-form">
      <label for="lesson-title">Title</label>
      <input id="lesson-title" value=${draft.title} required onInput=${(e) => set({ title: e.target.value })} />
      <label for="lesson-kind">Kind</label>
      <select id="lesson-kind" value=${draft.kind} disabled=${!isNew}
        onChange=${(e) => set({ kind: e.target.value, content: blank(e.target.value) })}>
        ${KINDS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select>
      <${Content} base=${base} draft=${draft} set=${set} />
      ${check("free_preview", "Free preview: anyone may open it")}
      ${check("required", "Required for completing the course")}
      <label>Duration in minutes <input type="number" min="0" value=${draft.duration_minutes}
        onInput=${(e) => set({ duration_minutes: e.target.value })} /></label>
      <${ReleaseFields} draft=${draft} set=${set} previous="Once the previous required lesson is completed" />
      <button type="submit">${isNew ? "Create the lesson" : "Save the lesson"}</button>
    </form>
    <${Outcome} problem=${problem} done=${done} />
  </article>`;
}

/** A new lesson at the end of `module`. */
export function NewLesson({ org, slug, module }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const initial = draftOf({ title: "", kind: "text", content: {}, free_preview: false, required: true, release: null });
  const save = async (body) => {
    const lesson = await api("POST", `${base}/modules/${module}/lessons`, body);
    go(`/teach/courses/${slug}/lessons/${lesson.id}`);
  };
  return html`<${LessonForm} base=${base} slug=${slug} initial=${initial} save=${save}
    heading="New lesson" isNew=${true} />`;
}

/** An existing lesson, with its content as its owner reads it (answer keys included). */
export function LessonEditor({ org, slug, id }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [lesson, error] = useLoad(() => api("GET", `${base}/lessons/${id}`), [base, id]);
  if (error) return html`<${Problem} error=${error} />`;
  if (!lesson) return html`<p>Loading the lesson…</p>`;
  const save = (body) => {
    const { kind, ...patch } = body;
    return api("PATCH", `${base}/lessons/${id}`, patch);
  };
  return html`<${LessonForm} key=${id} base=${base} slug=${slug} initial=${draftOf(lesson)}
    save=${save} heading="Edit: ${lesson.title}" isNew=${false} />`;
}
