import { Client } from 'pg';
import { openTestDatabase, TestDatabase } from '../../../test/support/database';
import { QueueWakeups } from './queue-wakeups';
import { WAKE_CHANNELS } from './wake-channels';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A loop that counts how often it was woken. */
class CountingLoop {
  woken = 0;
  wake(): void {
    this.woken++;
  }
}

describe('QueueWakeups', () => {
  jest.setTimeout(90_000);
  let db: TestDatabase;
  let wakeups: QueueWakeups | undefined;

  beforeAll(async () => {
    db = await openTestDatabase();
  });

  afterEach(async () => {
    await wakeups?.close();
    wakeups = undefined;
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** The server processes of this database whose last statement was a LISTEN: the listener's. */
  const listeners = async () =>
    (
      (await db.database.dataSource.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'
           AND pid <> pg_backend_pid()`,
      )) as { pid: number }[]
    ).map((row) => row.pid);

  const notify = (channel: string) => db.database.dataSource.query(`SELECT pg_notify($1, '')`, [channel]);

  it('does nothing on the embedded database, where one process wakes its own loops', async () => {
    if (!db.database.embedded) return;
    expect(db.database.newClient).toBeUndefined();
    wakeups = new QueueWakeups(db.database.newClient);
    const loop = new CountingLoop();
    wakeups.wakeLoop(loop, WAKE_CHANNELS.inbound);
    await wakeups.start();
    expect(wakeups.acrossProcesses).toBe(false);
    // The trigger's NOTIFY is committed with no one listening, and costs the insert nothing else.
    await notify(WAKE_CHANNELS.inbound);
    await sleep(200);
    expect(loop.woken).toBe(0);
  });

  it('wakes a loop on its channel and on takeover, not on the channels of others', async () => {
    if (db.database.embedded) return console.warn('QueueWakeups listens on PostgreSQL only: set DATABASE_URL');
    wakeups = new QueueWakeups(db.database.newClient);
    const pipeline = new CountingLoop();
    const copies = new CountingLoop();
    wakeups.wakeLoop(pipeline, WAKE_CHANNELS.inbound);
    wakeups.wakeLoop(copies, WAKE_CHANNELS.postDelivery);
    await wakeups.start();

    await notify(WAKE_CHANNELS.inbound);
    await until('the pipeline to be woken', () => pipeline.woken === 1);
    await notify(WAKE_CHANNELS.outbound);
    await notify(WAKE_CHANNELS.takeover);
    await until('both loops to be woken by the takeover', () => pipeline.woken === 2 && copies.woken === 1);
    // Nothing for the outbound channel, which no one here subscribed to.
    await sleep(200);
    expect([pipeline.woken, copies.woken]).toEqual([2, 1]);
  });

  it('wakes when a transaction that notifies commits, once, and never for one rolled back', async () => {
    if (db.database.embedded) return;
    wakeups = new QueueWakeups(db.database.newClient);
    const loop = new CountingLoop();
    wakeups.wakeLoop(loop, WAKE_CHANNELS.outbound);
    await wakeups.start();
    const runner = db.database.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT pg_notify($1, '')`, [WAKE_CHANNELS.outbound]);
      await sleep(200);
      expect(loop.woken).toBe(0);
      await runner.rollbackTransaction();
      await sleep(200);
      expect(loop.woken).toBe(0);
      await runner.startTransaction();
      await runner.query(`SELECT pg_notify($1, '')`, [WAKE_CHANNELS.outbound]);
      await runner.query(`SELECT pg_notify($1, '')`, [WAKE_CHANNELS.outbound]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    // Once per transaction, however often it was raised in it.
    await until('the loop to be woken by the commit', () => loop.woken === 1);
    await sleep(200);
    expect(loop.woken).toBe(1);
  });

  it('listens again after its connection is killed, waking every loop once for what it may have missed', async () => {
    if (db.database.embedded) return;
    wakeups = new QueueWakeups(db.database.newClient, { firstMs: 50, maxMs: 400 });
    const pipeline = new CountingLoop();
    const mail = new CountingLoop();
    wakeups.wakeLoop(pipeline, WAKE_CHANNELS.inbound);
    wakeups.wakeLoop(mail, WAKE_CHANNELS.outbound);
    await wakeups.start();
    const [first] = await listeners();
    expect(first).toBeDefined();

    await db.database.dataSource.query(`SELECT pg_terminate_backend($1)`, [first]);
    await until('a new listening connection', async () => {
      const now = await listeners();
      return now.length === 1 && now[0] !== first;
    });
    await until('every loop to be woken once after the reconnect', () => pipeline.woken === 1 && mail.woken === 1);

    await notify(WAKE_CHANNELS.inbound);
    await until('a notification to wake the pipeline again', () => pipeline.woken === 2);
    expect(mail.woken).toBe(1);
  });

  it('tries again with backoff while the server refuses it, and listens once it can', async () => {
    if (db.database.embedded) return;
    // The first connections go to a port where nothing listens; then to the database.
    let refused = 3;
    const newClient = () =>
      refused-- > 0
        ? new Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2_000 })
        : db.database.newClient!();
    wakeups = new QueueWakeups(newClient, { firstMs: 20, maxMs: 100 });
    const loop = new CountingLoop();
    wakeups.wakeLoop(loop, WAKE_CHANNELS.postDelivery);
    await wakeups.start(); // resolves after the first failure, without throwing
    await until('a listening connection', async () => (await listeners()).length === 1);
    await until('the catch-up wake', () => loop.woken === 1);
    await notify(WAKE_CHANNELS.postDelivery);
    await until('the notification', () => loop.woken === 2);
  });

  it('closes its connection, and is woken no more', async () => {
    if (db.database.embedded) return;
    wakeups = new QueueWakeups(db.database.newClient);
    const loop = new CountingLoop();
    wakeups.wakeLoop(loop, WAKE_CHANNELS.inbound);
    await wakeups.start();
    await until('one listening connection', async () => (await listeners()).length === 1);
    await wakeups.close();
    await until('no listening connection', async () => (await listeners()).length === 0);
    await notify(WAKE_CHANNELS.inbound);
    await sleep(200);
    expect(loop.woken).toBe(0);
  });
});
