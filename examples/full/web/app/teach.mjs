// The instructor's workspace: the courses I may manage in the org, a new course, and one
// course's editor — its details, publishing, its curriculum (add, edit, reorder, remove)
// and a copy of it. Lessons are edited in builder.mjs; reports and grading in report.mjs.
import { useState } from "../vendor/preact-hooks.mjs";
import { api, minorUnits, price } from "./api.mjs";
import { ReleaseFields, releaseBody, releaseDraft } from "./release.mjs";
import { Outcome, Problem, fields, go, html, roleIn, useAction, useLoad } from "./ui.mjs";

/** Every course the caller manages in `org`: their own as an instructor, all as an admin. */
async function managed(me, org) {
  const statuses = ["draft", "published", "archived"];
  const pages = await Promise.all(
    statuses.map((s) => api("GET", `/orgs/${org}/courses?status=${s}&limit=200`)),
  );
  const admin = roleIn(me, org) === "admin";
  return pages.flatMap((p) => p.items).filter((c) => admin || c.owner_id === me.user.id);
}

/** The workspace's landing: my courses, and a new one. */
export function Workspace({ me, org }) {
  const [courses, error] = useLoad(() => managed(me, org), [org, me]);
  const [run, problem] = useAction();
  const create = (event) => {
    const form = fields(event);
    const body = { slug: form.slug, title: form.title, description: form.description || undefined };
    run(async () => {
      const course = await api("POST", `/orgs/${org}/courses`, body);
      go(`/teach/courses/${course.slug}`);
    });
  };
  return html`<section aria-labelledby="teach">
    <h1 id="teach">Teach</h1>
    <${Problem} error=${error} />
    ${courses === undefined && html`<p>Loading your courses…</p>`}
    ${courses && courses.length === 0 && html`<p>You manage no course yet: start one below.</p>`}
    ${courses && html`<table class="grid">
      <caption>Courses you manage</caption>
      <thead><tr><th scope="col">Course</th><th scope="col">Status</th><th scope="col">Price</th></tr></thead>
      <tbody>${courses.map((c) => html`<tr>
        <td><a href="/teach/courses/${c.slug}">${c.title}</a></td>
        <td><span class="status ${c.status}">${c.status}</span></td>
        <td>${price(c.price)}</td>
      </tr>`)}</tbody>
    </table>`}
    <h2>New course</h2>
    <form onSubmit=${create} class="narrow">
      <label for="new-title">Title</label>
      <input id="new-title" name="title" required maxlength="200" />
      <label for="new-slug">Address (lowercase letters, digits and dashes)</label>
      <input id="new-slug" name="slug" required pattern="[a-z0-9]+(-[a-z0-9]+)*" />
      <label for="new-description">Description</label>
      <textarea id="new-description" name="description" rows="3"></textarea>
      <button type="submit">Create the draft</button>
    </form>
    <${Problem} error=${problem} />
  </section>`;
}

/** The curriculum as the reorder route takes it. */
function layout(course) {
  return { modules: course.modules.map((m) => ({ id: m.id, lessons: m.lessons.map((l) => l.id) })) };
}

/** `layout` with lesson `id` moved one place `by` (±1), into the neighbouring module at its
 *  edge: two buttons move a lesson anywhere. */
function moveLesson(plan, id, by) {
  const modules = plan.modules.map((m) => ({ id: m.id, lessons: [...m.lessons] }));
  const at = modules.findIndex((m) => m.lessons.includes(id));
  const lessons = modules[at].lessons;
  const index = lessons.indexOf(id);
  const to = index + by;
  lessons.splice(index, 1);
  if (to >= 0 && to <= lessons.length) lessons.splice(to, 0, id);
  else if (by < 0 && at > 0) modules[at - 1].lessons.push(id);
  else if (by > 0 && at < modules.length - 1) modules[at + 1].lessons.unshift(id);
  else lessons.splice(index, 0, id);
  return { modules };
}

function moveModule(plan, id, by) {
  const modules = [...plan.modules];
  const index = modules.findIndex((m) => m.id === id);
  const to = index + by;
  if (to < 0 || to >= modules.length) return plan;
  modules.splice(to, 0, modules.splice(index, 1)[0]);
  return { modules };
}

/** A module's title and release rule, folded away until wanted. */
function ModuleSettings({ base, module, onSaved }) {
  const [draft, setDraft] = useState({ title: module.title, ...releaseDraft(module.release) });
  const [run, problem, done] = useAction();
  const set = (patch) => setDraft({ ...draft, ...patch });
  const save = (event) => {
    event.preventDefault();
    const body = { title: draft.title, release: releaseBody(draft) };
    run(async () => {
      await api("PATCH", `${base}/modules/${module.id}`, body);
      onSaved();
    }, "✓ Module saved");
  };
  return html`<details class="module-settings">
    <summary>Edit the module ${module.title}</summary>
    <form onSubmit=${save} class="lesson-form">
      <label>Title <input value=${draft.title} required onInput=${(e) => set({ title: e.target.value })} /></label>
      <${ReleaseFields} draft=${draft} set=${set}
        previous="Once every required lesson of the modules before it is completed" />
      <button type="submit">Save the module</button>
    </form>
    <${Outcome} problem=${problem} done=${done} />
  </details>`;
}

/** One course for its owner or an admin. */
export function CourseEditor({ org, slug }) {
  const base = `/orgs/${org}/courses/${slug}`;
  const [course, error, reload] = useLoad(() => api("GET", base), [org, slug]);
  const [run, problem, done] = useAction();
  if (error) return html`<${Problem} error=${error} />`;
  if (!course) return html`<p>Loading the course…</p>`;
  const change = (body, message) => run(async () => {
    await api("PATCH", base, body);
    reload();
  }, message);
  const details = (event) => {
    const form = fields(event);
    const amount = minorUnits(form.amount);
    const body = {
      title: form.title,
      description: form.description,
      price: amount > 0 ? { amount, currency: form.currency.toLowerCase() } : null,
    };
    change(body, "✓ Saved");
  };
  const reorder = (plan) => run(async () => {
    await api("PUT", `${base}/curriculum`, plan);
    reload();
  });
  const addModule = (event) => {
    const { title } = fields(event);
    event.target.reset();
    run(async () => {
      await api("POST", `${base}/modules`, { title });
      reload();
    });
  };
  const remove = (path, what) => {
    if (!confirm(`Delete ${what}? This cannot be undone.`)) return;
    run(async () => {
      await api("DELETE", `${base}${path}`);
      reload();
    });
  };
  const duplicate = (event) => {
    const body = fields(event);
    run(async () => {
      const copy = await api("POST", `${base}/duplicate`, body);
      go(`/teach/courses/${copy.slug}`);
    });
  };
  const plan = layout(course);
  return html`<article>
    <p><a href="/teach">← All my courses</a></p>
    <h1>${course.title}</h1>
    <p>Status: <span class="status ${course.status}">${course.status}</span>
      ${course.status === "draft" && html` <button type="button" onClick=${() => change({ status: "published" }, "✓ Published")}>Publish</button>`}
      ${course.status === "published" && html` <button type="button" class="secondary" onClick=${() => change({ status: "archived" }, "✓ Archived")}>Archive</button>`}
    </p>
    <nav class="tabs" aria-label="This course">
      <a href="/courses/${slug}">View as a learner</a>
      <a href="/teach/courses/${slug}/report">Report</a>
      <a href="/teach/courses/${slug}/grading">Grading queue</a>
      <a href="/teach/courses/${slug}/media">Media</a>
    </nav>
    <${Outcome} problem=${problem} done=${done} />
    <h2>Details</h2>
    <form onSubmit=${details} class="narrow">
      <label for="title">Title</label>
      <input id="title" name="title" value=${course.title} required />
      <label for="description">Description</label>
      <textarea id="description" name="description" rows="3" value=${course.description || ""}></textarea>
      <label for="amount">Price (0 for free)</label>
      <input id="amount" name="amount" type="number" min="0" step="0.01"
        value=${course.price ? course.price.amount / 100 : 0} />
      <label for="currency">Currency</label>
      <input id="currency" name="currency" value=${course.price ? course.price.currency : "usd"}
        pattern="[A-Za-z]{3}" />
      <button type="submit">Save details</button>
    </form>
    <h2>Curriculum</h2>
    <ol class="outline editor">
      ${course.modules.map((m, mi) => html`<li>
        <h3>${m.title} ${m.release && html`<span class="badge">Release rule</span>`}</h3>
        <div class="actions">
          <button type="button" class="small" disabled=${mi === 0}
            onClick=${() => reorder(moveModule(plan, m.id, -1))} aria-label="Move module ${m.title} up">↑</button>
          <button type="button" class="small" disabled=${mi === course.modules.length - 1}
            onClick=${() => reorder(moveModule(plan, m.id, 1))} aria-label="Move module ${m.title} down">↓</button>
          <button type="button" class="small danger" onClick=${() => remove(`/modules/${m.id}`, `the module ${m.title} and its lessons`)}>Delete</button>
        </div>
        <ol>${m.lessons.map((l) => html`<li>
          <a href="/teach/courses/${slug}/lessons/${l.id}">${l.title}</a>
          <span class="kind">${l.kind}</span>
          ${l.free_preview && html`<span class="badge">Free preview</span>`}
          ${l.release && html`<span class="badge">Release rule</span>`}
          <span class="actions">
            <button type="button" class="small" onClick=${() => reorder(moveLesson(plan, l.id, -1))}
              aria-label="Move lesson ${l.title} up">↑</button>
            <button type="button" class="small" onClick=${() => reorder(moveLesson(plan, l.id, 1))}
              aria-label="Move lesson ${l.title} down">↓</button>
            <button type="button" class="small danger" onClick=${() => remove(`/lessons/${l.id}`, `the lesson ${l.title}`)}>Delete</button>
          </span>
        </li>`)}</ol>
        <p><a href="/teach/courses/${slug}/modules/${m.id}/new-lesson">+ Add a lesson to ${m.title}</a></p>
        <${ModuleSettings} key=${m.id} base=${base} module=${m} onSaved=${reload} />
      </li>`)}
    </ol>
    <form onSubmit=${addModule} class="inline">
      <label for="module-title">New module</label>
      <input id="module-title" name="title" required />
      <button type="submit">Add the module</button>
    </form>
    <h2>Duplicate</h2>
    <p class="muted">A draft copy of the curriculum, owned by you, without learners.</p>
    <form onSubmit=${duplicate} class="narrow">
      <label for="copy-title">Title of the copy</label>
      <input id="copy-title" name="title" value="${course.title} (copy)" required />
      <label for="copy-slug">Its address</label>
      <input id="copy-slug" name="slug" value="${slug}-copy" required pattern="[a-z0-9]+(-[a-z0-9]+)*" />
      <button type="submit">Duplicate the course</button>
    </form>
  </article>`;
}
