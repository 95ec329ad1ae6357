/**
 * Maintainers see each post's delivery member by member, in the admin UI and the API; the
 * subject, stored sealed, is shown to them and escaped.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CreateApiToken } from '@cordon/maintainers';
import { loginAgent, MaintainerAccount } from '../support/admin-login';
import { aMember } from '../support/factories';
import { anOpenpgpKey } from '../support/keys';
import { RunningWebApp, startWebApp } from '../support/web-app';

describe('per-post delivery status', () => {
  let web: RunningWebApp;
  let postId: string;
  let agent: Awaited<ReturnType<typeof loginAgent>>['agent'];
  let maintainer: MaintainerAccount;
  const subject = 'CVE-2026-0001 <script>alert(1)</script>';

  beforeAll(async () => {
    web = await startWebApp();
    ({ agent, maintainer } = await loginAgent(web));
    const db = web.runtime.database.dataSource;
    const members: string[] = [];
    for (let i = 0; i < 4; i++) {
      const email = `m${i}@distro.example`;
      const key = await anOpenpgpKey(email);
      const member = await aMember(web.app, {
        email,
        key: key.publicKey,
        organisation: `Distro ${i}`,
        acknowledged: false,
      });
      members.push(member.id);
    }
    // By SQL: a post with one copy in each state at once, which only a relay run against failing peers would make.
    postId = randomUUID();
    await db.query(
      `INSERT INTO post (id, inbound_message_id, maintainer_id, signature_digest, signed_at, subject_sealed, body_packets, created_at)
       VALUES ($1, $2, $3, $4, now(), $5, '\\x00', now())`,
      [postId, randomUUID(), maintainer.id, randomUUID(), web.runtime.secret.seal('post-subject', subject)],
    );
    for (const [i, status] of ['sent', 'pending', 'failed', 'skipped'].entries()) {
      await db.query(
        `INSERT INTO post_delivery (id, post_id, member_id, recipient, status, reason, attempts, next_attempt_at, sent_at, key_packet)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, '\\x00')`,
        [
          randomUUID(),
          postId,
          members[i],
          `m${i}@distro.example`,
          status,
          status === 'skipped' ? 'key_expired' : status === 'failed' ? 'refused' : null,
          status === 'pending' ? 0 : 1,
          status === 'sent' ? new Date() : null,
        ],
      );
    }
  });

  afterAll(() => web?.close());

  it('lists posts and shows each member’s copy in the admin UI, subject escaped', async () => {
    const list = await agent.get('/admin/posts').expect(200);
    expect(list.text).toContain('CVE-2026-0001 &lt;script&gt;');
    expect(list.text).not.toContain('<script>alert(1)</script>');
    const page = await agent.get(`/admin/posts/${postId}`).expect(200);
    expect(page.text).toContain('1 delivered, 1 pending, 0 held, 1 failed, 1 skipped');
    for (const i of [0, 1, 2, 3]) expect(page.text).toContain(`m${i}@distro.example`);
    expect(page.text).toContain('key_expired');
  });

  it('refuses the pages without a maintainer session', async () => {
    const res = await request(web.url).get(`/admin/posts/${postId}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
  });

  it('gives the same status per member through the API', async () => {
    const { token } = await web.app.get(CreateApiToken).execute(maintainer.id, 'status reader');
    const res = await request(web.url).get(`/api/posts/${postId}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.post).toMatchObject({ subject, counts: { sent: 1, pending: 1, failed: 1, skipped: 1, held: 0 } });
    expect(res.body.copies.map((c: { status: string }) => c.status).sort()).toEqual([
      'failed',
      'pending',
      'sent',
      'skipped',
    ]);
    await request(web.url).get(`/api/posts/${randomUUID()}`).set('Authorization', `Bearer ${token}`).expect(404);
  });

  it('links the post to an embargo through the API, once', async () => {
    const { token } = await web.app.get(CreateApiToken).execute(maintainer.id, 'linker');
    const auth = { Authorization: `Bearer ${token}` };
    const publicAt = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16);
    const embargo = await request(web.url)
      .post('/api/embargoes')
      .set(auth)
      .send({ title: 'Linked later', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true })
      .expect(201);
    const bad = await request(web.url).post(`/api/posts/${postId}/embargo`).set(auth).send({ embargoId: 'x' });
    expect(bad.status).toBe(400);
    const linked = await request(web.url)
      .post(`/api/posts/${postId}/embargo`)
      .set(auth)
      .send({ embargoId: embargo.body.id })
      .expect(200);
    expect(linked.body.embargo).toEqual({ id: embargo.body.id, tag: embargo.body.tag });
    const listed = await request(web.url).get(`/api/embargoes/${embargo.body.id}/posts`).set(auth).expect(200);
    expect(listed.body.posts.map((p: { id: string }) => p.id)).toEqual([postId]);
    expect(listed.body.recipients).toHaveLength(4);
    const other = await request(web.url)
      .post('/api/embargoes')
      .set(auth)
      .send({ title: 'Not this one', publicAt, timeZone: 'UTC', acceptNonWorkingDay: true })
      .expect(201);
    const moved = await request(web.url)
      .post(`/api/posts/${postId}/embargo`)
      .set(auth)
      .send({ embargoId: other.body.id })
      .expect(409);
    expect(moved.body.detail).toBe('This post already belongs to an embargo.');
  });
});
