/**
 * Key health, the daily check (issue 6, "Watch it"): a member is warned, encrypted to its key, 30
 * and 7 days before that key expires, each once; the maintainers get, encrypted to each, the
 * members warned and those a post sent now would skip or hold. The check runs once a day however
 * many workers run it. Days are simulated by passing the check its `now`; real gpg reads the mail.
 */
import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { ListKey } from '@cordon/crypto';
import { KeyExpiryWarnings } from '@cordon/relay';
import { domainBeside } from '../support/domain-context';
import { aMaintainer, aMember, aMemberWithExpiredKey } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const DAY = 86_400_000;

interface Person {
  id: string;
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe('key health', () => {
  let relay: RunningRelay;
  let maintainers: Person[];
  let expiring: Person; // key expires 20 days after t0
  let distant: Person; // key expires 40 days after t0
  let expired: Person; // key expired seconds after it joined: skipped
  let unacked: Person; // has not acknowledged the policy: held
  let t0: Date; // a minute ahead, set before the keys that expire relative to it are made
  const at = (days: number) => new Date(t0.getTime() + days * DAY);
  const db = () => relay.runtime.database.dataSource;
  const people: Person[] = [];

  /** A person with a gpg of its own, whose key expires at `expires` (a moment, or GnuPG's 'seconds=8'), or never. */
  async function person(email: string, options: { expires?: Date | string; algo?: 'rsa2048' } = {}): Promise<Person> {
    const gpg = GpgHome.create();
    const expire = options.expires instanceof Date ? gpgMoment(options.expires) : options.expires;
    const fingerprint = await gpg.generateKey(email, { algo: options.algo ?? 'ed25519', expire });
    const p = { id: '', email, gpg, fingerprint };
    people.push(p);
    return p;
  }

  /** GnuPG's ISO form of a moment, to the second (20270105T120000, UTC). */
  const gpgMoment = (moment: Date) => moment.toISOString().replace(/[-:]/g, '').slice(0, 15);

  /** The person joins as `cordon member import` brings one in: its key's own expiry is the member's. */
  async function join(p: Person, acknowledged = true): Promise<void> {
    const key = await p.gpg.exportPublic(p.fingerprint);
    p.id = (await aMember(relay.app, { email: p.email, key, organisation: `Org of ${p.email}`, acknowledged })).id;
  }

  /** Runs the pending mail out and returns what each recipient's gpg reads, by address. */
  async function mailOut(): Promise<Map<string, { subject: string; text: string; good: boolean }[]>> {
    const before = relay.sink.received.length;
    await relay.settle();
    const read = new Map<string, { subject: string; text: string; good: boolean }[]>();
    for (const mail of relay.sink.received.slice(before)) {
      const to = mail.envelope.to[0];
      const reader = people.find((p) => p.email === to);
      if (!reader) throw new Error(`mail to someone unexpected: ${to}`);
      const opened = await reader.gpg.decrypt(armoredPart(mail.raw.toString('utf8')));
      expect(opened.decrypted).toBe(true);
      expect(opened.recipients).toHaveLength(1);
      const inner = await simpleParser(opened.plaintext);
      read.set(to, [
        ...(read.get(to) ?? []),
        { subject: inner.subject ?? '', text: inner.text ?? '', good: opened.goodSignature },
      ]);
    }
    return read;
  }

  beforeAll(async () => {
    relay = await startRelay();
    const listArmored = await relay.app.get(ListKey).armoredPublicKey();
    maintainers = [await person('lead@project.example'), await person('second@project.example')];
    const maintainersLib = await domainBeside(relay.runtime);
    for (const m of maintainers) {
      await m.gpg.importKey(listArmored);
      const added = await aMaintainer(maintainersLib, { email: m.email, key: await m.gpg.exportPublic(m.fingerprint) });
      m.id = added.maintainerId;
    }
    // Whole seconds: an OpenPGP key's expiry is kept to the second.
    t0 = new Date(Math.ceil((Date.now() + 60_000) / 1000) * 1000);
    // Its key never expires; the expiry the list keeps for it is set by SQL, and moved later by a
    // test below. A real key expiring at day 20 and refreshed later would still be judged expired by
    // the relay, which keeps each key it has read by fingerprint until it restarts.
    expiring = await person('sec@expiring.example');
    distant = await person('sec@distant.example', { expires: at(40) });
    expired = await person('sec@expired.example', { expires: 'seconds=8' });
    unacked = await person('sec@unacked.example');
    for (const p of [expiring, distant, expired, unacked]) await p.gpg.importKey(listArmored);
    await join(expiring);
    await db().query(`UPDATE member SET key_expires_at = $2 WHERE id = $1`, [expiring.id, at(20)]);
    await join(distant);
    await join(unacked, false);
    const key = await expired.gpg.exportPublic(expired.fingerprint);
    expired.id = (
      await aMemberWithExpiredKey(relay.app, { email: expired.email, key, organisation: `Org of ${expired.email}` })
    ).id;
  });

  afterAll(async () => {
    await relay?.close();
    for (const p of people) await p.gpg.cleanup();
  });

  const warnings = () => relay.app.get(KeyExpiryWarnings);

  it('warns a member 30 days before its key expires, encrypted to it, and sends each maintainer the list', async () => {
    expect(await warnings().runOnce(t0)).toBe(1);
    const mail = await mailOut();
    expect([...mail.keys()].sort()).toEqual([expiring.email, ...maintainers.map((m) => m.email)].sort());
    const [warning] = mail.get(expiring.email)!;
    expect(warning.good).toBe(true);
    expect(warning.subject).toContain(`expires on ${at(20).toISOString().slice(0, 10)}`);
    expect(warning.text).toContain(expiring.fingerprint);
    expect(warning.text).toContain('in 20 day(s)');
    expect(warning.text).toContain(`gpg --quick-set-expire ${expiring.fingerprint} 1y`);
    for (const m of maintainers) {
      const [report] = mail.get(m.email)!;
      expect(report.good).toBe(true);
      expect(report.subject).toBe('Key health: 1 warned, 1 skipped, 1 held');
      const [warned, skipped, held] = report.text.split(/\n\n/).slice(1);
      expect(warned).toContain(`Org of ${expiring.email} <${expiring.email}>: key ${expiring.fingerprint} expires`);
      expect(warned).not.toContain(distant.email);
      expect(skipped).toContain('A post sent now would skip 1 member(s):');
      expect(skipped).toContain(`<${expired.email}>: key has expired`);
      expect(held).toContain(`<${unacked.email}>: has not acknowledged the current Embargo Policy`);
      expect(report.text).not.toContain(distant.email);
    }
  });

  it('runs once a day: the same day again does nothing', async () => {
    expect(await warnings().runOnce(new Date(t0.getTime() + 1000))).toBe(0);
    expect((await mailOut()).size).toBe(0);
  });

  it('does not warn again at 30 days, nor report an unchanged list, the next day', async () => {
    expect(await warnings().runOnce(at(1))).toBe(0);
    expect((await mailOut()).size).toBe(0);
  });

  it('warns again 7 days before, once, and warns the next member at 30 days', async () => {
    // At day 14 the first key has 6 days left, the second 26.
    expect(await warnings().runOnce(at(14))).toBe(2);
    const mail = await mailOut();
    expect(mail.get(expiring.email)![0].text).toContain('in 6 day(s)');
    expect(mail.get(distant.email)![0].text).toContain('in 26 day(s)');
    for (const m of maintainers) {
      const [report] = mail.get(m.email)!;
      expect(report.subject).toBe('Key health: 2 warned, 1 skipped, 1 held');
      expect(report.text).toContain(`<${expiring.email}>`);
      expect(report.text).toContain(`<${distant.email}>`);
    }
    expect(await warnings().runOnce(at(15))).toBe(0);
    expect((await mailOut()).size).toBe(0);
    const rows = (await db().query(
      `SELECT member_id, days_before FROM key_expiry_warning ORDER BY member_id, days_before`,
    )) as { member_id: string; days_before: number }[];
    expect(rows.filter((r) => r.member_id === expiring.id).map((r) => Number(r.days_before))).toEqual([7, 30]);
    expect(rows.filter((r) => r.member_id === distant.id).map((r) => Number(r.days_before))).toEqual([30]);
  });

  it('reports to the maintainers when the list of members who would be skipped changes', async () => {
    await db().query(`UPDATE member SET acknowledged_policy_version = 1 WHERE id = $1`, [unacked.id]);
    expect(await warnings().runOnce(at(16))).toBe(0);
    const mail = await mailOut();
    expect([...mail.keys()].sort()).toEqual(maintainers.map((m) => m.email).sort());
    const [report] = mail.get(maintainers[0].email)!;
    expect(report.text).toContain('No member was warned today.');
    expect(report.text).toContain('No member is waiting to acknowledge the current Embargo Policy.');
    expect(report.text).toContain(`<${expired.email}>: key has expired`);
  });

  it('warns a key whose expiry was extended again before its new date', async () => {
    await db().query(`UPDATE member SET key_expires_at = $2 WHERE id = $1`, [expiring.id, at(40)]);
    // Day 17: the new date is 23 days away, a 30-day warning for it is due.
    expect(await warnings().runOnce(at(17))).toBe(1);
    const mail = await mailOut();
    expect(mail.get(expiring.email)).toHaveLength(1);
    expect(mail.get(expiring.email)![0].text).toContain(`expires on ${at(40).toISOString().slice(0, 10)}`);
    expect(mail.get(expiring.email)![0].text).toContain('in 23 day(s)');
    expect(mail.get(distant.email)).toBeUndefined();
    // Day 29: both keys are 11 days from expiry and have had their 30-day warnings.
    expect(await warnings().runOnce(at(29))).toBe(0);
    expect((await mailOut()).size).toBe(0);
  });

  it('warns a key first seen 5 days before expiry once, and two workers on one day check once', async () => {
    const late = await person('sec@late.example', { expires: at(40 + 5) });
    await join(late);
    const day = at(40);
    const counts = await Promise.all([warnings().runOnce(day), warnings().runOnce(day), warnings().runOnce(day)]);
    expect(counts.filter((n) => n > 0)).toHaveLength(1);
    const mail = await mailOut();
    expect(mail.get(late.email)).toHaveLength(1);
    expect(mail.get(late.email)![0].text).toContain('in 5 day(s)');
    for (const m of maintainers) expect(mail.get(m.email)).toHaveLength(1);
    const [row] = (await db().query(`SELECT count(*) AS n FROM key_expiry_warning WHERE member_id = $1`, [
      late.id,
    ])) as {
      n: string;
    }[];
    expect(Number(row.n)).toBe(2);
    const audit = (await db().query(
      `SELECT count(*) AS n FROM audit_entry WHERE action = 'key_health.checked' AND subject = $1`,
      [`key_health_check:${day.toISOString().slice(0, 10)}`],
    )) as { n: string }[];
    expect(Number(audit[0].n)).toBe(1);
  });

  it("goes on when the outbox refuses one member's key, and records no warning for it", async () => {
    // RSA-2048 can encrypt, so the member is selected, but the outbox wants 3072 bits.
    const weak = await person('sec@weak.example', { expires: at(70), algo: 'rsa2048' });
    const fine = await person('sec@fine.example', { expires: at(70) });
    // By SQL: the key policy refuses RSA-2048 at import, so only a member from before it could have one.
    weak.id = randomUUID();
    await db().query(
      `INSERT INTO member (id, email, organisation, key_armored, key_fingerprint, key_algorithm, key_expires_at, status, acknowledged_policy_version)
       VALUES ($1, $2, $3, $4, $5, 'rsa2048', $6, 'active', 1)`,
      [
        weak.id,
        weak.email,
        `Org of ${weak.email}`,
        await weak.gpg.exportPublic(weak.fingerprint),
        weak.fingerprint,
        at(70),
      ],
    );
    await join(fine);
    expect(await warnings().runOnce(at(60))).toBe(1);
    const mail = await mailOut();
    expect(mail.get(fine.email)).toHaveLength(1);
    expect(mail.get(weak.email)).toBeUndefined();
    const rows = (await db().query(`SELECT count(*) AS n FROM key_expiry_warning WHERE member_id = $1`, [weak.id])) as {
      n: string;
    }[];
    expect(Number(rows[0].n)).toBe(0);
  });
});
