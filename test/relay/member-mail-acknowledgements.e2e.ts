/**
 * Mail members send (issue 5), over the real SMTP ingress, opened by the relay and checked with
 * real GnuPG peers: a signed acknowledgement to -ack (clearsigned, PGP/MIME signed, or signed and
 * encrypted, as gpg makes them) counts and releases the member's held list mail, while forged ones
 * record nothing; and a member's signed, encrypted answer reaches the maintainers only, until one
 * of them releases it to the list (to the members who have acknowledged) from the admin UI, once.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { InboundProcessor } from '@cordon/relay';
import { Agent, MaintainerAccount } from '../support/admin-login';
import { csrfFrom } from '../support/forms';
import { GpgHome } from '../support/gpg';
import { RunningRelay } from '../support/relay-app';
import { RunningWebApp } from '../support/web-app';
import { LIST, ACK, OWNER, Person, statement, memberMailWorld } from '../support/member-mail-world';

describe('mail from members', () => {
  const world = memberMailWorld();
  const {
    maintainers,
    people,
    db,
    home,
    lastInbound,
    headerBlock,
    signedEncrypted,
    heldRow,
    acknowledgedVersion,
    aGpgMember,
    send,
    sendAndSettle,
    clearsigned,
    pgpMimeSigned,
    decryptFor,
    allText,
  } = world;
  let relay: RunningRelay;
  let web: RunningWebApp;
  let agent: Agent;
  let lead: MaintainerAccount;
  let embargo: { id: string; number: number };
  let heldPost: { id: string; secret: string };

  beforeAll(() => {
    ({ relay, web, agent, lead, embargo, heldPost } = world.state());
  });

  describe('a signed acknowledgement to -ack', () => {
    async function expectAcknowledgedAndReleased(member: Person, raw: Buffer) {
      await send(raw, member.email, ACK);
      await relay.app.get(InboundProcessor).drain();
      // Released by the acknowledgement itself: the held copy is due now.
      expect(await heldRow(member)).toBe('pending');
      expect(await acknowledgedVersion(member)).toBe(1);
      const acks = (await db().query(`SELECT policy_version, how FROM policy_acknowledgement WHERE member_id = $1`, [
        member.id,
      ])) as { policy_version: number; how: string }[];
      expect(acks).toEqual([{ policy_version: 1, how: 'signed_mail' }]);
      const [audit] = (await db().query(
        `SELECT actor, details FROM audit_entry WHERE action = 'policy.acknowledged' AND subject = $1`,
        [`member:${member.id}`],
      )) as { actor: string; details: { how: string } }[];
      expect(audit).toMatchObject({ actor: `member:${member.id}`, details: { how: 'signed_mail' } });
      expect((await lastInbound()).status).toBe('processed');

      const before = relay.sink.received.length;
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      expect(sent.map((m) => m.envelope.to[0])).toEqual([member.email, member.email]);
      const texts = await Promise.all(sent.map(async (m) => allText(await decryptFor(member.gpg, m))));
      // The held list mail, and the confirmation.
      expect(texts.some((t) => t.includes(heldPost.secret))).toBe(true);
      expect(texts.some((t) => /Recorded: you acknowledged version 1/.test(t))).toBe(true);
      expect(await heldRow(member)).toBe('sent');
    }

    it('counts a gpg clearsigned statement and releases the member’s held mail', async () => {
      const c = people.c;
      await expectAcknowledgedAndReleased(c, await clearsigned(c, c.email, ACK, 'Acknowledgement', statement(1)));
    });

    it('counts a PGP/MIME signed statement made by gpg', async () => {
      const d = people.d;
      await expectAcknowledgedAndReleased(d, await pgpMimeSigned(d, ACK, 'Acknowledgement', statement(1)));
    });

    it('counts a statement signed and encrypted to the list key by gpg', async () => {
      const e = people.e;
      await expectAcknowledgedAndReleased(e, await signedEncrypted(e, ACK, 'Acknowledgement', statement(1)));
    });

    describe('forged or stale, it is refused and records nothing', () => {
      const f = () => people.f;
      let stranger: { gpg: GpgHome; fpr: string };

      beforeAll(async () => {
        const gpg = home();
        // A key made by someone else, with the member's own address in its user ID.
        stranger = { gpg, fpr: await gpg.generateKey(f().email, { userId: `Distro F Security <${f().email}>` }) };
      });

      async function expectRefused(raw: Buffer, sender: string, code: string) {
        const acksBefore = (await db().query(`SELECT count(*)::int AS n FROM policy_acknowledgement`)) as {
          n: number;
        }[];
        const signedBefore = (await db().query(`SELECT count(*)::int AS n FROM member_signed_mail`)) as {
          n: number;
        }[];
        const sent = await sendAndSettle(raw, sender, ACK);
        expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: code });
        const [audit] = (await db().query(
          `SELECT details FROM audit_entry WHERE action = 'member_mail.refused' ORDER BY seq DESC LIMIT 1`,
        )) as { details: { code: string; kind: string } }[];
        expect(audit.details).toMatchObject({ code, kind: 'ack' });
        expect(await db().query(`SELECT count(*)::int AS n FROM policy_acknowledgement`)).toEqual(acksBefore);
        expect(await db().query(`SELECT count(*)::int AS n FROM member_signed_mail`)).toEqual(signedBefore);
        expect(await acknowledgedVersion(f())).toBeNull();
        expect(await heldRow(f())).toBe('held');
        // Nothing to anyone but, at most, a note to the member whose address was used.
        for (const m of sent) expect(m.envelope.to[0]).toBe(sender);
        return sent;
      }

      it('refuses a statement signed by another key with the member’s From, and notes it to the member once a day', async () => {
        const forged = () => clearsigned(stranger, f().email, ACK, 'Acknowledgement', statement(1));
        const first = await expectRefused(await forged(), f().email, 'SIGNER_UNKNOWN');
        expect(first).toHaveLength(1);
        const note = await allText(await decryptFor(f().gpg, first[0]));
        expect(note).toMatch(/was not accepted, and nothing was recorded/);
        expect(note).toContain(statement(1).slice(0, -1));
        expect(await expectRefused(await forged(), f().email, 'SIGNER_UNKNOWN')).toHaveLength(0);
      });

      it('refuses an unsigned statement', async () => {
        const raw = Buffer.from(
          `${headerBlock(f().email, ACK, 'Acknowledgement')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${statement(1)}\r\n`,
        );
        await expectRefused(raw, f().email, 'UNSIGNED');
      });

      it('refuses a signed message that is not a statement about this policy version', async () => {
        await expectRefused(
          await clearsigned(f(), f().email, ACK, 'patch', 'Here is the patch we discussed on the public list.'),
          f().email,
          'NOT_A_STATEMENT',
        );
      });

      it('refuses a statement signed by a member key revoked since, even one read before', async () => {
        const g = await aGpgMember('sec@distro-g.example', false);
        // A first message makes the relay read (and keep) the key as it was.
        await sendAndSettle(await clearsigned(g, g.email, ACK, 'hello', 'Hello.'), g.email, ACK);
        expect((await lastInbound()).refusal_code).toBe('NOT_A_STATEMENT');
        const signedBeforeRevocation = await clearsigned(g, g.email, ACK, 'Acknowledgement', statement(1));
        await g.gpg.revoke(g.fpr);
        await db().query(`UPDATE member SET key_armored = $2 WHERE id = $1`, [g.id, await g.gpg.exportPublic(g.fpr)]);
        await sendAndSettle(signedBeforeRevocation, g.email, ACK);
        expect(await lastInbound()).toMatchObject({ status: 'refused', refusal_code: 'BAD_SIGNATURE' });
        expect(await acknowledgedVersion(g)).toBeNull();
        expect(await db().query(`SELECT 1 FROM member_signed_mail WHERE member_id = $1`, [g.id])).toEqual([]);
        await db().query(`UPDATE member SET status = 'removed' WHERE id = $1`, [g.id]);
      });

      it('refuses a signature used before (a replay), and one by a stranger that is not a member at all', async () => {
        const c = people.c;
        const original = await clearsigned(c, c.email, ACK, 'Acknowledgement', statement(1));
        await sendAndSettle(original, c.email, ACK);
        expect((await lastInbound()).status).toBe('processed');
        await expectRefused(original, f().email, 'REPLAYED');
        const outsider = home();
        const fpr = await outsider.generateKey('someone@outside.example');
        await expectRefused(
          await clearsigned({ gpg: outsider, fpr }, 'someone@outside.example', ACK, 'ack', statement(1)),
          'someone@outside.example',
          'SIGNER_UNKNOWN',
        );
      });
    });
  });

  describe('a member’s signed, encrypted answer', () => {
    let answerId: string;
    const secret = `tested the fix on distro A ${randomUUID()}`;

    it('goes to each maintainer, re-encrypted to each, and to no member', async () => {
      const subject = `[EMB-${embargo.number}] Re: Advisory`;
      const sent = await sendAndSettle(await signedEncrypted(people.a, LIST, subject, secret), people.a.email, LIST);
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual(maintainers.map((m) => m.email).sort());
      for (const m of sent) expect(m.raw.toString('latin1')).not.toContain(secret);
      for (const maintainer of maintainers) {
        const copy = sent.find((m) => m.envelope.to[0] === maintainer.email)!;
        const text = await allText(await decryptFor(maintainer.gpg, copy));
        expect(text).toContain(secret);
        expect(text).toContain(people.a.organisation);
        expect(text).toContain(`EMB-${embargo.number}`);
      }
      expect((await lastInbound()).status).toBe('processed');
      const [answer] = (await db().query(
        `SELECT id, member_id, embargo_id, released_at, subject_sealed FROM member_answer ORDER BY created_at DESC LIMIT 1`,
      )) as { id: string; member_id: string; embargo_id: string; released_at: Date | null; subject_sealed: string }[];
      expect(answer).toMatchObject({ member_id: people.a.id, embargo_id: embargo.id, released_at: null });
      expect(answer.subject_sealed).not.toContain('Advisory');
      answerId = answer.id;
      // Not a post: nothing was queued for the members.
      expect(await db().query(`SELECT count(*)::int AS n FROM post`)).toEqual([{ n: 1 }]);
    });

    it('to -owner, is kept as an answer too, rather than only forwarded', async () => {
      const sent = await sendAndSettle(
        await signedEncrypted(people.b, OWNER, 'Question <b>about</b> the date', `b asks ${randomUUID()}`),
        people.b.email,
        OWNER,
      );
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual(maintainers.map((m) => m.email).sort());
      const [answer] = (await db().query(
        `SELECT member_id, embargo_id FROM member_answer ORDER BY created_at DESC LIMIT 1`,
      )) as { member_id: string; embargo_id: string | null }[];
      expect(answer).toEqual({ member_id: people.b.id, embargo_id: null });
    });

    it('is listed and shown to maintainers, and released to the list once', async () => {
      const list = await agent.get('/admin/answers').expect(200);
      expect(list.text).toContain(people.a.organisation);
      expect(list.text).toContain(`EMB-${embargo.number}`);
      expect(list.text).toContain('not released');
      // Subjects are the members' text: escaped.
      expect(list.text).toContain('Question &lt;b&gt;about&lt;/b&gt; the date');
      expect(list.text).not.toContain('<b>about</b>');
      const page = await agent.get(`/admin/answers/${answerId}`).expect(200);
      expect(page.text).toContain(secret);
      expect(page.text).toContain('Release to the list');
      await request(web.url).get(`/admin/answers/${answerId}`).expect(303);
      // No CSRF token, no release.
      await agent.post(`/admin/answers/${answerId}/release`).type('form').send({}).expect(403);

      const before = relay.sink.received.length;
      await agent
        .post(`/admin/answers/${answerId}/release`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(303);
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      const eligible = [people.a, people.b, people.c, people.d, people.e];
      const copies = sent.filter((m) => !/Your answer was released/.test(m.raw.toString('latin1')));
      for (const member of eligible) {
        const theirs = sent.filter((m) => m.envelope.to[0] === member.email);
        const texts = await Promise.all(theirs.map(async (m) => allText(await decryptFor(member.gpg, m))));
        const listCopies = texts.filter((t) => t.includes(secret));
        expect(listCopies).toHaveLength(1);
        expect(listCopies[0]).toContain('(answer from a member)');
      }
      expect(copies.every((m) => m.envelope.to.length === 1)).toBe(true);
      // f has not acknowledged the policy: its copy is held; maintainers get no list copy.
      const [row] = (await db().query(`SELECT released_by, released_post_id FROM member_answer WHERE id = $1`, [
        answerId,
      ])) as { released_by: string; released_post_id: string }[];
      expect(row.released_by).toBe(lead.id);
      const deliveries = (await db().query(
        `SELECT member_id, status FROM post_delivery WHERE post_id = $1 ORDER BY member_id`,
        [row.released_post_id],
      )) as { member_id: string; status: string }[];
      expect(deliveries.find((d) => d.member_id === people.f.id)?.status).toBe('held');
      expect(deliveries.filter((d) => d.status === 'sent')).toHaveLength(eligible.length);
      expect(sent.some((m) => maintainers.some((x) => x.email === m.envelope.to[0]))).toBe(false);
      const [audit] = (await db().query(
        `SELECT actor FROM audit_entry WHERE action = 'member_answer.released' AND subject = $1`,
        [`member_answer:${answerId}`],
      )) as { actor: string }[];
      expect(audit.actor).toBe(`maintainer:${lead.id}`);

      // A second release is refused, and sends nothing.
      const again = await agent.get(`/admin/answers/${answerId}`).expect(200);
      expect(again.text).not.toContain('Release to the list</button>');
      const second = relay.sink.received.length;
      const refused = await agent
        .post(`/admin/answers/${answerId}/release`)
        .type('form')
        .send({ _csrf: csrfFrom(again.text) });
      expect(refused.status).toBe(409);
      await relay.settle();
      expect(relay.sink.received.length).toBe(second);
      expect(
        await db().query(
          `SELECT count(*)::int AS n FROM post WHERE inbound_message_id = (
          SELECT inbound_message_id FROM member_answer WHERE id = $1)`,
          [answerId],
        ),
      ).toEqual([{ n: 1 }]);
    });
  });
});
