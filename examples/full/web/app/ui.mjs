// What every page builds with: `html` templates (htm over Preact, which escapes every value),
// `go`, which moves within the app without a reload, and the small hooks and pieces pages
// share.
import { h } from "../vendor/preact.mjs";
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import htm from "../vendor/htm.mjs";

export const html = htm.bind(h);

/** Moves to `path` without a reload. */
export function go(path) {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** A problem from the API in words, with each field's message. */
export function Problem({ error }) {
  if (!error) return null;
  return html`<div class="problem" role="alert">
    <p>${error.message}</p>
    ${error.fields && error.fields.length > 0 && html`<ul>
      ${error.fields.map((f) => html`<li>${f.field}: ${f.message}</li>`)}
    </ul>`}
  </div>`;
}

/** Loads `load()` when `deps` change: `[value, error, reload]`, value undefined while
 *  loading. */
export function useLoad(load, deps) {
  const [state, setState] = useState([undefined, null]);
  const [round, setRound] = useState(0);
  // Other inputs: what was shown belongs to the old ones (another org's settings, another
  // lesson's posts), so show "loading" until the new answer; a reload keeps it meanwhile.
  useEffect(() => setState([undefined, null]), deps);
  useEffect(() => {
    let current = true;
    load().then(
      (v) => current && setState([v, null]),
      (e) => current && setState([null, e]),
    );
    return () => { current = false; };
  }, [...deps, round]);
  return [state[0], state[1], () => setRound((r) => r + 1)];
}

/** A form's fields as an object (and the form kept from submitting itself). */
export function fields(event) {
  event.preventDefault();
  return Object.fromEntries(new FormData(event.target));
}

/** Runs `action` for a form or button: `[run, problem, done]`, where `done` is the last
 *  success message. */
export function useAction() {
  const [problem, setProblem] = useState(null);
  const [done, setDone] = useState(null);
  const run = async (action, message) => {
    setProblem(null);
    setDone(null);
    try {
      const result = await action();
      if (message) setDone(message);
      return result;
    } catch (e) {
      setProblem(e);
      return undefined;
    }
  };
  return [run, problem, done];
}

/** What `useAction` reports: the problem, or the success in a live region. */
export function Outcome({ problem, done }) {
  return html`<${Problem} error=${problem} />
    ${done && html`<p class="done" role="status">${done}</p>`}`;
}

/** The caller's role in `org` (`admin`, `instructor`, `learner`), or undefined. */
export function roleIn(me, org) {
  return me?.memberships.find((m) => m.org === org)?.role;
}

/** Who may teach here: instructors and admins of `org`. */
export function teaches(me, org) {
  const role = roleIn(me, org);
  return role === "instructor" || role === "admin";
}

/** A date (and time) as the reader's locale writes it; "—" for none. */
export function when(iso, withTime) {
  if (!iso) return "—";
  const date = new Date(iso);
  return withTime ? date.toLocaleString() : date.toLocaleDateString();
}
