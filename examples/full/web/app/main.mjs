// The app: routes by path (the server answers every app path with index.html), a header
// that knows who is signed in, and one page per route. Pages live in pages.mjs.
import { render } from "../vendor/preact.mjs";
import { useEffect, useState } from "../vendor/preact-hooks.mjs";
import { api, settings } from "./api.mjs";
import { AcceptInvitation, ForgotPassword, ResetPassword, VerifyEmail } from "./account.mjs";
import { LessonPage } from "./lesson.mjs";
import { Catalog, CoursePage, Dashboard, NotFound, SignIn, SignUp } from "./pages.mjs";
import { go, html } from "./ui.mjs";

// Links inside the app move without a reload; others behave as links do.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href]");
  if (!link || link.target || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const url = new URL(link.href);
  const app = url.origin === location.origin && !url.pathname.startsWith("/api/")
    && url.pathname !== "/docs";
  if (app) {
    event.preventDefault();
    go(url.pathname + url.search);
  }
});

function route(path, context) {
  const course = path.match(/^\/courses\/([a-z0-9-]+)$/);
  const lesson = path.match(/^\/courses\/([a-z0-9-]+)\/lessons\/([0-9a-f-]{36})$/);
  if (path === "/") return html`<${Catalog} ...${context} />`;
  if (path === "/sign-in") return html`<${SignIn} ...${context} />`;
  if (path === "/sign-up") return html`<${SignUp} ...${context} />`;
  if (path === "/dashboard") return html`<${Dashboard} ...${context} />`;
  if (path === "/verify-email") return html`<${VerifyEmail} ...${context} />`;
  if (path === "/forgot-password") return html`<${ForgotPassword} ...${context} />`;
  if (path === "/reset-password") return html`<${ResetPassword} ...${context} />`;
  if (path === "/invitations/accept") return html`<${AcceptInvitation} ...${context} />`;
  if (course) return html`<${CoursePage} ...${context} slug=${course[1]} />`;
  if (lesson) return html`<${LessonPage} ...${context} slug=${lesson[1]} id=${lesson[2]} />`;
  return html`<${NotFound} />`;
}

function Header({ me, org, signOut }) {
  return html`<header class="bar">
    <a class="brand" href="/">${org ? org.name : "lms-rs"}</a>
    <nav aria-label="Main">
      <a href="/">Catalog</a>
      ${me && html`<a href="/dashboard">My courses</a>`}
      <a href="/docs">API docs</a>
      ${me
        ? html`<button type="button" class="link" onClick=${signOut}>Sign out (${me.user.name})</button>`
        : html`<a href="/sign-in">Sign in</a>`}
    </nav>
  </header>`;
}

function App() {
  const [path, setPath] = useState(location.pathname);
  const [me, setMe] = useState(undefined);
  const [org, setOrg] = useState(null);
  const [config, setConfig] = useState(null);
  useEffect(() => {
    const moved = () => setPath(location.pathname);
    addEventListener("popstate", moved);
    return () => removeEventListener("popstate", moved);
  }, []);
  const refreshMe = () => api("GET", "/me").then(setMe, () => setMe(null));
  useEffect(() => {
    refreshMe();
    settings().then((s) => {
      setConfig(s);
      api("GET", `/orgs/${s.default_org}`).then(setOrg, () => setOrg(null));
    });
  }, []);
  useEffect(() => { document.querySelector("main")?.focus(); }, [path]);
  const signOut = async () => {
    await api("POST", "/auth/sign-out").catch(() => {});
    setMe(null);
    go("/");
  };
  if (!config || me === undefined) return html`<main id="main" tabindex="-1"><p>Loading…</p></main>`;
  const context = { me, org: config.default_org, onSignedIn: refreshMe };
  return html`<${Header} me=${me} org=${org} signOut=${signOut} />
    <main id="main" tabindex="-1">${route(path, context)}</main>`;
}

render(html`<${App} />`, document.getElementById("app"));
