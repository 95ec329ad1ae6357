/**
 * The one eligibility rule in its two forms agrees with itself (docs/architecture.md, invariant 2):
 * for random member states, made through the membership lib's own use cases on the real database,
 * the fan-out's selection (the set form, in SQL, plus the parsed key) and the check made when a copy
 * is claimed to be sent (the rule over the member as it is now) give each member the same verdict.
 * The post's embargo has a random audience (issue 14): the members' products, the embargo's mode,
 * affected products and the maintainers' picks, and both forms agree with the audience's own words
 * (not excluded, and everyone, included, or shipping an affected product).
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fc from 'fast-check';
import { generateKey, reformatKey } from 'openpgp';
import { DataSource } from 'typeorm';
import { openpgpConfig } from '@cordon/crypto';
import {
  ChangeAudience,
  ChangeEmbargo,
  EmbargoAudiences,
  EmbargoModule,
  RecipientSelection,
  RecipientSelector,
} from '@cordon/embargo';
import {
  ChangeMemberStatus,
  ConfirmMemberEmail,
  ImportMember,
  INELIGIBILITY,
  Ineligibility,
  ineligibilityRecordedAs,
  MembershipModule,
  ProposeMemberEmail,
  SetMemberProducts,
} from '@cordon/membership';
import { Policies } from '@cordon/policy';
import { RelayAnswersModule, SendTimeEligibility } from '@cordon/relay';
import { coreModules, initialise, openRuntime } from '@cordon/runtime';
import { freshDatabaseLocation } from './support/database';
import { tokenInQueuedMail } from './support/mailbox';
import { testSettings } from './support/settings';

const DAY = 86_400_000;
const PRODUCTS = ['openssl', 'libfoo', 'zlib'];

/** One member's state, as a maintainer and the member can bring it about. */
const aMemberState = fc.record({
  status: fc.constantFrom('active', 'suspended', 'removed'),
  /** The policy version it acknowledged: the one in force, the one before, or none. */
  acknowledged: fc.constantFrom('current', 'previous', 'never'),
  /** Its key expires a day after it is made (or never). */
  keyExpires: fc.boolean(),
  /** What it ships, and the maintainers' pick of it for this run's embargo. */
  products: fc.subarray(PRODUCTS),
  pick: fc.constantFrom('none', 'none', 'include', 'exclude'),
});
/** The members of one run, the moment asked about (now, or two days on: past the expiring keys), and the post's embargo. */
const aWorld = fc.record({
  members: fc.array(aMemberState, { minLength: 1, maxLength: 3 }),
  twoDaysOn: fc.boolean(),
  embargo: fc.option(
    fc.record({
      ended: fc.boolean(),
      mode: fc.constantFrom('all' as const, 'products' as const),
      products: fc.subarray(PRODUCTS),
    }),
  ),
});
type EmbargoState = { ended: boolean; mode: 'all' | 'products'; products: string[] };
type MemberState = typeof aMemberState extends fc.Arbitrary<infer T> ? T : never;
type Made = { memberId: string; keyFingerprint: string; products: string[] };

/** Status changes are made in a maintainer's name; the audit entry is all it is used for. */
const MAINTAINER = '00000000-0000-4000-8000-000000000001';

@Module({})
class EligibilityTestModule {}

describe('eligibility: the fan-out and the send-time check never disagree', () => {
  let app: INestApplicationContext;
  let remove: () => Promise<void>;
  let dataSource: DataSource;
  let made = 0;
  let versions = 1;

  beforeAll(async () => {
    const location = await freshDatabaseLocation();
    remove = location.remove;
    const settings = testSettings({ DATA_DIR: location.dataDir, DATABASE_URL: location.databaseUrl });
    const runtime = await openRuntime(settings);
    await initialise(runtime);
    dataSource = runtime.database.dataSource;
    app = await NestFactory.createApplicationContext(
      {
        module: EligibilityTestModule,
        // RelayAnswersModule: the relay answers for the held copies an acknowledgement releases.
        imports: [...coreModules(runtime), MembershipModule, EmbargoModule, RelayAnswersModule],
      },
      { logger: false },
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await remove?.();
  });

  /** A member in `state`, made as `cordon member import` would make it; its id, key fingerprint and products. */
  async function aMemberIn(state: MemberState): Promise<Made> {
    const email = `member${++made}@distro${made}.example`;
    const { publicKey } = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email }],
      keyExpirationTime: state.keyExpires ? DAY / 1000 : 0,
      format: 'armored',
      config: openpgpConfig,
    });
    const member = await app
      .get(ImportMember)
      .execute({ email, organisation: email, key: publicKey, acknowledged: state.acknowledged !== 'never' }, 'test');
    await app.get(SetMemberProducts).execute(member.id, state.products, `member:${member.id}`);
    return { memberId: member.id, keyFingerprint: member.keyFingerprint, products: state.products };
  }

  /**
   * This run's embargo, as a maintainer makes it: its mode and products, the members' picks, and
   * lifted when it is to have ended. Returns its id, and whether each member is in its audience, by
   * the audience's own words.
   */
  async function anEmbargo(state: EmbargoState, members: Made[], picks: string[]) {
    const publicAt = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 16);
    const input = {
      title: 'Under test',
      publicAt,
      timeZone: 'UTC',
      products: state.products,
      audienceMode: state.mode,
    };
    // A variable: fields other parts of the input may need (acceptNonWorkingDay) pass without a check here.
    const embargo = await app
      .get(ChangeEmbargo)
      .create({ ...input, acceptNonWorkingDay: true } as typeof input, MAINTAINER);
    for (const [i, pick] of picks.entries()) {
      if (pick !== 'none')
        await app.get(ChangeAudience).pick(embargo.id, members[i].memberId, pick as 'include', MAINTAINER);
    }
    if (state.ended) await app.get(ChangeEmbargo).lift(embargo.id, MAINTAINER);
    const picked = new Map(members.map((member, i) => [member.memberId, picks[i] ?? 'none']));
    const inAudience = (member: Made) =>
      picked.get(member.memberId) !== 'exclude' &&
      (state.mode === 'all' ||
        picked.get(member.memberId) === 'include' ||
        member.products.some((product) => state.products.includes(product)));
    return { id: embargo.id, inAudience };
  }

  /**
   * The members of one run. Each run publishes a new version, so a `previous` member acknowledged
   * the one before it (and every member of earlier runs is now behind: they take part as well).
   */
  async function membersIn(states: MemberState[]) {
    const made = new Array<Made>(states.length);
    for (const [i, state] of states.entries()) if (state.acknowledged === 'previous') made[i] = await aMemberIn(state);
    await dataSource.transaction((m) => app.get(Policies).publish(m, `Policy version ${++versions}`, 'cli'));
    for (const [i, state] of states.entries()) if (state.acknowledged !== 'previous') made[i] = await aMemberIn(state);
    for (const [i, state] of states.entries()) {
      if (state.status === 'active') continue;
      const action = state.status === 'suspended' ? 'suspend' : 'remove';
      await app.get(ChangeMemberStatus).execute(made[i].memberId, action, 'a state under test', MAINTAINER);
    }
    return made;
  }

  /** What a verdict says of the audience: out, in, or nothing (an earlier rule refused first). */
  function audienceSaid(verdict: Ineligibility | 'eligible' | 'absent'): boolean | null {
    if (verdict === 'NOT_IN_AUDIENCE') return false;
    return ['eligible', 'POLICY_NOT_ACKNOWLEDGED', 'EMBARGO_ENDED'].includes(verdict) ? true : null;
  }

  /** What fan-out decided for a member: `eligible`, a reason, or `absent` (not on the list, so not listed). */
  function atFanOut(selection: RecipientSelection, memberId: string): Ineligibility | 'eligible' | 'absent' {
    if (selection.recipients.some((r) => r.memberId === memberId)) return 'eligible';
    if (selection.held.some((r) => r.memberId === memberId)) return 'POLICY_NOT_ACKNOWLEDGED';
    const skipped = selection.skipped.find((r) => r.memberId === memberId);
    return skipped ? ineligibilityRecordedAs(skipped.reason)! : 'absent';
  }

  /**
   * What the send-time verdict must be for the fan-out's. The claim does not ask about the post's
   * embargo: a copy it holds for an acknowledgement is withdrawn (`embargo_ended`) when held mail is
   * released, if its embargo has ended by then (HeldMail). So EMBARGO_ENDED at fan-out is
   * POLICY_NOT_ACKNOWLEDGED at send time; a member fan-out leaves out has a reason about itself.
   */
  function agrees(fanOut: Ineligibility | 'eligible' | 'absent', sendTime: Ineligibility | 'eligible'): boolean {
    if (fanOut === 'absent') return sendTime !== 'eligible' && INELIGIBILITY[sendTime].scope === 'member';
    if (fanOut === 'EMBARGO_ENDED') return sendTime === 'POLICY_NOT_ACKNOWLEDGED';
    return fanOut === sendTime;
  }

  it('gives every member the same verdict at fan-out and at send time', async () => {
    const sendTime = new SendTimeEligibility(app.get(Policies));
    const everyone: Made[] = [];
    await fc.assert(
      fc.asyncProperty(aWorld, async (world) => {
        const made = await membersIn(world.members);
        everyone.push(...made);
        // A member removed is no longer on the list: it cannot be picked.
        const picks = world.members.map((m) => (m.status === 'removed' ? 'none' : m.pick));
        const embargo = world.embargo && (await anEmbargo(world.embargo, made, picks));
        const now = new Date(Date.now() + (world.twoDaysOn ? 2 * DAY : 0));
        // The embargo's circumstances as every sender asks them (EmbargoAudiences).
        const selection = await dataSource.transaction(async (m) =>
          app.get(RecipientSelector).select(m, now, embargo && (await app.get(EmbargoAudiences).of(m, embargo.id))),
        );
        // Each member as if a copy of this post had been sealed to its key at fan-out and were now claimed.
        const copies = everyone.map((member) => ({ ...member, embargoId: embargo?.id ?? null }));
        const verdicts = await dataSource.transaction((m) => sendTime.check(m, copies, now));
        const disagreements = copies.flatMap((copy, i) => {
          const verdict = verdicts[i].verdict;
          const later = verdict.eligible ? 'eligible' : verdict.reason;
          const first = atFanOut(selection, copy.memberId);
          const expected = embargo ? embargo.inAudience(copy) : true;
          const said = [audienceSaid(first), audienceSaid(later)].filter((s) => s !== null);
          return agrees(first, later) && said.every((s) => s === expected)
            ? []
            : [`${copy.memberId}: fan-out ${first}, send time ${later}, in the audience: ${expected}`];
        });
        expect(disagreements).toEqual([]);
      }),
      { numRuns: 25 },
    );
  }, 300_000);

  it('judges a key stored anew under the same fingerprint as it is now, not as first read', async () => {
    // An address change may bring the key anew (a new expiry, a new user ID): same fingerprint.
    const [from, to] = ['renewing@distro-r.example', 'psirt@distro-r.example'];
    const first = await generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [{ email: from }, { email: to }],
      keyExpirationTime: DAY / 1000,
      format: 'object',
      config: openpgpConfig,
    });
    const member = await app
      .get(ImportMember)
      .execute({ email: from, organisation: 'Distro R', key: first.publicKey.armor(), acknowledged: true }, 'test');
    const select = (now: Date) =>
      dataSource.transaction((m) =>
        app
          .get(RecipientSelector)
          .select(m, now, null)
          .then((s) => atFanOut(s, member.id)),
      );
    const twoDaysOn = new Date(Date.now() + 2 * DAY);
    expect(await select(twoDaysOn)).toBe('KEY_EXPIRED');

    const renewed = await reformatKey({
      privateKey: first.privateKey,
      userIDs: [{ email: from }, { email: to }],
      keyExpirationTime: 0,
      format: 'object',
      config: openpgpConfig,
    });
    expect(renewed.publicKey.getFingerprint()).toBe(first.publicKey.getFingerprint());
    await app.get(ProposeMemberEmail).execute(member.id, to, renewed.publicKey.armor());
    const token = await tokenInQueuedMail(
      dataSource,
      { to, purpose: 'member.email_proof', pathPrefix: '/member/address/confirm/' },
      renewed.privateKey,
    );
    await app.get(ConfirmMemberEmail).execute(token);
    expect(await select(twoDaysOn)).toBe('eligible');
  });
});
