// The app: routes by path (the server answers every app path with index.html), a header
// that knows who is signed in and where they may go, the org's brand applied, and one page
// per route. Pages live in their own modules.
import { render } from "../vendor/preact.mjs";
import { useEffect, useLayoutEffect, useState } from "../vendor/preact-hooks.mjs";
import { AcceptInvitation, ForgotPassword, ResetPassword, VerifyEmail } from "./account.mjs";
import { AdminConsole } from "./admin.mjs";
import { api, settings } from "./api.mjs";
import { LessonEditor, NewLesson } from "./builder.mjs";
import { GradingQueue, MediaLibrary } from "./grading.mjs";
import { LessonPage } from "./lesson.mjs";
import { AccountSettings, CertificateCheck, Notifications } from "./me.mjs";
import { Catalog, CoursePage, Dashboard, NotFound, SignIn, SignUp } from "./pages.mjs";
import { CourseReport, LearnerDrillDown } from "./report.mjs";
import { CourseEditor, Workspace } from "./teach.mjs";
import { go, html, roleIn, teaches } from "./ui.mjs";

// Links inside the app move without a reload; others behave as links do.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.hasAttribute("download")) return;
  if (event.ctrlKey || event.metaKey || event.shiftKey) return;
  const url = new URL(link.href);
  const app = url.origin === location.origin && !url.pathname.startsWith("/api/")
    && url.pathname !== "/docs";
  if (app) {
    event.preventDefault();
    go(url.pathname + url.search);
  }
});

const SLUG = "([a-z0-9-]+)";
const ID = "([0-9a-f-]{36})";

/** Each page by its path pattern; a pattern's groups become the page's props. */
const ROUTES = [
  ["/", Catalog],
  ["/sign-in", SignIn],
  ["/sign-up", SignUp],
  ["/dashboard", Dashboard],
  ["/verify-email", VerifyEmail],
  ["/forgot-password", ForgotPassword],
  ["/reset-password", ResetPassword],
  ["/invitations/accept", AcceptInvitation],
  ["/account", AccountSettings],
  ["/notifications", Notifications],
  ["/certificates/([A-Za-z0-9-]+)", CertificateCheck, ["code"]],
  [`/courses/${SLUG}`, CoursePage, ["slug"]],
  [`/courses/${SLUG}/lessons/${ID}`, LessonPage, ["slug", "id"]],
  ["/teach", Workspace, [], "teach"],
  [`/teach/courses/${SLUG}`, CourseEditor, ["slug"], "teach"],
  [`/teach/courses/${SLUG}/modules/${ID}/new-lesson`, NewLesson, ["slug", "module"], "teach"],
  [`/teach/courses/${SLUG}/lessons/${ID}`, LessonEditor, ["slug", "id"], "teach"],
  [`/teach/courses/${SLUG}/report`, CourseReport, ["slug"], "teach"],
  [`/teach/courses/${SLUG}/grading`, GradingQueue, ["slug"], "teach"],
  [`/teach/courses/${SLUG}/media`, MediaLibrary, ["slug"], "teach"],
  [`/teach/courses/${SLUG}/learners/${ID}`, LearnerDrillDown, ["slug", "user"], "teach"],
  ["/admin", AdminConsole, [], "admin"],
  ["/admin/([a-z]+)", AdminConsole, ["section"], "admin"],
];

/** Whether the caller may open pages for `need` (`teach`, `admin`) in `org`. */
function allowed(need, me, org) {
  if (!need) return true;
  if (need === "teach") return teaches(me, org);
  return roleIn(me, org) === "admin";
}

function route(path, context) {
  for (const [pattern, Page, names = [], need] of ROUTES) {
    const found = path.match(new RegExp(`^${pattern}$`));
    if (!found) continue;
    if (!allowed(need, context.me, context.org)) {
      return context.me
        ? html`<section><h1>Not for your role</h1><p>This page is for the org's ${need === "admin" ? "admins" : "instructors and admins"}.</p></section>`
        : html`<section><h1>Sign in first</h1><p><a href="/sign-in?next=${encodeURIComponent(path)}">Sign in</a> to open this page.</p></section>`;
    }
    const props = Object.fromEntries(names.map((name, i) => [name, found[i + 1]]));
    // Keyed by page and org: a page's own state never carries over to another.
    return html`<${Page} key=${`${context.org} ${path}`} ...${context} ...${props} />`;
  }
  return html`<${NotFound} />`;
}

/** The org's white label (`settings.brand`): its name, logo and colour, applied. */
function brandOf(org) {
  const brand = (org && org.settings && org.settings.brand) || {};
  // The API checks both; the app applies nothing else, whatever a store holds.
  const color = /^#[0-9a-f]{6}$/i.test(brand.primary_color || "") ? brand.primary_color : undefined;
  const logo = /^https:\/\//.test(brand.logo_url || "") ? brand.logo_url : undefined;
  const name = typeof brand.display_name === "string" && brand.display_name ? brand.display_name : undefined;
  return { name: name || (org ? org.name : "lms-rs"), logo, color };
}

function Header({ me, org, current, orgs, setCurrent, signOut }) {
  const brand = brandOf(org);
  return html`<header class="bar">
    <a class="brand" href="/">
      ${brand.logo && html`<img src=${brand.logo} alt="" class="logo" />`}${brand.name}
    </a>
    <nav aria-label="Main">
      <a href="/">Catalog</a>
      ${me && html`<a href="/dashboard">My courses</a>`}
      ${teaches(me, current) && html`<a href="/teach">Teach</a>`}
      ${roleIn(me, current) === "admin" && html`<a href="/admin">Admin</a>`}
      ${me && html`<a href="/notifications">Notifications</a>`}
      <a href="/docs">API docs</a>
      ${orgs.length > 1 && html`<label class="org-switch">Org
        <select value=${current} onChange=${(e) => setCurrent(e.target.value)}>
          ${orgs.map((o) => html`<option value=${o}>${o}</option>`)}
        </select></label>`}
      ${me
        ? html`<a href="/account">Account</a>
          <button type="button" class="link" onClick=${signOut}>Sign out (${me.user.name})</button>`
        : html`<a href="/sign-in">Sign in</a>`}
    </nav>
  </header>`;
}

function App() {
  const [path, setPath] = useState(location.pathname);
  const [me, setMe] = useState(undefined);
  const [current, setCurrent] = useState(null);
  const [org, setOrg] = useState(null);
  const [orgRound, setOrgRound] = useState(0);
  useEffect(() => {
    const moved = () => setPath(location.pathname);
    addEventListener("popstate", moved);
    return () => removeEventListener("popstate", moved);
  }, []);
  const refreshMe = () => api("GET", "/me").then(setMe, () => setMe(null));
  useEffect(() => {
    refreshMe();
    settings().then((s) => setCurrent(s.default_org));
  }, []);
  useEffect(() => {
    if (!current) return undefined;
    let latest = true; // an earlier org's answer arriving last is dropped
    api("GET", `/orgs/${current}`).then((o) => latest && setOrg(o), () => latest && setOrg(null));
    return () => { latest = false; };
  }, [current, orgRound]);
  // A layout effect: the colour lands in the same commit as the brand's name, never a frame
  // (or a test's read) later.
  useLayoutEffect(() => {
    const color = brandOf(org).color;
    if (color) document.documentElement.style.setProperty("--accent", color);
    else document.documentElement.style.removeProperty("--accent");
    document.title = brandOf(org).name;
  }, [org]);
  useEffect(() => { document.querySelector("main")?.focus(); }, [path]);
  const signOut = async () => {
    try {
      await api("POST", "/auth/sign-out");
    } catch (e) {
      // Signed out already (401) is fine; otherwise the session still works: say so.
      if (e.status !== 401) {
        alert(`You are still signed in: ${e.message}`);
        return;
      }
    }
    setMe(null);
    go("/");
  };
  if (!current || me === undefined) return html`<main id="main" tabindex="-1"><p>Loading…</p></main>`;
  const orgs = [...new Set([current, ...(me ? me.memberships.map((m) => m.org) : [])])];
  const context = {
    me, org: current, onSignedIn: refreshMe, onOrgChanged: () => setOrgRound((r) => r + 1),
  };
  return html`<${Header} me=${me} org=${org} current=${current} orgs=${orgs}
      setCurrent=${setCurrent} signOut=${signOut} />
    <main id="main" tabindex="-1">${route(path, context)}</main>`;
}

render(html`<${App} />`, document.getElementById("app"));
