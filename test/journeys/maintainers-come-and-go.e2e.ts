/**
 * Issue 11: the README's "Adding and removing a maintainer", as the operator runs it: `cordon
 * serve` on a fresh data directory and, beside it, `cordon maintainer add|disable|enable|remove`.
 * The maintainer enrols over HTTP (password, then TOTP from the secret the page shows) and makes
 * an API token; its gpg signs posts sent over SMTP; a member's gpg opens what is relayed; the lead
 * maintainer's gpg opens the refusal reports. Disabled, its post is refused, its session and token
 * stop working, and the refusal report (maintainer mail) goes to the lead and not to it; enabled,
 * it logs in and posts again (the old token stays revoked); removed, for good. The last active
 * maintainer can be neither disabled nor removed, and that refusal changes nothing.
 * (test/relay/departed-maintainers.e2e.ts covers the same rules through the admin UI and the API.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { Agent, agentLogin, MaintainerAccount, MAINTAINER_PASSWORD } from '../support/admin-login';
import { gpgPost } from '../support/client-mail';
import { eventually } from '../support/eventually';
import { csrfFrom } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { mailTo, openMail, OpenedMail } from '../support/mailbox';
import { freePort } from '../support/ports';
import { cordon, emptyLocation, Location, Service, serviceEnv, startService } from '../support/service';

const LIST = 'distributors@example.org';
const LEAD = 'lead@project.example';
const KIM = 'kim@project.example';
const MEMBER = 'security@distro.example';
const REFUSED = `Refused a message to ${LIST}`;

interface Person {
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe('adding and removing a maintainer, beside the running service', () => {
  jest.setTimeout(240_000);
  let location: Location;
  let operator: string;
  let env: NodeJS.ProcessEnv;
  let url: string;
  let smtpPort: number;
  let service: Service | undefined;
  let listFpr: string;
  const homes: GpgHome[] = [];

  const cli = (...args: string[]) => cordon(args, { cwd: operator, env });

  beforeAll(async () => {
    location = await emptyLocation();
    operator = mkdtempSync(join(tmpdir(), 'cordon-operator-'));
    const httpPort = await freePort();
    smtpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    env = serviceEnv(location, { httpPort, smtpPort }, { LIST_ADDRESS: LIST, DELIVERY_POLL_MS: '200' });
    service = await startService(env, httpPort);
  }, 180_000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    for (const home of homes) await home.cleanup();
    rmSync(operator, { recursive: true, force: true });
    await location?.remove();
  }, 60_000);

  /** Someone with a key made in its own gpg, exported to a file in the operator's directory. */
  async function aPerson(email: string): Promise<Person> {
    const gpg = GpgHome.create();
    homes.push(gpg);
    const fingerprint = await gpg.generateKey(email);
    writeFileSync(join(operator, `${email}.asc`), await gpg.exportPublic(fingerprint));
    return { email, gpg, fingerprint };
  }

  async function post(signer: Person, subject: string): Promise<void> {
    const raw = await gpgPost({
      gpg: signer.gpg,
      signerFingerprint: signer.fingerprint,
      listFingerprint: listFpr,
      from: { name: signer.email, address: signer.email },
      to: LIST,
      subject,
      text: `Signed by ${signer.email}.\n`,
    });
    const transport = createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: signer.email, to: [LIST] }, raw });
    } finally {
      transport.close();
    }
  }

  /** The next mail to `person` beyond the `seen` it had, opened by its gpg. */
  async function nextMailTo(person: Person, seen: number): Promise<OpenedMail> {
    const mails = await eventually(() => {
      const all = mailTo(location.dataDir, person.email);
      return all.length > seen ? all : undefined;
    });
    return openMail(person.gpg, mails[seen]);
  }

  /** What a maintainer keeps: the enrolment link the CLI printed, its password, later its TOTP secret. */
  const accountOf = (person: Person, name: string, enrolmentUrl: string): MaintainerAccount => ({
    id: '',
    email: person.email,
    name,
    password: MAINTAINER_PASSWORD,
    fingerprint: person.fingerprint,
    enrolmentUrl,
    enrolPath: new URL(enrolmentUrl).pathname,
  });

  const count = (person: Person) => mailTo(location.dataDir, person.email).length;
  const entries = async () => /audit log intact: (\d+) entries/.exec((await cli('audit', 'verify')).stdout)?.[1];

  it('follows the README: add, enrol, disable, enable, remove; the last active maintainer stays', async () => {
    const lead = await aPerson(LEAD);
    const kim = await aPerson(KIM);
    const member = await aPerson(MEMBER);

    // The lead, added at the first start, has enrolled (README, Two commands).
    const leadAdded = await cli('maintainer', 'add', '--email', LEAD, '--name', 'Lead', '--key', `${LEAD}.asc`);
    expect(leadAdded.code).toBe(0);
    await agentLogin({ url }, accountOf(lead, 'Lead', leadAdded.stdout.trim()));

    // The operator adds Kim, and a member to relay to.
    const added = await cli('maintainer', 'add', '--email', KIM, '--name', 'Kim', '--key', `${KIM}.asc`);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain(`${KIM} may post to the list now`);
    const imported = await cli(
      ...['member', 'import', '--email', MEMBER, '--org', 'Distro', '--key', `${MEMBER}.asc`, '--acknowledged'],
    );
    expect(imported.code).toBe(0);
    const listKey = await cli('list-key', 'export');
    for (const p of [lead, kim, member]) await p.gpg.importKey(listKey.stdout);
    listFpr = /^fpr:+([0-9A-F]{40}):/m.exec(
      (await lead.gpg.must(['--with-colons', '--show-keys'], listKey.stdout)).stdout.toString(),
    )![1];

    // Kim enrols from the printed link (password, then TOTP), and makes an API token.
    const account = accountOf(kim, 'Kim', added.stdout.trim());
    let session: Agent = await agentLogin({ url }, account);
    const tokensPage = await session.get('/admin/tokens');
    const created = await session
      .post('/admin/tokens')
      .type('form')
      .send({ _csrf: csrfFrom(tokensPage.text), name: 'release script' });
    expect(created.status).toBe(201);
    const token = /class="token-once"><code>([^<]+)<\/code>/.exec(created.text)![1];
    const api = () => request(url).get('/api/me').set('Authorization', `Bearer ${token}`);
    expect((await api()).status).toBe(200);

    // Kim's signed post is relayed: the member opens its copy.
    await post(kim, 'Before');
    expect(await nextMailTo(member, 0)).toMatchObject({ subject: 'Before', goodSignature: true });

    // Disabled: at once.
    const disabled = await cli('maintainer', 'disable', '--email', KIM);
    expect([disabled.code, disabled.stdout, disabled.stderr]).toEqual([
      0,
      `${KIM}: disabled; 1 API token(s) revoked\n`,
      '',
    ]);
    expect(await session.get('/admin/posts')).toMatchObject({ status: 303, headers: { location: '/admin/login' } });
    expect((await api()).status).toBe(401);
    const kimHad = count(kim);
    const leadHad = count(lead);
    await post(kim, 'While disabled');
    const report = await nextMailTo(lead, leadHad);
    expect(report.subject).toBe(REFUSED);
    expect(report.text).toContain(`Envelope sender: ${KIM}`);
    expect(report.text).toContain('Reason: SIGNER_NOT_MAINTAINER');
    expect(count(member)).toBe(1);
    expect(count(kim)).toBe(kimHad); // the refusal report is maintainer mail: not to Kim

    // Enabled: Kim logs in and posts again; the old token stays revoked.
    const enabled = await cli('maintainer', 'enable', '--email', KIM);
    expect([enabled.code, enabled.stdout, enabled.stderr]).toEqual([0, `${KIM}: active\n`, '']);
    session = await agentLogin({ url }, account);
    expect((await session.get('/admin/posts')).status).toBe(200);
    expect((await api()).status).toBe(401);
    await post(kim, 'Back again');
    expect(await nextMailTo(member, 1)).toMatchObject({ subject: 'Back again', goodSignature: true });

    // Removed for good: its session ends, its password no longer opens the admin UI, its post is refused.
    const removed = await cli('maintainer', 'remove', '--email', KIM);
    expect([removed.code, removed.stdout, removed.stderr]).toEqual([0, `${KIM}: removed\n`, '']);
    expect((await session.get('/admin/posts')).status).toBe(303);
    const stranger = request.agent(url);
    const loginPage = await stranger.get('/admin/login');
    const login = await stranger
      .post('/admin/login')
      .type('form')
      .send({ _csrf: csrfFrom(loginPage.text), email: KIM, password: MAINTAINER_PASSWORD });
    expect(login.status).toBe(401);
    const leadHad2 = count(lead);
    await post(kim, 'After removal');
    expect((await nextMailTo(lead, leadHad2)).text).toContain('Reason: SIGNER_NOT_MAINTAINER');
    expect(count(member)).toBe(2);

    // The lead is the last active maintainer: neither disabled nor removed, and nothing changes.
    const before = await entries();
    for (const change of ['disable', 'remove']) {
      const refused = await cli('maintainer', change, '--email', LEAD);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/^LAST_ACTIVE_MAINTAINER: [^\n]+\n$/);
    }
    expect(await entries()).toBe(before);
    await post(lead, 'Still here');
    expect(await nextMailTo(member, 2)).toMatchObject({ subject: 'Still here', goodSignature: true });
  });
});
