// Markdown from authors and learners, rendered and sanitized: the one place the app turns
// text into HTML.
import { Marked, marked } from "../vendor/marked.mjs";
import DOMPurify from "../vendor/purify.mjs";
import { html } from "./ui.mjs";

/** What markdown may not carry: scripts, handlers and `javascript:` links go by
 *  DOMPurify's defaults; forms and their controls too, which would let an author have a
 *  reader's click post to the API as them; and what would let text dress up as the app
 *  itself (its classes, ids and roles, dialogs and popovers drawn over the page). */
const SANITIZE = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    "form", "input", "button", "textarea", "select", "option", "style", "dialog", "main",
    "nav", "header", "footer", "iframe", "object", "embed",
  ],
  FORBID_ATTR: [
    "action", "formaction", "method", "enctype", "class", "id", "role", "popover",
    "popovertarget", "popovertargetaction", "download", "tabindex", "accesskey", "autofocus",
  ],
};

/** Learners' text loads nothing from elsewhere, which would tell its author who read it and
 *  when: its images are written as links to them, and image and media elements go. */
const UNTRUSTED = {
  ...SANITIZE,
  FORBID_TAGS: [...SANITIZE.FORBID_TAGS, "img", "picture", "video", "audio", "source", "track"],
};

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const linkingImages = new Marked({
  renderer: {
    image({ href, text }) {
      return `<a href="${escape(href)}" rel="noopener noreferrer nofollow">Image: ${escape(text || href)}</a>`;
    },
  },
});

/** Markdown as HTML with everything active taken out, its headings a level down (the
 *  page's own title is the one `h1`); `untrusted` (a learner's post) loads no image. */
export function Markdown({ text, untrusted }) {
  const rendered = (untrusted ? linkingImages : marked).parse(text || "");
  const clean = DOMPurify.sanitize(rendered, untrusted ? UNTRUSTED : SANITIZE);
  const nested = clean.replace(/<(\/?)h([1-5])\b/g, (_, end, level) => `<${end}h${Number(level) + 1}`);
  return html`<div class="prose" dangerouslySetInnerHTML=${{ __html: nested }} />`;
}
