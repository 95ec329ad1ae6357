/**
 * Prometheus /metrics after a known set of rows (issue 6, "Watch it"): members by status, keys
 * expiring, posts accepted and refused, copies in each state and the oldest one's age, embargoes
 * and the hours left on each. Nothing embargoed (a title, a subject, an address) is in the output.
 */
import { randomUUID } from 'node:crypto';
import { generateKey } from 'openpgp';
import request from 'supertest';
import { openpgpConfig } from '@cordon/crypto';
import { ChangeEmbargo } from '@cordon/embargo';
import { ChangeMemberStatus } from '@cordon/membership';
import { aMaintainer, aMember, aMemberWithExpiredKey, anEmbargo } from './support/factories';
import { anOpenpgpKey } from './support/keys';
import { RunningWebApp, startWebApp } from './support/web-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (https://prometheus.io/docs/instrumenting/exposition_formats/). */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

describe('GET /metrics', () => {
  let web: RunningWebApp;
  const db = () => web.runtime.database.dataSource;
  const secrets = {
    title: `Heap overflow in libsecret ${randomUUID().slice(0, 8)}`,
    lifted: `Old bug in libold ${randomUUID().slice(0, 8)}`,
    emails: [] as string[],
  };
  let embargoNumber: number;
  let text: string;
  let maintainerId: string;

  /**
   * A member in `status`, made as the product makes one: imported with a key that expires in
   * `expiresIn` days (or never), then suspended or removed by the maintainer. 'banned' no use case
   * sets (a leak removes the member and bans its organisation, addresses and keys instead), so that
   * status is set by SQL: the metric still reports it.
   */
  async function member(
    status: 'active' | 'suspended' | 'removed' | 'banned',
    opts: { expiresIn?: number; acknowledged?: boolean } = {},
  ): Promise<string> {
    const spec = await memberSpec(status, (opts.expiresIn ?? 0) * 86_400);
    const made = await aMember(web.app, { ...spec, acknowledged: opts.acknowledged });
    if (status === 'suspended' || status === 'removed') {
      const action = status === 'suspended' ? 'suspend' : 'remove';
      await web.app.get(ChangeMemberStatus).execute(made.id, action, 'by the test', maintainerId);
    }
    if (status === 'banned') await db().query(`UPDATE member SET status = 'banned' WHERE id = $1`, [made.id]);
    return made.id;
  }

  /** An active member whose key expired after it joined (the key policy refuses one expired already). */
  async function memberWhoseKeyExpired(): Promise<string> {
    return (await aMemberWithExpiredKey(web.app, await memberSpec('active', 5))).id;
  }

  /** An address and organisation of its own, and a key that expires `lifetime` seconds from now (0: never). */
  async function memberSpec(status: string, lifetime: number) {
    const id = randomUUID().slice(0, 8);
    const email = `sec-${id}@distro-${status}.example`;
    secrets.emails.push(email);
    const key = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email }],
      keyExpirationTime: lifetime,
      config: openpgpConfig,
    });
    return { email, key: key.publicKey, organisation: `Org ${id.slice(0, 4)}` };
  }

  async function copy(
    postId: string,
    memberId: string,
    row: { status: string; reason?: string; attempts?: number; lease?: string; due?: string },
  ) {
    await db().query(
      `INSERT INTO post_delivery (id, post_id, member_id, recipient, key_fingerprint, key_packet, status, reason, attempts, next_attempt_at, lease_until)
       SELECT $1, $2, m.id, m.email, m.key_fingerprint, '\\x00', $4, $5, $6, now() + $7::interval, now() + $8::interval
       FROM member m WHERE m.id = $3`,
      [
        randomUUID(),
        postId,
        memberId,
        row.status,
        row.reason ?? null,
        row.attempts ?? 0,
        row.due ?? '0 seconds',
        row.lease ?? null,
      ],
    );
  }

  async function inbound(status: string, code: string | null, kind = 'list') {
    await db().query(
      `INSERT INTO inbound_message (id, mail_from, rcpt_to, recipient_kind, raw, size, status, refusal_code)
       VALUES ($1, 'someone@elsewhere.example', ARRAY['distributors@example.org'], $2, '\\x00', 1, $3, $4)`,
      [randomUUID(), kind, status, code],
    );
  }

  beforeAll(async () => {
    web = await startWebApp();
    const lead = await anOpenpgpKey('lead@project.example');
    maintainerId = (await aMaintainer(web.app, { email: 'lead@project.example', key: lead.publicKey })).maintainerId;
    // Members: three active (one key expiring in 3 days, one in 20, one whose key expired), one
    // active who has not acknowledged the policy, and one of each other status.
    const soon = await member('active', { expiresIn: 3 });
    const later = await member('active', { expiresIn: 20 });
    const expired = await memberWhoseKeyExpired();
    const unacked = await member('active', { acknowledged: false });
    await member('suspended', { expiresIn: 5 }); // not active: not counted as expiring
    await member('removed');
    await member('banned');
    const others = [await member('active'), await member('active'), await member('active')];

    const publicIn = (hours: number) => new Date(Date.now() + hours * 3_600_000);
    const embargo = await anEmbargo(web.app, { title: secrets.title, publicAt: publicIn(50) }, maintainerId);
    embargoNumber = Number(embargo.number);
    const lifted = await anEmbargo(web.app, { title: secrets.lifted, publicAt: publicIn(24) }, maintainerId);
    await web.app.get(ChangeEmbargo).lift(lifted.id, maintainerId);
    // By SQL: one post, accepted ten minutes ago, with copies in every state below at once, and
    // messages refused for each reason: only a relay running for a while against failing peers makes these.
    const postId = randomUUID();
    await db().query(
      `INSERT INTO post (id, inbound_message_id, maintainer_id, signature_digest, subject_sealed, body_packets, created_at)
       VALUES ($1, $2, $3, 'digest-1', 'sealed', '\\x00', now() - interval '10 minutes')`,
      [postId, randomUUID(), maintainerId],
    );
    await inbound('processed', null);
    await inbound('refused', 'SIGNER_NOT_MAINTAINER');
    await inbound('refused', 'SIGNER_NOT_MAINTAINER');
    await inbound('refused', 'NOT_ENCRYPTED');
    await inbound('refused', 'UNKNOWN_BOUNCE', 'bounces'); // not a post
    await inbound('received', null);

    // Copies: two queued (one due two minutes ago), one a worker holds, one deferred, three
    // delivered, one failed, one held, two skipped.
    await copy(postId, soon, { status: 'pending', due: '-2 minutes' });
    await copy(postId, later, { status: 'pending' });
    await copy(postId, others[0], { status: 'pending', attempts: 1, lease: '5 minutes' });
    await copy(postId, others[1], { status: 'pending', attempts: 2, due: '30 minutes' });
    for (const id of [others[2], await member('active'), await member('active')])
      await copy(postId, id, { status: 'sent' });
    await copy(postId, await member('active'), { status: 'failed', reason: 'refused', attempts: 1 });
    await copy(postId, unacked, { status: 'held', reason: 'policy_not_acknowledged' });
    await copy(postId, expired, { status: 'skipped', reason: 'key_expired' });
    await copy(postId, await member('active'), { status: 'skipped', reason: 'key_unusable' });

    const res = await request(web.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    text = res.text;
  });
  afterAll(() => web?.close());

  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples(text).filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    if (!found.length) throw new Error(`no sample ${name} ${JSON.stringify(labels)} in:\n${text}`);
    return found.reduce((sum, s) => sum + s.value, 0);
  };

  it('counts members by status, and those yet to acknowledge the policy', () => {
    expect(value('cordon_members', { status: 'active' })).toBe(11);
    expect(value('cordon_members', { status: 'suspended' })).toBe(1);
    expect(value('cordon_members', { status: 'removed' })).toBe(1);
    expect(value('cordon_members', { status: 'banned' })).toBe(1);
    expect(value('cordon_members_awaiting_acknowledgement')).toBe(1);
  });

  it('counts active members whose key expires within 30 and 7 days, and whose key has expired', () => {
    expect(value('cordon_member_keys_expiring', { within_days: '30' })).toBe(2);
    expect(value('cordon_member_keys_expiring', { within_days: '7' })).toBe(1);
    expect(value('cordon_member_keys_expired')).toBe(1);
  });

  it('counts posts accepted, and messages to the list refused by reason', () => {
    expect(value('cordon_posts_accepted_total')).toBe(1);
    expect(value('cordon_posts_refused_total', { reason: 'SIGNER_NOT_MAINTAINER' })).toBe(2);
    expect(value('cordon_posts_refused_total', { reason: 'NOT_ENCRYPTED' })).toBe(1);
    expect(value('cordon_posts_refused_total')).toBe(3);
    expect(text).toContain('# TYPE cordon_posts_refused_total counter');
    expect(value('cordon_inbound_messages', { kind: 'bounces', status: 'refused', reason: 'UNKNOWN_BOUNCE' })).toBe(1);
    expect(value('cordon_inbound_messages', { kind: 'list', status: 'received' })).toBe(1);
    expect(value('cordon_inbound_oldest_waiting_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts copies queued, sending, deferred, delivered, failed, held and skipped, with reasons', () => {
    expect(value('cordon_post_copies', { status: 'queued' })).toBe(2);
    expect(value('cordon_post_copies', { status: 'sending' })).toBe(1);
    expect(value('cordon_post_copies', { status: 'deferred' })).toBe(1);
    expect(value('cordon_post_copies', { status: 'delivered' })).toBe(3);
    expect(value('cordon_post_copies', { status: 'failed', reason: 'refused' })).toBe(1);
    expect(value('cordon_post_copies', { status: 'held', reason: 'policy_not_acknowledged' })).toBe(1);
    expect(value('cordon_post_copies', { status: 'skipped', reason: 'key_expired' })).toBe(1);
    expect(value('cordon_post_copies', { status: 'skipped', reason: 'key_unusable' })).toBe(1);
  });

  it("gives the oldest pending copy's age from its post's acceptance, and how long the oldest due one has waited", () => {
    const age = value('cordon_post_copy_oldest_pending_seconds');
    expect(age).toBeGreaterThanOrEqual(600);
    expect(age).toBeLessThan(900);
    const due = value('cordon_post_copy_oldest_due_seconds');
    expect(due).toBeGreaterThanOrEqual(120);
    expect(due).toBeLessThan(400);
  });

  it('gives the hours left on each active embargo, named by its tag only', () => {
    const hours = value('cordon_embargo_hours_left', { embargo: `EMB-${embargoNumber}` });
    expect(hours).toBeGreaterThan(49.5);
    expect(hours).toBeLessThanOrEqual(50);
    expect(samples(text).filter((s) => s.name === 'cordon_embargo_hours_left')).toHaveLength(1);
    expect(value('cordon_embargoes', { status: 'active' })).toBe(1);
    expect(value('cordon_embargoes', { status: 'lifted' })).toBe(1);
    expect(value('cordon_embargoes', { status: 'broken' })).toBe(0);
  });

  it('names no embargo title and no address', () => {
    expect(text).not.toContain(secrets.title);
    expect(text).not.toContain(secrets.lifted);
    expect(text).not.toContain('libsecret');
    for (const email of [...secrets.emails, 'lead@project.example', 'someone@elsewhere.example']) {
      expect(text).not.toContain(email);
    }
    expect(text).not.toMatch(/@/);
  });

  it('has a help text for every Cordon metric, and units in the names of times', () => {
    const names = new Set(samples(text).map((s) => s.name.replace(/_total$/, '')));
    for (const name of [...names].filter(
      (n) => n.startsWith('cordon_') && !n.startsWith('cordon_process') && !n.startsWith('cordon_nodejs'),
    )) {
      expect(text).toMatch(new RegExp(`^# HELP ${name}(_total)? \\S`, 'm'));
    }
    expect(text).toMatch(/^# HELP cordon_embargo_hours_left /m);
    expect(text).toMatch(/^# HELP cordon_post_copy_oldest_pending_seconds /m);
  });

  it('follows a change made by another process at the next scrape (the gauges are read from the database)', async () => {
    await db().query(`UPDATE embargo SET status = 'lifted', ended_at = now() WHERE number = $1`, [embargoNumber]);
    const after = (await request(web.url).get('/metrics').expect(200)).text;
    expect(after).not.toMatch(/^cordon_embargo_hours_left\{/m);
    expect(after).toMatch(/^cordon_embargoes\{status="lifted"\} 2$/m);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  let web: RunningWebApp;
  const token = 'scrape-token-0123456789';

  beforeAll(async () => {
    web = await startWebApp({ METRICS_TOKEN: token });
  });

  afterAll(() => web?.close());

  it('answers only a scraper that presents the token', async () => {
    const none = await request(web.url).get('/metrics').expect(401);
    expect(none.text).not.toContain('cordon_');
    const wrong = await request(web.url).get('/metrics').set('Authorization', `Bearer ${token}x`).expect(401);
    expect(wrong.text).not.toContain('cordon_');
    const right = await request(web.url).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(right.text).toMatch(/^cordon_members\{status="active"\} 0$/m);
  });
});
