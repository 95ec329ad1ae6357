import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';
import { RecipientSelection, RecipientSelector } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { ExpiringMemberKey, KeysExpiringSoon, MemberLookup } from '@cordon/membership';
import { skipReasonText } from '../notices/relay-notices';

/** Days before a member key's expiry at which the member is warned, each once per key (issue 6). */
export const KEY_WARNING_DAYS = [30, 7];
/** The check runs once a day; each worker looks this often whether today's has run. */
const LOOK_EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface Warned extends ExpiringMemberKey {
  daysBefore: number;
}

/**
 * Key health, a daily check (issue 6, "Watch it"). A member whose key expires within 30 days, and
 * again within 7, is warned, encrypted to that key, once per key, expiry and threshold: after
 * expiry its copies are skipped, so it should extend or replace the key in time. The maintainers
 * (each, encrypted) get the members warned and those a post sent now would skip (expired or
 * unusable key) or hold (current policy not acknowledged), on a day when someone was warned or
 * that list changed. Several workers may run it: the day's row and the warnings' keys make each
 * happen once.
 */
@Injectable()
export class KeyExpiryWarnings implements OnModuleDestroy {
  private readonly logger = new Logger('key-health');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    private readonly selector: RecipientSelector,
    private readonly expiringKeys: KeysExpiringSoon,
    private readonly mailboxes: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      LOOK_EVERY_MS,
      (error) => this.logger.error('key health check failed', (error as Error)?.stack),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Waits for a check in progress, so that it does not outlive the database connection. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * Runs the check for `now`'s day (UTC) unless it has run; returns how many members were warned.
   * The day's row is taken first: a second worker waits for the first's transaction, then finds it.
   */
  async runOnce(now = new Date()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const day = now.toISOString().slice(0, 10);
      const claimed = (await manager.query(
        `INSERT INTO key_health_check (day, ran_at) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING RETURNING day`,
        [day, now],
      )) as unknown[];
      if (!claimed.length) return 0;
      const selection = await this.selector.select(manager, now);
      const warned = await this.warnMembers(manager, selection, now);
      const digest = skippedDigest(selection);
      const [previous] = (await manager.query(
        `SELECT report_digest FROM key_health_check WHERE day < $1 ORDER BY day DESC LIMIT 1`,
        [day],
      )) as { report_digest: string | null }[];
      const changed = digest !== (previous?.report_digest ?? skippedDigest({ skipped: [], held: [] }));
      const reported = warned.length > 0 || changed;
      if (reported) await this.tellMaintainers(manager, day, warned, selection);
      await manager.query(`UPDATE key_health_check SET warned = $2, report_digest = $3 WHERE day = $1`, [
        day,
        warned.length,
        digest,
      ]);
      await this.audit.append(manager, {
        actor: 'system',
        action: 'key_health.checked',
        subject: `key_health_check:${day}`,
        details: {
          warned: warned.length,
          skipped: selection.skipped.length,
          held: selection.held.length,
          reportedToMaintainers: reported,
        },
      });
      return warned.length;
    });
  }

  /** Each member whose key crossed a threshold not yet warned of, with the most urgent one. */
  private async warnMembers(manager: EntityManager, selection: RecipientSelection, now: Date): Promise<Warned[]> {
    // A key that cannot be encrypted to cannot carry a warning: such a member is in the skipped list.
    const reachable = new Set([...selection.recipients, ...selection.held].map((r) => r.memberId));
    const expiring = await this.expiringKeys.within(manager, now, Math.max(...KEY_WARNING_DAYS));
    const warned: Warned[] = [];
    for (const member of expiring.filter((m) => reachable.has(m.id))) {
      const expiresAt = member.keyExpiresAt;
      const crossed = KEY_WARNING_DAYS.filter((days) => expiresAt.getTime() <= now.getTime() + days * DAY_MS);
      // Every threshold crossed is recorded; a key first seen 5 days before expiry gets one warning.
      const fresh = (await manager.query(
        `INSERT INTO key_expiry_warning (member_id, key_fingerprint, key_expires_at, days_before, warned_at)
         SELECT $1, $2, $3, days, $5 FROM unnest($4::int[]) AS t(days)
         ON CONFLICT DO NOTHING RETURNING days_before`,
        [member.id, member.keyFingerprint, expiresAt, crossed, now],
      )) as { days_before: number }[];
      if (!fresh.length) continue;
      const daysBefore = Math.min(...fresh.map((row) => Number(row.days_before)));
      try {
        await this.warnMember(manager, member, expiresAt, now);
      } catch (error) {
        // The outbox refused the key (before writing anything): not warned, so tried again tomorrow.
        if (!(error instanceof DomainError)) throw error;
        await manager.query(
          `DELETE FROM key_expiry_warning WHERE member_id = $1 AND key_fingerprint = $2 AND key_expires_at = $3
             AND days_before = ANY($4::int[])`,
          [member.id, member.keyFingerprint, expiresAt, fresh.map((row) => Number(row.days_before))],
        );
        this.logger.warn(`key expiry warning not sent to member ${member.id}: ${error.code}`);
        continue;
      }
      await this.audit.append(manager, {
        actor: 'system',
        action: 'member.key_expiry_warned',
        subject: `member:${member.id}`,
        details: { keyFingerprint: member.keyFingerprint, expiresAt: isoDay(expiresAt), daysBefore },
      });
      warned.push({ ...member, daysBefore });
    }
    return warned;
  }

  private warnMember(manager: EntityManager, member: ExpiringMemberKey, expiresAt: Date, now: Date) {
    const day = isoDay(expiresAt);
    return this.outbox.send(manager, {
      purpose: 'member.key_expiry_warning',
      to: member.email,
      recipientKey: member.keyArmored,
      subject: `Your OpenPGP key for ${this.settings.LIST_NAME} expires on ${day}`,
      text: [
        `Hello,`,
        ``,
        `The key ${member.keyFingerprint} that list mail for ${member.organisation} is encrypted to expires on ${day}`,
        `(in ${daysLeft(expiresAt, now)} day(s)). After that no list mail can reach you: your copies are skipped.`,
        ``,
        `Extend it (gpg --quick-set-expire ${member.keyFingerprint} 1y, and the same with '*'`,
        `for its subkeys), then send the maintainers the updated public key, or replace the key`,
        `in self-service: ${this.settings.publicUrl}/member`,
      ].join('\n'),
    });
  }

  private async tellMaintainers(
    manager: EntityManager,
    day: string,
    warned: Warned[],
    selection: RecipientSelection,
  ): Promise<void> {
    const listed = await this.mailboxes.byIds(
      manager,
      [...selection.skipped, ...selection.held].map((m) => m.memberId),
    );
    const line = (id: string, what: string) => {
      const m = listed.get(id);
      return m ? `  - ${m.organisation} <${m.email}>: ${what}` : `  - member ${id}: ${what}`;
    };
    const text = [
      `Key health check of ${this.settings.LIST_ADDRESS}, ${day}.`,
      ``,
      ...(warned.length
        ? [
            `Warned today, encrypted, that their key expires (each is warned ${KEY_WARNING_DAYS.join(' and ')} days before):`,
            ...warned.map(
              (m) => `  - ${m.organisation} <${m.email}>: key ${m.keyFingerprint} expires ${isoDay(m.keyExpiresAt)}`,
            ),
          ]
        : ['No member was warned today.']),
      ``,
      ...(selection.skipped.length
        ? [
            `A post sent now would skip ${selection.skipped.length} member(s):`,
            ...selection.skipped.map((s) => line(s.memberId, skipReasonText(s.reason))),
          ]
        : ['A post sent now would skip no member.']),
      ``,
      ...(selection.held.length
        ? [
            `A post sent now would be held for ${selection.held.length} member(s) until they acknowledge the current Embargo Policy:`,
            ...selection.held.map((h) => line(h.memberId, 'has not acknowledged the current Embargo Policy')),
          ]
        : ['No member is waiting to acknowledge the current Embargo Policy.']),
      ``,
      `Members and their keys: ${this.settings.publicUrl}/admin/members`,
    ].join('\n');
    // One maintainer's unusable key does not keep the report (and the members' warnings) from the rest.
    await this.outbox.sendToMaintainers(manager, {
      purpose: 'relay.key_health_report',
      subject: `Key health: ${warned.length} warned, ${selection.skipped.length} skipped, ${selection.held.length} held`,
      text,
    });
  }
}

/** Who would be skipped or held, as a digest: the report goes again when it changes. */
function skippedDigest(selection: Pick<RecipientSelection, 'skipped' | 'held'>): string {
  const lines = [
    ...selection.skipped.map((s) => `${s.memberId}:${s.reason}`),
    ...selection.held.map((h) => `${h.memberId}:held`),
  ].sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function daysLeft(expiresAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}
