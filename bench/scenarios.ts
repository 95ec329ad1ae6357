/**
 * What the bench measures, one scenario per child process (so that each peak RSS is its own):
 *
 * - stage: the fan-out stage alone, no database, no SMTP: seal once, one key packet per member,
 *   every copy assembled (then dropped);
 * - gpg: the same copies made by `gpg --sign --encrypt`, one process per copy, one after another;
 * - transport: the outbound transport alone sending pre-built copies of the same size;
 * - e2e: seal, key packets, the post and its queue rows stored, and the PostDeliveryWorker
 *   delivering every copy (to the sink, or to a transport that drops them: "everything but SMTP").
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decrypt, PrivateKey, PublicKey, readMessage } from 'openpgp';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { parseSettings } from '@cordon/config';
import { MemberKey } from '@cordon/crypto';
import { DEFAULT_SMTP_CONNECTIONS, MailTransport, OutgoingMail, SmtpTransport } from '@cordon/delivery';
import { migrate, openDatabase } from '@cordon/persistence';
import { AcknowledgementFollowUps, Policies } from '@cordon/policy';
import {
  ArmoredBody,
  assembleCopy,
  CopyBuffer,
  COPIES_IN_FLIGHT,
  FanOut,
  fanOutEntities,
  keyPacketFor,
  ListHeaders,
  Post,
  PostDeliveryWorker,
  PreparedCopy,
  sealPost,
} from '../libs/relay/src/fan-out';
import { allEntities } from '@cordon/runtime';
import { firstMemberKey, LIST_ADDRESS, LIST_NAME, listKey, memberEmail, memberKeys, memberKeyTexts } from './keys';
import { WorkerProcesses } from './workers';

export type Scenario =
  | { kind: 'stage' | 'gpg'; size: number; members: number }
  | { kind: 'transport'; size: number; members: number; port: number; connections?: number }
  | {
      kind: 'e2e';
      size: number;
      members: number;
      /** The sink's port; null: a transport that drops each copy (everything but SMTP). */
      port: number | null;
      /** A migrated embedded database to copy, or the PostgreSQL server to create one on. */
      template?: string;
      databaseUrl?: string;
      /**
       * Set (PostgreSQL only): the copies are delivered by this many worker processes sharing the
       * queue, each with a pool of `connections` (see workers.ts), instead of one worker in this process.
       */
      workers?: number;
      connections?: number;
    };

export interface ScenarioResult {
  /** Wall time of the measured part. */
  ms: number;
  copies: number;
  /** Peak RSS of the process over its whole life (keys, database and all), sampled every 50 ms. */
  peakRssMiB: number;
  /** RSS just before the measured part began. */
  startRssMiB: number;
  details: Record<string, number | string>;
}

const MiB = 1024 * 1024;
let peakRss = 0;

/** Peak RSS so far (sampleRss samples it), for a run that reports it other than by `measure`. */
export const peakRssMiB = () => peakRss / MiB;

export function sampleRss(): void {
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  sample();
  setInterval(sample, 50).unref();
}

/** A MIME entity of `size` bytes: a base64 attachment of random (incompressible) bytes. */
export function postContent(size: number): Buffer {
  const head = 'Content-Type: application/octet-stream; name="patch.tar"\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  const lines = Math.ceil((size - head.length) / 78);
  const body = (
    randomBytes(lines * 57)
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');
  return Buffer.from(head + body, 'latin1').subarray(0, size);
}

/**
 * The member keys, read from their armored text, checked and wrapped to once, as a running relay
 * holds them after its first post (the recipient selection keeps a MemberKey per member; keyPacketFor
 * keeps each cv25519 key's point). What that first post pays on top is reported as keyParseMs +
 * keyCheckMs.
 */
async function checkedKeys(n: number, details: ScenarioResult['details']): Promise<MemberKey[]> {
  const armored = await memberKeyTexts(n);
  let started = performance.now();
  const keys: MemberKey[] = [];
  for (const text of armored) keys.push(await MemberKey.read(text));
  details.keyParseMs = Math.round(performance.now() - started);
  started = performance.now();
  const warmUp = { data: randomBytes(32), algorithm: 'aes256' as const };
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(keys.slice(i, i + 64).map((k) => keyPacketFor(warmUp, k)));
  }
  details.keyCheckMs = Math.round(performance.now() - started);
  return keys;
}

const recipientsOf = (keys: (PublicKey | MemberKey)[], ids: string[]) =>
  keys.map((key, i) => ({ memberId: ids[i], email: memberEmail(i), key }));

async function measure(run: () => Promise<number>, details: ScenarioResult['details']): Promise<ScenarioResult> {
  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  const copies = await run();
  const ms = performance.now() - started;
  return { ms, copies, peakRssMiB: peakRssMiB(), startRssMiB: startRss / MiB, details };
}

/** Opens one copy with the first member's key, with the list signature: what was measured is a copy that works. */
async function checkCopy(raw: Buffer, list: PrivateKey): Promise<void> {
  const armored = /-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/.exec(raw.toString('latin1'))![0];
  const { signatures } = await decrypt({
    message: await readMessage({ armoredMessage: armored }),
    decryptionKeys: await firstMemberKey(),
    verificationKeys: list.toPublic(),
    expectSigned: true,
    format: 'binary',
  });
  await signatures[0].verified;
}

export async function runScenario(s: Scenario): Promise<ScenarioResult> {
  switch (s.kind) {
    case 'stage':
      return stage(s.size, s.members);
    case 'gpg':
      return gpgLoop(s.size, s.members);
    case 'transport':
      return transportAlone(s.size, s.members, s.port, s.connections);
    case 'e2e':
      return endToEnd(s);
  }
}

async function stage(size: number, n: number): Promise<ScenarioResult> {
  const details: ScenarioResult['details'] = {};
  const list = await listKey();
  const keys = await checkedKeys(n, details);
  const content = postContent(size);
  const headers = new ListHeaders(LIST_ADDRESS, LIST_NAME);
  const ids = keys.map(() => randomUUID());
  let first: Buffer | undefined;
  const result = await measure(async () => {
    let t = performance.now();
    const sealed = await sealPost(content, list);
    details.sealMs = Math.round(performance.now() - t);
    t = performance.now();
    const copies = await new FanOut(new AuditLog(randomBytes(32))).keyPackets(
      sealed.sessionKey,
      recipientsOf(keys, ids),
    );
    details.keyPacketsMs = Math.round(performance.now() - t);
    t = performance.now();
    const post = { body: new ArmoredBody(Buffer.from(sealed.bodyPackets)), date: new Date(), maintainerName: 'Alice' };
    // As a worker lane does: each copy assembled in the buffer the previous one used.
    const buffer = new CopyBuffer();
    let bytes = 0;
    for (const [i, copy] of copies.entries()) {
      const raw = buffer.assemble({
        post,
        delivery: { id: ids[i], recipient: copy.recipient, keyPacket: copy.keyPacket! },
        headers,
      });
      bytes += raw.length;
      first ??= Buffer.from(raw);
    }
    details.assembleMs = Math.round(performance.now() - t);
    details.copyBytes = Math.round(bytes / copies.length);
    return copies.length;
  }, details);
  await checkCopy(first!, list);
  return result;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr}`))));
  });
}

async function gpgLoop(size: number, n: number): Promise<ScenarioResult> {
  const details: ScenarioResult['details'] = { concurrency: 1 };
  const home = mkdtempSync(join(tmpdir(), 'cordon-bench-gpg-'));
  try {
    const list = await listKey();
    const keys = await memberKeys(n);
    writeFileSync(join(home, 'members.pub'), Buffer.concat(keys.map((k) => k.write())));
    writeFileSync(join(home, 'list.key'), list.armor());
    writeFileSync(join(home, 'post'), postContent(size));
    const gpg = ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
    await run('gpg', [...gpg, '--import', join(home, 'members.pub'), join(home, 'list.key')]);
    const signer = list.getFingerprint().toUpperCase();
    return await measure(async () => {
      for (const key of keys) {
        await run('gpg', [
          ...gpg,
          ...['--yes', '--trust-model', 'always', '--armor', '--sign', '--encrypt', '--local-user', signer],
          ...['--recipient', key.getFingerprint().toUpperCase(), '--output', '/dev/null', join(home, 'post')],
        ]);
      }
      return keys.length;
    }, details);
  } finally {
    await run('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

/** A copy as the worker makes it, for the first member. */
async function oneCopy(size: number): Promise<Buffer> {
  const [key] = await memberKeys(1);
  const sealed = await sealPost(postContent(size), await listKey());
  const [copy] = await new FanOut(new AuditLog(randomBytes(32))).keyPackets(
    sealed.sessionKey,
    recipientsOf([key], ['x']),
  );
  const post = { body: new ArmoredBody(Buffer.from(sealed.bodyPackets)), date: new Date(), maintainerName: 'Alice' };
  const delivery = { id: randomUUID(), recipient: memberEmail(0), keyPacket: copy.keyPacket! };
  return assembleCopy({ post, delivery, headers: new ListHeaders(LIST_ADDRESS, LIST_NAME) });
}

async function transportAlone(
  size: number,
  n: number,
  port: number,
  connections = DEFAULT_SMTP_CONNECTIONS,
): Promise<ScenarioResult> {
  const raw = await oneCopy(size);
  const transport = new SmtpTransport(`smtp://127.0.0.1:${port}`, connections);
  const headers = new ListHeaders(LIST_ADDRESS, LIST_NAME);
  const details: ScenarioResult['details'] = { concurrency: COPIES_IN_FLIGHT, connections, copyBytes: raw.length };
  try {
    return await measure(async () => {
      let next = 0;
      const lane = async () => {
        for (let i = next++; i < n; i = next++) {
          const id = randomUUID();
          await transport.deliver({
            id,
            sender: headers.bounceAddress(id),
            recipient: memberEmail(i),
            raw,
            createdAt: new Date(),
          });
        }
      };
      await Promise.all(Array.from({ length: COPIES_IN_FLIGHT }, lane));
      return n;
    }, details);
  } finally {
    await transport.close();
  }
}

/** Drops every copy: the worker does everything but talk SMTP. */
class DroppingTransport extends MailTransport {
  first?: Buffer;
  async deliver(mail: OutgoingMail): Promise<void> {
    this.first ??= Buffer.from(mail.raw); // the worker reuses its buffer once this returns
  }
  async close(): Promise<void> {}
}

/** A fresh migrated database in `dataDir`: a copy of the embedded template, or one created (and dropped on close) on PostgreSQL. */
export async function benchDatabase(s: { template?: string; databaseUrl?: string }, dataDir: string) {
  const entities = [...new Set([...allEntities, ...fanOutEntities])];
  if (!s.databaseUrl) {
    cpSync(s.template!, join(dataDir, 'db'), { recursive: true });
    return openDatabase({ dataDir, entities });
  }
  const name = `cordon_bench_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: s.databaseUrl });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`DROP DATABASE IF EXISTS ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(s.databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir, entities });
  await migrate(database.dataSource);
  return {
    ...database,
    url: url.toString(),
    close: () => database.close().then(() => admin(`DROP DATABASE ${name} WITH (FORCE)`)),
  };
}

/** Policy version 1 and one active maintainer, as every bench list has; the maintainer's id. */
export async function seedMaintainer(ds: DataSource): Promise<string> {
  await ds.query(`INSERT INTO policy_version (version, body, sha256, published_by) VALUES (1, 'policy', 'x', 'bench')`);
  const maintainerId = randomUUID();
  await ds.query(
    `INSERT INTO maintainer (id, email, name, key_armored, key_fingerprint, status)
     VALUES ($1, 'alice@project.example', 'Alice Maintainer', 'x', 'x', 'active')`,
    [maintainerId],
  );
  return maintainerId;
}

/** Policy version 1, one maintainer, `keys.length` active members who acknowledged it. */
async function seedMembers(ds: DataSource, keys: MemberKey[]): Promise<{ maintainerId: string; ids: string[] }> {
  const maintainerId = await seedMaintainer(ds);
  const ids = keys.map(() => randomUUID());
  for (let i = 0; i < keys.length; i += 500) {
    const params: unknown[] = [];
    const rows = keys.slice(i, i + 500).map((key, j) => {
      params.push(ids[i + j], memberEmail(i + j), key.armor(), key.fingerprint);
      const at = params.length - 4;
      return `($${at + 1}, $${at + 2}, 'Distro', $${at + 3}, $${at + 4}, 'cv25519', 'active', 1)`;
    });
    await ds.query(
      `INSERT INTO member (id, email, organisation, key_armored, key_fingerprint, key_algorithm, status,
                           acknowledged_policy_version) VALUES ${rows.join(', ')}`,
      params,
    );
  }
  return { maintainerId, ids };
}

/** Commits a post and its copies' queue rows in one transaction, as the pipeline does once it has opened a post. */
export async function commitPost(
  ds: DataSource,
  fanOut: FanOut,
  maintainerId: string,
  bodyPackets: Uint8Array,
  copies: PreparedCopy[],
): Promise<void> {
  await ds.transaction(async (manager) => {
    const postId = randomUUID();
    await manager.insert(Post, {
      id: postId,
      inboundMessageId: randomUUID(),
      maintainerId,
      signatureDigest: randomUUID(),
      signedAt: new Date(),
      subjectSealed: null,
      bodyPackets: Buffer.from(bodyPackets),
      createdAt: new Date(),
    });
    await fanOut.enqueue(manager, postId, copies);
  });
}

async function endToEnd(s: Extract<Scenario, { kind: 'e2e' }>): Promise<ScenarioResult> {
  const details: ScenarioResult['details'] = {
    database: s.databaseUrl ? 'PostgreSQL' : 'embedded (PGlite)',
    concurrency: COPIES_IN_FLIGHT,
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'cordon-bench-db-'));
  const database = await benchDatabase(s, dataDir);
  const ds = database.dataSource;
  const dropping = new DroppingTransport();
  const connections = s.connections ?? DEFAULT_SMTP_CONNECTIONS;
  const transport = s.port === null ? dropping : new SmtpTransport(`smtp://127.0.0.1:${s.port}`, connections);
  let workers: WorkerProcesses | undefined;
  try {
    if (s.workers) {
      if (!('url' in database) || s.port === null) throw new Error('worker processes need PostgreSQL and the sink');
      const options = { databaseUrl: database.url, port: s.port, connections };
      workers = await WorkerProcesses.start(join(__dirname, 'run.js'), s.workers, options);
      Object.assign(details, { workers: s.workers, connections });
    }
    const list = await listKey();
    const keys = await checkedKeys(s.members, details);
    const { maintainerId, ids } = await seedMembers(ds, keys);
    const content = postContent(s.size);
    const settings = parseSettings(
      { LIST_ADDRESS, LIST_NAME, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: s.databaseUrl },
      process.cwd(),
    );
    const audit = new AuditLog(randomBytes(32));
    const fanOut = new FanOut(audit);
    const policies = new Policies(ds, audit, new AcknowledgementFollowUps());
    const worker = new PostDeliveryWorker(ds, settings, transport, audit, policies);
    const result = await measure(async () => {
      let t = performance.now();
      const sealed = await sealPost(content, list);
      const copies = await fanOut.keyPackets(sealed.sessionKey, recipientsOf(keys, ids));
      details.sealAndKeyPacketsMs = Math.round(performance.now() - t);
      t = performance.now();
      await commitPost(ds, fanOut, maintainerId, sealed.bodyPackets, copies);
      details.enqueueMs = Math.round(performance.now() - t);
      t = performance.now();
      if (workers) {
        const drained = await workers.drain();
        // Each worker's own peak; the relay's (this process's) is the scenario's peakRssMiB.
        details.workerPeakRssMiB = drained.map((d) => Math.round(d.peakRssMiB)).join(' ');
        details.workersRssSumMiB = Math.round(drained.reduce((sum, d) => sum + d.peakRssMiB, 0));
        details.claimed = drained.map((d) => d.claimed).join(' ');
      } else {
        await worker.drain();
      }
      details.deliverMs = Math.round(performance.now() - t);
      const [{ n }] = (await ds.query(`SELECT count(*) AS n FROM post_delivery WHERE status = 'sent'`)) as {
        n: string;
      }[];
      return Number(n);
    }, details);
    if (dropping.first) await checkCopy(dropping.first, list);
    return result;
  } finally {
    await workers?.stop();
    await transport.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
