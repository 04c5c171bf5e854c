// Markdown from authors and learners, rendered and sanitized: the one place the app turns
// text into HTML.
import { marked } from "../vendor/marked.mjs";
import DOMPurify from "../vendor/purify.mjs";
import { html } from "./ui.mjs";

/** What lesson text may not carry: scripts, handlers and `javascript:` links go by
 *  DOMPurify's defaults; forms and their controls too, which would let an author have a
 *  learner's click post to the API as them, and style elements. */
const SANITIZE = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ["form", "input", "button", "textarea", "select", "option", "style"],
  FORBID_ATTR: ["action", "formaction", "method", "enctype"],
};

/** Markdown as HTML with everything active taken out, its headings a level down: the
 *  page's own title is the one `h1`. */
export function Markdown({ text }) {
  const clean = DOMPurify.sanitize(marked.parse(text || ""), SANITIZE);
  const nested = clean.replace(/<(\/?)h([1-5])\b/g, (_, end, level) => `<${end}h${Number(level) + 1}`);
  return html`<div class="prose" dangerouslySetInnerHTML=${{ __html: nested }} />`;
}
