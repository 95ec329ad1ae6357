import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { AuditLog, auditEntities } from '@cordon/audit';
import { Settings } from '@cordon/config';
import { cryptoEntities, ListKey, openpgpConfig, ServerSecret } from '@cordon/crypto';
import { MaintainerDirectoryAnswers } from '@cordon/maintainers';
import { Database, openDatabase, ProcessRegistry } from '@cordon/persistence';
import { PublisherNames } from '@cordon/policy';
import { freshDatabaseLocation } from '../../../test/support/database';
import { testAuditKey } from '../../../test/support/audit';
import { anOpenpgpKey, TestKey } from '../../../test/support/keys';
import { testSettings } from '../../../test/support/settings';
import { anotherProcess, reapSilentProcesses } from '../../../test/support/processes';
import { SmtpSink } from '../../../test/support/smtp-sink';
import { DeliveryWorker } from './delivery-worker';
import { OutboundMessage } from './outbound-message.entity';
import { FileTransport } from './file-transport';
import { MailTransport } from './mail-transport';
import { MaintainerMailboxes } from './maintainer-mailboxes';
import { Outbox } from './outbox';
import { SmtpTransport } from './smtp-transport';

const SUBJECT = 'CVE-2099-0042 in libwidget';
const BODY = 'Embargoed until 2099-02-01. secret-fix-token-77';

// Only the entities this lib touches, so that its tests do not depend on every other lib's.
const entities = [...auditEntities, ...cryptoEntities, OutboundMessage];

describe('the outbound queue', () => {
  let db: { database: Database; dataDir: string; databaseUrl?: string; remove(): Promise<void> };
  let ds: DataSource;
  let settings: Settings;
  let outbox: Outbox;
  let member: TestKey;
  const audit = new AuditLog(testAuditKey);
  const sink = new SmtpSink();
  let smtp: SmtpTransport;

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    const database = await openDatabase({ ...location, entities });
    db = { ...location, database };
    ds = db.database.dataSource;
    const port = await sink.start();
    settings = testSettings({ DATA_DIR: db.dataDir, OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${port}` });
    const listKey = new ListKey(ds, settings, ServerSecret.fromBytes(randomBytes(32)));
    await ds.transaction((m) => listKey.ensure(m));
    // The maintainers lib answers who hears the maintainers' mail, as it does in the apps.
    const mailboxes = new MaintainerMailboxes();
    new MaintainerDirectoryAnswers(mailboxes, new PublisherNames());
    outbox = new Outbox(settings, listKey, audit, mailboxes);
    await outbox.onApplicationBootstrap();
    member = await anOpenpgpKey('security@distro.example');
    smtp = new SmtpTransport(settings.OUTBOUND_SMTP_URL!);
  });
  afterAll(async () => {
    await smtp.close();
    await sink.stop();
    await db.database.close();
    await db.remove();
  });

  const queue = (to: string, recipientKey = member.publicKey) =>
    ds.transaction((m) => outbox.send(m, { purpose: 'test.notice', to, recipientKey, subject: SUBJECT, text: BODY }));
  const worker = (transport: MailTransport = smtp, source = ds, processes?: ProcessRegistry) =>
    new DeliveryWorker(source, settings, transport, audit, processes);
  const row = async (id: string) =>
    ((await ds.query('SELECT * FROM outbound_message WHERE id = $1', [id])) as Record<string, unknown>[])[0];
  const auditOf = async (id: string) =>
    (await ds.query('SELECT action, details FROM audit_entry WHERE subject = $1 ORDER BY seq', [
      `outbound_message:${id}`,
    ])) as { action: string; details: Record<string, unknown> }[];
  const count = async (table: string) => Number((await ds.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const makeDue = (id: string) =>
    ds.query(`UPDATE outbound_message SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, [id]);

  describe('Outbox.sendToMaintainers', () => {
    it('tells every active maintainer, each sealed alone, and skips one whose key has expired', async () => {
      const expired = await generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ email: 'stale@project.example' }],
        date: new Date(Date.now() - 3 * 86_400_000),
        keyExpirationTime: 86_400,
        config: openpgpConfig,
      });
      const current = await anOpenpgpKey('lead@project.example');
      const retired = await anOpenpgpKey('retired@project.example');
      for (const [email, key, status] of [
        ['lead@project.example', current.publicKey, 'active'],
        ['stale@project.example', expired.publicKey, 'active'],
        ['retired@project.example', retired.publicKey, 'disabled'],
      ]) {
        // By SQL: the maintainers lib sits above this one (it sends through the Outbox), and no use
        // case enrols a key that has already expired or a maintainer straight into 'disabled'.
        await ds.query(
          `INSERT INTO maintainer (id, email, name, key_armored, key_fingerprint, status)
           VALUES (gen_random_uuid(), $1, 'M', $2, $3, $4)`,
          [email, key, email.toUpperCase(), status],
        );
      }
      const before = await count('outbound_message');
      const queued = await ds.transaction((m) =>
        outbox.sendToMaintainers(m, { purpose: 'test.maintainers', subject: SUBJECT, text: BODY }),
      );
      expect(queued).toBe(1);
      expect(await count('outbound_message')).toBe(before + 1);
      const rows = (await ds.query(`SELECT recipient FROM outbound_message WHERE purpose = 'test.maintainers'`)) as {
        recipient: string;
      }[];
      expect(rows).toEqual([{ recipient: 'lead@project.example' }]);
      await ds.query('DELETE FROM maintainer');
    });
  });

  describe('Outbox.send', () => {
    it('queues one sealed copy and records it, without the subject or body anywhere in the clear', async () => {
      const id = await queue('a@distro.example');
      const queued = await row(id);
      expect(queued).toMatchObject({ status: 'pending', attempts: 0, recipient: 'a@distro.example' });
      expect(queued.sender).toBe(settings.outboundFrom);
      const raw = (queued.raw as Buffer).toString('latin1');
      expect(raw).toMatch(/^Content-Type: multipart\/encrypted; protocol="application\/pgp-encrypted"/m);
      const entries = await auditOf(id);
      expect(entries).toEqual([
        {
          action: 'mail.queued',
          details: expect.objectContaining({
            purpose: 'test.notice',
            recipient: 'a@distro.example',
            recipientKey: member.fingerprint,
          }),
        },
      ]);
      expect(raw).toContain(`Message-ID: ${entries[0].details.messageId as string}`);
      for (const secret of ['CVE-2099-0042', 'libwidget', 'secret-fix-token-77']) {
        expect(raw).not.toContain(secret);
        expect(JSON.stringify(entries)).not.toContain(secret);
      }
    });

    it.each([
      ['an unreadable key', 'not a key', 'KEY_UNREADABLE'],
      ['a missing key', '', 'KEY_UNREADABLE'],
      ['an expired key', 'expired', 'KEY_CANNOT_ENCRYPT'],
    ])('refuses %s and queues nothing, never falling back to plaintext', async (_, kind, code) => {
      let key = kind;
      if (kind === 'expired') key = await expiredKey();
      const [rows, entries] = [await count('outbound_message'), await count('audit_entry')];
      await expect(queue('b@distro.example', key)).rejects.toMatchObject({ code });
      expect(await count('outbound_message')).toBe(rows);
      expect(await count('audit_entry')).toBe(entries);
    });

    it('refuses a recipient that is not one bare address', async () => {
      const rows = await count('outbound_message');
      for (const to of ['a@x.example, b@y.example', 'Eve <eve@evil.example>', 'a@x.example\r\nBcc: eve@evil.example']) {
        await expect(queue(to)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(await count('outbound_message')).toBe(rows);
    });

    it('refuses to run outside a transaction, so a mail cannot outlive a rolled-back change', async () => {
      await expect(
        outbox.send(ds.manager, {
          purpose: 'x',
          to: 'c@distro.example',
          recipientKey: member.publicKey,
          subject: 's',
          text: 't',
        }),
      ).rejects.toThrow(/inside the transaction/);
    });
  });

  describe('DeliveryWorker over SMTP', () => {
    it('delivers a message exactly once, with its own envelope, and records it', async () => {
      const id = await queue('once@distro.example');
      await worker().drain();
      await worker().drain();
      const got = sink.to('once@distro.example');
      expect(got).toHaveLength(1);
      expect(got[0].envelope).toEqual({ from: settings.outboundFrom, to: ['once@distro.example'] });
      const stored = await row(id);
      expect(got[0].raw.equals(stored.raw as Buffer)).toBe(true);
      expect(stored).toMatchObject({ status: 'sent', attempts: 1, last_error: null });
      expect(stored.sent_at).toBeInstanceOf(Date);
      expect((await auditOf(id)).map((e) => e.action)).toEqual(['mail.queued', 'mail.sent']);
    });

    it('retries after a 451 and then delivers', async () => {
      sink.refuse('busy@distro.example', 451, 1);
      const id = await queue('busy@distro.example');
      const before = Date.now();
      expect(await worker().runOnce()).toBe(1);
      const deferred = await row(id);
      expect(deferred).toMatchObject({ status: 'pending', attempts: 1 });
      expect(deferred.last_error).toMatch(/451/);
      const wait = (deferred.next_attempt_at as Date).getTime() - before;
      expect(wait).toBeGreaterThanOrEqual(55_000);
      expect(wait).toBeLessThan(70_000);
      expect(await worker().runOnce()).toBe(0); // not due yet
      await makeDue(id);
      await worker().drain();
      expect(sink.to('busy@distro.example')).toHaveLength(1);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
      const entries = await auditOf(id);
      expect(entries.map((e) => e.action)).toEqual(['mail.queued', 'mail.deferred', 'mail.sent']);
      expect(entries[1].details).toMatchObject({ attempts: 1, error: expect.stringMatching(/451/) });
    });

    it('marks a message failed on a 550, without retrying', async () => {
      sink.refuse('gone@distro.example', 550);
      const id = await queue('gone@distro.example');
      await worker().drain();
      await makeDue(id);
      expect(await worker().runOnce()).toBe(0);
      expect(sink.to('gone@distro.example')).toHaveLength(0);
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/550/) });
      const entries = await auditOf(id);
      expect(entries.map((e) => e.action)).toEqual(['mail.queued', 'mail.failed']);
      expect(entries[1].details).toMatchObject({ reason: 'refused' });
    });

    it('gives up on a message still refused after three days', async () => {
      sink.refuse('away@distro.example', 451);
      const id = await queue('away@distro.example');
      await ds.query(`UPDATE outbound_message SET created_at = now() - interval '3 days 1 minute' WHERE id = $1`, [id]);
      await worker().drain();
      expect(await row(id)).toMatchObject({ status: 'failed' });
      expect((await auditOf(id))[1]).toMatchObject({ action: 'mail.failed', details: { reason: 'gave_up' } });
    });

    it('retries when the relay cannot be reached at all', async () => {
      const id = await queue('down@distro.example');
      const unreachable = new SmtpTransport('smtp://127.0.0.1:1');
      await worker(unreachable).drain();
      await unreachable.close();
      expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
      await makeDue(id);
      await worker().drain();
      expect(sink.to('down@distro.example')).toHaveLength(1);
    });

    it('sends a message whose worker died mid-send once its lease runs out', async () => {
      const id = await queue('crash@distro.example');
      // A transport that never returns stands for a process killed while talking to the relay.
      // That the queries below still run also shows no transaction is held during the send.
      const hung = { deliver: () => new Promise<void>(() => {}), close: async () => {} } as MailTransport;
      void worker(hung).runOnce();
      for (let i = 0; i < 100 && (await row(id)).attempts === 0; i++) await sleep(10);
      expect(await worker().runOnce()).toBe(0); // still leased to the dead worker
      await makeDue(id); // the lease runs out
      await worker().drain();
      expect(sink.to('crash@distro.example')).toHaveLength(1);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
    });

    it('sends a message whose worker’s process died as soon as that process is taken for dead', async () => {
      // This process registers first: on the embedded database a process registering deletes the
      // rows of every other, which the one about to die must not be yet.
      await db.database.processes.id();
      const id = await queue('killed@distro.example');
      const dying = anotherProcess(ds);
      const hung = { deliver: () => new Promise<void>(() => {}), close: async () => {} } as MailTransport;
      void worker(hung, ds, dying).runOnce();
      for (let i = 0; i < 100 && (await row(id)).attempts === 0; i++) await sleep(10);
      expect(await row(id)).toMatchObject({ lease_owner: await dying.id() });
      expect(await worker().runOnce()).toBe(0); // its owner lives: the claim holds
      await reapSilentProcesses(ds); // its next_attempt_at is still minutes ahead
      await worker().drain();
      expect(sink.to('killed@distro.example')).toHaveLength(1);
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2, lease_owner: null });
    });

    it('keeps a deferred message for its retry, whatever becomes of the process that tried it', async () => {
      await db.database.processes.id();
      const id = await queue('deferred@distro.example');
      sink.refuse('deferred@distro.example', 451, 1);
      const tried = anotherProcess(ds);
      await worker(smtp, ds, tried).runOnce();
      expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, lease_owner: null });
      await reapSilentProcesses(ds);
      expect(await worker().runOnce()).toBe(0);
    });

    it('delivers each message once when two workers race for the queue', async () => {
      // On PostgreSQL the second worker has its own connection pool, as a second process would.
      const other = db.databaseUrl
        ? await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, entities })
        : undefined;
      try {
        const recipients = Array.from({ length: 12 }, (_, i) => `race${i}@distro.example`);
        for (const to of recipients) await queue(to);
        const [a, b] = [worker(), worker(smtp, other?.dataSource ?? ds)];
        let tried = 0;
        for (let round = 0; round < 20; round++) {
          const counts = await Promise.all([a.runOnce(2), b.runOnce(2), a.runOnce(2), b.runOnce(2)]);
          tried += counts.reduce((x, y) => x + y, 0);
          if (counts.every((n) => n === 0)) break;
        }
        expect(tried).toBe(recipients.length);
        for (const to of recipients) expect(sink.to(to)).toHaveLength(1);
      } finally {
        await other?.close();
      }
    });

    it('polls with start() and stops cleanly with stop()', async () => {
      const polling = new DeliveryWorker(ds, { ...settings, DELIVERY_POLL_MS: 20 }, smtp, audit);
      polling.start();
      await queue('polled@distro.example');
      for (let i = 0; i < 200 && sink.to('polled@distro.example').length === 0; i++) await sleep(25);
      await polling.stop();
      expect(sink.to('polled@distro.example')).toHaveLength(1);
    });
  });

  describe('DeliveryWorker to files', () => {
    it('writes each message to DATA_DIR/outbox as a private .eml file', async () => {
      const dir = join(db.dataDir, 'outbox');
      const id = await queue('file@distro.example');
      await worker(new FileTransport(dir)).drain();
      const files = readdirSync(dir).filter((f) => f.endsWith(`-${id}.eml`));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{8}T\d{6}\.\d{3}Z-[0-9a-f-]{36}\.eml$/);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(join(dir, files[0])).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, files[0])).equals((await row(id)).raw as Buffer)).toBe(true);
      expect(await row(id)).toMatchObject({ status: 'sent' });
      expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    });
  });
});

async function expiredKey(): Promise<string> {
  const { publicKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ email: 'expired@distro.example' }],
    date: new Date(Date.now() - 10 * 86_400_000),
    keyExpirationTime: 86_400,
    format: 'armored',
    config: openpgpConfig,
  });
  return publicKey;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
