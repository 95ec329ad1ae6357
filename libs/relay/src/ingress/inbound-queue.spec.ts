import { randomBytes } from 'node:crypto';
import { AuditLog, verifyAuditChain } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';
import { testAuditKey } from '../../../../test/support/audit';
import { openTestDatabase, realPostgresUrl, TestDatabase } from '../../../../test/support/database';
import { anotherProcess, reapSilentProcesses } from '../../../../test/support/processes';
import { openDatabase } from '@cordon/persistence';
import { INBOUND_LEASE_MS, InboundClaimLost, InboundQueue } from './inbound-queue';
import { InboundStore, ReceivedMail } from './inbound-store';
import { receivedRaw } from './sealed-raw';

const randomUUIDLike = () => '00000000-0000-4000-8000-000000000000';

const aMessage = (overrides: Partial<ReceivedMail> = {}): ReceivedMail => ({
  mailFrom: 'maintainer@project.example',
  rcptTo: ['distributors@example.org'],
  remoteAddress: '192.0.2.7',
  raw: Buffer.from('Message-ID: <m1@project.example>\r\nSubject: secret subject\r\n\r\nsecret body\xff\r\n', 'latin1'),
  kind: 'list',
  ...overrides,
});

describe('the inbound store and queue', () => {
  let db: TestDatabase;
  let store: InboundStore;
  let queue: InboundQueue;
  const later = (ms: number) => new Date(Date.now() + ms);
  const secret = ServerSecret.fromBytes(randomBytes(32));

  beforeEach(async () => {
    db = await openTestDatabase();
    store = new InboundStore(db.database.dataSource, new AuditLog(testAuditKey), secret);
    queue = new InboundQueue(db.database.dataSource);
  });
  afterEach(() => db.drop());

  const rows = () =>
    db.database.dataSource.query(
      'SELECT id, status, attempts, raw, size, rcpt_to, recipient_kind, verp_token FROM inbound_message ORDER BY received_at',
    ) as Promise<{ id: string; status: string; attempts: number; raw: Uint8Array; size: number; rcpt_to: string[] }[]>;

  it('commits the raw bytes and a content-free audit record before accept resolves', async () => {
    const mail = aMessage();
    const id = await store.accept(mail);
    const [row] = await rows();
    expect(row).toMatchObject({ id, status: 'received', attempts: 0, size: mail.raw.length });
    expect(row.rcpt_to).toEqual(['distributors@example.org']);
    expect(Buffer.from(row.raw).equals(mail.raw)).toBe(true);
    const [entry] = (await db.database.dataSource.query(
      `SELECT actor, subject, details FROM audit_entry WHERE action = 'mail.received'`,
    )) as { actor: string; subject: string; details: Record<string, unknown> }[];
    expect(entry).toEqual({
      actor: 'anonymous',
      subject: `inbound_message:${id}`,
      details: {
        kind: 'list',
        size: mail.raw.length,
        sender: 'maintainer@project.example',
        messageId: '<m1@project.example>',
        remoteAddress: '192.0.2.7',
      },
    });
    expect(JSON.stringify(entry)).not.toMatch(/secret/);
    await expect(verifyAuditChain(db.database.dataSource, testAuditKey)).resolves.toMatchObject({ ok: true });
  });

  it('stores a vulnerability report sealed from the first byte, bound to its row, and opens it again', async () => {
    const mail = aMessage({ kind: 'report', rcptTo: ['distributors-report@example.org'] });
    const id = await store.accept(mail);
    const [row] = await rows();
    expect(row).toMatchObject({ id, size: mail.raw.length });
    const stored = Buffer.from(row.raw);
    expect(stored.toString('latin1')).not.toMatch(/secret/);
    const [claimed] = await queue.claim(1);
    expect(receivedRaw(secret, claimed).equals(mail.raw)).toBe(true);
    // Sealed bytes moved to another row, or opened with another server's secret, do not open.
    expect(() => receivedRaw(secret, { ...claimed, id: randomUUIDLike() })).toThrow();
    expect(() => receivedRaw(ServerSecret.fromBytes(randomBytes(32)), claimed)).toThrow();
    // Mail to the other addresses is kept as it came.
    const listId = await store.accept(aMessage());
    const [list] = await queue.claim(1);
    expect(list.id).toBe(listId);
    expect(receivedRaw(secret, list).equals(aMessage().raw)).toBe(true);
  });

  it('stores several rows in the caller transaction, all or none', async () => {
    const ds = db.database.dataSource;
    await expect(
      ds.transaction(async (manager) => {
        await store.accept(manager, aMessage());
        await store.accept(manager, aMessage({ kind: 'owner', rcptTo: ['distributors-owner@example.org'] }));
        throw new Error('the session failed before its reply');
      }),
    ).rejects.toThrow(/session failed/);
    expect(await rows()).toEqual([]);
    await ds.transaction(async (manager) => {
      await store.accept(manager, aMessage());
      await store.accept(manager, aMessage({ kind: 'bounces', verpToken: 'abc', mailFrom: '' }));
    });
    expect(await rows()).toHaveLength(2);
  });

  it('claims received messages oldest first, each once, under a lease', async () => {
    const first = await store.accept(aMessage());
    const second = await store.accept(aMessage());
    const claimed = await queue.claim(10);
    expect(claimed.map((m) => m.id)).toEqual([first, second]);
    expect(claimed[0]).toMatchObject({ status: 'processing', attempts: 1, recipientKind: 'list', verpToken: null });
    expect(claimed[0].raw.equals(aMessage().raw)).toBe(true);
    expect(claimed[0].leaseUntil!.getTime()).toBeGreaterThan(Date.now() + INBOUND_LEASE_MS - 60_000);
    expect(await queue.claim(10)).toEqual([]);
  });

  it('hands a message claimed by a worker that died back once the lease runs out', async () => {
    const id = await store.accept(aMessage());
    const [dead] = await queue.claim(1);
    expect(await queue.claim(1, later(INBOUND_LEASE_MS - 1000))).toEqual([]);
    const [again] = await queue.claim(1, later(INBOUND_LEASE_MS + 1000));
    expect(again).toMatchObject({ id, attempts: 2 });
    // The dead worker's late finish is fenced off; the live claim's goes through, once.
    const ds = db.database.dataSource;
    await expect(ds.transaction((m) => queue.finish(m, dead, { status: 'processed' }))).rejects.toThrow(
      InboundClaimLost,
    );
    await ds.transaction((m) => queue.finish(m, again, { status: 'refused', refusalCode: 'NOT_SIGNED' }));
    await expect(ds.transaction((m) => queue.finish(m, id, { status: 'processed' }))).rejects.toThrow(InboundClaimLost);
    const [row] = (await ds.query(
      'SELECT status, refusal_code, lease_until, processed_at FROM inbound_message WHERE id = $1',
      [id],
    )) as { status: string; refusal_code: string; lease_until: Date | null; processed_at: Date | null }[];
    expect(row).toMatchObject({ status: 'refused', refusal_code: 'NOT_SIGNED', lease_until: null });
    expect(row.processed_at).not.toBeNull();
    expect(await queue.claim(10, later(10 * INBOUND_LEASE_MS))).toEqual([]);
  });

  it('hands a message claimed by a process that died back as soon as the process is taken for dead', async () => {
    // This process registers first: on the embedded database a process registering deletes the rows
    // of every other, which the one about to die must not be yet.
    await db.database.processes.id();
    const ds = db.database.dataSource;
    const dying = anotherProcess(ds);
    const id = await store.accept(aMessage());
    const [dead] = await new InboundQueue(ds, dying).claim(1);
    expect(dead).toMatchObject({ id, leaseOwner: await dying.id() });
    expect(await queue.claim(1)).toEqual([]); // its owner lives: the claim holds
    await reapSilentProcesses(ds);
    const [again] = await queue.claim(1); // long before INBOUND_LEASE_MS
    expect(again).toMatchObject({ id, attempts: 2, leaseOwner: await db.database.processes.id() });
    await expect(ds.transaction((m) => queue.finish(m, dead, { status: 'processed' }))).rejects.toThrow(
      InboundClaimLost,
    );
    await ds.transaction((m) => queue.finish(m, again, { status: 'processed' }));
    const [row] = (await ds.query('SELECT status, lease_owner FROM inbound_message WHERE id = $1', [id])) as {
      status: string;
      lease_owner: string | null;
    }[];
    expect(row).toEqual({ status: 'processed', lease_owner: null });
  });

  it('claims nothing for a process taken for dead until its next beat registers it again', async () => {
    await db.database.processes.id();
    const ds = db.database.dataSource;
    const stalled = anotherProcess(ds);
    await stalled.id();
    await reapSilentProcesses(ds);
    const id = await store.accept(aMessage());
    // A claim under the old id would be void at once, and the message opened twice.
    expect(await new InboundQueue(ds, stalled).claim(1)).toEqual([]);
    await stalled.beat();
    expect(await new InboundQueue(ds, stalled).claim(1)).toEqual([expect.objectContaining({ id, attempts: 1 })]);
    await stalled.close();
  });

  (realPostgresUrl() ? it.skip : it)(
    'on the embedded database, opens a message that a killed process was opening at once after the restart',
    async () => {
      const id = await store.accept(aMessage());
      await new InboundQueue(db.database.dataSource, anotherProcess(db.database.dataSource)).claim(1);
      await db.database.close(); // the process that claimed it never left: killed
      const restarted = await openDatabase({ dataDir: db.dataDir, entities: [] });
      try {
        const [again] = await new InboundQueue(restarted.dataSource).claim(1);
        expect(again).toMatchObject({ id, attempts: 2 });
      } finally {
        await restarted.close();
      }
    },
  );

  it('finishes only inside the transaction that records the outcome', async () => {
    await store.accept(aMessage());
    const [claimed] = await queue.claim(1);
    await expect(queue.finish(db.database.dataSource.manager, claimed, { status: 'processed' })).rejects.toThrow(
      /inside the transaction/,
    );
  });

  it('gives concurrent claims disjoint messages', async () => {
    for (let i = 0; i < 6; i++) await store.accept(aMessage());
    const batches = await Promise.all([queue.claim(2), queue.claim(2), queue.claim(2), queue.claim(2)]);
    const ids = batches.flat().map((m) => m.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });
});
