import { QueryFailedError } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';
import { DeliveryWorker } from '@cordon/delivery';
import { RecipientSelection, Skipped } from '@cordon/embargo';
import { aSelectedPost } from '../../../../test/support/post-states';
import { FanOut, Post, PostDeliveryWorker, PreparedCopy, SealedPost, SkippedMember } from '../fan-out';
import { InboundQueue } from '../ingress';
import { RelayNotices } from '../notices/relay-notices';
import { EnqueueStage } from './6-enqueue';
import { Linked, Sealed } from './post-state';

// Stage 6, the last, on its own: the post, its copies, the finished inbound message, the audit
// entry and the pre-flight summary, all in the one transaction (docs/architecture.md, invariant 4).
describe('stage 6, enqueue', () => {
  const member = (id: string) =>
    ({ memberId: id, email: `${id}@example.org` }) as RecipientSelection['recipients'][number];
  const selection: RecipientSelection = {
    recipients: [member('a')],
    held: [member('b')],
    skipped: [
      { memberId: 'c', email: 'c@example.org', reason: 'key_expired' } as RecipientSelection['skipped'][number],
    ],
  };
  const sealedPost = (embargo: Linked['embargo']): Sealed => ({
    ...aSelectedPost(selection, embargo),
    sealed: { sessionKey: { data: new Uint8Array(32), algorithm: 'aes256' }, bodyPackets: new Uint8Array([1, 2, 3]) },
  });

  function world(insert: (entity: unknown, row: unknown) => Promise<void> = async () => undefined) {
    const calls: string[] = [];
    const managers = new Set<unknown>();
    const manager = {
      insert: async (entity: unknown, row: unknown) => (calls.push('post'), managers.add(manager), insert(entity, row)),
    };
    const dataSource = { transaction: async <T>(work: (m: typeof manager) => Promise<T>) => work(manager) };
    let enqueued: { deliveries: PreparedCopy[]; skipped: SkippedMember[] } | undefined;
    const fanOut = {
      keyPackets: async (_key: SealedPost['sessionKey'], members: { memberId: string }[], _at?: Date, hold?: object) =>
        members.map((m) => ({ memberId: m.memberId, held: hold ?? null }) as unknown as PreparedCopy),
      enqueue: async (m: unknown, _postId: string, deliveries: PreparedCopy[], skipped: SkippedMember[]) => {
        calls.push('copies');
        managers.add(m);
        enqueued = { deliveries, skipped };
        return { queued: 1, held: deliveries.length - 1, skipped: skipped.length, existing: 0 };
      },
    };
    const record = (name: string) => async (m: unknown) => (calls.push(name), managers.add(m));
    const woken: string[] = [];
    const stage = new EnqueueStage(
      dataSource as never,
      { finish: record('finished') } as unknown as InboundQueue,
      { append: record('audited') } as unknown as AuditLog,
      { accepted: record('summary') } as unknown as RelayNotices,
      fanOut as unknown as FanOut,
      { wake: () => woken.push('copies') } as unknown as PostDeliveryWorker,
      { wake: () => woken.push('service mail') } as unknown as DeliveryWorker,
      { seal: (purpose: string, text: string) => `${purpose}:${text}` } as unknown as ServerSecret,
    );
    return { stage, calls, managers, woken, enqueued: () => enqueued };
  }

  it('stores the post and queues its copies in one transaction, then wakes the senders', async () => {
    const { stage, calls, managers, woken, enqueued } = world(async (entity) => expect(entity).toBe(Post));
    const post = sealedPost(null);
    const verdict = await stage.run(post);
    expect(verdict).toMatchObject({ kind: 'continue', state: { counts: { queued: 1, held: 1, skipped: 1 } } });
    expect(calls).toEqual(['post', 'copies', 'finished', 'audited', 'summary']);
    expect(managers.size).toBe(1);
    expect(woken).toEqual(['service mail', 'copies']);
    // While the embargo runs (or without one), a member yet to acknowledge the policy has a held copy.
    expect(enqueued()?.deliveries.map((d) => d.memberId)).toEqual(['a', 'b']);
    expect(enqueued()?.skipped.map((s) => s.memberId)).toEqual(['c']);
  });

  it('queues no held copy for an ended embargo: the selection skipped those members, with its reason', async () => {
    // The one eligibility rule (asked by stage 4 with the post's embargo) skips, not holds, the
    // members yet to acknowledge once the embargo has ended; this stage records its word as given.
    const { stage, enqueued } = world();
    const ended = sealedPost({ id: 'e-1', ended: true });
    const skippedAtFanOut: Skipped = { memberId: 'b', email: 'b@example.org', reason: 'embargo_ended' };
    await stage.run({
      ...ended,
      selection: { ...selection, held: [], skipped: [...selection.skipped, skippedAtFanOut] },
    });
    expect(enqueued()?.deliveries.map((d) => d.memberId)).toEqual(['a']);
    expect(enqueued()?.skipped).toEqual([expect.objectContaining({ memberId: 'c' }), skippedAtFanOut]);
  });

  it('refuses the loser of two copies of one signed post racing as REPLAYED, and wakes nobody', async () => {
    const duplicate = new QueryFailedError(
      'INSERT INTO post',
      [],
      Object.assign(new Error('duplicate key'), { code: '23505' }),
    );
    const { stage, woken } = world(async () => Promise.reject(duplicate));
    const verdict = await stage.run(sealedPost(null));
    expect(verdict).toMatchObject({ kind: 'refuse', refusal: { code: 'REPLAYED' } });
    expect(woken).toEqual([]);
  });
});
