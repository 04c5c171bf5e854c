// The app's pages, each from the public API only. Every value is rendered through `html`
// templates, which escape it.
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { api, price } from "./api.mjs";
import { Problem, go, html } from "./ui.mjs";

/** Loads `load()` once; `[value, error]`, value undefined while loading. */
function useLoad(load, deps) {
  const [state, setState] = useState([undefined, null]);
  useEffect(() => {
    setState([undefined, null]);
    load().then((v) => setState([v, null]), (e) => setState([null, e]));
  }, deps);
  return state;
}

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

/** A course's outline, and enrolling in it. */
export function CoursePage({ org, me, slug }) {
  const [course, error] = useLoad(() => api("GET", `/orgs/${org}/courses/${slug}`), [org, slug]);
  const [enrolled, setEnrolled] = useState(null);
  const [problem, setProblem] = useState(null);
  const enroll = async () => {
    setProblem(null);
    try {
      setEnrolled(await api("POST", `/orgs/${org}/courses/${slug}/enrollments`));
    } catch (e) {
      if (e.code === "already_enrolled") setEnrolled(true);
      else setProblem(e);
    }
  };
  if (error) return html`<${Problem} error=${error} />`;
  if (!course) return html`<p>Loading the course…</p>`;
  return html`<article>
    <h1>${course.title}</h1>
    ${course.description && html`<p>${course.description}</p>`}
    <p class="price">${price(course.price)}</p>
    ${me
      ? html`<button type="button" onClick=${enroll} disabled=${enrolled !== null}>
          ${enrolled ? "Enrolled" : "Enroll"}</button>`
      : html`<p><a href="/sign-in">Sign in</a> to enroll.</p>`}
    <${Problem} error=${problem} />
    <h2>Outline</h2>
    <ol class="outline">
      ${course.modules.map((m) => html`<li>
        <h3>${m.title}</h3>
        <ol>${m.lessons.map((l) => html`<li>${l.title} <span class="kind">${l.kind}</span>
          ${l.free_preview && html`<span class="badge">Free preview</span>`}</li>`)}</ol>
      </li>`)}
    </ol>
  </article>`;
}

/** A form's fields as an object. */
function fields(event) {
  event.preventDefault();
  return Object.fromEntries(new FormData(event.target));
}

/** Signing in with the built-in sign-in (the server sets an HttpOnly session cookie). */
export function SignIn({ onSignedIn }) {
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    const { email, password } = fields(event);
    try {
      await api("POST", "/auth/sign-in", { email, password });
      await onSignedIn();
      go("/dashboard");
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
    <p>No account yet? <a href="/sign-up">Create one</a>.</p>
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
      go("/dashboard");
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
