/**
 * Post delivery end to end (issue 4, "Delivery"): each member checked again just before its copy
 * is sent (invariant 2), held copies released on acknowledgement, retries and give-ups, and
 * crashes and racing workers, over real SMTP to a sink, on a real database.
 */
import { DataSource } from 'typeorm';
import { Settings } from '@cordon/config';
import { MailTransport, SmtpTransport } from '@cordon/delivery';
import { openDatabase, ProcessRegistry } from '@cordon/persistence';
import { Policies } from '@cordon/policy';
import { COPIES_IN_FLIGHT, fanOutEntities, PostDeliveryWorker } from '../libs/relay/src/fan-out';
import { allEntities } from './support/entities';
import { armoredPart, sleep, fanOutWorld, FanOutDatabase } from './support/fan-out-world';
import { anotherProcess, reapSilentProcesses } from './support/processes';
import { wiredHeldMail } from './support/wired-policies';

describe('fan-out: one sealed post, one key packet and one copy per member', () => {
  const world = fanOutWorld();
  const { members, audit, sink, worker, aPost, rows, rowOf, auditOf, copiesOf, makeDue } = world;
  let db: FanOutDatabase;
  let ds: DataSource;
  let settings: Settings;
  let smtp: SmtpTransport;
  let policies: Policies;

  beforeAll(() => {
    ({ db, ds, settings, smtp, policies } = world.state());
  });

  describe('checks each member again just before sending (invariant 2)', () => {
    const target = () => members[members.length - 1];
    const restore = () =>
      ds.query(
        `UPDATE member SET status = 'active', key_expires_at = NULL, acknowledged_policy_version = 1,
         key_fingerprint = $2 WHERE id = $1`,
        [target().id, target().fingerprint],
      );
    afterEach(restore);

    it.each([
      ['refuses a copy to a member suspended after the fan-out', `status = 'suspended'`, 'skipped', 'member_suspended'],
      ['refuses a copy to a member removed after the fan-out', `status = 'removed'`, 'skipped', 'member_removed'],
      ['refuses a copy to a member banned after the fan-out', `status = 'banned'`, 'skipped', 'member_banned'],
      [
        'refuses a copy once the key has expired',
        `key_expires_at = now() - interval '1 hour'`,
        'skipped',
        'key_expired',
      ],
      [
        'refuses a copy the old key opens after the member changed its key',
        `key_fingerprint = 'ABCD'`,
        'skipped',
        'key_changed',
      ],
      [
        'holds a copy while the current policy is not acknowledged',
        'acknowledged_policy_version = NULL',
        'held',
        'policy_not_acknowledged',
      ],
    ])('%s', async (_name, change, status, reason) => {
      const { postId } = await aPost();
      await ds.query(`UPDATE member SET ${change} WHERE id = $1`, [target().id]);
      expect(await worker().drain()).toBe(members.length);
      const row = await rowOf(postId, target());
      expect(row).toMatchObject({ status, reason, attempts: 0, lease_until: null });
      expect(copiesOf([row.id])).toHaveLength(0);
      expect(await auditOf(row.id)).toEqual([
        { action: `post.copy_${status}`, details: { postId, memberId: target().id, reason } },
      ]);
      for (const other of members.slice(0, -1)) expect(await rowOf(postId, other)).toMatchObject({ status: 'sent' });
    });

    it('releases held copies once the member acknowledges, and then sends them', async () => {
      const { postId } = await aPost();
      await ds.query(`UPDATE member SET acknowledged_policy_version = NULL WHERE id = $1`, [target().id]);
      await worker().drain();
      expect(await rowOf(postId, target())).toMatchObject({ status: 'held' });
      await restore();
      // The earlier case left a held copy of its own post for this member: both go now.
      const { released } = await ds.transaction((m) => wiredHeldMail(audit).releaseFor(m, target().id));
      expect(released).toBeGreaterThanOrEqual(1);
      await worker().drain();
      const row = await rowOf(postId, target());
      expect(row).toMatchObject({ status: 'sent', reason: null, attempts: 1 });
      const opened = await target().gpg.decrypt(armoredPart(copiesOf([row.id])[0].raw));
      expect(opened).toMatchObject({ decrypted: true, goodSignature: true });
    });
  });

  describe('retries', () => {
    it('retries a copy the relay refused with 451, then delivers it', async () => {
      const member = members[1];
      sink.refuse(member.email, 451, 1);
      const { postId } = await aPost([member]);
      const before = Date.now();
      expect(await worker().runOnce()).toBe(1);
      const deferred = await rowOf(postId, member);
      expect(deferred).toMatchObject({ status: 'pending', attempts: 1, lease_until: null });
      expect(deferred.last_error).toMatch(/451/);
      const wait = (deferred.next_attempt_at as Date).getTime() - before;
      expect(wait).toBeGreaterThanOrEqual(55_000);
      expect(wait).toBeLessThan(70_000);
      expect(await worker().runOnce()).toBe(0); // not due yet
      await makeDue(postId);
      await worker().drain();
      expect(await rowOf(postId, member)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(copiesOf([deferred.id])).toHaveLength(1);
      const entries = await auditOf(deferred.id);
      expect(entries.map((e) => e.action)).toEqual(['post.copy_deferred', 'post.copies_sent']);
      expect(entries[0].details).toMatchObject({ postId, memberId: member.id, attempts: 1, responseCode: 451 });
      expect(JSON.stringify(entries)).not.toMatch(/Mailbox busy/); // ids and codes only
    });

    it('marks a copy failed on a 550, without retrying', async () => {
      const member = members[2];
      sink.refuse(member.email, 550, 1);
      const { postId } = await aPost([member]);
      await worker().drain();
      await makeDue(postId);
      expect(await worker().runOnce()).toBe(0);
      const row = await rowOf(postId, member);
      expect(row).toMatchObject({ status: 'failed', reason: 'refused', attempts: 1 });
      expect((await auditOf(row.id)).map((e) => e.action)).toEqual(['post.copy_failed']);
    });

    it('gives up on a copy still refused three days after the post', async () => {
      const member = members[3];
      sink.refuse(member.email, 451);
      const { postId } = await aPost([member]);
      await ds.query(`UPDATE post SET created_at = now() - interval '3 days 1 minute' WHERE id = $1`, [postId]);
      await worker().drain();
      sink.refuse(member.email, 451, 0);
      expect(await rowOf(postId, member)).toMatchObject({ status: 'failed', reason: 'gave_up' });
    });
  });

  describe('crashes and concurrency', () => {
    it('delivers each copy once when two workers race for the queue', async () => {
      // On PostgreSQL the second worker has its own connection pool, as a second process would.
      const other = db.databaseUrl
        ? await openDatabase({
            databaseUrl: db.databaseUrl,
            dataDir: db.dataDir,
            entities: [...allEntities, ...fanOutEntities],
          })
        : undefined;
      try {
        const posts = [];
        for (let i = 0; i < 5; i++) posts.push((await aPost()).postId);
        const [a, b] = [worker(), worker(smtp, other?.dataSource ?? ds)];
        const claimed = (await Promise.all([a.drain(), b.drain(), a.drain(), b.drain()])).reduce((x, y) => x + y, 0);
        expect(claimed).toBe(posts.length * members.length);
        for (const postId of posts) {
          const ids = (await rows(postId)).map((r) => r.id);
          expect((await rows(postId)).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
          for (const id of ids) expect(copiesOf([id])).toHaveLength(1);
        }
      } finally {
        await other?.close();
      }
    });

    it('wake() sends a new post at once instead of at the next poll', async () => {
      const polling = new PostDeliveryWorker(ds, { ...settings, DELIVERY_POLL_MS: 600_000 }, smtp, audit, policies);
      polling.start();
      await sleep(50); // its first run finds nothing; the next poll would be in ten minutes
      const { postId } = await aPost([members[0]]);
      polling.wake();
      const [row] = await rows(postId);
      for (let i = 0; i < 200 && copiesOf([row.id]).length === 0; i++) await sleep(10);
      await polling.stop();
      expect(copiesOf([row.id])).toHaveLength(1);
    });

    it('stops cleanly: the copies in flight finish, the others go back to the queue at once', async () => {
      const posts = [];
      for (let i = 0; i < 3; i++) posts.push((await aPost()).postId);
      const ids = (await Promise.all(posts.map(rows))).flat().map((r) => r.id as string);
      let started = 0;
      const slow = {
        deliver: async (mail: Parameters<MailTransport['deliver']>[0]) => {
          started += 1;
          await sleep(100);
          await smtp.deliver(mail);
        },
        close: async () => {},
      } as MailTransport;
      const polling = worker(slow);
      polling.start();
      for (let i = 0; i < 200 && started === 0; i++) await sleep(10);
      await polling.stop();
      const after = (await ds.query(`SELECT status, attempts, lease_until FROM post_delivery WHERE id = ANY($1)`, [
        ids,
      ])) as { status: string; attempts: number; lease_until: Date | null }[];
      const sent = after.filter((r) => r.status === 'sent');
      expect(sent.length).toBe(started);
      expect(sent.length).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
      expect(after.filter((r) => r.status === 'pending')).toEqual(
        Array.from({ length: ids.length - sent.length }, () => ({ status: 'pending', attempts: 0, lease_until: null })),
      );
      await worker().drain();
      for (const id of ids) expect(copiesOf([id])).toHaveLength(1);
    });

    it('after a worker dies mid-send, resends at most the copies that were in flight, byte for byte', async () => {
      const posts = [];
      for (let i = 0; i < 4; i++) posts.push((await aPost()).postId);
      const ids = (await Promise.all(posts.map(rows))).flat().map((r) => r.id as string);
      // The relay accepts each copy, then the process "dies" before it hears back: a transport that
      // delivers and then never returns. The first few return, and are recorded, normally.
      let delivered = 0;
      const dying = {
        deliver: async (mail: Parameters<MailTransport['deliver']>[0]) => {
          await smtp.deliver(mail);
          if (++delivered > 3) await new Promise(() => {});
        },
        close: async () => {},
      } as MailTransport;
      void worker(dying).drain();
      const sent = async () =>
        Number(
          (await ds.query(`SELECT count(*) AS n FROM post_delivery WHERE id = ANY($1) AND status = 'sent'`, [ids]))[0]
            .n,
        );
      for (let i = 0; i < 200 && (delivered < 3 + COPIES_IN_FLIGHT || (await sent()) < 3); i++) await sleep(25);
      expect(await sent()).toBe(3);
      const firstCopies = new Map(
        copiesOf(ids).map((m) => [/Message-ID: <([^@]+)@/.exec(m.raw.toString('latin1'))![1], m.raw]),
      );
      expect(firstCopies.size).toBe(3 + COPIES_IN_FLIGHT);

      // Its leases run out; a new worker takes over. (That these queries run at all shows the dead
      // worker holds no transaction.)
      await ds.query(
        `UPDATE post_delivery SET lease_until = now() - interval '1 second' WHERE id = ANY($1) AND status = 'pending'`,
        [ids],
      );
      await worker().drain();
      const received = copiesOf(ids);
      const perCopy = new Map<string, Buffer[]>();
      for (const mail of received) {
        const id = /Message-ID: <([^@]+)@/.exec(mail.raw.toString('latin1'))![1];
        perCopy.set(id, [...(perCopy.get(id) ?? []), mail.raw]);
      }
      expect([...perCopy.keys()].sort()).toEqual([...ids].sort());
      const duplicated = [...perCopy].filter(([, raws]) => raws.length > 1);
      expect(duplicated.length).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
      expect(duplicated.every(([, raws]) => raws.length === 2 && raws[0].equals(raws[1]))).toBe(true);
      expect(received.length).toBe(ids.length + duplicated.length);
      expect(
        Number(
          (await ds.query(`SELECT count(*) AS n FROM post_delivery WHERE id = ANY($1) AND status = 'sent'`, [ids]))[0]
            .n,
        ),
      ).toBe(ids.length);
    });

    it('after a worker’s process is killed mid-send, takes its copies over as soon as it is taken for dead', async () => {
      // This process registers first: on the embedded database a process registering deletes the
      // rows of every other, which the one about to die must not be yet.
      await ProcessRegistry.of(ds).id();
      const posts = [];
      for (let i = 0; i < 2; i++) posts.push((await aPost()).postId);
      const ids = (await Promise.all(posts.map(rows))).flat().map((r) => r.id as string);
      // The process accepts a first copy and then stops for good, between the relay's 250 and the
      // record of it: a transport that hands the copy on and never returns.
      const dying = anotherProcess(ds);
      let handedOn = 0;
      const killed = {
        deliver: async (mail: Parameters<MailTransport['deliver']>[0]) => {
          await smtp.deliver(mail);
          handedOn++;
          await new Promise(() => {});
        },
        close: async () => {},
      } as MailTransport;
      void new PostDeliveryWorker(ds, settings, killed, audit, policies, dying).drain();
      for (let i = 0; i < 400 && handedOn < Math.min(ids.length, COPIES_IN_FLIGHT); i++) await sleep(25);
      const dyingId = await dying.id();
      const owners = (await ds.query(`SELECT DISTINCT lease_owner FROM post_delivery WHERE id = ANY($1)`, [ids])) as {
        lease_owner: string;
      }[];
      expect(owners).toEqual([{ lease_owner: dyingId }]);
      expect(await worker().drain()).toBe(0); // its owner lives: every claim holds
      await reapSilentProcesses(ds); // minutes before the leases run out
      await worker().drain();
      const perCopy = new Map<string, number>();
      for (const mail of copiesOf(ids)) {
        const id = /Message-ID: <([^@]+)@/.exec(mail.raw.toString('latin1'))![1];
        perCopy.set(id, (perCopy.get(id) ?? 0) + 1);
      }
      expect([...perCopy.keys()].sort()).toEqual([...ids].sort());
      // Only the copies in flight at the kill go twice.
      expect([...perCopy.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(COPIES_IN_FLIGHT);
      const settled = (await ds.query(
        `SELECT status, lease_owner FROM post_delivery WHERE id = ANY($1) GROUP BY status, lease_owner`,
        [ids],
      )) as { status: string; lease_owner: string | null }[];
      expect(settled).toEqual([{ status: 'sent', lease_owner: null }]);
    });
  });
});
