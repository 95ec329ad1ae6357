/**
 * Fire drills (issue 14) over the API, real SMTP and real GnuPG members: a maintainer starts a
 * drill with its API token; every active member gets a copy signed by the list key and encrypted
 * to it alone that gpg reads; a member's `gpg --clearsign`ed `Drill <n> received` to -ack counts
 * as its answer, and the report shows who answered (when, how), whose copy failed, whose key
 * expires within 30 days and, once the drill ended, who never answered; /metrics shows the rate.
 * An answer for another drill, an ended drill, by a member the drill was not sent to or by a
 * stranger changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { createTransport } from 'nodemailer';
import request from 'supertest';
import { ListKey } from '@cordon/crypto';
import { CreateApiToken } from '@cordon/maintainers';
import { AnswerDrill, DrillReports } from '@cordon/relay';
import { createWebApp } from '../../apps/cordon/src/web/create-web-app';
import { loginAgent } from '../support/admin-login';
import { aMember } from '../support/factories';
import { GpgHome } from '../support/gpg';
import { armoredPart } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const ACK = 'distributors-ack@example.org';
const DAY = 86_400_000;

interface GpgMember {
  id: string;
  email: string;
  fpr: string;
}

describe('fire drills', () => {
  let relay: RunningRelay;
  let url: string;
  let close: () => Promise<void>;
  let token: string;
  const gpg = GpgHome.create();
  const people: Record<'a' | 'b' | 'late', GpgMember> = {} as never;
  const db = () => relay.runtime.database.dataSource;
  const auth = () => ({ Authorization: `Bearer ${token}` });
  const count = async (sql: string) => ((await db().query(sql)) as { n: number }[])[0].n;

  async function aGpgMember(email: string, expire?: string): Promise<GpgMember> {
    const fpr = await gpg.generateKey(email, expire ? { expire } : {});
    const { id } = await aMember(relay.app, {
      email,
      key: await gpg.exportPublic(fpr),
      organisation: `Distro ${email}`,
    });
    return { id, email, fpr };
  }

  /** `gpg --clearsign`ed text, as mutt sends it, over SMTP to -ack; then the pipeline and the queues run. */
  async function replySigned(signer: { email: string; fpr: string }, text: string, signedAt?: Date): Promise<void> {
    const clock = signedAt ? ['--faked-system-time', `${Math.floor(signedAt.getTime() / 1000)}!`] : [];
    const { stdout } = await gpg.must([...clock, '--local-user', signer.fpr, '--clearsign'], text);
    const raw = Buffer.from(
      `From: <${signer.email}>\r\nTo: ${ACK}\r\nSubject: Re: drill\r\nMessage-ID: <${randomUUID()}@example.net>\r\n` +
        `Date: ${new Date().toUTCString()}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
        stdout.toString('utf8').replace(/\r?\n/g, '\r\n'),
    );
    const transport = createTransport({ host: '127.0.0.1', port: relay.smtpPort, secure: false, ignoreTLS: true });
    try {
      await transport.sendMail({ envelope: { from: signer.email, to: [ACK] }, raw });
    } finally {
      transport.close();
    }
    await relay.settle();
  }

  const lastInbound = async () =>
    (
      (await db().query(`SELECT status, refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`)) as {
        status: string;
        refusal_code: string | null;
      }[]
    )[0];
  const report = async (n: number) => (await request(url).get(`/api/drills/${n}`).set(auth()).expect(200)).body;
  const row = (body: { participants: { memberId: string }[] }, who: GpgMember) =>
    body.participants.find((p) => p.memberId === who.id);

  beforeAll(async () => {
    relay = await startRelay();
    // The web app beside the relay on one runtime, as `cordon serve` runs them.
    const app = await createWebApp(relay.runtime);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    relay.runtime.settings.publicUrl = url;
    close = () => app.close();
    await gpg.importKey(await relay.app.get(ListKey).armoredPublicKey());
    // Enrolled over HTTP (password and TOTP): only an active maintainer's token opens the API.
    const web = { app, runtime: relay.runtime, settings: relay.runtime.settings, url, close };
    const { maintainer: lead } = await loginAgent(web);
    token = (await app.get(CreateApiToken).execute(lead.id, 'drill script')).token;
    people.a = await aGpgMember('sec@distro-a.example');
    // b's key expires in ten days, and its mail server refuses the drill.
    people.b = await aGpgMember('sec@distro-b.example', '10d');
    relay.sink.refuse(people.b.email, 550);
  }, 120_000);

  afterAll(async () => {
    await close?.();
    await relay?.close();
    await gpg.cleanup();
  });

  let number: number;
  let startedAt: Date;

  it('starts a drill by the API: each member gets its own copy, signed by the list key, saying how to answer', async () => {
    // A second between the members' keys and the drill, so that a signature can fall between them.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const started = await request(url).post('/api/drills').set(auth()).expect(201);
    startedAt = new Date(started.body.startedAt);
    number = started.body.number;
    expect(started.body).toMatchObject({ status: 'running', members: 2, answered: 0, answerRate: 0 });
    const before = relay.sink.received.length;
    await relay.settle();
    const sent = relay.sink.received.slice(before);
    expect(sent.map((m) => m.envelope.to[0])).toEqual([people.a.email]);
    const opened = await gpg.decrypt(armoredPart(sent[0].raw.toString('utf8')));
    expect(opened).toMatchObject({ decrypted: true, goodSignature: true });
    expect(opened.recipients).toHaveLength(1);
    const text = opened.plaintext.toString('utf8');
    expect(text).toContain(`fire drill ${number}`);
    expect(text).toContain(`Drill ${number} received`);
    expect(text).toContain(`${url}/member/drill`);
    expect(text).toContain('within 48 hours');
    // A second one while it runs is refused.
    const again = await request(url).post('/api/drills').set(auth()).expect(409);
    expect(again.body.detail).toMatch(/runs until/);
    const [audit] = (await db().query(`SELECT details FROM audit_entry WHERE action = 'drill.started'`)) as {
      details: Record<string, unknown>;
    }[];
    expect(audit.details).toMatchObject({ number, members: 2, sent: 2 });
  });

  it('reports the failed copy and the key near expiry', async () => {
    const body = await report(number);
    expect(row(body, people.a)).toMatchObject({ copy: 'sent', keyExpiresSoon: false, answeredAt: null });
    expect(row(body, people.b)).toMatchObject({ copy: 'failed', keyExpiresSoon: true, neverAnswered: false });
    expect((await request(url).get('/api/drills').set(auth()).expect(200)).body.drills).toEqual([
      expect.objectContaining({ number, members: 2, answered: 0 }),
    ]);
    await request(url).get('/api/drills/999').set(auth()).expect(404);
    await request(url).get(`/api/drills/${number}`).expect(401);
  });

  it('refuses answers for another drill, signed before it started, by a stranger, or by a member it was not sent to', async () => {
    const answersBefore = await count(`SELECT count(*)::int AS n FROM drill_participant WHERE answered_at IS NOT NULL`);
    await replySigned(people.a, `Drill ${number + 1} received`);
    expect(await lastInbound()).toEqual({ status: 'refused', refusal_code: 'UNKNOWN_DRILL' });
    // Signed by the member's own key, but in the second before the drill started.
    await replySigned(people.a, `Drill ${number} received`, new Date(startedAt.getTime() - 1000));
    expect(await lastInbound()).toEqual({ status: 'refused', refusal_code: 'UNKNOWN_DRILL' });
    const strangerFpr = await gpg.generateKey('someone@elsewhere.example');
    await replySigned({ email: 'someone@elsewhere.example', fpr: strangerFpr }, `Drill ${number} received`);
    expect((await lastInbound()).status).toBe('refused');
    people.late = await aGpgMember('sec@distro-late.example');
    await replySigned(people.late, `Drill ${number} received`);
    expect(await lastInbound()).toEqual({ status: 'refused', refusal_code: 'UNKNOWN_DRILL' });
    expect(await count(`SELECT count(*)::int AS n FROM drill_participant WHERE answered_at IS NOT NULL`)).toBe(
      answersBefore,
    );
    expect(await count(`SELECT count(*)::int AS n FROM audit_entry WHERE action = 'drill.answered'`)).toBe(0);
  });

  it('counts a gpg clearsigned "Drill <n> received" to -ack as the member’s answer, once', async () => {
    const before = relay.sink.received.length;
    await replySigned(people.a, `Hello,\n\nDrill ${number} received\n\n-- \nDistro A security`);
    expect(await lastInbound()).toEqual({ status: 'processed', refusal_code: null });
    const confirmation = relay.sink.received.slice(before);
    expect(confirmation.map((m) => m.envelope.to[0])).toEqual([people.a.email]);
    const opened = await gpg.decrypt(armoredPart(confirmation[0].raw.toString('utf8')));
    expect(opened.plaintext.toString('utf8')).toContain(`Recorded: you answered fire drill ${number}`);
    const body = await report(number);
    expect(row(body, people.a)).toMatchObject({ answeredVia: 'signed_mail' });
    expect(body).toMatchObject({ members: 2, answered: 1, answerRate: 0.5 });
    const [audit] = (await db().query(`SELECT actor, details FROM audit_entry WHERE action = 'drill.answered'`)) as {
      actor: string;
      details: Record<string, unknown>;
    }[];
    expect(audit).toEqual({
      actor: `member:${people.a.id}`,
      details: { number, memberId: people.a.id, via: 'signed_mail' },
    });
    // Answering again (by the button) keeps the first answer.
    const again = await relay.app.get(AnswerDrill).execute(people.a.id, number, 'self_service');
    expect(again).toMatchObject({ answered: 'before', via: 'signed_mail' });
  });

  it('shows the last drill’s answer rate and size in /metrics', async () => {
    const metrics = (await request(url).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^cordon_drill_answer_rate 0\.5$/m);
    expect(metrics).toMatch(/^cordon_drill_members 2$/m);
  });

  it('once the drill ended, refuses a late answer and lists who never answered', async () => {
    const later = new Date(Date.now() + 3 * DAY);
    await expect(relay.app.get(AnswerDrill).execute(people.b.id, number, 'self_service', later)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const ended = await relay.app.get(DrillReports).get(number, later);
    expect(ended.status).toBe('ended');
    expect(ended.participants.find((p) => p.memberId === people.b.id)).toMatchObject({ neverAnswered: true });
    expect(ended.participants.find((p) => p.memberId === people.a.id)).toMatchObject({ neverAnswered: false });
    expect(ended.answered).toBe(1);
  });
});
