// A lesson's discussion: posts and one level of replies, written in markdown, kept current
// by the course's event stream (Server-Sent Events), so a post from anyone shows up without
// a reload.
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { api } from "./api.mjs";
import { Markdown } from "./markdown.mjs";
import { Outcome, html, roleIn, useAction, useLoad, when } from "./ui.mjs";

/** Reloads `reload` whenever the course's stream at `base` tells of a post. */
function useLivePosts(base, reload) {
  const [live, setLive] = useState(false);
  useEffect(() => {
    const stream = new EventSource(`/api/v1${base}/events`);
    stream.onopen = () => setLive(true);
    stream.onerror = () => setLive(false);
    for (const kind of ["post.created", "post.updated", "post.deleted"]) {
      stream.addEventListener(kind, reload);
    }
    return () => stream.close();
  }, [base]);
  return live;
}

function Write({ post, label, id }) {
  return html`<form onSubmit=${post} class="post-form">
    <label for=${id}>${label}</label>
    <textarea id=${id} name="body" rows="3" required maxlength="10000"></textarea>
    <button type="submit">Post</button>
  </form>`;
}

/** A post's own controls: its author deletes it; the course's managers hide or show it. */
function Controls({ q, me, manages, remove, hide }) {
  const mine = me && q.author.id === me.user.id;
  return html`${manages && html`<button type="button" class="small secondary" onClick=${() => hide(q, !q.hidden)}>
      ${q.hidden ? "Show" : "Hide"}</button>`}
    ${(mine || manages) && html`<button type="button" class="small danger" onClick=${() => remove(q)}>Delete</button>`}`;
}

function Post({ p, replies, me, manages, write, remove, hide }) {
  const [replying, setReplying] = useState(false);
  // The API gives the hidden body to its author and the course's managers only.
  const body = (q) => (q.hidden && !q.body
    ? html`<p class="muted">Hidden by the instructor.</p>`
    : html`${q.hidden && html`<p class="muted">Hidden from learners.</p>`}<${Markdown} text=${q.body} untrusted=${true} />`);
  const controls = (q) => html`<${Controls} q=${q} me=${me} manages=${manages} remove=${remove} hide=${hide} />`;
  return html`<li class="post">
    <p class="author"><strong>${p.author.name}</strong> <span class="muted">${when(p.created_at, true)}${p.edited_at ? " (edited)" : ""}</span></p>
    ${body(p)}
    <p class="actions">
      <button type="button" class="small secondary" onClick=${() => setReplying(!replying)}>Reply</button>
      ${controls(p)}
    </p>
    ${replies.length > 0 && html`<ul class="replies">${replies.map((r) => html`<li class="post">
      <p class="author"><strong>${r.author.name}</strong> <span class="muted">${when(r.created_at, true)}</span></p>
      ${body(r)}
      <p class="actions">${controls(r)}</p>
    </li>`)}</ul>`}
    ${replying && html`<${Write} id="reply-${p.id}" label="Your reply to ${p.author.name}"
      post=${(e) => write(e, p.id).then(() => setReplying(false))} />`}
  </li>`;
}

export function Discussion({ base, lesson, me, org }) {
  const path = `${base}/lessons/${lesson}/posts`;
  const [posts, error, reload] = useLoad(() => api("GET", `${path}?limit=200`), [path]);
  const live = useLivePosts(base, reload);
  // Admins moderate every course of their org, instructors the ones they own: the course's
  // owner is asked for only for instructors.
  const role = roleIn(me, org);
  const [course] = useLoad(() => (role === "instructor" ? api("GET", base) : Promise.resolve(null)), [base, role]);
  const [run, problem, done] = useAction();
  // Not enrolled (a free preview, say): there is no discussion to show.
  if (error && (error.status === 401 || error.status === 402 || error.status === 403)) return null;
  const write = (event, parent) => {
    event.preventDefault();
    const form = event.target;
    const body = new FormData(form).get("body");
    return run(async () => {
      await api("POST", path, { body, parent_id: parent });
      form.reset();
      reload();
    });
  };
  const remove = (p) => {
    if (confirm("Delete this post?")) run(async () => {
      await api("DELETE", `${base}/posts/${p.id}`);
      reload();
    });
  };
  const hide = (p, hidden) => run(async () => {
    await api("PATCH", `${base}/posts/${p.id}`, { hidden });
    reload();
  });
  const manages = role === "admin" || (role === "instructor" && !!course && course.owner_id === me.user.id);
  const items = posts ? posts.items : [];
  const top = items.filter((p) => !p.parent_id);
  return html`<section class="discussion" aria-labelledby="discussion">
    <h2 id="discussion">Discussion</h2>
    <p class="muted" aria-live="polite">${live ? "Live: new posts appear as they are written." : "Connecting…"}</p>
    ${top.length === 0 && posts && html`<p>No posts yet. Ask a question or share what you found.</p>`}
    <ul class="posts">${top.map((p) => html`<${Post} key=${p.id} p=${p} me=${me}
      replies=${items.filter((r) => r.parent_id === p.id)} manages=${manages}
      write=${write} remove=${remove} hide=${hide} />`)}</ul>
    <${Write} id="new-post" label="Write a post (markdown)" post=${(e) => write(e, undefined)} />
    <${Outcome} problem=${problem} done=${done} />
  </section>`;
}
