/**
 * «Amministrazione» in a real headless browser, every visited page checked
 * with axe-core: an admin creates a user (first refused in Italian beside the
 * fields, then accepted), changes their roles and groups, cannot lock
 * themselves out, disables the user (who can no longer sign in) and enables
 * them again, resets their password (the generated one is shown once and
 * works), creates a comune; a responsabile reads the users of their comune
 * only, without the forms; an operatore gets the 403 page.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/harness.js';
import { ensureAssets } from '../../src/web/assets.js';
import { User } from '../../src/db/entities/index.js';
import { launchBrowser, assertAccessible, newContext, signIn, submit, saveScreenshot } from './browser.js';

let app: TestApp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let tenant: string;
let other: string;
let newUserPage: string;

const ADMIN = 'admin-web';
const NEW = 'laura.bianchi';

test.before(async () => {
  await ensureAssets();
  app = await startTestApp();
  tenant = await app.tenant('Comune di Prova Amministrazione');
  other = await app.tenant('Comune di Altrove');
  await app.user({ tenant: null, roles: ['admin'], username: ADMIN });
  await app.user({ tenant, roles: ['operatore'], username: 'op-amm', groups: ['operatori-rei'] });
  await app.user({ tenant, roles: ['responsabile'], username: 'resp-amm' });
  await app.user({ tenant: other, roles: ['operatore'], username: 'op-altrove' });
  browser = await launchBrowser();
  context = await newContext(browser, app.baseUrl);
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
});
test.after(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh browser session (own cookies) signed in as `username`. */
async function session(username: string, password?: string): Promise<{ ctx: BrowserContext; p: Page }> {
  const ctx = await newContext(browser, app.baseUrl);
  const p = await ctx.newPage();
  await signIn(p, username, password);
  return { ctx, p };
}

test('an admin creates a user: wrong input is refused beside the fields in Italian, then the user exists', async () => {
  await signIn(page, ADMIN);
  await page.goto('/amministrazione');
  assert.ok(await page.locator('header a[href="/amministrazione"]').count(), 'the header offers Amministrazione');
  assert.ok(await page.locator('#elenco-utenti [data-utente="op-amm"]').count());
  await assertAccessible(page, 'utenti');

  await page.goto('/amministrazione/utenti/nuovo');
  await assertAccessible(page, 'nuovo utente');
  await page.fill('#utente-username', 'x');
  await page.fill('#utente-password', 'corta');
  await submit(page, 'main button[type="submit"]');
  const summary = await page.locator('#riepilogo-errori').innerText();
  assert.match(summary, /Nome utente: almeno 2 caratteri/);
  assert.match(summary, /Password: almeno 8 caratteri/);
  assert.match(summary, /Ruoli: indicare almeno un elemento/);
  assert.match(await page.locator('#utente-username-errore').innerText(), /Almeno 2 caratteri/);
  assert.is(await page.inputValue('#utente-username'), 'x', 'the input stays');
  await assertAccessible(page, 'nuovo utente con errori');
  await saveScreenshot(page, 'amministrazione-nuovo-utente.png', { fullPage: true });

  // An existing username: the service's rule (409), on the field.
  await page.fill('#utente-username', 'op-amm');
  await page.fill('#utente-password', 'password-lunga-1');
  await page.setChecked('#ruolo-operatore', true, { force: true });
  await submit(page, 'main button[type="submit"]');
  assert.match(await page.locator('#utente-username-errore').innerText(), /esiste già/);

  await page.fill('#utente-username', NEW);
  await page.fill('#utente-password', 'password-lunga-1');
  await page.selectOption('#utente-tenant', tenant);
  await page.fill('#utente-groups', 'operatori-rei, equipe');
  await submit(page, 'main button[type="submit"]');
  assert.match(page.url(), /\/amministrazione\/utenti\/[0-9a-f-]{36}$/);
  newUserPage = new URL(page.url()).pathname;
  assert.match(await page.locator('main').innerText(), /Utente laura\.bianchi creato/);
  assert.match(await page.locator('#utente-ruoli').innerText(), /operatore/);
  await assertAccessible(page, 'utente');
  const row = await app.services.orm.em.fork().findOneOrFail(User, { username: NEW });
  assert.equal([row.tenant, row.roles, row.groups], [tenant, ['operatore'], ['operatori-rei', 'equipe']]);

  const { ctx, p } = await session(NEW, 'password-lunga-1');
  assert.is(new URL(p.url()).pathname, '/attivita', 'the new user signs in');
  await ctx.close();
});

test('the list filters by comune, role and state; a wrong filter is explained', async () => {
  await page.goto(`/amministrazione?comune=${tenant}&ruolo=responsabile`);
  const names = await page.locator('#elenco-utenti tbody th').allInnerTexts();
  assert.equal(names, ['resp-amm']);
  await page.goto('/amministrazione?comune=milano');
  assert.match(await page.locator('#riepilogo-errori').innerText(), /Comune: codice Belfiore atteso/);
  await assertAccessible(page, 'filtro non valido');
});

test('an admin changes roles and groups; removing their own admin role is refused', async () => {
  await page.goto(newUserPage);
  await page.setChecked('#ruolo-operatore', false, { force: true });
  await page.setChecked('#ruolo-assistente_sociale', true, { force: true });
  await page.setChecked('#ruolo-responsabile', true, { force: true });
  await page.fill('#utente-groups', 'equipe');
  await submit(page, '#salva-ruoli');
  assert.match(await page.locator('#utente-ruoli').innerText(), /responsabile, assistente sociale|assistente sociale, responsabile/);
  const row = await app.services.orm.em.fork().findOneOrFail(User, { username: NEW });
  assert.equal([[...row.roles].sort(), row.groups], [['assistente_sociale', 'responsabile'], ['equipe']]);

  // No role at all: the schema's rule.
  for (const role of ['responsabile', 'assistente_sociale']) await page.setChecked(`#ruolo-${role}`, false, { force: true });
  await submit(page, '#salva-ruoli');
  assert.match(await page.locator('#riepilogo-errori').innerText(), /Ruoli: indicare almeno un elemento/);

  const self = await app.services.orm.em.fork().findOneOrFail(User, { username: ADMIN });
  await page.goto(`/amministrazione/utenti/${self.id}`);
  await page.setChecked('#ruolo-admin', false, { force: true });
  await page.setChecked('#ruolo-responsabile', true, { force: true });
  await submit(page, '#salva-ruoli');
  assert.match(await page.locator('#riepilogo-errori').innerText(), /Non puoi togliere a te stesso il ruolo admin/);
  await assertAccessible(page, 'ruoli rifiutati');
  const still = await app.services.orm.em.fork().findOneOrFail(User, { username: ADMIN });
  assert.equal(still.roles, ['admin']);
});

test('a disabled user can no longer sign in; enabled again they can', async () => {
  const { ctx, p } = await session(NEW, 'password-lunga-1');
  await page.goto(newUserPage);
  await submit(page, '#disattiva');
  assert.match(await page.locator('#utente-stato').innerText(), /Disattivato/);
  assert.match(await page.locator('main').innerText(), /non può più accedere/);
  await assertAccessible(page, 'utente disattivato');
  // The open session ends, and a new sign-in is refused.
  await p.goto('/attivita');
  assert.is(new URL(p.url()).pathname, '/accesso');
  await signIn(p, NEW, 'password-lunga-1');
  assert.is(new URL(p.url()).pathname, '/accesso');
  assert.match(await p.locator('main').innerText(), /Nome utente o password non corretti/);

  await submit(page, '#riattiva');
  assert.match(await page.locator('#utente-stato').innerText(), /Attivo/);
  await signIn(p, NEW, 'password-lunga-1');
  assert.is.not(new URL(p.url()).pathname, '/accesso');
  await ctx.close();
});

test('a password reset shows the generated password once; it works, the old one no longer does', async () => {
  await page.goto(newUserPage);
  await submit(page, '#reimposta');
  const generated = (await page.locator('[data-password]').innerText()).trim();
  assert.ok(generated.length >= 16, generated);
  assert.is(await page.evaluate(() => document.activeElement?.id), 'password-generata');
  await assertAccessible(page, 'password generata');
  await page.goto(newUserPage);
  assert.is(await page.locator('[data-password]').count(), 0, 'shown once');

  const { ctx, p } = await session(NEW, 'password-lunga-1');
  assert.is(new URL(p.url()).pathname, '/accesso', 'the old password is refused');
  await signIn(p, NEW, generated);
  assert.is.not(new URL(p.url()).pathname, '/accesso', 'the generated password works');
  await ctx.close();

  // A chosen password too short: the API's rule, beside the field.
  await page.fill('#reset-password', 'corta');
  await submit(page, '#reimposta');
  assert.match(await page.locator('#reset-password-errore').innerText(), /Almeno 8 caratteri/);
});

test('an admin creates a comune; a wrong code or a duplicate is refused', async () => {
  await page.goto('/amministrazione/comuni');
  await assertAccessible(page, 'comuni');
  await page.fill('#comune-code', 'milano');
  await page.fill('#comune-name', 'Comune di Nuovo');
  await submit(page, 'main form button[type="submit"]');
  assert.match(await page.locator('#comune-code-errore').innerText(), /Codice Belfiore atteso/);
  await page.fill('#comune-code', tenant);
  await submit(page, 'main form button[type="submit"]');
  assert.match(await page.locator('#comune-code-errore').innerText(), /esiste già/);
  await assertAccessible(page, 'comune rifiutato');
  await page.fill('#comune-code', 'z901');
  await submit(page, 'main form button[type="submit"]');
  assert.match(await page.locator('main').innerText(), /Comune di Nuovo \(Z901\) creato/);
  assert.ok(await page.locator('#elenco-comuni th', { hasText: 'Z901' }).count());
});

test("a responsabile reads their comune's users without the forms; an operatore gets the 403 page", async () => {
  const { ctx, p } = await session('resp-amm');
  await p.goto('/amministrazione');
  const names = await p.locator('#elenco-utenti tbody th').allInnerTexts();
  assert.ok(names.includes('op-amm') && names.includes(NEW) && !names.includes('op-altrove') && !names.includes(ADMIN), names.join(','));
  assert.is(await p.locator('a[href="/amministrazione/utenti/nuovo"]').count(), 0);
  await assertAccessible(p, 'utenti (responsabile)');
  await p.goto(newUserPage);
  assert.is(await p.locator('#salva-ruoli, #disattiva, #riattiva, #reimposta').count(), 0, 'read-only');
  await assertAccessible(p, 'utente (responsabile)');
  const outsider = await app.services.orm.em.fork().findOneOrFail(User, { username: 'op-altrove' });
  assert.is((await p.goto(`/amministrazione/utenti/${outsider.id}`))?.status(), 404);
  assert.is((await p.goto('/amministrazione/comuni'))?.status(), 403);
  assert.is((await p.goto('/amministrazione/utenti/nuovo'))?.status(), 403);
  await ctx.close();

  const op = await session('op-amm');
  assert.is(await op.p.locator('header a[href="/amministrazione"]').count(), 0);
  const r = await op.p.goto('/amministrazione');
  assert.is(r?.status(), 403);
  await assertAccessible(op.p, '403');
  const post = await op.p.request.post(`${newUserPage}/stato`, { form: { attivo: 'no' } });
  assert.is(post.status(), 403);
  await op.ctx.close();
  const row = await app.services.orm.em.fork().findOneOrFail(User, { username: NEW });
  assert.ok(row.active);
});

test.run();
