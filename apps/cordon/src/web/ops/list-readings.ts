import { DataSource, EntityManager } from 'typeorm';
import { embargoTag } from '@cordon/embargo';
import { KEY_WARNING_DAYS } from '@cordon/relay';

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
}

/** Every status a table allows (its CHECK constraint): reported as 0 when no row has it. */
const MEMBER_STATUSES = ['active', 'suspended', 'removed', 'banned'];
const EMBARGO_STATUSES = ['active', 'lifted', 'broken'];
const OUTBOUND_STATUSES = ['pending', 'sent', 'failed'];
/** The copy states operators watch; `sending` is a pending copy a worker holds right now. */
const COPY_STATES = ['queued', 'sending', 'deferred', 'delivered', 'failed', 'held', 'skipped'];

type Row = Record<string, string | number | null>;

/**
 * The read side of /metrics: plain counts over the tables, so that a gauge is right whichever
 * process (web, relay, worker, in several copies) made the change. One read-only transaction per
 * scrape, so the numbers agree with each other.
 */
export class ListReadingQueries {
  constructor(private readonly dataSource: DataSource) {}

  read(): Promise<ListReadings> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await manager.query('SET TRANSACTION READ ONLY');
      const q = (sql: string, params: unknown[] = []) => manager.query(sql, params) as Promise<Row[]>;
      return {
        applications: tally(await q('SELECT status, count(*) AS n FROM application GROUP BY status'), ['status']),
        members: withZeros(
          tally(await q('SELECT status, count(*) AS n FROM member GROUP BY status'), ['status']),
          'status',
          MEMBER_STATUSES,
        ),
        membersAwaitingAcknowledgement: await this.awaitingAcknowledgement(manager),
        memberKeysExpiring: await this.keysExpiring(manager),
        memberKeysExpired: one(
          await q(`SELECT count(*) AS n FROM member WHERE status = 'active' AND key_expires_at <= now()`),
        ),
        inbound: tally(
          await q(
            `SELECT recipient_kind AS kind, status, coalesce(refusal_code, '') AS reason, count(*) AS n
             FROM inbound_message GROUP BY 1, 2, 3`,
          ),
          ['kind', 'status', 'reason'],
        ),
        inboundOldestWaitingSeconds: one(
          await q(
            `SELECT coalesce(extract(epoch FROM now() - min(received_at)), 0) AS n
             FROM inbound_message WHERE status IN ('received', 'processing')`,
          ),
        ),
        postsAccepted: one(await q('SELECT count(*) AS n FROM post')),
        postsRefused: tally(
          await q(
            `SELECT coalesce(refusal_code, 'UNKNOWN') AS reason, count(*) AS n FROM inbound_message
             WHERE recipient_kind = 'list' AND status = 'refused' GROUP BY 1`,
          ),
          ['reason'],
        ),
        copies: await this.copies(manager),
        // Counted from the post's acceptance: a copy held for a member who acknowledges the policy
        // later counts from then too, so alert on copyOldestDueSeconds for a stalled worker.
        copyOldestPendingSeconds: one(
          await q(
            `SELECT coalesce(extract(epoch FROM now() - min(p.created_at)), 0) AS n
             FROM post_delivery d JOIN post p ON p.id = d.post_id WHERE d.status = 'pending'`,
          ),
        ),
        copyOldestDueSeconds: one(
          await q(
            `SELECT coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0) AS n
             FROM post_delivery WHERE status = 'pending' AND next_attempt_at <= now()`,
          ),
        ),
        outbound: withZeros(
          tally(await q('SELECT status, count(*) AS n FROM outbound_message GROUP BY status'), ['status']),
          'status',
          OUTBOUND_STATUSES,
        ),
        outboundOldestPendingSeconds: one(
          await q(
            `SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0) AS n
             FROM outbound_message WHERE status = 'pending'`,
          ),
        ),
        embargoes: withZeros(
          tally(await q('SELECT status, count(*) AS n FROM embargo GROUP BY status'), ['status']),
          'status',
          EMBARGO_STATUSES,
        ),
        // Negative once the agreed moment has passed and the embargo is not lifted.
        embargoHoursLeft: (
          await q(
            `SELECT number, extract(epoch FROM public_at - now()) / 3600 AS n
             FROM embargo WHERE status = 'active' ORDER BY number`,
          )
        ).map((row) => ({ labels: { embargo: embargoTag(Number(row.number)) }, value: Number(row.n) })),
      };
    });
  }

  private async awaitingAcknowledgement(manager: EntityManager): Promise<number> {
    return one(
      (await manager.query(
        `SELECT count(*) AS n FROM member
         WHERE status = 'active' AND acknowledged_policy_version IS DISTINCT FROM (SELECT max(version) FROM policy_version)`,
      )) as Row[],
    );
  }

  private async keysExpiring(manager: EntityManager): Promise<Tally<'within_days'>[]> {
    const readings: Tally<'within_days'>[] = [];
    // The key-health thresholds: members are warned at the same.
    for (const days of KEY_WARNING_DAYS) {
      const n = one(
        (await manager.query(
          `SELECT count(*) AS n FROM member WHERE status = 'active'
             AND key_expires_at > now() AND key_expires_at <= now() + make_interval(days => $1)`,
          [days],
        )) as Row[],
      );
      readings.push({ labels: { within_days: String(days) }, value: n });
    }
    return readings;
  }

  /**
   * Copies of posts by state and, for those not sent, the reason code: queued (pending, never
   * tried), sending (a worker's lease on it), deferred (tried, waiting for its next attempt),
   * delivered, failed, held and skipped.
   */
  private async copies(manager: EntityManager): Promise<Tally<'status' | 'reason'>[]> {
    const rows = (await manager.query(
      `SELECT CASE
                WHEN status = 'sent' THEN 'delivered'
                WHEN status <> 'pending' THEN status
                WHEN lease_until > now() THEN 'sending'
                WHEN attempts > 0 THEN 'deferred'
                ELSE 'queued'
              END AS status,
              coalesce(reason, '') AS reason, count(*) AS n
       FROM post_delivery GROUP BY 1, 2`,
    )) as Row[];
    const tallies = tally(rows, ['status', 'reason']);
    for (const status of COPY_STATES) {
      if (!tallies.some((t) => t.labels.status === status)) tallies.push({ labels: { status, reason: '' }, value: 0 });
    }
    return tallies;
  }
}

function one(rows: Row[]): number {
  return Number(rows[0]?.n ?? 0);
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
