// Bar charts in SVG, drawn by hand: the report needs two of them, and a chart library would
// outweigh the app. Each chart is one image with a title for screen readers, and its numbers
// are in a table below it.
import { html } from "./ui.mjs";

const WIDTH = 640;
const HEIGHT = 200;
const AXIS = 24;

/** Bars of `values` labelled by `labels`, titled `title`; `every` labels only every n-th
 *  bar when they would crowd. */
export function BarChart({ id, title, labels, values, every = 1 }) {
  const top = Math.max(1, ...values);
  const slot = WIDTH / values.length;
  const bar = Math.max(2, slot * 0.7);
  const height = (v) => ((HEIGHT - AXIS - 14) * v) / top;
  return html`<figure class="chart" aria-labelledby="${id}-title">
    <figcaption id="${id}-title">${title}</figcaption>
    <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title" class="bars">
      <line x1="0" y1=${HEIGHT - AXIS} x2=${WIDTH} y2=${HEIGHT - AXIS} class="axis" />
      ${values.map((v, i) => {
        const x = i * slot + (slot - bar) / 2;
        const y = HEIGHT - AXIS - height(v);
        return html`<g>
          <rect x=${x} y=${y} width=${bar} height=${height(v)} class="bar" />
          ${v > 0 && html`<text x=${x + bar / 2} y=${y - 3} class="value">${v}</text>`}
          ${i % every === 0 && html`<text x=${x + bar / 2} y=${HEIGHT - 8} class="label">${labels[i]}</text>`}
        </g>`;
      })}
    </svg>
    <details>
      <summary>The numbers</summary>
      <table class="grid">
        <thead><tr><th scope="col">Range</th><th scope="col">Count</th></tr></thead>
        <tbody>${values.map((v, i) => html`<tr><td>${labels[i]}</td><td>${v}</td></tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}

/** The eleven ranges of a report's `distribution`. */
export const PERCENT_RANGES = [...Array(10).keys()].map((i) => `${i * 10}–${i * 10 + 9}`).concat("100");
