/**
 * The encrypted relay refuses what is not a maintainer's signed, encrypted post, and a message
 * the pipeline fails on is retried, then refused, while the messages after it go on.
 */
import { randomUUID } from 'node:crypto';
import { MAX_INBOUND_ATTEMPTS } from '../../libs/relay/src/pipeline/inbound-processor';
import { OpenStage } from '../../libs/relay/src/stages';
import { anOpenpgpKey } from '../support/keys';
import { plaintextPost, signedByStranger, thunderbirdPost, unsignedEncrypted } from '../support/client-mail';
import { relayWorld } from '../support/relay-world';
import { RunningRelay } from '../support/relay-app';
import { PrivateKey, PublicKey } from 'openpgp';

describe('the encrypted relay: refusals', () => {
  const world = relayWorld();
  const { members, maintainerEmails, db, send, opts, relayPost } = world;
  let relay: RunningRelay;
  let listKey: PublicKey;
  let maintainerJs: PrivateKey;
  beforeAll(() => {
    ({ relay, listKey, maintainerJs } = world.state());
  });

  describe('refusals: nothing relayed, the maintainers told without content, the audit log records it', () => {
    it.each([
      ['a plaintext post', async (s: string, b: string) => plaintextPost(opts(s, b)), 'NOT_ENCRYPTED'],
      [
        'an unsigned encrypted post',
        async (s: string, b: string) => unsignedEncrypted({ ...opts(s, b), listKey }),
        'UNSIGNED',
      ],
      [
        'a post signed by a stranger',
        async (s: string, b: string) =>
          signedByStranger({
            ...opts(s, b),
            listKey,
            stranger: (await anOpenpgpKey('stranger@evil.example')).privateKey,
          }),
        'SIGNER_NOT_MAINTAINER',
      ],
    ])('refuses %s', async (_name, make, code) => {
      const subject = `Refuse me ${randomUUID().slice(0, 8)}`;
      const body = `secret ${randomUUID()}`;
      const before = relay.sink.received.length;
      await send(await make(subject, body));
      await relay.settle();
      const sent = relay.sink.received.slice(before);
      // Only the maintainers' refusal reports went out: none to a member.
      expect(sent.map((m) => m.envelope.to[0]).sort()).toEqual([...maintainerEmails].sort());
      for (const m of sent) {
        expect(m.raw.toString('latin1')).not.toContain(subject);
        expect(m.raw.toString('latin1')).not.toContain(body);
      }
      const [row] = await db().query(
        `SELECT status, refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`,
      );
      expect(row).toEqual({ status: 'refused', refusal_code: code });
      const [audit] = await db().query(
        `SELECT details FROM audit_entry WHERE action = 'post.refused' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audit.details.code).toBe(code);
    });

    it('refuses a replay of a post already relayed', async () => {
      const subject = `Once only ${randomUUID().slice(0, 8)}`;
      const raw = await thunderbirdPost({ ...opts(subject, 'once'), signer: maintainerJs, listKey });
      const first = await relayPost(raw, subject);
      expect(first.copies.length).toBeGreaterThanOrEqual(members.length);
      const before = relay.sink.received.length;
      await send(raw);
      await relay.settle();
      const again = relay.sink.received.slice(before).map((m) => m.envelope.to[0]);
      expect(again.filter((to) => members.some((m) => m.email === to))).toEqual([]);
      const [row] = await db().query(`SELECT refusal_code FROM inbound_message ORDER BY received_at DESC LIMIT 1`);
      expect(row.refusal_code).toBe('REPLAYED');
    });
  });

  describe('a message the pipeline fails on', () => {
    afterEach(() => jest.restoreAllMocks());
    const failOnce = () =>
      jest.spyOn(OpenStage.prototype, 'run').mockImplementationOnce(() => Promise.reject(new Error('pipeline bug')));

    it('is left to its lease while the messages after it go on, and refused after five failed tries', async () => {
      const poison = await thunderbirdPost({
        ...opts(`Poison ${randomUUID().slice(0, 8)}`, 'p'),
        signer: maintainerJs,
        listKey,
      });
      const goodSubject = `After the poison ${randomUUID().slice(0, 8)}`;
      const good = await thunderbirdPost({ ...opts(goodSubject, 'fine'), signer: maintainerJs, listKey });
      failOnce();
      await send(poison);
      const before = relay.sink.received.length;
      await send(good);
      await relay.settle();
      // The good post, stored after the one that failed, was relayed in the same run.
      const relayed = relay.sink.received.slice(before).map((m) => m.envelope.to[0]);
      expect(relayed).toEqual(expect.arrayContaining(members.map((m) => m.email)));
      const [stuck] = await db().query(
        `SELECT id, status, attempts FROM inbound_message WHERE status NOT IN ('processed', 'refused')`,
      );
      expect(stuck).toMatchObject({ status: 'processing', attempts: 1 });

      // It fails four more times, each after its lease ran out; the sixth claim refuses it.
      const expire = () =>
        db().query(`UPDATE inbound_message SET lease_until = now() - interval '1 second' WHERE id = $1`, [stuck.id]);
      for (let attempt = 2; attempt <= MAX_INBOUND_ATTEMPTS; attempt++) {
        failOnce();
        await expire();
        await relay.settle();
        const [row] = await db().query(`SELECT status, attempts FROM inbound_message WHERE id = $1`, [stuck.id]);
        expect(row).toEqual({ status: 'processing', attempts: attempt });
      }
      const sentBefore = relay.sink.received.length;
      const run = jest.spyOn(OpenStage.prototype, 'run');
      run.mockClear();
      await expire();
      await relay.settle();
      expect(run).not.toHaveBeenCalled();
      const [row] = await db().query(`SELECT status, refusal_code FROM inbound_message WHERE id = $1`, [stuck.id]);
      expect(row).toEqual({ status: 'refused', refusal_code: 'UNPROCESSABLE' });
      const [audit] = await db().query(
        `SELECT details FROM audit_entry WHERE action = 'post.refused' AND subject = $1`,
        [`inbound_message:${stuck.id}`],
      );
      expect(audit.details.code).toBe('UNPROCESSABLE');
      // Only the maintainers are told; no member gets anything.
      const told = relay.sink.received.slice(sentBefore).map((m) => m.envelope.to[0]);
      expect(told.sort()).toEqual([...maintainerEmails].sort());
    });
  });
});
