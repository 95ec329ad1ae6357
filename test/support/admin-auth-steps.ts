/**
 * The steps of the admin login as a browser takes them, over real HTTP against the whole web app
 * (test/admin-auth.e2e.ts and test/admin-auth-under-attack.e2e.ts): a client of its own, a
 * maintainer added through the app's own use case, the enrolment, password and TOTP forms.
 */
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { AddMaintainer } from '@cordon/maintainers';
import { anOpenpgpKey } from './keys';
import { RunningWebApp } from './web-app';

export const PASSWORD = 'correct horse battery staple';
export type Agent = ReturnType<typeof request.agent>;

export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1];
}

/** Awaits a response and checks its status (and redirect target), as supertest's expect would. */
export async function answered(response: Promise<request.Response>, status: number, location?: string) {
  const res = await response;
  expect({ status: res.status, location: res.headers.location }).toEqual({
    status,
    location: location ?? res.headers.location,
  });
  return res;
}

export const totpFor = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

let counter = 0;

/**
 * A browser with its own cookie jar and its own address. The app is started as behind a reverse
 * proxy on the same host (TRUST_PROXY=loopback), so each test is a separate client for the
 * per-address login throttle, which has a test of its own below.
 */
export function aClient(web: RunningWebApp): Agent {
  return request.agent(web.url).set('X-Forwarded-For', `198.51.100.${++counter % 250}`);
}

/** A maintainer as `cordon maintainer add` makes one, through the app's own use case. */
export async function aMaintainer(web: RunningWebApp) {
  const email = `maintainer${++counter}@example.org`;
  const key = await anOpenpgpKey(email, `Maintainer ${counter}`);
  const added = await web.runtime.database.dataSource.transaction((manager) =>
    web.app.get(AddMaintainer).execute({ email, name: `Maintainer ${counter}`, keyArmored: key.publicKey }, manager),
  );
  const enrolPath = new URL(added.enrolmentUrl).pathname;
  return { id: added.maintainerId, email, fingerprint: key.fingerprint, enrolPath, token: enrolPath.split('/').pop()! };
}

export async function setPassword(agent: Agent, enrolPath: string, password = PASSWORD) {
  const page = await agent.get(enrolPath).expect(200);
  return agent
    .post(enrolPath)
    .type('form')
    .send({ _csrf: csrfOf(page.text), password, confirm: password });
}

export async function submitPassword(agent: Agent, email: string, password = PASSWORD) {
  const page = await agent.get('/admin/login').expect(200);
  return agent
    .post('/admin/login')
    .type('form')
    .send({ _csrf: csrfOf(page.text), email, password });
}

export async function submitCode(agent: Agent, code: string) {
  const page = await agent.get('/admin/login/totp').expect(200);
  return agent
    .post('/admin/login/totp')
    .type('form')
    .send({ _csrf: csrfOf(page.text), code });
}

/** Enrolment link, password, TOTP set-up: returns a logged-in agent and the maintainer's authenticator. */
export async function anActiveMaintainer(web: RunningWebApp) {
  const maintainer = await aMaintainer(web);
  const agent = aClient(web);
  await answered(setPassword(agent, maintainer.enrolPath), 303);
  await answered(submitPassword(agent, maintainer.email), 303, '/admin/login/totp');
  const page = await agent.get('/admin/login/totp').expect(200);
  const secret = /class="secret"><code>([A-Z2-7 ]+)<\/code>/.exec(page.text)![1].replace(/ /g, '');
  const totp = totpFor(secret);
  const usedCode = totp.generate();
  await agent
    .post('/admin/login/totp')
    .type('form')
    .send({ _csrf: csrfOf(page.text), code: usedCode })
    .expect(200); // the recovery codes, shown once (test/maintainer-recovery.e2e.ts)
  return { ...maintainer, agent, secret, totp, usedCode };
}

/** Runs SQL on the app's database. */
export async function queryOn<T = Record<string, unknown>>(
  web: RunningWebApp,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await web.runtime.database.dataSource.query(sql, params)) as T[];
}
