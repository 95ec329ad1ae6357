import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { hashToken, sameSecret } from '@cordon/crypto';
import { DomainError } from '@cordon/errors';
import { ListReadingQueries, ListReadings, Tally } from './list-readings';

/**
 * Prometheus metrics. The gauges are read from the database at scrape time (ListReadingQueries),
 * so they are right whichever process made the change (several copies may run against one
 * PostgreSQL). No label carries a title, subject or address (see ListReadings).
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  private readonly registry = new Registry();
  /** Each metric's update from one snapshot, run before the registry renders. */
  private readonly updates: ((readings: ListReadings) => void)[] = [];

  private readonly queries: ListReadingQueries;

  constructor(
    dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.queries = new ListReadingQueries(dataSource, settings);
    collectDefaultMetrics({ register: this.registry, prefix: 'cordon_' });
    this.byLabels('cordon_applications', 'Membership applications by status', ['status'], (r) => r.applications);
    this.byLabels('cordon_members', 'Members by status', ['status'], (r) => r.members);
    this.single(
      'cordon_members_awaiting_acknowledgement',
      'Active members who have not acknowledged the current Embargo Policy (their copies are held)',
      (r) => r.membersAwaitingAcknowledgement,
    );
    this.byLabels(
      'cordon_member_keys_expiring',
      'Active members whose OpenPGP key expires within the given number of days',
      ['within_days'],
      (r) => r.memberKeysExpiring,
    );
    this.single(
      'cordon_member_keys_expired',
      'Active members whose OpenPGP key has expired (their copies are skipped)',
      (r) => r.memberKeysExpired,
    );
    this.byLabels(
      'cordon_inbound_messages',
      'Stored inbound messages by address kind (list, owner, ack, ...), status and refusal code',
      ['kind', 'status', 'reason'],
      (r) => r.inbound,
    );
    this.single(
      'cordon_inbound_oldest_waiting_seconds',
      'Age of the oldest stored inbound message not yet processed',
      (r) => r.inboundOldestWaitingSeconds,
    );
    this.counter('cordon_posts_accepted_total', 'Posts accepted and fanned out', [], (r) => [
      { labels: {}, value: r.postsAccepted },
    ]);
    this.counter(
      'cordon_posts_refused_total',
      'Messages to the list address refused, by refusal code',
      ['reason'],
      (r) => r.postsRefused,
    );
    this.byLabels(
      'cordon_post_copies',
      'Copies of posts by state (queued, sending, deferred, delivered, failed, held, skipped) and reason code',
      ['status', 'reason'],
      (r) => r.copies,
    );
    this.single(
      'cordon_post_copy_oldest_pending_seconds',
      "Age of the oldest copy not yet delivered, from its post's acceptance",
      (r) => r.copyOldestPendingSeconds,
    );
    this.single(
      'cordon_post_copy_oldest_due_seconds',
      'How long the most overdue copy has been due without a worker sending it',
      (r) => r.copyOldestDueSeconds,
    );
    this.byLabels(
      'cordon_outbound_messages',
      "The service's own outgoing messages (notices, warnings) by status",
      ['status'],
      (r) => r.outbound,
    );
    this.single(
      'cordon_outbound_oldest_pending_seconds',
      'Age of the oldest outgoing message not yet delivered',
      (r) => r.outboundOldestPendingSeconds,
    );
    this.byLabels('cordon_embargoes', 'Embargoes by status', ['status'], (r) => r.embargoes);
    this.byLabels(
      'cordon_embargo_hours_left',
      'Hours until each active embargo reaches its agreed public moment (negative: passed, not lifted)',
      ['embargo'],
      (r) => r.embargoHoursLeft,
    );
    this.byLabels('cordon_reports', 'Private vulnerability reports by state', ['state'], (r) => r.reports);
    this.byLabels(
      'cordon_reports_overdue',
      'Vulnerability reports whose acknowledgement or fix target is past due and not met, by clock',
      ['clock'],
      (r) => r.reportsOverdue,
    );
    this.single(
      'cordon_drill_answer_rate',
      'Share (0 to 1) of the members sent the last fire drill who answered it (0 before the first drill)',
      (r) => r.drillAnswerRate,
    );
    this.single('cordon_drill_members', 'Members the last fire drill was sent to', (r) => r.drillMembers);
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(@Headers('authorization') authorization?: string): Promise<string> {
    // The readings tell that an embargo runs and when it ends: with METRICS_TOKEN set, only a
    // scraper that presents it reads them (compared as hashes, in constant time).
    const expected = this.settings.METRICS_TOKEN;
    if (expected) {
      const given = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1] ?? '';
      if (!sameSecret(hashToken(given), hashToken(expected))) {
        throw new DomainError('NOT_AUTHENTICATED', 'Present the METRICS_TOKEN as a bearer token.');
      }
    }
    const readings = await this.queries.read();
    for (const update of this.updates) update(readings);
    return this.registry.metrics();
  }

  private single(name: string, help: string, read: (r: ListReadings) => number): void {
    const gauge = new Gauge({ name, help, registers: [this.registry] });
    this.updates.push((r) => gauge.set(read(r)));
  }

  /** Reset at each scrape, so that a label value no longer found (a lifted embargo) disappears. */
  private byLabels<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: (r: ListReadings) => Tally<L>[],
  ): void {
    const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] });
    this.updates.push((r) => {
      gauge.reset();
      for (const { labels, value } of read(r)) gauge.set(labels, value);
    });
  }

  /**
   * A count of rows that only ever grows (posts, refusals), exposed as a counter so that
   * `increase()` and `rate()` apply. It is the table's count, not this process's tally.
   */
  private counter<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: (r: ListReadings) => Tally<L>[],
  ): void {
    const counter = new Counter({ name, help, labelNames, registers: [this.registry] });
    this.updates.push((r) => {
      counter.reset();
      for (const { labels, value } of read(r)) counter.inc(labels, value);
    });
  }
}
