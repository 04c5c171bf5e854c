// What every page builds with: `html` templates (htm over Preact, which escapes every value)
// and `go`, which moves within the app without a reload.
import { h } from "../vendor/preact.mjs";
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
