/**
 * A member's team (issue 5, member self-service), end to end over HTTP with GnuPG as the member and
 * as its team: a team member registered by the member acknowledges the policy through its own
 * encrypted one-time link, is withdrawn, and is asked again after a new policy version; and the
 * hostile input to the member's forms, each refused without changing anything.
 */
import request from 'supertest';
import { PublishPolicy } from '@cordon/policy';
import { Agent } from './support/admin-login';
import { csrfFrom, pathOf } from './support/forms';
import { GpgHome } from './support/gpg';
import { linkIn } from './support/mailbox';
import {
  MEMBER,
  OTHER,
  TEAMMATE,
  XSS,
  A_MAINTAINER,
  memberSelfServiceWorld,
} from './support/member-self-service-world';
import { RunningWebApp } from './support/web-app';

jest.setTimeout(120_000);

describe('member self-service: the team', () => {
  const world = memberSelfServiceWorld();
  const { db, count, snapshot, newestMail, signIn, postForm } = world;
  let web: RunningWebApp;
  let gpg: GpgHome;
  let teamGpg: GpgHome;
  let memberId: string;
  let sharedKey: string;
  let teamKey: string;

  beforeAll(() => {
    ({ web, gpg, teamGpg, memberId, sharedKey, teamKey } = world.state());
  });

  it('registers a team member, who acknowledges through its own encrypted one-time link; the member sees it', async () => {
    const { agent } = await signIn();
    const added = await postForm(agent, '/member/team', '/member/team', {
      name: 'Alice Example',
      email: TEAMMATE,
      key: teamKey,
    });
    expect({ status: added.status, location: added.headers.location }).toEqual({
      status: 303,
      location: '/member/team?done=registered',
    });
    // Only the team member's own key opens the link: the member's gpg cannot.
    await expect(newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, gpg)).rejects.toThrow(/no mail/);
    const mail = await newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, teamGpg);
    expect(mail.text).toContain('Distro M');
    const link = pathOf(linkIn(mail.text, '/team/acknowledge/'));

    const teammate = request.agent(web.url);
    const page = await teammate.get(link).expect(200);
    const [policy] = await db().query(`SELECT version, sha256 FROM policy_version ORDER BY version DESC LIMIT 1`);
    expect(page.text).toContain(policy.sha256);
    expect(page.text).toContain('Hello Alice Example');
    const agreed = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(agreed.status).toBe(200);
    expect(agreed.text).toContain('is recorded');
    const reused = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(reused.status).toBe(410);

    const [row] = await db().query(
      `SELECT a.policy_version, a.policy_sha256, a.how FROM team_member_acknowledgement a
       JOIN team_member t ON t.id = a.team_member_id WHERE t.email = $1`,
      [TEAMMATE],
    );
    expect(row).toEqual({ policy_version: policy.version, policy_sha256: policy.sha256, how: 'one_time_link' });
    const [audit] = await db().query(
      `SELECT details FROM audit_entry WHERE action = 'team_member.acknowledged' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit.details).toMatchObject({ memberId, email: TEAMMATE, version: policy.version, sha256: policy.sha256 });
    const team = await agent.get('/member/team').expect(200);
    expect(team.text).toMatch(new RegExp(`Alice Example[\\s\\S]*?version ${policy.version} \\(`));
    expect((await agent.get('/member/home')).text).toMatch(/Alice Example[\s\S]*?version 1, \d{4}-/);
  });

  it('withdraws a team member: its open link stops working', async () => {
    const { agent } = await signIn();
    const bob = 'bob@distro-m.example';
    const bobKey = await teamGpg.exportPublic(await teamGpg.generateKey(bob));
    expect(
      (await postForm(agent, '/member/team', '/member/team', { name: 'Bob', email: bob, key: bobKey })).status,
    ).toBe(303);
    const link = pathOf(linkIn((await newestMail(bob, /Acknowledge/, teamGpg)).text, '/team/acknowledge/'));
    const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [bob]);
    const page = await agent.get('/member/team').expect(200);
    const withdrawn = await agent
      .post(`/member/team/${id}/withdraw`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(withdrawn.status).toBe(303);
    expect((await request(web.url).get(link)).status).toBe(410);
    expect((await agent.get('/member/team')).text).toMatch(/Withdrawn[\s\S]*Bob/);
  });

  it('asks a team member again after a new policy version; the member sees who agreed to which', async () => {
    const [{ version, body }] = await db().query(
      `SELECT version, body FROM policy_version ORDER BY version DESC LIMIT 1`,
    );
    const { policy } = await web.app
      .get(PublishPolicy)
      .execute(`${body}\n7. Team members acknowledge each new version.\n`, version, A_MAINTAINER);
    const { agent } = await signIn();
    expect((await agent.get('/member/home')).text).toMatch(/Alice Example[\s\S]*?\(not the current version\)/);
    const team = await agent.get('/member/team').expect(200);
    const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [TEAMMATE]);
    expect(team.text).toContain(`action="/member/team/${id}/remind"`);
    const reminded = await agent
      .post(`/member/team/${id}/remind`)
      .type('form')
      .send({ _csrf: csrfFrom(team.text) });
    expect(reminded.headers.location).toBe('/member/team?done=reminded');

    const mail = await newestMail(TEAMMATE, /Acknowledge the Embargo Policy/, teamGpg);
    expect(mail.text).toContain(`version ${policy.version} (SHA-256 ${policy.sha256})`);
    const link = pathOf(linkIn(mail.text, '/team/acknowledge/'));
    const teammate = request.agent(web.url);
    const page = await teammate.get(link).expect(200);
    expect(page.text).toContain('7. Team members acknowledge each new version.');
    // The page showed this version; a form claiming an older one records nothing.
    const stale = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(version) });
    expect(stale.status).toBe(400);
    expect(stale.text).toContain('A new version of the Embargo Policy was published while you were reading');
    const agreed = await teammate
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version: String(policy.version) });
    expect(agreed.status).toBe(200);
    const after = await agent.get('/member/team').expect(200);
    expect(after.text).toMatch(
      new RegExp(`Alice Example[\\s\\S]*?version ${policy.version} \\([\\s\\S]*?version ${version} \\(`),
    );
    expect(after.text).not.toContain(`action="/member/team/${id}/remind"`);
    expect(await count('audit_entry', `action = 'team_member.link_sent' AND subject = $1`, [`team_member:${id}`])).toBe(
      1,
    );
  });

  describe('hostile input', () => {
    let agent: Agent;

    beforeAll(async () => {
      ({ agent } = await signIn());
    });

    it('refuses a form without a CSRF token and changes nothing', async () => {
      const before = await snapshot();
      const res = await agent
        .post('/member/team')
        .type('form')
        .send({ name: 'Eve', email: 'eve@distro-m.example', key: teamKey });
      expect(res.status).toBe(403);
      const link = await request(web.url).post('/member/link').type('form').send({ email: MEMBER });
      expect(link.status).toBe(403);
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      [
        'hostile HTML in the name',
        { name: `Eve ${XSS}`, email: 'eve@distro-m.example' },
        'name',
        /may not contain &lt; or &gt;/,
      ],
      [
        'a key that is not a key',
        { name: 'Eve', email: 'eve@distro-m.example', key: 'not a key' },
        'key',
        /not an OpenPGP key/,
      ],
      [
        'a key without a user ID for the address',
        { name: 'Eve', email: 'eve@distro-m.example' },
        'key',
        /no valid user ID for eve@distro-m.example/,
      ],
      ['no key at all', { name: 'Eve', email: 'eve@distro-m.example', key: '' }, 'key', /Paste the OpenPGP public key/],
      [
        'an address that is not one',
        { name: 'Eve', email: 'eve at distro', key: '' },
        'email',
        /not an e-mail address/,
      ],
    ])('refuses a team member with %s, beside the field, changing nothing', async (_name, form, field, message) => {
      const before = await snapshot();
      const res = await postForm(agent, '/member/team', '/member/team', { key: teamKey, ...form });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
      expect(res.text).toMatch(new RegExp(`class="invalid"[\\s\\S]*?id="${field}"`));
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['another member’s key', () => sharedKey, /cannot be used for your membership/],
      [
        'a key without a user ID for the member address',
        () => teamKey,
        /no valid user ID for security@distro-m.example/,
      ],
      [
        'garbage',
        () => '-----BEGIN PGP PUBLIC KEY BLOCK-----\nxx\n-----END PGP PUBLIC KEY BLOCK-----',
        /not an OpenPGP key/,
      ],
    ])('refuses to replace the key with %s, sending nothing', async (_name, key, message) => {
      const before = await snapshot();
      const res = await postForm(agent, '/member/key', '/member/key', { key: key() });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a banned key fingerprint', async () => {
      const banned = GpgHome.create();
      try {
        const fpr = await banned.generateKey(MEMBER);
        // By SQL: only a member's second confirmed leak bans keys, and this key was never a member's.
        await db().query(
          `INSERT INTO ban (id, kind, value, reason) VALUES (gen_random_uuid(), 'fingerprint', $1, 'test')`,
          [fpr],
        );
        const before = await snapshot();
        const res = await postForm(agent, '/member/key', '/member/key', { key: await banned.exportPublic(fpr) });
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/cannot be used for your membership/);
        expect(await snapshot()).toEqual(before);
      } finally {
        await banned.cleanup();
      }
    });

    it('keeps another member’s team out of reach', async () => {
      const [{ id }] = await db().query(`SELECT id FROM team_member WHERE email = $1`, [TEAMMATE]);
      const other = await signIn(OTHER);
      const page = await other.agent.get('/member/team').expect(200);
      expect(page.text).not.toContain(TEAMMATE);
      const before = await snapshot();
      const res = await other.agent
        .post(`/member/team/${id}/withdraw`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(404);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses member pages without a session, and a made-up sign-in link', async () => {
      for (const path of ['/member/home', '/member/team', '/member/key', '/member/embargoes']) {
        expect((await request(web.url).get(path)).headers.location).toBe('/member?expired=1');
      }
      const stranger = request.agent(web.url);
      const page = await stranger.get('/member/sign-in/made-up-token').expect(200);
      const res = await stranger
        .post('/member/sign-in/made-up-token')
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(res.status).toBe(410);
    });
  });
});
