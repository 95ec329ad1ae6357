import '../apps/cordon/src/load-openpgp'; // first: see there
/**
 * `npm run bench`: the relay's fan-out and its SMTP ingress measured as issue 4 ("Benchmark") asks,
 * numbers printed, not a test. Each scenario runs in a child process of its own, against an SMTP
 * sink on 127.0.0.1 in another; the ingress runs in a child too, with this process as the sending
 * MTA (see ingress.ts). Keys are generated once and cached (see keys.ts). With DATABASE_URL set,
 * the end-to-end and ingress runs use that PostgreSQL server (a database created and dropped per
 * run) instead of the embedded one.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { migrations } from '@cordon/migrations';
import { migrate, openDatabase } from '@cordon/persistence';
import { IngressReady, IngressScenario, IngressStored, ingressPost, runIngress, sendPosts } from './ingress';
import { cacheDir, ensureKeys, MAX_MEMBERS } from './keys';
import { peakRssMiB, runScenario, sampleRss, Scenario, ScenarioResult } from './scenarios';
import { runDeliveryWorker, WorkerOptions } from './workers';
import { runWake, runWakeWorker, WakeBy, WakeResult, WakeScenario, WakeWorkerOptions } from './wake';
import { DEFAULT_SMTP_CONNECTIONS } from '@cordon/delivery';
import { runSink } from './sink';

const MiB = 1024 * 1024;
const ROUNDS = 2;
/** Enough posts that connection set-up and the last stragglers are a small part of the wall time. */
const INGRESS_POSTS = 500;
/** A sending MTA hands over its queue over a few connections at once (Postfix allows up to 20 per destination). */
const INGRESS_CONNECTIONS = 4;
const log = (line: string) => process.stderr.write(`${line}\n`);
/** One run of a list compared in rounds: label, scenario, whether it sends to the sink, and (optional) whose bench/run.js. */
type Step = [string, Scenario, boolean, string?];

function machine(): string[] {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? '?';
  const gpg = execFileSync('gpg', ['--version']).toString().split('\n')[0];
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${cpus().length} CPUs (nproc), ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`,
    `node ${process.version}, ${gpg}`,
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ];
}

/** A migrated embedded database to copy for each run, cached per set of migrations (their code). */
async function embeddedTemplate(): Promise<string> {
  const hash = createHash('sha256')
    .update(migrations.map((m) => m.toString()).join('\n'))
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir(), `template-${hash}`);
  if (existsSync(join(dir, 'db'))) return join(dir, 'db');
  log('creating a migrated embedded database template, once ...');
  const building = `${dir}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const db = await openDatabase({ dataDir: building, entities: [] });
  await migrate(db.dataSource);
  await db.close();
  renameSync(building, dir);
  return join(dir, 'db');
}

function child(args: string[], script = __filename): ChildProcess {
  return fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Runs a scenario in a child: this bench's, or (`script`) another checkout's built bench/run.js. */
function scenario(s: Scenario, script?: string): Promise<ScenarioResult> {
  return new Promise((resolve, reject) => {
    const proc = child(['--scenario', JSON.stringify(s)], script);
    let result: ScenarioResult | undefined;
    proc.on('message', (message: ScenarioResult) => (result = message));
    proc.on('error', reject);
    proc.on('exit', (code) => (result ? resolve(result) : reject(new Error(`scenario ${s.kind} exited with ${code}`))));
  });
}

class Sink {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  static start(): Promise<Sink> {
    const proc = child(['--sink']);
    return new Promise((resolve) => proc.once('message', (m: { port: number }) => resolve(new Sink(proc, m.port))));
  }

  stats(): Promise<{ messages: number; bytes: number }> {
    return new Promise((resolve) => {
      this.proc.once('message', resolve);
      this.proc.send('stats');
    });
  }

  stop(): void {
    this.proc.send('stop');
  }
}

/**
 * One ingress run: the relay's listener in a child on a fresh database, every post sent from here
 * (the clock runs from the first send to the last 250), then what the child stored checked against
 * what was sent: each 250 must be a committed row, whole, with its audit entry.
 */
async function ingressRun(s: IngressScenario, posts: Buffer[]): Promise<ScenarioResult> {
  const proc = child(['--ingress', JSON.stringify(s)]);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const early = (code: number | null) => reject(new Error(`the ingress exited with ${code}`));
      proc.once('exit', early);
      proc.once('message', (message: T) => {
        proc.off('exit', early);
        resolve(message);
      });
    });
  try {
    const ready = await next<IngressReady>();
    const ms = await sendPosts(ready.port, posts, INGRESS_CONNECTIONS);
    proc.send('count');
    const stored = await next<IngressStored>();
    checkStored(stored, posts);
    return {
      ms,
      copies: posts.length, // posts, here
      peakRssMiB: stored.peakRssMiB,
      startRssMiB: ready.startRssMiB,
      details: { database: s.databaseUrl ? 'PostgreSQL' : 'embedded (PGlite)', connections: INGRESS_CONNECTIONS },
    };
  } finally {
    // After a failure the child, told nothing more, stops its listener and drops its database itself.
    if (proc.connected) proc.disconnect();
    await exited;
  }
}

function checkStored(stored: IngressStored, posts: Buffer[]): void {
  const bytes = posts.reduce((sum, post) => sum + post.length, 0);
  const problems = [
    stored.rows !== posts.length && `${stored.rows} inbound_message rows for ${posts.length} posts answered 250`,
    stored.received !== stored.rows && `${stored.rows - stored.received} rows no longer 'received' (a pipeline ran?)`,
    stored.bytes !== bytes && `${stored.bytes} bytes stored for ${bytes} sent`,
    stored.audited !== stored.rows && `${stored.audited} mail.received audit entries for ${stored.rows} rows`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`the ingress did not store what it accepted: ${problems.join('; ')}`);
}

const rate = (r: ScenarioResult) => r.copies / (r.ms / 1000);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

async function main(): Promise<void> {
  const lines: string[] = [];
  const print = (line = '') => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  for (const line of machine()) print(line);
  const generated = await ensureKeys(log);
  if (generated) log(`  ${fmt(generated / 1000, 1)} s`);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const template = databaseUrl ? undefined : await embeddedTemplate();
  const sink = await Sink.start();
  const delivered = async (s: Scenario, script?: string) => {
    const before = await sink.stats();
    const result = await scenario(s, script);
    const after = await sink.stats();
    if (after.messages - before.messages !== result.copies) {
      throw new Error(`the sink took ${after.messages - before.messages} messages, expected ${result.copies}`);
    }
    return result;
  };
  const timed = async (label: string, run: () => Promise<ScenarioResult>, unit = 'copies') => {
    log(`${label} ... (load average ${loadavg()[0].toFixed(2)})`);
    const result = await run();
    log(
      `  ${fmt(result.ms / 1000, 2)} s, ${fmt(rate(result))} ${unit}/s, peak RSS ${fmt(result.peakRssMiB)} MiB ${JSON.stringify(result.details)}`,
    );
    return result;
  };
  const once = (label: string, s: Scenario, smtp: boolean, script?: string) =>
    timed(label, () => (smtp ? delivered(s, script) : scenario(s, script)));
  // Other work on the machine only ever slows a run down: each figure is the faster of ROUNDS runs
  // (peak RSS: the higher), and the runs that are compared alternate.
  const best = (runs: ScenarioResult[]): ScenarioResult => ({
    ...runs.reduce((a, b) => (b.ms < a.ms ? b : a)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
  });
  const rounds = async (steps: Step[]): Promise<ScenarioResult[]> => {
    const runs: ScenarioResult[][] = steps.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [label, s, smtp, script]] of steps.entries()) runs[i].push(await once(label, s, smtp, script));
    }
    return runs.map(best);
  };
  const endToEnd = new Map<number, ScenarioResult>();

  print();
  print(`database for end-to-end runs: ${databaseUrl ? 'PostgreSQL (DATABASE_URL)' : 'embedded (PGlite)'}`);
  print();
  print(row(['post × members', 'measured', 'wall time', 'copies/s', 'peak RSS', 'ratio']));
  print(row(['---', '---', '---:', '---:', '---:', '---']));
  const goals: string[] = [];
  const N = 500;
  // `--quick`: 10 KB × 500 only, without the gpg loop and the RSS runs (for working on the code).
  const quick = process.argv.includes('--quick');
  // `--scaling-only`: the scaling table alone (for trying pool sizes: `--connections 5,10`).
  // `--wake-only`: the wake-up table alone (waking across processes, PostgreSQL).
  const scalingOnly = process.argv.includes('--scaling-only');
  const wakeOnly = process.argv.includes('--wake-only');
  const oneTable = scalingOnly || wakeOnly;
  const sizes = [
    ['1 MiB', MiB],
    ['10 KB', 10_000],
  ] as const;
  for (const [label, size] of oneTable ? [] : quick ? sizes.slice(1) : sizes) {
    const [stage, noSmtp, ...gpgRuns] = await rounds([
      [`${label} × ${N}: fan-out stage`, { kind: 'stage', size, members: N }, false],
      [
        `${label} × ${N}: everything but SMTP`,
        { kind: 'e2e', size, members: N, port: null, template, databaseUrl },
        false,
      ],
      ...(quick ? [] : [[`${label} × ${N}: gpg loop`, { kind: 'gpg', size, members: N }, false] as Step]),
    ]);
    // `--quick` skips the gpg loop: its row and the ratios to it are left out, not shown as infinite.
    const gpg = gpgRuns.at(0);
    const timesGpg = (r: ScenarioResult) => (gpg ? `${fmt(rate(r) / rate(gpg), 1)}× the gpg loop` : '');
    const [transport, e2e] = await rounds([
      [`${label} × ${N}: transport alone`, { kind: 'transport', size, members: N, port: sink.port }, true],
      [`${label} × ${N}: end to end`, { kind: 'e2e', size, members: N, port: sink.port, template, databaseUrl }, true],
    ]);
    const line = (what: string, r: ScenarioResult, ratio = '') =>
      print(
        row([`${label} × ${N}`, what, `${fmt(r.ms / 1000, 2)} s`, fmt(rate(r)), `${fmt(r.peakRssMiB)} MiB`, ratio]),
      );
    line('fan-out stage alone (seal, key packets, copies; no DB, no SMTP)', stage, timesGpg(stage));
    if (gpg) line('gpg, one `--sign --encrypt` process per copy, in a loop', gpg);
    line('everything but SMTP (stage + DB queue + worker, copies dropped)', noSmtp, timesGpg(noSmtp));
    line(`transport alone (SmtpTransport, ${transport.details.concurrency} in flight, pre-built copies)`, transport);
    line(
      'end to end (seal → queue → worker → sink)',
      e2e,
      `${fmt((100 * rate(e2e)) / rate(transport))} % of transport alone`,
    );
    endToEnd.set(size, e2e);
    // Issue 4 calls the fan-out stage "everything but SMTP": that is the run with the database
    // queue and the worker; the run without the database is the cryptography and assembly alone.
    const staged: [string, ScenarioResult][] = [
      ['with the DB queue', noSmtp],
      ['without the DB', stage],
    ];
    for (const [how, r] of staged) {
      if (size !== MiB) {
        goals.push(
          goal(`fan-out stage ${how}, 10 KB × 500 ≥ 1,000 copies/s`, rate(r) >= 1000, `${fmt(rate(r))} copies/s`),
        );
      } else if (gpg) {
        goals.push(
          goal(
            `fan-out stage ${how}, 1 MiB × 500 ≥ 10× the gpg loop`,
            rate(r) / rate(gpg) >= 10,
            `${fmt(rate(r) / rate(gpg), 1)}×`,
          ),
        );
      }
    }
    goals.push(
      goal(
        `end to end ${label} × 500 ≥ 80 % of transport alone`,
        rate(e2e) >= 0.8 * rate(transport),
        `${fmt((100 * rate(e2e)) / rate(transport))} %`,
      ),
    );
  }
  for (const members of quick || oneTable ? [] : [50, MAX_MEMBERS]) {
    const r = await once(
      `1 MiB × ${members}: end to end`,
      { kind: 'e2e', size: MiB, members, port: sink.port, template, databaseUrl },
      true,
    );
    print(
      row([
        `1 MiB × ${fmt(members)}`,
        'end to end, peak RSS',
        `${fmt(r.ms / 1000, 2)} s`,
        fmt(rate(r)),
        `${fmt(r.peakRssMiB)} MiB`,
        `key check once per process: ${fmt(Number(r.details.keyCheckMs) / 1000, 1)} s`,
      ]),
    );
    if (members === MAX_MEMBERS)
      goals.push(goal('peak RSS at 5,000 members < 300 MiB', r.peakRssMiB < 300, `${fmt(r.peakRssMiB)} MiB`));
  }
  // A few seconds, so `--quick` has it too; each run on a fresh database, the faster of ROUNDS.
  if (!oneTable) {
    const posts = Array.from({ length: INGRESS_POSTS }, (_, i) => ingressPost(i, 10_000));
    const ingressRuns: ScenarioResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const label = `10 KB posts × ${INGRESS_POSTS}: SMTP ingress, ${INGRESS_CONNECTIONS} connections`;
      ingressRuns.push(await timed(label, () => ingressRun({ template, databaseUrl }, posts), 'posts'));
    }
    const ingress = best(ingressRuns);
    print(
      row([
        `10 KB posts × ${INGRESS_POSTS}`,
        `SMTP ingress: 10 KB posts accepted per second, each durable before its 250 (${INGRESS_CONNECTIONS} connections)`,
        `${fmt(ingress.ms / 1000, 2)} s`,
        fmt(rate(ingress)),
        `${fmt(ingress.peakRssMiB)} MiB`,
        'posts/s, not copies/s',
      ]),
    );
    goals.push(goal('SMTP ingress ≥ 50 posts/s', rate(ingress) >= 50, `${fmt(rate(ingress))} posts/s`));
  }
  print();
  if (!scalingOnly) await wakeAcrossProcesses({ print, databaseUrl, quick, goals });
  print();
  if (!quick && !wakeOnly) await scaling({ print, rounds, port: sink.port, databaseUrl, endToEnd, goals });
  else if (quick) print('scaling with delivery workers: not in `--quick`');
  print();
  for (const line of goals) print(line);
  print(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  sink.stop();
}

/** The delivery worker counts of the scaling table. */
const WORKER_COUNTS = [1, 2, 4];
/** What issue 15 asks of 1 MiB × 500 end to end on PostgreSQL, against the code before it. */
const SCALING_GOAL = 1.7;

/**
 * The scaling table (issue 15): one post's copies delivered by 1, 2 and 4 worker processes sharing
 * the PostgreSQL queue, each with its own SMTP pool of `--connections` (a list to compare, default
 * OUTBOUND_SMTP_CONNECTIONS's default); with BENCH_BEFORE set to another checkout, built, its end
 * to end run too, alternating with these, as the same-run "before".
 */
async function scaling(run: {
  print: (line?: string) => void;
  rounds: (steps: Step[]) => Promise<ScenarioResult[]>;
  port: number;
  databaseUrl?: string;
  endToEnd: Map<number, ScenarioResult>;
  goals: string[];
}): Promise<void> {
  const { print } = run;
  if (!run.databaseUrl) {
    print(
      'scaling with delivery workers: skipped (several workers share a queue on PostgreSQL only: set DATABASE_URL)',
    );
    return;
  }
  const at = process.argv.indexOf('--connections');
  const pools = at > 0 ? process.argv[at + 1].split(',').map(Number) : [DEFAULT_SMTP_CONNECTIONS];
  const beforeDir = process.env.BENCH_BEFORE || undefined;
  const beforeScript = beforeDir && join(beforeDir, 'dist', 'bench', 'run.js');
  const beforeRev =
    beforeDir && execFileSync('git', ['-C', beforeDir, 'rev-parse', '--short', 'HEAD']).toString().trim();
  print('scaling: one post delivered by worker processes sharing the PostgreSQL queue, each with its own SMTP pool');
  if (beforeRev)
    print(`before: \`${beforeRev}\` (BENCH_BEFORE), end to end with its one worker in the relay's process`);
  print();
  print(
    row([
      'post × members',
      'delivery workers',
      'connections each',
      'wall time',
      'copies/s',
      'relay peak RSS',
      'workers peak RSS (each)',
      'workers peak RSS (sum)',
      'ratio',
    ]),
  );
  print(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']));
  for (const [label, size] of [
    ['1 MiB', MiB],
    ['10 KB', 10_000],
  ] as const) {
    const base = { kind: 'e2e', size, members: 500, port: run.port, databaseUrl: run.databaseUrl } as const;
    const configs = pools.flatMap((connections) => WORKER_COUNTS.map((workers) => ({ workers, connections })));
    const steps: Step[] = configs.map(({ workers, connections }) => [
      `${label} × 500: ${workers} delivery worker(s), ${connections} connections each`,
      { ...base, workers, connections },
      true,
    ]);
    if (beforeScript) steps.push([`${label} × 500: end to end, before (${beforeRev})`, base, true, beforeScript]);
    const results = await run.rounds(steps);
    const before = beforeScript ? results.pop() : undefined;
    const oneProcess = run.endToEnd.get(size);
    const ratio = (r: ScenarioResult) =>
      [
        oneProcess && `${fmt(rate(r) / rate(oneProcess), 2)}× end to end above`,
        before && `${fmt(rate(r) / rate(before), 2)}× before`,
      ]
        .filter(Boolean)
        .join(', ');
    if (before) {
      print(
        row(
          [
            `${label} × 500`,
            `1, in the relay's process (before, \`${beforeRev}\`)`,
            `${DEFAULT_SMTP_CONNECTIONS}`,
          ].concat([`${fmt(before.ms / 1000, 2)} s`, fmt(rate(before)), `${fmt(before.peakRssMiB)} MiB`, '', '', '']),
        ),
      );
    }
    for (const [i, r] of results.entries()) {
      print(
        row([
          `${label} × 500`,
          `${configs[i].workers}`,
          `${configs[i].connections}`,
          `${fmt(r.ms / 1000, 2)} s`,
          fmt(rate(r)),
          `${fmt(r.peakRssMiB)} MiB`,
          `${String(r.details.workerPeakRssMiB).split(' ').join(', ')} MiB`,
          `${r.details.workersRssSumMiB} MiB`,
          ratio(r),
        ]),
      );
    }
    if (before && size === MiB) {
      const fastest = results.reduce((a, b) => (rate(b) > rate(a) ? b : a));
      run.goals.push(
        goal(
          `1 MiB × 500 end to end on PostgreSQL ≥ ${SCALING_GOAL}× before (${beforeRev}), same run`,
          rate(fastest) >= SCALING_GOAL * rate(before),
          `${fmt(rate(fastest) / rate(before), 2)}× with ${fastest.details.workers} workers × ${fastest.details.connections} connections`,
        ),
      );
    }
  }
}

/** Posts in each run of the wake-up measurement, one at a time, each to WAKE_MEMBERS members. */
const WAKE_POSTS = 20;
const WAKE_MEMBERS = 3;
/** What issue 15 asks of the first copy after its post, with the relay and the worker apart. */
const WAKE_GOAL_MS = 200;

/**
 * Waking across processes (issue 15; see wake.ts): per post, the time from the fan-out's commit in
 * the relay's process to the sink taking its first copy from a worker process, woken by NOTIFY
 * (polling every ten minutes), and with polling alone (DELIVERY_POLL_MS's default) as the "before".
 * `--quick` runs the NOTIFY run alone (a few seconds; the polling run takes about a poll interval a post).
 */
async function wakeAcrossProcesses(run: {
  print: (line?: string) => void;
  databaseUrl?: string;
  quick: boolean;
  goals: string[];
}): Promise<void> {
  const { print } = run;
  if (!run.databaseUrl) {
    print('first copy with separate relay and worker processes: skipped (PostgreSQL only: set DATABASE_URL)');
    return;
  }
  const ways: [WakeBy, string][] = [
    ['notify', 'woken by NOTIFY (DELIVERY_POLL_MS 600,000: no poll within the run)'],
    ['poll', 'polling alone, no LISTEN (before the wake-ups)'],
  ];
  print(
    `first copy with separate relay and worker processes, PostgreSQL: ${WAKE_POSTS} posts of 10 KB one at a time, each to ${WAKE_MEMBERS} members, after one more (the worker's first since its start, shown apart);`,
  );
  print(
    'measured from the commit of the fan-out (post + queue rows) in the relay process to the sink taking the first copy from the worker process (not the 250: the ingress and opening the post come before)',
  );
  print();
  print(
    row([
      'worker learns of the copies',
      'poll interval',
      'median',
      'max',
      'min',
      "worker's first post since its start (not in the others)",
      'load average (1 min)',
    ]),
  );
  print(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const [wakeBy, label] of run.quick ? ways.slice(0, 1) : ways) {
    const s: WakeScenario = {
      databaseUrl: run.databaseUrl,
      wakeBy,
      posts: WAKE_POSTS,
      members: WAKE_MEMBERS,
      size: 10_000,
    };
    const load = loadavg()[0].toFixed(2);
    log(`first copy, ${label} ... (load average ${load})`);
    const r = await wakeRun(s);
    log(
      `  per post, in order, the worker's first since its start first: ${[r.coldMs, ...r.firstCopyMs].map((ms) => Math.round(ms)).join(' ')} ms`,
    );
    const sorted = [...r.firstCopyMs].sort((a, b) => a - b);
    const median = (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2;
    const ms = (n: number) => `${fmt(n)} ms`;
    print(row([label, ms(r.pollMs), ms(median), ms(sorted.at(-1)!), ms(sorted[0]), ms(r.coldMs), load]));
    if (wakeBy === 'notify') {
      run.goals.push(
        goal(
          `first copy ≤ ${WAKE_GOAL_MS} ms after the fan-out's commit, separate relay and worker processes, every post after the worker's first (from the commit, not the 250: see the table)`,
          sorted.at(-1)! <= WAKE_GOAL_MS,
          `median ${ms(median)}, max ${ms(sorted.at(-1)!)} over ${sorted.length} posts`,
        ),
      );
    }
  }
  if (run.quick) print('| polling alone (before) | | not in `--quick` | | | | |');
}

function wakeRun(s: WakeScenario): Promise<WakeResult> {
  return new Promise((resolve, reject) => {
    const proc = child(['--wake', JSON.stringify(s)]);
    let result: WakeResult | undefined;
    proc.on('message', (message: WakeResult) => (result = message));
    proc.on('error', reject);
    proc.on('exit', (code) => (result ? resolve(result) : reject(new Error(`the wake-up run exited with ${code}`))));
  });
}

function goal(name: string, met: boolean, value: string): string {
  return `${met ? 'met' : 'NOT met'}: ${name} (${value})`;
}

if (process.argv[2] === '--sink') {
  runSink();
} else if (process.argv[2] === '--ingress') {
  sampleRss();
  runIngress(JSON.parse(process.argv[3]) as IngressScenario).then(
    (stored) => process.send!(stored, () => process.exit(0)),
    (error: unknown) => {
      log(`ingress failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
} else if (process.argv[2] === '--delivery-worker') {
  sampleRss();
  runDeliveryWorker(JSON.parse(process.argv[3]) as WorkerOptions, peakRssMiB).catch((error: unknown) => {
    log(`delivery worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
} else if (process.argv[2] === '--wake') {
  runWake(JSON.parse(process.argv[3]) as WakeScenario, __filename).then(
    (result) => process.send!(result, () => process.exit(0)),
    (error: unknown) => {
      log(`wake-up run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
} else if (process.argv[2] === '--wake-worker') {
  runWakeWorker(JSON.parse(process.argv[3]) as WakeWorkerOptions).catch((error: unknown) => {
    log(`wake-up worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
} else if (process.argv[2] === '--scenario') {
  sampleRss();
  runScenario(JSON.parse(process.argv[3]) as Scenario).then(
    // Run by hand (no parent to tell), a scenario prints its result.
    (result) => (process.send ? process.send(result, () => process.exit(0)) : console.log(JSON.stringify(result))),
    (error: unknown) => {
      log(`scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
