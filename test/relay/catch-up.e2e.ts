/**
 * Catch-up (README, "Catch-up"; issue 14): a member that becomes eligible while an embargo runs
 * gets the embargo's earlier posts, sealed to it alone and marked as catch-up, once per post,
 * member and key: when it joins, when it replaces its key, when it enters the embargo's audience,
 * when it is reinstated, a member answer released to the list too; when it acknowledges the
 * policy, the copies held for it are released instead, never doubled. A member outside the audience gets none, and nobody gets any once the
 * embargo has ended. The posts' stored messages are kept while the embargo runs, whatever
 * INBOUND_RETENTION_DAYS says. Real SMTP ingress, real gpg on both ends.
 */
import { simpleParser } from 'mailparser';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readKey } from 'openpgp';
import { Secret, TOTP } from 'otpauth';
import { ListKey } from '@cordon/crypto';
import { ChangeEmbargo } from '@cordon/embargo';
import { CompleteEnrolment, ConfirmTotpEnrolment, StartTotpEnrolment } from '@cordon/maintainers';
import { ChangeMemberStatus, ConfirmMemberKey, ProposeMemberKey, SetMemberProducts } from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { CatchUp, InboundRetention, MemberAnswersModule, ReleaseMemberAnswer } from '@cordon/relay';
import { coreModules, Runtime } from '@cordon/runtime';
import { domainBeside } from '../support/domain-context';
import { aMaintainer, aMember } from '../support/factories';
import { GpgHome, Opened } from '../support/gpg';
import { anOpenpgpKey } from '../support/keys';
import { gpgPost } from '../support/client-mail';
import { mailTo, postToList } from '../support/list-post';
import { armoredPart, linkIn } from '../support/mailbox';
import { RunningRelay, startRelay } from '../support/relay-app';

const LIST = 'distributors@example.org';
const MAINTAINER = 'lead@project.example';
const DAY_MS = 86_400_000;

/** The maintainers' side of members' answers (the web app's), on the relay's runtime; never closed on its own. */
@Module({})
class AnswersBeside {
  static forRuntime(runtime: Runtime): DynamicModule {
    return { module: AnswersBeside, imports: [...coreModules(runtime), MemberAnswersModule] };
  }
}

interface Person {
  id: string;
  email: string;
  gpg: GpgHome;
  fingerprint: string;
}

describe('catch-up: the earlier posts of a running embargo, for a member that becomes eligible', () => {
  let relay: RunningRelay;
  let maintainer: Person;
  let early: Person; // a member from the start
  let joiner: Person; // joins once the embargo has posts
  let late: Person; // a member from the start that has not acknowledged: its copies are held
  let listFpr: string;
  let listArmored: string;
  let domain: INestApplicationContext; // the maintainers' and members' libs beside the relay
  let enrolmentToken: string;
  let embargo: { id: string; number: number };
  let narrow: { id: string; number: number }; // an embargo whose audience ships libbar: nobody, at first
  const db = () => relay.runtime.database.dataSource;
  const catchUp = () => relay.app.get(CatchUp);
  const received = new Map<string, number>(); // how many sink messages of each address were read
  const homes: GpgHome[] = []; // keys given up, to clean up too

  async function person(email: string): Promise<Person> {
    const gpg = GpgHome.create();
    const fingerprint = await gpg.generateKey(email);
    await gpg.importKey(listArmored);
    return { id: '', email, gpg, fingerprint };
  }

  async function join(p: Person, acknowledged = true) {
    const key = await p.gpg.exportPublic(p.fingerprint);
    p.id = (await aMember(relay.app, { email: p.email, key, acknowledged })).id;
  }

  async function post(subject: string, text: string): Promise<void> {
    const poster = { ...maintainer, name: 'Lea Lead' };
    await postToList(relay.smtpPort, { maintainer: poster, list: LIST, listFingerprint: listFpr, subject, text });
    await relay.settle();
  }

  /** The mail the sink got for this member since last asked, each as its gpg opens it. */
  async function newMailOf(p: Person, gpg = p.gpg): Promise<(Opened & { subject: string; raw: string })[]> {
    const all = relay.sink.to(p.email);
    const fresh = all.slice(received.get(p.email) ?? 0);
    received.set(p.email, all.length);
    return Promise.all(
      fresh.map(async (mail) => {
        const raw = mail.raw.toString('utf8');
        const opened = await gpg.decrypt(armoredPart(raw));
        expect(opened.decrypted).toBe(true);
        return { ...opened, subject: (await simpleParser(opened.plaintext)).subject ?? '', raw };
      }),
    );
  }

  const caughtUp = async (member: Person) =>
    (await db().query(`SELECT post_id, key_fingerprint FROM post_catch_up WHERE member_id = $1 ORDER BY created_at`, [
      member.id,
    ])) as { post_id: string; key_fingerprint: string }[];

  beforeAll(async () => {
    relay = await startRelay();
    listArmored = await relay.app.get(ListKey).armoredPublicKey();
    listFpr = (await readKey({ armoredKey: listArmored })).getFingerprint().toUpperCase();
    [maintainer, early, joiner, late] = await Promise.all([
      person(MAINTAINER),
      person('sec@early.example'),
      person('sec@joiner.example'),
      person('sec@late.example'),
    ]);
    const key = await maintainer.gpg.exportPublic(maintainer.fingerprint);
    domain = await domainBeside(relay.runtime);
    const added = await aMaintainer(domain, { email: MAINTAINER, key });
    maintainer.id = added.maintainerId;
    enrolmentToken = added.enrolmentUrl.split('/').pop()!;
    await join(early);
    await join(late, false);
    const publicAt = new Date(Date.now() + 7 * DAY_MS).toISOString().slice(0, 16);
    const embargoes = relay.app.get(ChangeEmbargo);
    embargo = await embargoes.create(
      { title: 'Overflow in libfoo', cveIds: ['CVE-2026-4242'], publicAt, timeZone: 'UTC', acceptNonWorkingDay: true },
      maintainer.id,
    );
    narrow = await embargoes.create(
      {
        title: 'Leak in libbar',
        cveIds: [],
        publicAt,
        timeZone: 'UTC',
        products: 'libbar',
        audienceMode: 'products',
        acceptNonWorkingDay: true,
      },
      maintainer.id,
    );
    await post(`[EMB-${embargo.number}] Overflow in libfoo: the report`, 'first: the report');
    await post(`Re: [EMB-${embargo.number}] Overflow in libfoo: the patch`, 'second: the patch');
    await post(`[EMB-${narrow.number}] Leak in libbar`, 'for libbar shippers only');
    expect((await newMailOf(early)).map((m) => m.subject)).toHaveLength(2);
  });

  afterAll(async () => {
    await relay?.close();
    for (const p of [maintainer, early, joiner, late]) await p?.gpg.cleanup();
    for (const home of homes) await home.cleanup();
  });

  it('sends a member that joins mid-embargo the earlier posts, once each, sealed to it alone and marked', async () => {
    await join(joiner);
    // The member that had its copies from the start gets nothing more.
    expect(await catchUp().runOnce()).toBe(2);
    await relay.settle();
    // The delivery worker sends in no fixed order.
    const copies = (await newMailOf(joiner)).sort((a, b) => a.subject.length - b.subject.length);
    expect(copies.map((m) => m.subject)).toEqual([
      `[catch-up] [EMB-${embargo.number}] Overflow in libfoo: the report`,
      `[catch-up] Re: [EMB-${embargo.number}] Overflow in libfoo: the patch`,
    ]);
    for (const copy of copies) {
      expect(copy.recipients).toHaveLength(1);
      expect(copy.goodSignature).toBe(true);
      expect(copy.signerFingerprint).toBe(listFpr);
      expect(copy.raw).toMatch(/^Subject: \.\.\.$/m);
      expect(copy.raw).not.toMatch(/libfoo|catch-up|CVE-2026-4242/i);
      const inner = copy.plaintext.toString('utf8');
      expect(inner).toMatch(/^Embargo-Catch-Up: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
      expect(inner).toMatch(new RegExp(`^Embargo-ID: EMB-${embargo.number} ${embargo.id}$`, 'm'));
      expect(inner).toMatch(/^Embargo-CVE: CVE-2026-4242$/m);
      expect(inner).toContain('This is a catch-up copy of a post first sent to the list at ');
    }
    expect(copies[0].plaintext.toString('utf8')).toContain('first: the report');
    expect(copies[1].plaintext.toString('utf8')).toContain('second: the patch');
    expect(await newMailOf(early)).toEqual([]);

    // Run again: nothing new.
    expect(await catchUp().runOnce()).toBe(0);
    await relay.settle();
    expect(await newMailOf(joiner)).toEqual([]);
    const [audited] = (await db().query(
      `SELECT details FROM audit_entry WHERE action = 'post.caught_up' ORDER BY seq LIMIT 1`,
    )) as { details: { embargoId: string; copies: { memberId: string }[] } }[];
    expect(audited.details).toMatchObject({ embargoId: embargo.id, copies: [{ memberId: joiner.id }] });
  });

  it('releases the copies held for a member that acknowledges, and sends it no catch-up on top', async () => {
    expect(await catchUp().runOnce()).toBe(0); // held for it, not caught up: it has not acknowledged
    const policies = relay.app.get(Policies);
    await db().transaction(async (manager) =>
      policies.acknowledge(manager, late.id, await policies.current(manager), 'self_service', `member:${late.id}`),
    );
    expect(await catchUp().runOnce()).toBe(0);
    await relay.settle();
    const copies = await newMailOf(late);
    expect(copies.map((m) => m.subject).sort()).toEqual([
      `Re: [EMB-${embargo.number}] Overflow in libfoo: the patch`,
      `[EMB-${embargo.number}] Overflow in libfoo: the report`,
    ]);
    expect(await caughtUp(late)).toEqual([]);
  });

  it('catches a member up again on a key it replaces its key with, encrypted to that key alone', async () => {
    const oldKey = joiner.gpg;
    joiner.gpg = GpgHome.create();
    homes.push(oldKey);
    const newFpr = await joiner.gpg.generateKey(joiner.email);
    await joiner.gpg.importKey(listArmored);
    await relay.app.get(ProposeMemberKey).execute(joiner.id, await joiner.gpg.exportPublic(newFpr));
    await relay.settle();
    const [proof] = await newMailOf(joiner);
    const link = linkIn((await simpleParser(proof.plaintext)).text ?? '', '/member/key/confirm/');
    await relay.app.get(ConfirmMemberKey).execute(link.slice(link.indexOf('/confirm/') + '/confirm/'.length));
    await relay.settle();
    expect(await newMailOf(joiner, oldKey)).toHaveLength(1); // the old key is told it was replaced

    expect(await catchUp().runOnce()).toBe(2);
    await relay.settle();
    const copies = await newMailOf(joiner);
    expect(copies.map((m) => m.subject).sort()).toEqual([
      `[catch-up] Re: [EMB-${embargo.number}] Overflow in libfoo: the patch`,
      `[catch-up] [EMB-${embargo.number}] Overflow in libfoo: the report`,
    ]);
    const newKey = await readKey({ armoredKey: await joiner.gpg.exportPublic(newFpr) });
    const newKeyIds = [newKey, ...newKey.subkeys].map((k) => k.getKeyID().toHex().toUpperCase());
    for (const copy of copies) {
      expect(copy.recipients).toHaveLength(1);
      expect(newKeyIds).toContain(copy.recipients[0].toUpperCase());
      expect((await oldKey.decrypt(armoredPart(copy.raw))).decrypted).toBe(false);
    }
    expect((await caughtUp(joiner)).map((row) => row.key_fingerprint)).toEqual([
      joiner.fingerprint,
      joiner.fingerprint,
      newFpr,
      newFpr,
    ]);
    expect(await catchUp().runOnce()).toBe(0);
  });

  it('sends nothing to a member outside the audience, and catches it up once it enters it', async () => {
    const narrowPost = (await db().query(`SELECT id FROM post WHERE embargo_id = $1`, [narrow.id])) as { id: string }[];
    expect(narrowPost).toHaveLength(1);
    const caughtUpOnNarrow = async () =>
      (await db().query(`SELECT member_id FROM post_catch_up WHERE post_id = $1`, [narrowPost[0].id])) as {
        member_id: string;
      }[];
    expect(await caughtUpOnNarrow()).toEqual([]);
    expect(await newMailOf(early)).toEqual([]);

    await relay.app.get(SetMemberProducts).execute(early.id, ['libbar'], `member:${early.id}`);
    expect(await catchUp().runOnce()).toBe(1);
    await relay.settle();
    expect((await newMailOf(early)).map((m) => m.subject)).toEqual([
      `[catch-up] [EMB-${narrow.number}] Leak in libbar`,
    ]);
    expect(await caughtUpOnNarrow()).toEqual([{ member_id: early.id }]);
    expect(await newMailOf(joiner)).toEqual([]);
  });

  it('catches up a reinstated member on what was posted while it was suspended', async () => {
    const status = relay.app.get(ChangeMemberStatus);
    await status.execute(early.id, 'suspend', 'a test', maintainer.id);
    await post(`[EMB-${embargo.number}] Overflow in libfoo: the advisory draft`, 'third: the draft');
    await relay.settle();
    await newMailOf(early); // the notice of its suspension: read past it
    expect(await catchUp().runOnce()).toBe(0);
    await status.execute(early.id, 'reinstate', 'a test', maintainer.id);
    expect(await catchUp().runOnce()).toBe(1);
    await relay.settle();
    const subjects = (await newMailOf(early)).map((m) => m.subject);
    expect(subjects).toContain(`[catch-up] [EMB-${embargo.number}] Overflow in libfoo: the advisory draft`);
    expect(subjects.filter((subject) => subject.startsWith('[catch-up]'))).toHaveLength(1);
  });

  it('catches a member up on a member answer the maintainers released, made from its sealed text', async () => {
    const status = relay.app.get(ChangeMemberStatus);
    await status.execute(late.id, 'suspend', 'a test', maintainer.id);
    const answer = await gpgPost({
      from: { name: 'Early', address: early.email },
      to: LIST,
      subject: `[EMB-${embargo.number}] Re: the patch`,
      text: 'tested the fix on early',
      gpg: early.gpg,
      signerFingerprint: early.fingerprint,
      listFingerprint: listFpr,
    });
    await mailTo(relay.smtpPort, answer, early.email, LIST);
    await relay.settle();
    // Releasing takes an active maintainer: one that enrolled (password, then TOTP), as on the web.
    await domain.get(CompleteEnrolment).execute(enrolmentToken, 'correct horse battery staple');
    const { secret } = await domain.get(StartTotpEnrolment).execute(maintainer.id);
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    await domain.get(ConfirmTotpEnrolment).execute(maintainer.id, totp.generate(), '192.0.2.10');
    const [stored] = (await db().query(`SELECT id FROM member_answer ORDER BY created_at DESC LIMIT 1`)) as {
      id: string;
    }[];
    const answers = await NestFactory.createApplicationContext(AnswersBeside.forRuntime(relay.runtime), {
      logger: false,
    });
    await answers.get(ReleaseMemberAnswer).execute(stored.id, maintainer.id);
    await relay.settle();
    await newMailOf(late); // told of its suspension: read past it
    await status.execute(late.id, 'reinstate', 'a test', maintainer.id);
    expect(await catchUp().runOnce()).toBe(1);
    await relay.settle();
    const copy = (await newMailOf(late)).find((m) => m.subject.startsWith('[catch-up]'))!;
    expect(copy.subject).toBe(`[catch-up] [EMB-${embargo.number}] Re: the patch`);
    expect(copy.goodSignature).toBe(true);
    const inner = copy.plaintext.toString('utf8');
    expect(inner).toContain('(answer from a member)');
    expect(inner).toContain('tested the fix on early');
    expect(inner).toMatch(/^Embargo-Catch-Up: /m);
  });

  it("keeps the posts' stored messages while the embargo runs, and erases them on schedule once it has ended", async () => {
    const retention = relay.app.get(InboundRetention);
    const storedRaw = async () =>
      (await db().query(
        `SELECT count(*)::int AS n FROM inbound_message i
         WHERE i.raw_erased_at IS NULL AND i.id IN (SELECT inbound_message_id FROM post WHERE embargo_id = $1)`,
        [embargo.id],
      )) as { n: number }[];
    const monthLater = new Date(Date.now() + 30 * DAY_MS);
    await retention.runOnce(monthLater);
    expect(await storedRaw()).toEqual([{ n: 4 }]); // three posts and the released answer

    await relay.app.get(ChangeEmbargo).lift(embargo.id, maintainer.id);
    // Once the embargo has ended, nobody is caught up on it, not even a member that joins now.
    const key = await anOpenpgpKey('sec@after.example');
    await aMember(relay.app, { email: 'sec@after.example', key: key.publicKey });
    expect(await catchUp().runOnce()).toBe(0);

    expect(await retention.runOnce(new Date())).toBe(0); // not due yet by INBOUND_RETENTION_DAYS
    expect(await retention.runOnce(monthLater)).toBeGreaterThanOrEqual(4);
    expect(await storedRaw()).toEqual([{ n: 0 }]);
  });
});
