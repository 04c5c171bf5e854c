// The quiz builder: questions of the five kinds the API grades, each with its answer key,
// edited as a list. `toContent` and `fromContent` convert between the editor's state and a
// quiz lesson's `content`.
import { html } from "./ui.mjs";

const QUESTION_KINDS = [
  ["single_choice", "One correct option"],
  ["multiple_choice", "Several correct options"],
  ["true_false", "True or false"],
  ["short_text", "Short text"],
  ["numeric", "Number"],
];

/** An id not yet in `taken`: `prefix` and the first free number. */
function fresh(prefix, taken) {
  let n = taken.length + 1;
  while (taken.includes(`${prefix}${n}`)) n += 1;
  return `${prefix}${n}`;
}

function blankQuestion(questions) {
  const id = fresh("q", questions.map((q) => q.id));
  return {
    id, kind: "single_choice", prompt: "", points: 1,
    options: [{ id: "a", text: "" }, { id: "b", text: "" }], correct: [],
    answer: true, accepted: "", value: "", tolerance: "",
  };
}

/** A quiz with one empty question. */
export function blankQuiz() {
  return { pass_percent: 70, max_attempts: "", questions: [blankQuestion([])] };
}

/** A quiz lesson's content (with its key, as its owner reads it) as the editor's state. */
export function fromContent(content) {
  const questions = (content.questions || []).map((q) => ({
    ...blankQuestion([]),
    ...q,
    options: q.options || [],
    correct: q.correct || [],
    accepted: (q.accepted || []).join("\n"),
    value: q.value ?? "",
    tolerance: q.tolerance ?? "",
  }));
  return { pass_percent: content.pass_percent, max_attempts: content.max_attempts ?? "", questions };
}

/** The editor's state as a quiz lesson's `content`. */
export function toContent(quiz) {
  const questions = quiz.questions.map((q) => {
    const common = { id: q.id, kind: q.kind, prompt: q.prompt, points: Number(q.points) || 1 };
    if (q.kind === "single_choice" || q.kind === "multiple_choice") {
      return { ...common, options: q.options, correct: q.correct };
    }
    if (q.kind === "true_false") return { ...common, answer: q.answer };
    if (q.kind === "short_text") {
      const accepted = q.accepted.split("\n").map((a) => a.trim()).filter(Boolean);
      return { ...common, accepted };
    }
    return { ...common, value: Number(q.value), tolerance: Number(q.tolerance) || 0 };
  });
  const content = { questions, pass_percent: Number(quiz.pass_percent) };
  if (quiz.max_attempts !== "") content.max_attempts = Number(quiz.max_attempts);
  return content;
}

/** One question's key: its options and which are right, or its answer. */
function Key({ q, set }) {
  if (q.kind === "single_choice" || q.kind === "multiple_choice") {
    const many = q.kind === "multiple_choice";
    const mark = (id, on) => set({
      correct: many
        ? (on ? [...q.correct, id] : q.correct.filter((c) => c !== id))
        : [id],
    });
    const option = (o, patch) => set({
      options: q.options.map((x) => (x.id === o.id ? { ...x, ...patch } : x)),
    });
    const add = () => set({
      options: [...q.options, { id: fresh("o", q.options.map((o) => o.id)), text: "" }],
    });
    const drop = (o) => set({
      options: q.options.filter((x) => x.id !== o.id),
      correct: q.correct.filter((c) => c !== o.id),
    });
    return html`<div class="options">
      ${q.options.map((o, i) => html`<div class="option">
        <label>Option ${i + 1} <input class="option-text" value=${o.text} required
          onInput=${(e) => option(o, { text: e.target.value })} /></label>
        <label class="choice"><input class="correct" type=${many ? "checkbox" : "radio"} name="correct-${q.id}"
          checked=${q.correct.includes(o.id)} onChange=${(e) => mark(o.id, e.target.checked)} /> correct</label>
        <button type="button" class="small danger" onClick=${() => drop(o)}
          aria-label="Remove option ${i + 1}">Remove</button>
      </div>`)}
      <button type="button" class="small" onClick=${add}>Add an option</button>
    </div>`;
  }
  if (q.kind === "true_false") {
    return html`<label>The right answer
      <select value=${String(q.answer)} onChange=${(e) => set({ answer: e.target.value === "true" })}>
        <option value="true">True</option><option value="false">False</option>
      </select></label>`;
  }
  if (q.kind === "short_text") {
    return html`<label>Accepted answers, one a line (case and spacing do not matter)
      <textarea rows="2" value=${q.accepted} required onInput=${(e) => set({ accepted: e.target.value })}></textarea></label>`;
  }
  return html`<div class="inline">
    <label>The right number <input type="number" step="any" required value=${q.value}
      onInput=${(e) => set({ value: e.target.value })} /></label>
    <label>Tolerance ± <input type="number" step="any" min="0" value=${q.tolerance}
      onInput=${(e) => set({ tolerance: e.target.value })} /></label>
  </div>`;
}

/** The questions of `quiz`, each editable, with `onChange` receiving the new state. */
export function QuizBuilder({ quiz, onChange }) {
  const setQuestion = (id, patch) => onChange({
    ...quiz,
    questions: quiz.questions.map((q) => (q.id === id ? { ...q, ...patch } : q)),
  });
  const add = () => onChange({ ...quiz, questions: [...quiz.questions, blankQuestion(quiz.questions)] });
  const drop = (id) => onChange({ ...quiz, questions: quiz.questions.filter((q) => q.id !== id) });
  return html`<div class="quiz-builder">
    <div class="inline">
      <label>Passing score (%) <input type="number" min="0" max="100" required value=${quiz.pass_percent}
        onInput=${(e) => onChange({ ...quiz, pass_percent: e.target.value })} /></label>
      <label>Attempts allowed (empty: unlimited) <input type="number" min="1" value=${quiz.max_attempts}
        onInput=${(e) => onChange({ ...quiz, max_attempts: e.target.value })} /></label>
    </div>
    ${quiz.questions.map((q, i) => html`<fieldset class="question">
      <legend>Question ${i + 1}</legend>
      <label>Kind <select class="question-kind" value=${q.kind} onChange=${(e) => setQuestion(q.id, { kind: e.target.value })}>
        ${QUESTION_KINDS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select></label>
      <label>Prompt <input class="prompt" value=${q.prompt} required onInput=${(e) => setQuestion(q.id, { prompt: e.target.value })} /></label>
      <label>Points <input type="number" min="1" value=${q.points} onInput=${(e) => setQuestion(q.id, { points: e.target.value })} /></label>
      <${Key} q=${q} set=${(patch) => setQuestion(q.id, patch)} />
      <button type="button" class="small danger" onClick=${() => drop(q.id)}>Remove question ${i + 1}</button>
    </fieldset>`)}
    <button type="button" class="secondary" onClick=${add}>Add a question</button>
  </div>`;
}
