/**
 * Inviting a distributor (README "Inviting a distributor"), over HTTP from a fresh data directory,
 * with GnuPG as the applicant: a maintainer invites, the applicant opens the link it was given,
 * finds the form filled in, applies, confirms through the encrypted mail, and the maintainer
 * approves with no vouch at all, on a list that has a member (so it is not the first members'
 * exception). Then the hostile cases: a used, an expired, a tampered and a revoked link, and
 * another contact address, are refused with a clear page and change nothing.
 */
import request from 'supertest';
import { freePort } from './support/ports';
import { cordon, emptyLocation, Location, root, Service, serviceEnv, startService } from './support/service';
import { DeliveryWorker } from '@cordon/delivery';
import { ImportMember, InviteDistributor } from '@cordon/membership';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn, mailTo, openMail } from './support/mailbox';
import { RunningWebApp, startWebApp } from './support/web-app';

const APPLICANT = 'security@invited-distro.example';
const MEMBER = 'security@old-distro.example';

describe('invitations: a maintainer invites, the invitee applies without a vouch', () => {
  let web: RunningWebApp;
  let gpg: GpgHome;
  let admin: Agent;
  let maintainer: MaintainerAccount;
  let applicantKey: string;
  let clients = 0;

  beforeAll(async () => {
    // Each applicant request from an address of its own: /apply is throttled per address.
    web = await startWebApp({ TRUST_PROXY: 'loopback' });
    gpg = GpgHome.create();
    applicantKey = await gpg.exportPublic(await gpg.generateKey(APPLICANT));
    // A list with an active member (as `cordon member import` brings one over).
    await web.app.get(ImportMember).execute({
      email: MEMBER,
      organisation: 'Old Distro',
      key: await gpg.exportPublic(await gpg.generateKey(MEMBER)),
      acknowledged: true,
    });
    ({ agent: admin, maintainer } = await loginAgent(web, { name: 'Maria Maintainer' }));
  }, 120_000);

  afterAll(async () => {
    await web?.close();
    await gpg?.cleanup();
  });

  const db = () => web.runtime.database.dataSource;
  const count = async (table: string) => Number((await db().query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const applicant = () => request.agent(web.url);
  const from = () => `192.0.2.${++clients}`;

  async function invite(organisation: string, email: string, note = '') {
    const page = await admin.get('/admin/invitations').expect(200);
    return admin
      .post('/admin/invitations')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), organisation, email, note });
  }

  function linkOn(html: string): string {
    const match = /id="invitation-link">([^<]+)</.exec(html);
    if (!match) throw new Error('no invitation link on the page');
    return match[1];
  }

  function form(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      organisation: 'Invited Distro',
      distribution: 'Invited Linux',
      website: 'https://invited-distro.example',
      contactName: 'Ida Invited',
      contactEmail: APPLICANT,
      key: applicantKey,
      evidence1: 'We ship the project in our main repository since 2018.',
      evidence2: 'About 25,000 installations.',
      evidence3: 'Advisories: https://invited-distro.example/security',
      evidence4: 'We build from upstream sources.',
      evidence5: 'We send patches upstream.',
      acceptPolicy: 'yes',
      policyVersion: '1',
      ...overrides,
    };
  }

  /** Opens the invitation link and sends the form it shows, with what the applicant fills in. */
  async function applyWith(agent: Agent, path: string, values: Record<string, string>) {
    const page = await agent.get(path).set('X-Forwarded-For', from());
    if (page.status !== 200) return page;
    return agent
      .post(path)
      .set('X-Forwarded-For', from())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...values });
  }

  it('takes an invited distributor to membership with no vouch', async () => {
    const created = await invite('Invited Distro', APPLICANT, 'We worked with them on the 2025 advisories.');
    expect(created.status).toBe(201);
    expect(created.text).toContain('shown only this once');
    const link = linkOn(created.text);
    expect(link).toMatch(new RegExp(`^${web.url}/apply/invited/[A-Za-z0-9_-]{20,}$`));
    // Shown once: the list of invitations never shows it again, and nothing was mailed.
    const listed = await admin.get('/admin/invitations').expect(200);
    expect(listed.text).not.toContain(link);
    expect(listed.text).toMatch(
      /Invited Distro[\s\S]*security@invited-distro\.example[\s\S]*Maria Maintainer[\s\S]*open/,
    );
    expect(mailTo(web.settings.dataDir, APPLICANT)).toHaveLength(0);
    const [entry] = await db().query(`SELECT actor, details FROM audit_entry WHERE action = 'invitation.created'`);
    expect(entry.actor).toBe(`maintainer:${maintainer.id}`);
    expect(JSON.stringify(entry.details)).not.toContain(link.split('/').pop());

    const agent = applicant();
    const path = pathOf(link);
    const page = await agent.get(path).set('X-Forwarded-For', from()).expect(200);
    expect(page.text).toContain('value="Invited Distro"');
    expect(page.text).toContain(`value="${APPLICANT}"`);
    expect(page.text).toContain('id="invited-note"');
    expect(page.text).not.toContain('name="voucherEmail"');
    expect(page.text).toContain(`action="${path}"`);

    const applied = await agent
      .post(path)
      .set('X-Forwarded-For', from())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form() });
    expect(applied.status).toBe(201);
    const statusPath = pathOf(/id="status-link"[^>]*>([^<]+)</.exec(applied.text)![1]);
    expect(await count(`invitation WHERE used_at IS NOT NULL`)).toBe(1);

    // Confirm through the link mailed encrypted to the applicant's key.
    await web.app.get(DeliveryWorker).drain();
    const [mail] = mailTo(web.settings.dataDir, APPLICANT);
    const confirmPath = pathOf(linkIn((await openMail(gpg, mail)).text, '/apply/confirm/'));
    const confirmPage = await agent.get(confirmPath).expect(200);
    await agent
      .post(confirmPath)
      .set('X-Forwarded-For', from())
      .type('form')
      .send({ _csrf: csrfFrom(confirmPage.text) })
      .expect(200);
    const today = new Date().toISOString().slice(0, 10);
    const status = await agent.get(statusPath).expect(200);
    expect(status.text).toContain('With the maintainers for review');
    expect(status.text).toContain(`Invited by maintainer Maria Maintainer on ${today}`);
    // Nobody was asked to vouch.
    expect(await count(`outbound_message WHERE purpose = 'application.vouch_request'`)).toBe(0);

    const [{ id }] = await db().query(`SELECT id FROM application WHERE contact_email = $1`, [APPLICANT]);
    const review = await admin.get(`/admin/applications/${id}`).expect(200);
    expect(review.text).toContain(`Invited by maintainer Maria Maintainer on ${today}`);
    expect(review.text).not.toMatch(/id="approve"[^>]*disabled/);
    const approved = await admin
      .post(`/admin/applications/${id}/approve`)
      .type('form')
      .send({ _csrf: csrfFrom(review.text) });
    expect(approved.status).toBe(303);
    const after = await admin.get(`/admin/applications/${id}`).expect(200);
    expect(after.text).toMatch(/id="application-status">approved</);
    const memberPath = /href="(\/admin\/members\/[^"]+)" id="member-link"/.exec(after.text)![1];
    expect((await admin.get(memberPath).expect(200)).text).toContain('Invited Distro');
    const [member] = await db().query(`SELECT status FROM member WHERE lower(email) = lower($1)`, [APPLICANT]);
    expect(member.status).toBe('active');
    expect((await agent.get(statusPath).expect(200)).text).toContain('Approved: you are a member');

    // The used link: a clear page, and nothing changes.
    const applications = await count('application');
    const again = await agent.get(path).set('X-Forwarded-For', from());
    expect(again.status).toBe(410);
    expect(again.text).toContain('This invitation link is not valid');
    const reposted = await agent
      .post(path)
      .set('X-Forwarded-For', from())
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form({ contactEmail: 'other@invited-distro.example' }) });
    expect(reposted.status).toBe(410);
    expect(await count('application')).toBe(applications);
    expect((await admin.get('/admin/invitations').expect(200)).text).toMatch(/status used/);
  });

  it('refuses another contact address than the invited one, and the link still works', async () => {
    const email = 'security@bound-distro.example';
    const link = linkOn((await invite('Bound Distro', email)).text);
    const applications = await count('application');
    const other = await applyWith(applicant(), pathOf(link), form({ organisation: 'Bound Distro' }));
    expect(other.status).toBe(400);
    expect(other.text).toContain(`This invitation is for ${email}`);
    expect(await count('application')).toBe(applications);
    expect(await count(`audit_entry WHERE action = 'invitation.used'`)).toBe(1);
    await applicant().get(pathOf(link)).set('X-Forwarded-For', from()).expect(200);
  });

  it('refuses a tampered link, and a revoked one, with a clear page', async () => {
    const link = linkOn((await invite('Revoked Distro', 'security@revoked-distro.example')).text);
    const token = link.split('/').pop()!;
    const tampered = `/apply/invited/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const applications = await count('application');
    const forged = await applicant().get(tampered).set('X-Forwarded-For', from());
    expect(forged.status).toBe(410);
    expect(forged.text).toContain('This invitation link is not valid');

    const list = await admin.get('/admin/invitations').expect(200);
    const revokePath = new RegExp(`action="(/admin/invitations/[0-9a-f-]+/revoke)"`).exec(list.text)![1];
    const revoked = await admin
      .post(revokePath)
      .type('form')
      .send({ _csrf: csrfFrom(list.text) });
    expect(revoked.status).toBe(303);
    expect((await admin.get('/admin/invitations').expect(200)).text).toMatch(/status revoked/);
    expect(await count(`audit_entry WHERE action = 'invitation.revoked'`)).toBe(1);
    const gone = await applyWith(applicant(), pathOf(link), form({ contactEmail: 'security@revoked-distro.example' }));
    expect(gone.status).toBe(410);
    // A revocation without the form's CSRF token is refused.
    await admin.post(revokePath).type('form').send({}).expect(403);
    expect(await count('application')).toBe(applications);
  });

  it('refuses an expired link with a clear page', async () => {
    // Issued eight days ago (the default life is seven), as the operator's command does it; only
    // Date is moved back, the database's clock is not.
    jest.useFakeTimers({
      now: Date.now() - 8 * 24 * 3_600_000,
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval'],
    });
    let link: string;
    try {
      ({ link } = await web.app.get(InviteDistributor).execute({
        organisation: 'Late Distro',
        email: 'security@late-distro.example',
        inviter: { actor: 'cli', name: 'the operator' },
      }));
    } finally {
      jest.useRealTimers();
    }
    const applications = await count('application');
    const expired = await applyWith(applicant(), pathOf(link), form({ contactEmail: 'security@late-distro.example' }));
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This invitation link is not valid');
    expect((await admin.get('/admin/invitations').expect(200)).text).toMatch(/status expired/);
    expect(await count('application')).toBe(applications);
  });

  it('validates the invitation form and keeps what was typed', async () => {
    const invitations = await count('invitation');
    const bad = await invite('', 'not an address');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The organisation is required.');
    expect(bad.text).toContain('The contact address must be an e-mail address.');
    expect(bad.text).toContain('value="not an address"');
    const member = await invite('Old Distro', MEMBER);
    expect(member.status).toBe(409);
    expect(member.text).toContain('A member with this address already exists.');
    expect(await count('invitation')).toBe(invitations);
  });
  it('invites, lists and revokes through the API, the link in the answer to POST only', async () => {
    const page = await admin.get('/admin/tokens').expect(200);
    const made = await admin
      .post('/admin/tokens')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), name: 'invitations script' });
    const token = /class="token-once"><code>([^<]+)</.exec(made.text)![1];
    const api = (method: 'get' | 'post', path: string) =>
      request(web.url)[method](path).set('Authorization', `Bearer ${token}`);

    await request(web.url).get('/api/invitations').expect(401);
    const bad = await api('post', '/api/invitations').send({ organisation: 'API Distro', email: 'not an address' });
    expect(bad.status).toBe(400);
    const created = await api('post', '/api/invitations')
      .send({ organisation: 'API Distro', email: 'sec@api-distro.example' })
      .expect(201);
    expect(created.body).toMatchObject({ organisation: 'API Distro', email: 'sec@api-distro.example' });
    expect(created.body.link).toMatch(/\/apply\/invited\/[A-Za-z0-9_-]{20,}$/);
    const listed = await api('get', '/api/invitations').expect(200);
    const row = listed.body.invitations.find((i: { id: string }) => i.id === created.body.id);
    expect(row).toMatchObject({ state: 'open', invitedByName: 'Maria Maintainer' });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.link.split('/').pop());
    await api('post', `/api/invitations/${created.body.id}/revoke`).expect(200, {
      id: created.body.id,
      state: 'revoked',
    });
    expect((await api('post', `/api/invitations/${created.body.id}/revoke`)).status).toBe(409);
    expect((await applicant().get(pathOf(created.body.link)).set('X-Forwarded-For', from())).status).toBe(410);
  });
});

describe('invitations from the command line, beside the running service', () => {
  let location: Location;
  let service: Service;
  let env: NodeJS.ProcessEnv;
  let url: string;

  const cli = (...args: string[]) => cordon(args, { cwd: root, env });

  beforeAll(async () => {
    location = await emptyLocation();
    const httpPort = await freePort();
    env = serviceEnv(location, { httpPort, smtpPort: await freePort() }, { LIST_ADDRESS: 'distributors@example.org' });
    url = `http://127.0.0.1:${httpPort}`;
    service = await startService(env, httpPort);
  }, 180_000);

  afterAll(async () => {
    await service?.stop('SIGKILL');
    await location?.remove();
  });

  it('prints the link once, lists the invitation without it, and revokes it', async () => {
    const created = await cli(
      'invitation',
      'create',
      '--organisation',
      'CLI Distro',
      '--email',
      'sec@cli-distro.example',
    );
    expect(created.stderr).toContain('Invitation for CLI Distro <sec@cli-distro.example>');
    expect(created.code).toBe(0);
    const link = created.stdout.trim();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apply\/invited\/[A-Za-z0-9_-]{20,}$/);
    const form = await request(url).get(pathOf(link)).expect(200);
    expect(form.text).toContain('value="CLI Distro"');
    expect(form.text).toContain('value="sec@cli-distro.example"');

    const listed = await cli('invitation', 'list');
    expect(listed.code).toBe(0);
    const [id, state, email, organisation] = listed.stdout.trim().split('\t');
    expect([state, email, organisation]).toEqual(['open', 'sec@cli-distro.example', 'CLI Distro']);
    expect(listed.stdout).toContain('by the operator (command line)');
    expect(listed.stdout).not.toContain(link.split('/').pop());

    const again = await cli(
      'invitation',
      'create',
      '--organisation',
      'CLI Distro',
      '--email',
      'SEC@cli-distro.example',
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('An open invitation to this address exists already');

    expect((await cli('invitation', 'revoke', id)).code).toBe(0);
    expect((await cli('invitation', 'list')).stdout).toMatch(/\trevoked\t/);
    expect((await request(url).get(pathOf(link))).status).toBe(410);
    const twice = await cli('invitation', 'revoke', id);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('only an open one can be revoked');
    expect((await cli('invitation', 'revoke', 'nonsense')).stderr).toContain('There is no such invitation.');
  }, 120_000);
});
