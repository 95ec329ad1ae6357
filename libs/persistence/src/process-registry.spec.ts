import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { openTestDatabase, realPostgresUrl, TestDatabase } from '../../../test/support/database';
import { anotherProcess, reapSilentProcesses, TEST_TAKEOVER_AFTER_MS } from '../../../test/support/processes';
import { openDatabase } from './data-source';
import { ProcessRegistry } from './process-registry';
import { WAKE_CHANNELS } from './wake-channels';

interface Row {
  id: string;
  host: string;
  pid: number;
  label: string;
  started_at: Date;
  heartbeat_at: Date;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** PostgreSQL is shared by several processes: a restart there is the reaping tested above. */
const onEmbedded = realPostgresUrl() ? it.skip : it;

describe('the registry of processes that hold leases', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeEach(async () => {
    db = await openTestDatabase();
    ds = db.database.dataSource;
  });
  afterEach(() => db.drop());

  const rows = async () =>
    ((await ds.query(`SELECT * FROM service_process ORDER BY started_at, id`)) as Row[]).map((row) => ({
      ...row,
      heartbeat_at: new Date(row.heartbeat_at),
    }));
  const ids = async () => (await rows()).map((row) => row.id).sort();

  it('registers a process once, at its first claim, by host, pid and what it runs', async () => {
    const registry = db.database.processes;
    expect(ProcessRegistry.of(ds)).toBe(registry);
    expect(await rows()).toEqual([]);
    registry.describeAs('serve worker');
    const [id, same] = await Promise.all([registry.id(), registry.id()]);
    expect(same).toBe(id);
    expect(await rows()).toEqual([
      expect.objectContaining({ id, pid: process.pid, label: 'serve worker', host: expect.any(String) }),
    ]);
  });

  it('beats on its own timer, by the database clock', async () => {
    const registry = new ProcessRegistry(ds, { embedded: false, heartbeatMs: 100 });
    try {
      const id = await registry.id();
      const [first] = await rows();
      let last = first.heartbeat_at;
      for (let i = 0; i < 100 && last.getTime() === first.heartbeat_at.getTime(); i++) {
        await sleep(50);
        last = (await rows()).find((row) => row.id === id)!.heartbeat_at;
      }
      expect(last.getTime()).toBeGreaterThan(first.heartbeat_at.getTime());
      const [{ now }] = (await ds.query(`SELECT now() AS now`)) as { now: Date }[];
      expect(new Date(now).getTime() - last.getTime()).toBeLessThan(5_000);
    } finally {
      await registry.close();
    }
  });

  it('deletes the row of a process that stopped beating, and tells the queue loops', async () => {
    const live = db.database.processes;
    const liveId = await live.id();
    const dead = anotherProcess(ds);
    const deadId = await dead.id();
    let woken = 0;
    live.onTakeover(() => woken++);
    // Not yet: its beat is fresh.
    await live.beat();
    expect(await ids()).toEqual([liveId, deadId].sort());
    expect(woken).toBe(0);
    // On PostgreSQL the other processes hear of it by NOTIFY, sent as the deletion commits.
    const listener = db.databaseUrl ? new Client({ connectionString: db.databaseUrl }) : undefined;
    const heard: string[] = [];
    try {
      if (listener) {
        await listener.connect();
        listener.on('notification', (n) => heard.push(n.channel));
        await listener.query(`LISTEN ${WAKE_CHANNELS.takeover}`);
      }
      const reaper = new ProcessRegistry(ds, {
        embedded: false,
        heartbeatMs: 0,
        takeoverAfterMs: TEST_TAKEOVER_AFTER_MS,
      });
      reaper.onTakeover(() => woken++);
      const reaperId = await reaper.id();
      await sleep(TEST_TAKEOVER_AFTER_MS + 100);
      await live.beat(); // alive: its beat is fresh again
      await reaper.beat();
      expect(await ids()).toEqual([liveId, reaperId].sort());
      expect(woken).toBe(1); // the reaper's own loops
      if (listener) {
        for (let i = 0; i < 100 && heard.length === 0; i++) await sleep(20);
        expect(heard).toEqual([WAKE_CHANNELS.takeover]);
      }
      await reaper.close();
    } finally {
      await listener?.end();
    }
  });

  it('goes on under a new id when it was taken for dead while it stalled, and wakes its loops', async () => {
    const stalled = anotherProcess(ds);
    const oldId = await stalled.id();
    let woken = 0;
    stalled.onTakeover(() => woken++);
    await reapSilentProcesses(ds);
    expect(await ids()).not.toContain(oldId);
    await stalled.beat();
    const newId = await stalled.id();
    expect(newId).not.toBe(oldId);
    expect(await ids()).toContain(newId);
    expect(woken).toBe(1);
    await stalled.close();
  });

  it('leaves the registry when it stops, and claims nothing after', async () => {
    const registry = anotherProcess(ds);
    const id = await registry.id();
    expect(await ids()).toContain(id);
    await registry.close();
    expect(await ids()).not.toContain(id);
    await expect(registry.id()).rejects.toThrow(/left the registry/);
  });

  it('on the embedded database, deletes every other row as it registers: those processes are gone', async () => {
    const before = [anotherProcess(ds), anotherProcess(ds)];
    for (const registry of before) await registry.id();
    const owner = new ProcessRegistry(ds, { embedded: true, heartbeatMs: 0 });
    const id = await owner.id();
    expect(await ids()).toEqual([id]);
    await owner.close();
  });

  onEmbedded('on the embedded database, a restart after a crash finds only its own row', async () => {
    await anotherProcess(ds).id(); // the process that crashes: it never leaves
    await db.database.close();
    const reopened = await openDatabase({ dataDir: db.dataDir, entities: [] });
    try {
      const id = await reopened.processes.id();
      const left = (await reopened.dataSource.query(`SELECT id FROM service_process`)) as { id: string }[];
      expect(left).toEqual([{ id }]);
    } finally {
      await reopened.close();
    }
  });
});
