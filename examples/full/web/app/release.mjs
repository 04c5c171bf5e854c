// Release rules as the editors hold them (`after_days`, `available_from` as a local
// date-time, `requires_previous`) and as the API takes them, with their fields.
import { html } from "./ui.mjs";

/** An instant as a `datetime-local` field shows it, in the reader's zone. */
function local(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/** A module's or lesson's `release` (or null) as an editor's fields. */
export function releaseDraft(release) {
  const r = release || {};
  return {
    after_days: r.after_days ?? "",
    available_from: local(r.available_from),
    requires_previous: !!r.requires_previous,
  };
}

/** The editor's fields as a `release`: null when no condition is given. */
export function releaseBody(draft) {
  const open = draft.after_days !== "" || draft.available_from || draft.requires_previous;
  if (!open) return null;
  return {
    ...(draft.after_days !== "" ? { after_days: Number(draft.after_days) } : {}),
    ...(draft.available_from ? { available_from: new Date(draft.available_from).toISOString() } : {}),
    requires_previous: draft.requires_previous,
  };
}

/** The rule's fields; `set(patch)` receives each change. `previous` says what "previous"
 *  means for this item. */
export function ReleaseFields({ draft, set, previous }) {
  return html`<fieldset>
    <legend>Release rule (all that are given must hold)</legend>
    <label>Days after enrolling <input type="number" min="0" max="3650" value=${draft.after_days}
      onInput=${(e) => set({ after_days: e.target.value })} /></label>
    <label>Not before <input type="datetime-local" value=${draft.available_from}
      onInput=${(e) => set({ available_from: e.target.value })} /></label>
    <label class="choice"><input type="checkbox" checked=${draft.requires_previous}
      onChange=${(e) => set({ requires_previous: e.target.checked })} /> ${previous}</label>
  </fieldset>`;
}
