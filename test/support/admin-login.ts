/**
 * Maintainers for tests that need the admin pages: made as `cordon maintainer add` makes them (the
 * AddMaintainer use case, with a real key), then logged in through the real pages, the way a person
 * does it: enrolment link → password → login → TOTP set-up from the secret shown on the page.
 *
 * - In a browser: `enrolInBrowser(page, account)` (first time), `loginInBrowser(page, account)` after.
 * - Over HTTP: `loginAgent(web)` gives a logged-in supertest agent for /admin pages.
 *
 * The account keeps the TOTP secret and the last time step the server accepted, because the server
 * refuses a code whose step is not after the last one (RFC 6238 §5.2): `nextCode()` waits for a
 * fresh step when it must, so a second login straight after the first still works.
 *
 * Each login posts to three throttled routes (enrolment, password, code; 10 a minute per client
 * address, apps/cordon/src/web/admin/auth/login.controller.ts): a test file that needs many maintainers
 * should log in a few and reuse them, not log in a fresh one per test.
 */
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { AddMaintainer } from '@cordon/maintainers';
import { csrfFrom } from './forms';
import type { GpgHome } from './gpg';
import { anOpenpgpKey } from './keys';
import type { RunningWebApp } from './web-app';
import { submit, textOf, visit } from './browser';

export const MAINTAINER_PASSWORD = 'correct horse battery staple';
const PERIOD_MS = 30_000;

export type Agent = ReturnType<typeof request.agent>;
/** Called on each page a login goes through, e.g. with `screenshot` from ./browser. */
export type OnPage = (page: Page, name: string) => Promise<unknown>;

export interface MaintainerAccount {
  id: string;
  email: string;
  name: string;
  password: string;
  /** Of the maintainer's OpenPGP key, uppercase hex as Cordon stores it. */
  fingerprint: string;
  /** The one-time link `cordon maintainer add` prints; used once, by the first login. */
  enrolmentUrl: string;
  enrolPath: string;
  /** Base32, as the TOTP set-up page shows it (without its spaces); set by the first login. */
  totpSecret?: string;
  /** The last TOTP time step the server accepted. */
  lastStep?: number;
  /** The one-time recovery codes, as the page after the authenticator set-up showed them (once). */
  recoveryCodes?: string[];
}

export interface NewMaintainerOptions {
  email?: string;
  name?: string;
  password?: string;
  /**
   * Make the key with GnuPG in this home, so mail Cordon encrypts to the maintainer is readable
   * there; default an OpenPGP.js key (test/support/keys.ts).
   */
  gpg?: GpgHome;
}

let made = 0;

/** A maintainer as `cordon maintainer add` makes one: invited, with an enrolment link. */
export async function addMaintainer(
  web: RunningWebApp,
  options: NewMaintainerOptions = {},
): Promise<MaintainerAccount> {
  const n = ++made;
  const email = options.email ?? `maintainer${n}-${randomBytes(3).toString('hex')}@example.org`;
  const name = options.name ?? `Maintainer ${n}`;
  let keyArmored: string;
  let fingerprint: string;
  if (options.gpg) {
    fingerprint = await options.gpg.generateKey(email, { userId: `${name} <${email}>` });
    keyArmored = await options.gpg.exportPublic(fingerprint);
  } else {
    const key = await anOpenpgpKey(email, name);
    ({ publicKey: keyArmored, fingerprint } = key);
  }
  const added = await web.app.get(AddMaintainer).execute({ email, name, keyArmored });
  return {
    id: added.maintainerId,
    email,
    name,
    password: options.password ?? MAINTAINER_PASSWORD,
    fingerprint,
    enrolmentUrl: added.enrolmentUrl,
    enrolPath: new URL(added.enrolmentUrl).pathname,
  };
}

export function totpOf(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
}

/**
 * A code the server will take: for the current time step, or, when that step was used already,
 * the next one (the server accepts one step either side of now). Waits when even that was used.
 */
export async function nextCode(account: MaintainerAccount): Promise<string> {
  if (!account.totpSecret) throw new Error(`${account.email} has no authenticator yet: log in for the first time`);
  const totp = totpOf(account.totpSecret);
  for (;;) {
    const now = Date.now();
    const current = totp.counter({ timestamp: now });
    const step = account.lastStep === undefined ? current : Math.max(current, account.lastStep + 1);
    if (step <= current + 1) {
      account.lastStep = step;
      return totp.generate({ timestamp: step * PERIOD_MS });
    }
    await new Promise((resolve) => setTimeout(resolve, (current + 1) * PERIOD_MS - now + 100));
  }
}

/** The secret as the set-up page prints it ("ABCD EFGH …"), as a person would type it into an app. */
export function secretFromPage(text: string): string {
  const secret = text.replace(/\s+/g, '');
  if (!/^[A-Z2-7]{16,}$/.test(secret))
    throw new Error(`the TOTP set-up page shows no usable secret: ${JSON.stringify(text)}`);
  return secret;
}

// ---- in a browser ----------------------------------------------------------------------------

/**
 * First login, through the pages: the enrolment link (set the password), the login form, the TOTP
 * set-up page (read the secret off the page, enter a code). Ends logged in, on the admin home
 * (/admin: what waits for the maintainers). `onPage` sees the enrolment, login and set-up pages, filled in.
 */
export async function enrolInBrowser(page: Page, account: MaintainerAccount, onPage?: OnPage): Promise<void> {
  await visit(page, account.enrolPath);
  expect(await textOf(page.locator('h1'))).toBe('Set your password');
  expect(await textOf(page.locator('main'))).toContain(account.email);
  await page.locator('#password').fill(account.password);
  await page.locator('#confirm').fill(account.password);
  await onPage?.(page, 'enrol');
  const enrolled = await submit(page, page.getByRole('button', { name: 'Set password' }));
  expect(enrolled.status()).toBe(200);
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/admin/login?enrolled=1');
  expect(await textOf(page.locator('.notice.ok'))).toContain('Your password is set');

  await submitPassword(page, account, onPage);
  expect(await textOf(page.locator('h1'))).toBe('Set up your authenticator app');
  // The QR code is a data: image; a CSP without data: in img-src would leave a broken image here.
  expect(
    await page.locator('img.qr').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth > 0),
  ).toBe(true);
  account.totpSecret = secretFromPage(await textOf(page.locator('.secret code')));
  account.lastStep = undefined;
  await page.locator('#code').fill(await nextCode(account));
  await onPage?.(page, 'totp-enrolment');
  // The answer shows the recovery codes, once; the maintainer goes on from there.
  const answer = await submit(page, page.getByRole('button', { name: 'Confirm and log in' }));
  expect({ status: answer.status(), heading: await textOf(page.locator('h1')) }).toEqual({
    status: 200,
    heading: 'Save your recovery codes',
  });
  account.recoveryCodes = await page.locator('ol.recovery-codes code').allTextContents();
  expect(account.recoveryCodes).toHaveLength(10);
  await submitCode(page, 'I have saved them: continue', 'link');
}

/** A later login, through the pages: address and password, then the code. Ends on the admin home. */
export async function loginInBrowser(page: Page, account: MaintainerAccount, onPage?: OnPage): Promise<void> {
  await visit(page, '/admin/login');
  await submitPassword(page, account, onPage);
  expect(await textOf(page.locator('h1'))).toBe('Enter your code');
  await page.locator('#code').fill(await nextCode(account));
  await onPage?.(page, 'totp-code');
  await submitCode(page, 'Log in');
}

/** Makes a maintainer and logs it in for the first time in `page`: the usual start of an admin test. */
export async function browserMaintainer(
  web: RunningWebApp,
  page: Page,
  options: NewMaintainerOptions & { onPage?: OnPage } = {},
): Promise<MaintainerAccount> {
  const account = await addMaintainer(web, options);
  await enrolInBrowser(page, account, options.onPage);
  return account;
}

async function submitPassword(page: Page, account: MaintainerAccount, onPage?: OnPage) {
  expect(await textOf(page.locator('h1'))).toBe('Maintainer login');
  await page.locator('#email').fill(account.email);
  await page.locator('#password').fill(account.password);
  await onPage?.(page, 'login');
  const answer = await submit(page, page.getByRole('button', { name: 'Next' }));
  expect({ status: answer.status(), at: new URL(page.url()).pathname }).toEqual({
    status: 200,
    at: '/admin/login/totp',
  });
}

async function submitCode(page: Page, button: string, role: 'button' | 'link' = 'button') {
  const answer = await submit(page, page.getByRole(role, { name: button }));
  const error = await page.locator('.field-error').allTextContents();
  expect({ status: answer.status(), at: new URL(page.url()).pathname, error }).toEqual({
    status: 200,
    at: '/admin',
    error: [],
  });
}

// ---- over HTTP (supertest) -------------------------------------------------------------------

async function postForm(agent: Agent, formPath: string, action: string, fields: Record<string, string>) {
  const page = await agent.get(formPath);
  if (page.status !== 200) throw new Error(`GET ${formPath} answered ${page.status}`);
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields });
}

function expectRedirect(res: request.Response, step: string, location: string) {
  if (res.status !== 303 || res.headers.location !== location) {
    throw new Error(`${step}: expected 303 to ${location}, got ${res.status} ${res.headers.location ?? ''}`);
  }
}

/** The same steps as enrolInBrowser/loginInBrowser, over HTTP; the agent ends logged in. */
export async function agentLogin(
  web: Pick<RunningWebApp, 'url'>,
  account: MaintainerAccount,
  agent: Agent = request.agent(web.url),
) {
  if (!account.totpSecret) {
    const password = { password: account.password, confirm: account.password };
    expectRedirect(
      await postForm(agent, account.enrolPath, account.enrolPath, password),
      'enrolment',
      '/admin/login?enrolled=1',
    );
  }
  const credentials = { email: account.email, password: account.password };
  expectRedirect(await postForm(agent, '/admin/login', '/admin/login', credentials), 'password', '/admin/login/totp');
  const page = await agent.get('/admin/login/totp');
  const enrolling = !account.totpSecret;
  if (!account.totpSecret) {
    const shown = /class="secret"><code>([^<]+)<\/code>/.exec(page.text);
    if (!shown) throw new Error('the TOTP set-up page shows no secret');
    account.totpSecret = secretFromPage(shown[1]);
    account.lastStep = undefined;
  }
  const code = await nextCode(account);
  const answered = await agent
    .post('/admin/login/totp')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code });
  if (enrolling) {
    // The set-up is answered with the recovery codes, shown this once, not with a redirect.
    if (answered.status !== 200) throw new Error(`TOTP set-up: expected the recovery codes, got ${answered.status}`);
    account.recoveryCodes = recoveryCodesIn(answered.text);
    if (account.recoveryCodes.length !== 10) throw new Error('the TOTP set-up answer shows no recovery codes');
  } else {
    expectRedirect(answered, 'TOTP code', '/admin');
  }
  return agent;
}

/** The recovery codes a page shows (the answer to the authenticator set-up, or to making new ones). */
export function recoveryCodesIn(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})<\/code><\/li>/g)].map((m) => m[1]);
}

/** A new maintainer, logged in: a supertest agent whose cookies open the /admin pages. */
export async function loginAgent(
  web: RunningWebApp,
  options: NewMaintainerOptions = {},
): Promise<{ agent: Agent; maintainer: MaintainerAccount }> {
  const maintainer = await addMaintainer(web, options);
  const agent = await agentLogin(web, maintainer);
  return { agent, maintainer };
}
