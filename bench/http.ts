/**
 * HTTP helpers shared by the benchmarks that drive a real server: a free
 * port, and a browser-like sign-in through the login form.
 */
export { freePort } from '../test/helpers/server-process.js';

/** Signs in through the login form (its CSRF cookie and field) and returns the session cookie header. */
export async function signInWeb(base: string, username: string, password: string): Promise<string> {
  const form = await fetch(`${base}/accesso`);
  const loginCookie = (form.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/accesso`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: loginCookie }, body: new URLSearchParams({ _csrf: csrf, username, password }) });
  const session = (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('rei_sessione='));
  if (res.status !== 302 || !session) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return session;
}
