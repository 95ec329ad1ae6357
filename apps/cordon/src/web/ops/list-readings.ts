import { DataSource, EntityManager } from 'typeorm';
import { Settings } from '@cordon/config';
import { OutboxReadings } from '@cordon/delivery';
import { EmbargoReadings, embargoTag } from '@cordon/embargo';
import { MembershipReadings } from '@cordon/membership';
import { CurrentPolicyVersion } from '@cordon/policy';
import { DrillReadings, KEY_WARNING_DAYS, RelayReadings } from '@cordon/relay';
import { ReportReadings } from '@cordon/reports';

/** A count under a set of labels. */
export interface Tally<L extends string> {
  labels: Record<L, string>;
  value: number;
}

/**
 * Everything /metrics reports about the list, read in one snapshot. Labels carry codes and
 * statuses only, never a title, subject or address: the metrics endpoint is not encrypted, and an
 * embargo's title is itself embargoed, so an embargo is named by its tag (`EMB-12`).
 */
export interface ListReadings {
  applications: Tally<'status'>[];
  members: Tally<'status'>[];
  membersAwaitingAcknowledgement: number;
  memberKeysExpiring: Tally<'within_days'>[];
  memberKeysExpired: number;
  inbound: Tally<'kind' | 'status' | 'reason'>[];
  inboundOldestWaitingSeconds: number;
  postsAccepted: number;
  postsRefused: Tally<'reason'>[];
  copies: Tally<'status' | 'reason'>[];
  copyOldestPendingSeconds: number;
  copyOldestDueSeconds: number;
  outbound: Tally<'status'>[];
  outboundOldestPendingSeconds: number;
  embargoes: Tally<'status'>[];
  embargoHoursLeft: Tally<'embargo'>[];
  /** Vulnerability reports by state, every state, 0 when none (issue 13). */
  reports: Tally<'state'>[];
  /** Reports whose acknowledgement or fix target is past due and not met. */
  reportsOverdue: Tally<'clock'>[];
  /** The last fire drill: the share of its members that answered (0 before the first), and how many it was sent to. */
  drillAnswerRate: number;
  drillMembers: number;
}

/** Every status a table allows (its CHECK constraint): reported as 0 when no row has it. */
const MEMBER_STATUSES = ['active', 'suspended', 'removed', 'banned'];
const EMBARGO_STATUSES = ['active', 'lifted', 'broken'];
const OUTBOUND_STATUSES = ['pending', 'sent', 'failed'];
/** The copy states operators watch; `sending` is a pending copy a worker holds right now. */
const COPY_STATES = ['queued', 'sending', 'deferred', 'delivered', 'failed', 'held', 'skipped'];

type Row = Record<string, string | number | null>;

/**
 * The read side of /metrics: plain counts, so that a gauge is right whichever process (web, relay,
 * worker, in several copies) made the change. One read-only transaction per scrape, so the numbers
 * agree with each other; each lib counts its own tables (docs/architecture.md, Layout).
 */
export class ListReadingQueries {
  private readonly membership = new MembershipReadings();
  private readonly policy = new CurrentPolicyVersion();
  private readonly relay = new RelayReadings();
  private readonly outbox = new OutboxReadings();
  private readonly embargoes = new EmbargoReadings();
  private readonly drills = new DrillReadings();
  private readonly reports: ReportReadings;

  constructor(
    private readonly dataSource: DataSource,
    settings: Settings,
  ) {
    this.reports = new ReportReadings(dataSource, settings);
  }

  read(): Promise<ListReadings> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      const { membership, relay, outbox, embargoes } = this;
      const drill = await this.drills.last(manager);
      return {
        applications: tally(await membership.applicationsByStatus(manager), ['status']),
        members: withZeros(tally(await membership.membersByStatus(manager), ['status']), 'status', MEMBER_STATUSES),
        membersAwaitingAcknowledgement: await membership.awaitingAcknowledgement(
          manager,
          await this.policy.of(manager),
        ),
        memberKeysExpiring: await this.keysExpiring(manager),
        memberKeysExpired: await membership.keysExpired(manager),
        inbound: tally(await relay.inbound(manager), ['kind', 'status', 'reason']),
        inboundOldestWaitingSeconds: await relay.inboundOldestWaitingSeconds(manager),
        postsAccepted: await relay.postsAccepted(manager),
        postsRefused: tally(await relay.postsRefused(manager), ['reason']),
        copies: await this.copies(manager),
        copyOldestPendingSeconds: await relay.copyOldestPendingSeconds(manager),
        copyOldestDueSeconds: await relay.copyOldestDueSeconds(manager),
        outbound: withZeros(tally(await outbox.byStatus(manager), ['status']), 'status', OUTBOUND_STATUSES),
        outboundOldestPendingSeconds: await outbox.oldestPendingSeconds(manager),
        embargoes: withZeros(tally(await embargoes.byStatus(manager), ['status']), 'status', EMBARGO_STATUSES),
        embargoHoursLeft: (await embargoes.hoursLeft(manager)).map((e) => ({
          labels: { embargo: embargoTag(e.number) },
          value: e.hours,
        })),
        reports: Object.entries(await this.reports.byState(manager)).map(([state, n]) => ({
          labels: { state },
          value: n,
        })),
        reportsOverdue: Object.entries(await this.reports.overdue(new Date(), manager)).map(([clock, n]) => ({
          labels: { clock },
          value: n,
        })),
        drillAnswerRate: drill?.members ? drill.answered / drill.members : 0,
        drillMembers: drill?.members ?? 0,
      };
    });
  }

  private async keysExpiring(manager: EntityManager): Promise<Tally<'within_days'>[]> {
    const readings: Tally<'within_days'>[] = [];
    // The key-health thresholds: members are warned at the same.
    for (const days of KEY_WARNING_DAYS) {
      const n = await this.membership.keysExpiringWithin(manager, days);
      readings.push({ labels: { within_days: String(days) }, value: n });
    }
    return readings;
  }

  /** Copies by state and reason (RelayReadings.copies), with every state operators watch, 0 when none. */
  private async copies(manager: EntityManager): Promise<Tally<'status' | 'reason'>[]> {
    const tallies = tally(await this.relay.copies(manager), ['status', 'reason']);
    for (const status of COPY_STATES) {
      if (!tallies.some((t) => t.labels.status === status)) tallies.push({ labels: { status, reason: '' }, value: 0 });
    }
    return tallies;
  }
}

function tally<L extends string>(rows: Row[], labels: L[]): Tally<L>[] {
  return rows.map((row) => ({
    labels: Object.fromEntries(labels.map((l) => [l, String(row[l] ?? '')])) as Record<L, string>,
    value: Number(row.n),
  }));
}

function withZeros<L extends string>(tallies: Tally<L>[], label: L, values: string[]): Tally<L>[] {
  for (const value of values) {
    if (!tallies.some((t) => t.labels[label] === value)) {
      tallies.push({ labels: { [label]: value } as Record<L, string>, value: 0 });
    }
  }
  return tallies;
}
