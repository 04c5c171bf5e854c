// The admin console of an org: members and their roles, invitations, the org's settings
// (its white-label brand, which the app applies), payments, the courses report and the
// whole org's export.
import { api, minorUnits, price } from "./api.mjs";
import { Exports } from "./report.mjs";
import { Outcome, Problem, fields, html, useAction, useLoad, when } from "./ui.mjs";

const ROLES = ["learner", "instructor", "admin"];

function Members({ org, me }) {
  const [members, error, reload] = useLoad(() => api("GET", `/orgs/${org}/members?limit=200`), [org]);
  const [run, problem, done] = useAction();
  // A select changes on arrow keys too: ask before a role changes, naming the member by
  // email (names need not be unique).
  const setRole = (m, role, select) => {
    if (!confirm(`Make ${m.name} <${m.email}> ${role}?`)) {
      select.value = m.role;
      return;
    }
    // Reloaded either way: on a refusal (an org keeps one admin) the select shows the truth.
    run(() => api("PUT", `/orgs/${org}/members/${m.user_id}`, { role }), `✓ ${m.name} is now ${role}`)
      .then(reload);
  };
  const remove = (m) => {
    if (!confirm(`Remove ${m.name} <${m.email}> from the org? Their enrollments here are revoked.`)) return;
    run(async () => {
      await api("DELETE", `/orgs/${org}/members/${m.user_id}`);
      reload();
    }, `✓ ${m.name} was removed`);
  };
  return html`<section aria-labelledby="members">
    <h2 id="members">Members</h2>
    <${Problem} error=${error} />
    <${Outcome} problem=${problem} done=${done} />
    ${members && html`<table class="grid">
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${members.items.map((m) => html`<tr>
        <td>${m.name}</td><td>${m.email}</td>
        <td><select aria-label="Role of ${m.name}" value=${m.role} onChange=${(e) => setRole(m, e.target.value, e.target)}>
          ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}
        </select></td>
        <td>${when(m.joined_at)}</td>
        <td>${m.user_id !== me.user.id && html`<button type="button" class="small danger" onClick=${() => remove(m)}>Remove</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
}

function Invitations({ org }) {
  const [invitations, error, reload] = useLoad(() => api("GET", `/orgs/${org}/invitations?limit=50`), [org]);
  const [run, problem, done] = useAction();
  const invite = (event) => {
    const form = event.target;
    const body = fields(event);
    run(async () => {
      await api("POST", `/orgs/${org}/invitations`, body);
      form.reset();
      reload();
    }, `✓ Invitation mailed to ${body.email}`);
  };
  const revoke = (i) => run(async () => {
    await api("DELETE", `/orgs/${org}/invitations/${i.id}`);
    reload();
  }, `✓ The invitation to ${i.email} no longer works`);
  return html`<section aria-labelledby="invitations">
    <h2 id="invitations">Invitations</h2>
    <form onSubmit=${invite} class="inline">
      <label for="invite-email">Email</label>
      <input id="invite-email" name="email" type="email" required />
      <label for="invite-role">Role</label>
      <select id="invite-role" name="role">${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select>
      <button type="submit">Invite</button>
    </form>
    <${Outcome} problem=${problem} done=${done} />
    <${Problem} error=${error} />
    ${invitations && html`<table class="grid">
      <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${invitations.items.map((i) => html`<tr>
        <td>${i.email}</td><td>${i.role}</td><td class="invitation-status">${i.status}</td><td>${when(i.expires_at)}</td>
        <td>${i.status === "pending" && html`<button type="button" class="small danger" onClick=${() => revoke(i)}>Revoke</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
}

function Settings({ org, onChanged }) {
  const [current, error, reload] = useLoad(() => api("GET", `/orgs/${org}`), [org]);
  const [run, problem, done] = useAction();
  if (error) return html`<${Problem} error=${error} />`;
  if (!current) return html`<p>Loading the settings…</p>`;
  const brand = (current.settings && current.settings.brand) || {};
  const plan = current.membership;
  const save = (event) => {
    const form = fields(event);
    const offered = form.offer_plan
      ? { amount: minorUnits(form.plan_amount), currency: form.plan_currency.toLowerCase(), interval: form.plan_interval }
      : null;
    // Sent only when it changes: the plan is what subscribers pay.
    const same = JSON.stringify(offered) === JSON.stringify(plan && { amount: plan.amount, currency: plan.currency, interval: plan.interval });
    const chosen = {
      display_name: form.display_name || undefined,
      primary_color: form.use_color ? form.primary_color : undefined,
      logo_url: form.logo_url || undefined,
    };
    const settings = { ...(current.settings || {}), brand: chosen };
    run(async () => {
      await api("PATCH", `/orgs/${org}`, { name: form.name, settings, ...(same ? {} : { membership: offered }) });
      reload();
      onChanged();
    }, "✓ Saved: the app now shows the new brand");
  };
  return html`<section aria-labelledby="settings">
    <h2 id="settings">Settings</h2>
    <form onSubmit=${save} class="narrow">
      <label for="org-name">Name</label>
      <input id="org-name" name="name" value=${current.name} required />
      <label for="brand-name">Name shown in the app (white label)</label>
      <input id="brand-name" name="display_name" value=${brand.display_name || ""} />
      <label class="choice"><input type="checkbox" name="use_color" checked=${!!brand.primary_color} /> Use my colour</label>
      <label for="brand-color">Colour of links and buttons (keep it dark enough to read white text on it)</label>
      <input id="brand-color" name="primary_color" type="color" value=${brand.primary_color || "#0b5cad"} />
      <label for="brand-logo">Logo (an https:// address)</label>
      <input id="brand-logo" name="logo_url" type="url" pattern="https://.*" value=${brand.logo_url || ""} />
      <fieldset>
        <legend>Membership plan: every course of the org for a subscription</legend>
        <label class="choice"><input type="checkbox" name="offer_plan" checked=${!!plan} /> Offer a plan</label>
        <label for="plan-amount">Price per period</label>
        <input id="plan-amount" name="plan_amount" type="number" min="0" step="0.01" value=${plan ? plan.amount / 100 : 20} />
        <label for="plan-currency">Currency</label>
        <input id="plan-currency" name="plan_currency" pattern="[A-Za-z]{3}" value=${plan ? plan.currency : "usd"} />
        <label for="plan-interval">Every</label>
        <select id="plan-interval" name="plan_interval" value=${plan ? plan.interval : "month"}>
          <option value="month">month</option><option value="year">year</option>
        </select>
      </fieldset>
      <button type="submit">Save the settings</button>
    </form>
    <${Outcome} problem=${problem} done=${done} />
  </section>`;
}

function Payments({ org }) {
  const [payments, error] = useLoad(() => api("GET", `/orgs/${org}/payments?limit=100`), [org]);
  return html`<section aria-labelledby="payments">
    <h2 id="payments">Payments</h2>
    <${Problem} error=${error} />
    ${payments && payments.items.length === 0 && html`<p>No payment yet.</p>`}
    ${payments && payments.items.length > 0 && html`<table class="grid">
      <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Amount</th><th scope="col">Reference</th></tr></thead>
      <tbody>${payments.items.map((p) => html`<tr>
        <td>${when(p.created_at, true)}</td><td>${p.kind}</td>
        <td>${price({ amount: p.amount, currency: p.currency })}</td><td><code>${p.reference}</code></td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
}

function Reports({ org }) {
  const [courses, error] = useLoad(() => api("GET", `/orgs/${org}/reports/courses?limit=200`), [org]);
  return html`<section aria-labelledby="reports">
    <h2 id="reports">Courses report</h2>
    <${Problem} error=${error} />
    ${courses && html`<table class="grid">
      <thead><tr><th scope="col">Course</th><th scope="col">Enrolled</th><th scope="col">Completed</th><th scope="col">Average</th></tr></thead>
      <tbody>${courses.items.map((c) => html`<tr>
        <td><a href="/teach/courses/${c.slug}/report">${c.title}</a></td><td>${c.enrolled}</td>
        <td>${c.completed}</td><td>${Math.round(c.average_percent)}%</td>
      </tr>`)}</tbody>
    </table>`}
    <${Exports} path="/orgs/${org}/reports/courses/export" what="the courses" />
    <h2>The whole org</h2>
    <p>Every record of the org in the versioned export format (NDJSON), for a backup or a move.</p>
    <p><a class="cta secondary" href="/api/v1/orgs/${org}/export" download>Export the org</a></p>
  </section>`;
}

const SECTIONS = [
  ["members", "Members", Members],
  ["invitations", "Invitations", Invitations],
  ["settings", "Settings", Settings],
  ["payments", "Payments", Payments],
  ["reports", "Reports and export", Reports],
];

/** The console at `/admin/<section>`. */
export function AdminConsole({ org, me, section, onOrgChanged }) {
  const found = SECTIONS.find(([name]) => name === section) || SECTIONS[0];
  const Section = found[2];
  return html`<article>
    <h1>Administration of ${org}</h1>
    <nav class="tabs" aria-label="Administration">
      ${SECTIONS.map(([name, label]) => html`<a href="/admin/${name}"
        aria-current=${name === found[0] ? "page" : undefined}>${label}</a>`)}
    </nav>
    <${Section} org=${org} me=${me} onChanged=${onOrgChanged} />
  </article>`;
}
