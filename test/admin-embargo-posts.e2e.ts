/**
 * The admin UI's side of posts and embargoes (issue 5): an embargo's page lists its posts and who
 * received them; a post sent without an `[EMB-n]` tag is linked afterwards, to an existing
 * embargo or to one opened from the post. Over HTTP, with a logged-in maintainer.
 */
import { randomUUID } from 'node:crypto';
import { SERVER_SECRET, ServerSecret } from '@cordon/crypto';
import { ChangeEmbargo } from '@cordon/embargo';
import { Agent, loginAgent, MaintainerAccount } from './support/admin-login';
import { aMember } from './support/factories';
import { csrfFrom } from './support/forms';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

describe('admin: posts of an embargo', () => {
  let web: RunningWebApp;
  let agent: Agent;
  let maintainer: MaintainerAccount;
  const db = () => web.runtime.database.dataSource;
  const members: string[] = [];

  /** A relayed post as the pipeline stores it (its body is opaque here), with one copy per member. */
  async function aPost(subject: string, copies: [memberIndex: number, status: string, reason: string | null][]) {
    const postId = randomUUID();
    const [maintainerRow] = (await db().query('SELECT id FROM maintainer WHERE email = $1', [maintainer.email])) as {
      id: string;
    }[];
    const sealed = web.app.get<ServerSecret>(SERVER_SECRET).seal('post-subject', subject);
    await db().query(
      `INSERT INTO post (id, inbound_message_id, maintainer_id, signature_digest, subject_sealed, body_packets)
       VALUES ($1, $2, $3, $4, $5, '\\x00')`,
      [postId, randomUUID(), maintainerRow.id, randomUUID(), sealed],
    );
    for (const [i, status, reason] of copies) {
      await db().query(
        `INSERT INTO post_delivery (id, post_id, member_id, recipient, key_packet, status, reason, next_attempt_at, sent_at)
         VALUES ($1, $2, $3, $4, '\\x00', $5, $6, now(), CASE WHEN $5 = 'sent' THEN now() END)`,
        [randomUUID(), postId, members[i], `sec@m${i}.example`, status, reason],
      );
    }
    return postId;
  }

  async function anEmbargo(title: string) {
    const publicAt = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 16);
    const [row] = (await db().query('SELECT id FROM maintainer WHERE email = $1', [maintainer.email])) as {
      id: string;
    }[];
    return web.app
      .get(ChangeEmbargo)
      .create({ title, cveIds: [], publicAt, timeZone: 'UTC', acceptNonWorkingDay: true }, row.id);
  }

  const embargoOf = async (postId: string) =>
    ((await db().query('SELECT embargo_id FROM post WHERE id = $1', [postId])) as { embargo_id: string | null }[])[0]
      .embargo_id;

  beforeAll(async () => {
    web = await startWebApp();
    ({ agent, maintainer } = await loginAgent(web));
    for (const i of [0, 1]) {
      const email = `sec@m${i}.example`;
      const key = await anOpenpgpKey(email);
      members.push((await aMember(web.app, { email, key: key.publicKey, organisation: `<b>Distro ${i}</b>` })).id);
    }
  });

  afterAll(async () => {
    await web?.close();
  });

  it('shows an embargo’s posts and, per member, what it received', async () => {
    const embargo = await anEmbargo('Overflow in libfoo');
    const postId = await aPost(`[EMB-${embargo.number}] <script>alert(1)</script> patch`, [
      [0, 'sent', null],
      [1, 'held', 'policy_not_acknowledged'],
    ]);
    await db().query('UPDATE post SET embargo_id = $2 WHERE id = $1', [postId, embargo.id]);
    const page = await agent.get(`/admin/embargoes/${embargo.id}`).expect(200);
    expect(page.text).toContain(`href="/admin/posts/${postId}"`);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; patch');
    expect(page.text).toContain('1 delivered, 0 pending, 1 held, 0 failed, 0 skipped');
    const recipients = page.text.slice(page.text.indexOf('id="embargo-recipients"'));
    expect(recipients).toContain('&lt;b&gt;Distro 0&lt;/b&gt;');
    expect(recipients).toMatch(/sec@m0\.example<\/td>\s*<td>1 of 1<\/td>\s*<td>0<\/td>/);
    expect(recipients).toMatch(
      /sec@m1\.example<\/td>\s*<td>0 of 1<\/td>\s*<td>1<\/td>\s*<td>0 \(policy_not_acknowledged\)/,
    );
    const post = await agent.get(`/admin/posts/${postId}`).expect(200);
    expect(post.text).toContain(`<a href="/admin/embargoes/${embargo.id}">EMB-${embargo.number}</a>`);
    expect(post.text).not.toContain('id="open-embargo"');
  });

  it('opens a new embargo from a post that named none, and links the post to it', async () => {
    const postId = await aPost('Heads-up: heap overflow in libbar', [[0, 'sent', null]]);
    const page = await agent.get(`/admin/posts/${postId}`).expect(200);
    expect(page.text).toContain(`href="/admin/embargoes?fromPost=${postId}#record"`);
    const form = await agent.get(`/admin/embargoes?fromPost=${postId}`).expect(200);
    expect(form.text).toContain('value="Heads-up: heap overflow in libbar"');
    expect(form.text).toContain(`name="postId" value="${postId}"`);
    const publicAt = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16);
    const created = await agent
      .post('/admin/embargoes')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        title: 'Heap overflow in libbar',
        publicAt,
        timeZone: 'UTC',
        postId,
        acceptNonWorkingDay: '1',
      })
      .expect(303);
    const embargoId = created.headers.location.split('/').pop();
    expect(await embargoOf(postId)).toBe(embargoId);
    const [audit] = (await db().query(
      `SELECT actor, details FROM audit_entry WHERE action = 'post.linked_to_embargo' AND subject = $1`,
      [`post:${postId}`],
    )) as { actor: string; details: { embargoId: string } }[];
    expect(audit.details.embargoId).toBe(embargoId);
    expect(audit.actor).toMatch(/^maintainer:/);
    const shown = await agent.get(`/admin/embargoes/${embargoId}`).expect(200);
    expect(shown.text).toContain(`href="/admin/posts/${postId}"`);
  });

  it('links a post to an existing embargo, once', async () => {
    const embargo = await anEmbargo('Existing one');
    const postId = await aPost('Late word on the libfoo fix', [[1, 'sent', null]]);
    const page = await agent.get(`/admin/posts/${postId}`).expect(200);
    expect(page.text).toContain(`<option value="${embargo.id}">EMB-${embargo.number}: Existing one</option>`);
    await agent
      .post(`/admin/posts/${postId}/embargo`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), embargoId: embargo.id })
      .expect(303);
    expect(await embargoOf(postId)).toBe(embargo.id);
    // A post belongs to one embargo: moving it to another is refused and changes nothing.
    const other = await anEmbargo('Another one');
    const again = await agent
      .post(`/admin/posts/${postId}/embargo`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), embargoId: other.id })
      .expect(409);
    expect(again.text).toContain('This post already belongs to an embargo.');
    expect(await embargoOf(postId)).toBe(embargo.id);
  });

  it('refuses bad input and a missing CSRF token, changing nothing', async () => {
    const postId = await aPost('Untouched', [[0, 'sent', null]]);
    const page = await agent.get(`/admin/posts/${postId}`).expect(200);
    const csrf = csrfFrom(page.text);
    await agent
      .post(`/admin/posts/${postId}/embargo`)
      .type('form')
      .send({ _csrf: csrf, embargoId: 'nope' })
      .expect(400);
    const unknown = await agent
      .post(`/admin/posts/${postId}/embargo`)
      .type('form')
      .send({ _csrf: csrf, embargoId: randomUUID() })
      .expect(400);
    expect(unknown.text).toContain('There is no such embargo.');
    const embargo = await anEmbargo('Target');
    await agent.post(`/admin/posts/${postId}/embargo`).type('form').send({ embargoId: embargo.id }).expect(403);
    // An embargo opened "from" a post that does not exist is not recorded either.
    const publicAt = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 16);
    const before = (await db().query('SELECT count(*)::int AS n FROM embargo')) as { n: number }[];
    await agent
      .post('/admin/embargoes')
      .type('form')
      .send({ _csrf: csrf, title: 'Ghost', publicAt, timeZone: 'UTC', postId: randomUUID(), acceptNonWorkingDay: '1' })
      .expect(404);
    expect(await db().query('SELECT count(*)::int AS n FROM embargo')).toEqual(before);
    expect(await embargoOf(postId)).toBeNull();
  });
});
