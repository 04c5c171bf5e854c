// The app's pages, each from the public API only. Every value is rendered through `html`
// templates, which escape it.
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { api, price } from "./api.mjs";
import { next } from "./account.mjs";
import { Problem, fields, go, html, useLoad, when } from "./ui.mjs";

/** Anyone: the default org's published courses. */
export function Catalog({ org, me }) {
  const [courses, error] = useLoad(() => api("GET", `/orgs/${org}/courses?limit=200`), [org]);
  return html`<section aria-labelledby="catalog">
    <h1 id="catalog">Courses</h1>
    ${!me && html`<p>New here? <a href="/sign-up">Create an account</a> or <a href="/sign-in">sign in</a> to enroll.</p>`}
    <${Problem} error=${error} />
    ${courses === undefined && html`<p>Loading the catalog…</p>`}
    ${courses && courses.items.length === 0 && html`<p>No courses are published yet.</p>`}
    ${courses && html`<ul class="cards">
      ${courses.items.map((c) => html`<li class="card">
        <h2><a href="/courses/${c.slug}">${c.title}</a></h2>
        ${c.description && html`<p>${c.description}</p>`}
        <p class="price">${price(c.price)}</p>
      </li>`)}
    </ul>`}
  </section>`;
}

/** How a lesson stands for the learner, in words. */
function standing(state) {
  if (!state) return "";
  if (state.locked) {
    return state.available_at
      ? `Locked until ${when(state.available_at)}`
      : "Locked";
  }
  if (state.status === "completed") return "✓ Completed";
  if (state.status === "in_progress") return "In progress";
  return "";
}

/** A course's outline, enrolling in it, and for its learners where they stand. */
export function CoursePage({ org, me, slug }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [course, error] = useLoad(() => api("GET", base), [org, slug]);
  const [states, setStates] = useState(null);
  const [problem, setProblem] = useState(null);
  const loadStates = () =>
    api("GET", `${base}/progress/lessons`).then((s) => setStates(s.items), () => setStates(null));
  useEffect(() => { if (me) loadStates(); }, [org, slug, me]);
  const buy = async () => {
    setProblem(null);
    const back = `${location.origin}/courses/${slug}`;
    try {
      const checkout = await api("POST", `${base}/checkout`, { success_url: `${back}?paid=1`, cancel_url: back });
      location.assign(checkout.checkout_url);
    } catch (e) {
      setProblem(e);
    }
  };
  const enroll = async () => {
    setProblem(null);
    try {
      await api("POST", `${base}/enrollments`);
      await loadStates();
    } catch (e) {
      if (e.code === "already_enrolled") await loadStates();
      else setProblem(e);
    }
  };
  if (error) return html`<${Problem} error=${error} />`;
  if (!course) return html`<p>Loading the course…</p>`;
  const state = (id) => states && states.find((s) => s.lesson_id === id);
  const next = states && states.find((s) => s.status !== "completed" && !s.locked);
  const open = (l) => states ? !state(l.id)?.locked : l.free_preview;
  return html`<article>
    <h1>${course.title}</h1>
    ${course.description && html`<p>${course.description}</p>`}
    <p class="price">${price(course.price)}</p>
    ${!me && html`<p><a href="/sign-in">Sign in</a> to enroll.</p>`}
    ${me && !states && !course.price && html`<button type="button" onClick=${enroll}>Enroll</button>`}
    ${me && !states && course.price && html`<button type="button" onClick=${buy}>Buy for ${price(course.price)}</button>
      <button type="button" class="secondary" onClick=${enroll}>I have a membership: enroll</button>`}
    ${new URLSearchParams(location.search).has("paid") && !states && html`<p role="status">Thank you: your enrollment starts as soon as the payment is confirmed. Reload in a moment.</p>`}
    ${states && next && html`<p><a class="cta" href="/courses/${slug}/lessons/${next.lesson_id}">Continue where you left off</a></p>`}
    ${states && !next && html`<p class="done">✓ You have completed every open lesson.</p>`}
    ${states && states.every((s) => s.status === "completed") && html`<${Certificate} base=${base} />`}
    <${Problem} error=${problem} />
    <h2>Outline</h2>
    <ol class="outline">
      ${course.modules.map((m) => html`<li>
        <h3>${m.title}</h3>
        <ol>${m.lessons.map((l) => html`<li>
          ${open(l) ? html`<a href="/courses/${slug}/lessons/${l.id}">${l.title}</a>` : l.title}
          <span class="kind">${l.kind}</span>
          ${l.free_preview && html`<span class="badge">Free preview</span>`}
          ${states && html`<span class="standing">${standing(state(l.id))}</span>`}
        </li>`)}</ol>
      </li>`)}
    </ol>
  </article>`;
}

/** The learner's certificate of a completed course, with its PDF and public check. */
function Certificate({ base }) {
  const [certificate] = useLoad(() => api("GET", `${base}/certificate`), [base]);
  if (!certificate) return null;
  return html`<section class="certificate" aria-labelledby="certificate">
    <h2 id="certificate">Your certificate</h2>
    <p>Code <code>${certificate.code}</code>, issued ${when(certificate.issued_at)}.</p>
    <p><a href=${certificate.pdf_url}>Download the PDF</a> · <a href=${certificate.verify_url}>Anyone can check it</a></p>
  </section>`;
}

/** Signing in with the built-in sign-in (the server sets an HttpOnly session cookie). */
export function SignIn({ onSignedIn }) {
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    const { email, password } = fields(event);
    try {
      await api("POST", "/auth/sign-in", { email, password });
      await onSignedIn();
      go(next("/dashboard"));
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section aria-labelledby="sign-in" class="narrow">
    <h1 id="sign-in">Sign in</h1>
    <form onSubmit=${submit}>
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit">Sign in</button>
    </form>
    <${Problem} error=${problem} />
    <p><a href="/forgot-password">Forgot your password?</a> · No account yet? <a href="/sign-up">Create one</a>.</p>
  </section>`;
}

/** Creating an account; the server mails a link to verify the address. */
export function SignUp({ onSignedIn }) {
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    const { name, email, password } = fields(event);
    try {
      await api("POST", "/auth/sign-up", { name, email, password });
      await onSignedIn();
      go(next("/dashboard"));
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section aria-labelledby="sign-up" class="narrow">
    <h1 id="sign-up">Create an account</h1>
    <form onSubmit=${submit}>
      <label for="name">Name</label>
      <input id="name" name="name" autocomplete="name" required />
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="email" required />
      <label for="password">Password (10 to 128 characters)</label>
      <input id="password" name="password" type="password" autocomplete="new-password"
        minlength="10" maxlength="128" required />
      <button type="submit">Create account</button>
    </form>
    <${Problem} error=${problem} />
  </section>`;
}

/** Learners: my courses with their progress. */
export function Dashboard({ me }) {
  const [mine, error] = useLoad(() => (me ? api("GET", "/me/courses?limit=200") : Promise.resolve(null)), [me]);
  if (!me) return html`<p><a href="/sign-in">Sign in</a> to see your courses.</p>`;
  return html`<section aria-labelledby="mine">
    <h1 id="mine">My courses</h1>
    <${Problem} error=${error} />
    ${mine === undefined && html`<p>Loading your courses…</p>`}
    ${mine && mine.items.length === 0 && html`<p>You are not enrolled in any course yet: <a href="/">browse the catalog</a>.</p>`}
    ${mine && html`<ul class="cards">
      ${mine.items.map((e) => html`<li class="card">
        <h2><a href="/courses/${e.course.slug}">${e.course.title}</a></h2>
        <label>Progress
          <progress max="100" value=${e.progress.percent}>${e.progress.percent}%</progress>
        </label>
        <p>${e.progress.percent}% · ${e.progress.completed_lessons} of ${e.progress.total_lessons} lessons</p>
      </li>`)}
    </ul>`}
  </section>`;
}

export function NotFound() {
  return html`<section><h1>Not found</h1><p>No page here. <a href="/">Back to the catalog</a>.</p></section>`;
}
