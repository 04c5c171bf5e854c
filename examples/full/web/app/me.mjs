// What belongs to the signed-in user: account settings (profile, email, password, sessions,
// deleting the account) and notifications, which arrive live over `/me/events`; and the
// public check of a certificate.
import { useEffect } from "../vendor/preact-hooks.mjs";
import { api } from "./api.mjs";
import { Outcome, Problem, fields, go, html, useAction, useLoad, when } from "./ui.mjs";

function Profile({ me, onChanged }) {
  const [run, problem, done] = useAction();
  const save = (event) => {
    const form = fields(event);
    run(async () => {
      await api("PATCH", "/me", { name: form.name, avatar_url: form.avatar_url || null });
      onChanged();
    }, "✓ Profile saved");
  };
  return html`<form onSubmit=${save} class="narrow" aria-labelledby="profile">
    <h2 id="profile">Profile</h2>
    <label for="profile-name">Name</label>
    <input id="profile-name" name="name" value=${me.user.name} required autocomplete="name" />
    <label for="profile-avatar">Picture (an https:// address)</label>
    <input id="profile-avatar" name="avatar_url" type="url" pattern="https://.*" value=${me.user.avatar_url || ""} />
    <button type="submit">Save the profile</button>
    <${Outcome} problem=${problem} done=${done} />
  </form>`;
}

function Email({ me }) {
  const [run, problem, done] = useAction();
  const change = (event) => {
    const body = fields(event);
    run(() => api("POST", "/me/email", body), `✓ A link to confirm ${body.email} is on its way`);
  };
  const resend = () => run(() => api("POST", "/me/verify-email"), "✓ A new confirmation link is on its way");
  return html`<form onSubmit=${change} class="narrow" aria-labelledby="email-heading">
    <h2 id="email-heading">Email</h2>
    <p>${me.user.email} ${me.user.email_verified ? "(confirmed)" : html`(not confirmed)
      <button type="button" class="small secondary" onClick=${resend}>Send the link again</button>`}</p>
    <label for="email-new">New address</label>
    <input id="email-new" name="email" type="email" required autocomplete="email" />
    <label for="email-password">Your password</label>
    <input id="email-password" name="password" type="password" required autocomplete="current-password" />
    <button type="submit">Change the address</button>
    <${Outcome} problem=${problem} done=${done} />
  </form>`;
}

function Password() {
  const [run, problem, done] = useAction();
  const change = (event) => {
    const body = fields(event);
    const form = event.target;
    run(async () => {
      await api("PUT", "/me/password", body);
      form.reset();
    }, "✓ Password changed; your other sessions were signed out");
  };
  return html`<form onSubmit=${change} class="narrow" aria-labelledby="password-heading">
    <h2 id="password-heading">Password</h2>
    <label for="password-current">Current password</label>
    <input id="password-current" name="current_password" type="password" required autocomplete="current-password" />
    <label for="password-new">New password (10 to 128 characters)</label>
    <input id="password-new" name="new_password" type="password" required minlength="10" maxlength="128" autocomplete="new-password" />
    <button type="submit">Change the password</button>
    <${Outcome} problem=${problem} done=${done} />
  </form>`;
}

function Sessions() {
  const [sessions, error, reload] = useLoad(() => api("GET", "/me/sessions"), []);
  const [run, problem, done] = useAction();
  const end = (path, message) => run(async () => {
    await api("DELETE", path);
    reload();
  }, message);
  return html`<section aria-labelledby="sessions">
    <h2 id="sessions">Where you are signed in</h2>
    <${Problem} error=${error} />
    ${sessions && html`<ul>${sessions.items.map((s) => html`<li>
      ${s.user_agent || "Unknown client"} · ${s.ip || "unknown address"} · last used ${when(s.last_used_at, true)}
      ${s.current ? html` <strong>(this browser)</strong>` : html` <button type="button" class="small danger"
        onClick=${() => end(`/me/sessions/${s.id}`, "✓ Signed out there")}>Sign out there</button>`}
    </li>`)}</ul>`}
    <button type="button" class="secondary" onClick=${() => end("/me/sessions", "✓ Every other session was signed out")}>Sign out everywhere else</button>
    <${Outcome} problem=${problem} done=${done} />
  </section>`;
}

function DeleteAccount({ onDeleted }) {
  const [run, problem] = useAction();
  const erase = (event) => {
    const body = fields(event);
    if (!confirm("Delete your account for good? Your enrollments and certificates end.")) return;
    run(async () => {
      await api("DELETE", "/me", body);
      await onDeleted();
      go("/");
    });
  };
  return html`<form onSubmit=${erase} class="narrow danger-zone" aria-labelledby="delete-heading">
    <h2 id="delete-heading">Delete my account</h2>
    <p>Your name and email are erased, your enrollments and certificates end; your posts stay as “Deleted user”.</p>
    <label for="delete-password">Your password</label>
    <input id="delete-password" name="password" type="password" required autocomplete="current-password" />
    <button type="submit" class="danger">Delete my account</button>
    <${Problem} error=${problem} />
  </form>`;
}

export function AccountSettings({ me, onSignedIn }) {
  if (!me) return html`<p><a href="/sign-in?next=/account">Sign in</a> to see your account.</p>`;
  return html`<section aria-labelledby="account">
    <h1 id="account">Your account</h1>
    <${Profile} me=${me} onChanged=${onSignedIn} />
    <${Email} me=${me} />
    <${Password} />
    <${Sessions} />
    <${DeleteAccount} onDeleted=${onSignedIn} />
  </section>`;
}

/** What each kind of notification says, from who did it, the course and its data. */
const SAYS = {
  "enrollment.created": (who, course) => `${who} enrolled in ${course}`,
  "course.completed": (who, course) => `${who} completed ${course}`,
  "post.created": (who, course) => `${who} posted in ${course}`,
  "post.replied": (who, course) => `${who} replied to your post in ${course}`,
  "submission.created": (who, course) => `${who} handed in an assignment in ${course}: it waits for a grade`,
  "submission.graded": (_, course, d) =>
    `Your assignment in ${course} was graded: ${d.score}/${d.max_score}, ${d.passed ? "passed" : "not passed"}`,
};

/** A notification in words. Its data names a course by id only, so titles come from the
 *  courses the app can list (`titles`). */
function describe(n, titles) {
  const d = n.data || {};
  const course = titles.get(n.course_id) || "a course";
  const who = (d.user && d.user.name) || (d.author && d.author.name) || "Someone";
  const says = SAYS[n.kind];
  return says ? says(who, course, d) : n.kind;
}

/** Course titles by id: the caller's enrollments and the org's catalog. */
async function courseTitles(org) {
  const [mine, catalog] = await Promise.all([
    api("GET", "/me/courses?limit=200"),
    api("GET", `/orgs/${org}/courses?limit=200`),
  ]);
  return new Map([...mine.items.map((e) => e.course), ...catalog.items].map((c) => [c.id, c.title]));
}

export function Notifications({ me, org }) {
  const [page, error, reload] = useLoad(() => (me ? api("GET", "/me/notifications?limit=50") : Promise.resolve(null)), [me]);
  const [titles] = useLoad(() => (me ? courseTitles(org) : Promise.resolve(new Map())), [me, org]);
  const [run, problem] = useAction();
  useEffect(() => {
    if (!me) return undefined;
    const stream = new EventSource("/api/v1/me/events");
    stream.onmessage = reload;
    for (const kind of Object.keys(SAYS)) stream.addEventListener(kind, reload);
    return () => stream.close();
  }, [me]);
  if (!me) return html`<p><a href="/sign-in?next=/notifications">Sign in</a> to see your notifications.</p>`;
  const readAll = () => run(async () => {
    await api("POST", "/me/notifications/read", { all: true });
    reload();
  });
  return html`<section aria-labelledby="notifications">
    <h1 id="notifications">Notifications</h1>
    <${Problem} error=${error || problem} />
    ${page && page.items.length === 0 && html`<p>Nothing yet.</p>`}
    ${page && page.items.length > 0 && html`<button type="button" class="secondary" onClick=${readAll}>Mark all as read</button>
      <ul class="notifications">${page.items.map((n) => html`<li class=${n.read_at ? "read" : "unread"}>
        ${!n.read_at && html`<span class="badge">new</span> `}<span class="what">${describe(n, titles || new Map())}</span> <span class="muted">${when(n.created_at, true)}</span>
      </li>`)}</ul>`}
  </section>`;
}

/** Anyone: whether the certificate `code` is real, with its PDF. */
export function CertificateCheck({ code }) {
  const [found, error] = useLoad(() => api("GET", `/certificates/${encodeURIComponent(code)}`), [code]);
  if (error) return html`<section><h1>Certificate check</h1><${Problem} error=${error} /></section>`;
  if (!found) return html`<p>Checking the certificate…</p>`;
  return html`<section aria-labelledby="check" class="certificate">
    <h1 id="check">Certificate check</h1>
    <p class=${found.valid ? "done" : "problem"} role="status">${found.valid ? "✓ This certificate is valid." : `This certificate was revoked (${found.revoked_reason}).`}</p>
    <dl>
      ${found.learner_name && html`<dt>Awarded to</dt><dd>${found.learner_name}</dd>`}
      <dt>Course</dt><dd>${found.course_title}</dd>
      <dt>By</dt><dd>${found.org_name}</dd>
      <dt>Issued</dt><dd>${when(found.issued_at)}</dd>
    </dl>
    <p><a href="/api/v1/certificates/${encodeURIComponent(code)}/pdf">Download the PDF</a></p>
  </section>`;
}
