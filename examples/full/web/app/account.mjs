// The pages mailed links open (`verify-email`, `reset-password`, `invitations/accept`, at
// the app's base URL), and asking for a reset link. Each reads its token from the link.
import { useState } from "../vendor/preact-hooks.mjs";
import { api } from "./api.mjs";
import { Problem, go, html } from "./ui.mjs";

/** The `token` of the address bar's query. */
function token() {
  return new URLSearchParams(location.search).get("token") || "";
}

/** Confirms the address the mailed link was sent to, on a click: opening the link alone
 *  does nothing, since mail scanners open links too. */
export function VerifyEmail() {
  const [done, setDone] = useState(null);
  const [problem, setProblem] = useState(null);
  const confirm = async () => {
    try {
      setDone((await api("POST", "/auth/verify-email", { token: token() })).email);
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section class="narrow" aria-labelledby="verify">
    <h1 id="verify">Confirm your email address</h1>
    ${done
      ? html`<p role="status">✓ ${done} is confirmed. <a href="/">On to the courses</a>.</p>`
      : html`<button type="button" onClick=${confirm}>Confirm my address</button>`}
    <${Problem} error=${problem} />
  </section>`;
}

/** Asks for a link to choose a new password. */
export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const email = new FormData(event.target).get("email");
    try {
      await api("POST", "/auth/password-reset", { email });
      setSent(true);
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section class="narrow" aria-labelledby="forgot">
    <h1 id="forgot">Forgot your password?</h1>
    ${sent
      ? html`<p role="status">If that address has an account, a link to choose a new password is on its way.</p>`
      : html`<form onSubmit=${submit}>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required />
          <button type="submit">Send me a link</button>
        </form>`}
    <${Problem} error=${problem} />
  </section>`;
}

/** Chooses a new password with the mailed link, which also signs in. */
export function ResetPassword({ onSignedIn }) {
  const [problem, setProblem] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const password = new FormData(event.target).get("password");
    try {
      await api("POST", "/auth/password-reset/confirm", { token: token(), password });
      await onSignedIn();
      go("/dashboard");
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section class="narrow" aria-labelledby="reset">
    <h1 id="reset">Choose a new password</h1>
    <form onSubmit=${submit}>
      <label for="password">New password (10 to 128 characters)</label>
      <input id="password" name="password" type="password" autocomplete="new-password"
        minlength="10" maxlength="128" required />
      <button type="submit">Save and sign in</button>
    </form>
    <${Problem} error=${problem} />
  </section>`;
}

/** Accepts an invitation as the invited address, signed in first. */
export function AcceptInvitation({ me }) {
  const [joined, setJoined] = useState(null);
  const [problem, setProblem] = useState(null);
  const here = `${location.pathname}${location.search}`;
  const accept = async () => {
    try {
      setJoined(await api("POST", "/invitations/accept", { token: token() }));
    } catch (e) {
      setProblem(e);
    }
  };
  return html`<section class="narrow" aria-labelledby="invitation">
    <h1 id="invitation">Your invitation</h1>
    ${!me && html`<p>Sign in, or create an account, with the address the invitation was sent to:
      <a href="/sign-in?next=${encodeURIComponent(here)}">sign in</a> or
      <a href="/sign-up?next=${encodeURIComponent(here)}">create an account</a>.</p>`}
    ${me && !joined && html`<button type="button" onClick=${accept}>Accept the invitation</button>`}
    ${joined && html`<p role="status">✓ You joined ${joined.org} as ${joined.role}. <a href="/">On to the courses</a>.</p>`}
    <${Problem} error=${problem} />
  </section>`;
}

/** Where to go after signing in: the `next` of the query when it is a page of this app
 *  (same origin once resolved, so `/\evil.example` or `//evil.example` fall back). */
export function next(fallback) {
  const wanted = new URLSearchParams(location.search).get("next") || "";
  if (!wanted.startsWith("/")) return fallback;
  try {
    const url = new URL(wanted, location.origin);
    const app = url.origin === location.origin && !url.pathname.startsWith("/api/");
    return app ? url.pathname + url.search : fallback;
  } catch {
    return fallback;
  }
}
