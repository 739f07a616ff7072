/**
 * Issue 11, item 5 in a real browser: the sign-in page offers SPID/CIE, the
 * button leads to the provider (oidc-provider's development pages, run by the
 * test), and the person comes back signed in to their first section. Our
 * pages pass axe-core; the provider's pages are not ours.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, assertAccessible, newContext, submit } from './browser.js';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc-provider.js';

let fx: OidcFixture;
let browser: Browser;
let page: Page;

test.before(async () => {
  fx = await startOidcFixture();
  browser = await launchBrowser();
  page = await (await newContext(browser, fx.base)).newPage();
});

test.after(async () => {
  await browser?.close();
  await fx?.close();
});

test('"Entra con SPID / CIE" → provider login and consent → back signed in; an unknown person is told why', async () => {
  await page.goto('/accesso');
  await assertAccessible(page, 'sign-in page with SPID/CIE');
  await submit(page, 'a#accesso-spid');
  assert.ok(page.url().startsWith(fx.issuer), `at the provider: ${page.url()}`);
  await page.fill('input[name="login"]', 'rossi');
  await page.fill('input[name="password"]', 'qualsiasi');
  await submit(page, 'button[type="submit"]');
  await submit(page, 'button[type="submit"]'); // consent
  assert.ok(page.url().startsWith(fx.base) && !page.url().includes('/accesso'), `back in the application: ${page.url()}`);
  await assertAccessible(page, 'first page after SPID/CIE sign-in');
  assert.match(await page.content(), fx.rossiUsername);


  // A person with no user here (another browser): back on the sign-in page with the reason.
  const other = await (await newContext(browser, fx.base)).newPage();
  await other.goto('/accesso');
  await submit(other, 'a#accesso-spid');
  await other.fill('input[name="login"]', 'verdi');
  await other.fill('input[name="password"]', 'qualsiasi');
  await submit(other, 'button[type="submit"]');
  await submit(other, 'button[type="submit"]');
  assert.match(await other.locator('#errore-accesso').innerText(), 'Nessun utente di questo servizio corrisponde');
  await assertAccessible(other, 'sign-in page after an unknown SPID/CIE identity');
});

test.run();
