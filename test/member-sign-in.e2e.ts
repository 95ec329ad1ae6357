/**
 * A member signs in by mail (issue 5, member self-service), end to end over HTTP with GnuPG as the
 * member: the sign-in link is mailed encrypted to the member's key (holding the key is the login)
 * and opens one session; a stranger, a removed member and a member get the same answer; links are
 * rationed; a session ends on sign-out, on removal and when it outlives its time.
 */
import request from 'supertest';
import { ChangeMemberStatus, MEMBER_LINKS_PER_HOUR } from '@cordon/membership';
import { csrfFrom } from './support/forms';
import { mailTo } from './support/mailbox';
import {
  MEMBER,
  SUSPENDED,
  REMOVED,
  OTHER,
  A_MAINTAINER,
  fromNewClient,
  memberSelfServiceWorld,
} from './support/member-self-service-world';
import { RunningWebApp } from './support/web-app';

jest.setTimeout(120_000);

describe('member self-service: signing in', () => {
  const world = memberSelfServiceWorld();
  const { db, deliver, count, askForLink, signIn } = world;
  let web: RunningWebApp;
  let memberId: string;

  beforeAll(() => {
    ({ web, memberId } = world.state());
  });

  it('mails a sign-in link encrypted to the member key; the link opens a session once', async () => {
    const { agent, link } = await signIn();
    const home = await agent.get('/member/home').expect(200);
    expect(home.text).toContain('Distro M');
    expect(home.text).toContain('You have not acknowledged the current version');
    // The mail's outer form says nothing: the link is inside the encryption only.
    const raw = mailTo(web.settings.dataDir, MEMBER).at(-1)!.raw;
    expect(raw).not.toContain('/member/sign-in/');

    const again = request.agent(web.url);
    const page = await again.get(link).expect(200);
    const reused = await again
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(reused.status).toBe(410);
    expect(reused.text).toContain('not valid');
    expect((await again.get('/member/home')).headers.location).toBe('/member?expired=1');
    expect(await count('audit_entry', `action = 'member.signed_in' AND subject = $1`, [`member:${memberId}`])).toBe(1);
  });

  it('answers a non-member, a removed member and a member alike, and mails only the member', async () => {
    const texts: string[] = [];
    for (const address of [MEMBER, 'nobody@elsewhere.example', REMOVED]) {
      const before = await count('outbound_message');
      const res = await askForLink(request.agent(web.url), address);
      expect(res.status).toBe(200);
      texts.push(res.text.replaceAll(address, 'ADDRESS').replace(/name="_csrf" value="[^"]*"/g, ''));
      expect(await count('outbound_message')).toBe(before + (address === MEMBER ? 1 : 0));
    }
    expect(texts[1]).toBe(texts[0]);
    expect(texts[2]).toBe(texts[0]);
    await deliver();
    expect(mailTo(web.settings.dataDir, 'nobody@elsewhere.example')).toHaveLength(0);
    expect(
      await count(
        'one_time_token',
        `purpose = 'member_session' AND subject_id IN (SELECT id FROM member WHERE email = $1)`,
        [REMOVED],
      ),
    ).toBe(0);
  });

  it('ends the session on sign-out and when the member is removed meanwhile', async () => {
    const { agent } = await signIn();
    const home = await agent.get('/member/home').expect(200);
    const out = await agent
      .post('/member/logout')
      .type('form')
      .send({ _csrf: csrfFrom(home.text) });
    expect(out.headers.location).toBe('/member?signedOut=1');
    expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
    expect(await count('audit_entry', `action = 'member.signed_out' AND subject = $1`, [`member:${memberId}`])).toBe(1);

    const suspended = await signIn(SUSPENDED);
    await suspended.agent.get('/member/home').expect(200);
    const [{ id }] = await db().query(`SELECT id FROM member WHERE email = $1`, [SUSPENDED]);
    await web.app.get(ChangeMemberStatus).execute(id, 'remove', 'Testing removal.', A_MAINTAINER);
    expect((await suspended.agent.get('/member/home')).headers.location).toBe('/member?expired=1');
  });

  it(`mails a member at most ${MEMBER_LINKS_PER_HOUR} links an hour, answering the same`, async () => {
    await db().query(
      `UPDATE one_time_token SET created_at = now() - interval '2 hours' WHERE purpose = 'member_session'`,
    );
    const before = await count('outbound_message', 'recipient = $1', [OTHER]);
    const answers = new Set<string>();
    for (let i = 0; i <= MEMBER_LINKS_PER_HOUR; i++) {
      const agent = request.agent(web.url);
      const form = await agent.get('/member').expect(200);
      const res = await agent
        .post('/member/link')
        .set(fromNewClient())
        .type('form')
        .send({ _csrf: csrfFrom(form.text), email: OTHER });
      expect(res.status).toBe(200);
      answers.add(res.text.replace(/name="_csrf" value="[^"]*"/g, ''));
    }
    expect(answers.size).toBe(1);
    expect(await count('outbound_message', 'recipient = $1', [OTHER])).toBe(before + MEMBER_LINKS_PER_HOUR);
  });

  it('ends a session that outlived MEMBER_SESSION_TTL_MINUTES', async () => {
    const { agent } = await signIn();
    await agent.get('/member/home').expect(200);
    await db().query(
      `UPDATE web_session
       SET data = jsonb_set(data, '{member,expiresAt}', to_jsonb((extract(epoch from now()) * 1000 - 1000)::bigint))
       WHERE data->'member'->>'memberId' = $1`,
      [memberId],
    );
    expect((await agent.get('/member/home')).headers.location).toBe('/member?expired=1');
  });
});
