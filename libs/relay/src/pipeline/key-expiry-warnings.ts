import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox, PollingLoop } from '@cordon/delivery';

const WARN_DAYS = 30;
const CHECK_EVERY_MS = 6 * 3_600_000;

interface Expiring {
  id: string;
  email: string;
  organisation: string;
  key_armored: string;
  key_fingerprint: string;
  key_expires_at: Date;
}

/**
 * Members whose key expires within 30 days are warned, encrypted, once per key (issue 4,
 * "Fan-out"): after expiry their copies are skipped, so they should extend or replace the key in
 * time. The maintainers get the list of members warned.
 */
@Injectable()
export class KeyExpiryWarnings implements OnModuleDestroy {
  private readonly logger = new Logger('key-expiry');
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    this.loop = new PollingLoop(
      () => this.runOnce(),
      CHECK_EVERY_MS,
      (error) => this.logger.error('key expiry check failed', (error as Error)?.stack),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Waits for a check in progress, so that it does not outlive the database connection. */
  onModuleDestroy(): Promise<void> {
    return this.loop.stop();
  }

  /** Warns every member not yet warned for its current key; returns how many were warned. */
  async runOnce(now = new Date()): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const expiring = (await manager.query(
        `SELECT id, email, organisation, key_armored, key_fingerprint, key_expires_at FROM member
         WHERE status = 'active' AND key_expires_at > $1 AND key_expires_at <= $1 + make_interval(days => $2)
           AND (key_expiry_warned_at IS NULL OR key_expiry_warned_at < key_expires_at - make_interval(days => $2))
         FOR UPDATE SKIP LOCKED`,
        [now, WARN_DAYS],
      )) as Expiring[];
      for (const m of expiring) {
        const day = new Date(m.key_expires_at).toISOString().slice(0, 10);
        await this.outbox.send(manager, {
          purpose: 'member.key_expiry_warning',
          to: m.email,
          recipientKey: m.key_armored,
          subject: `Your OpenPGP key for ${this.settings.LIST_NAME} expires on ${day}`,
          text: [
            `Hello,`,
            ``,
            `The key ${m.key_fingerprint} that list mail for ${m.organisation} is encrypted to expires on ${day}.`,
            `After that day no list mail can reach you. Extend it (gpg --quick-set-expire ${m.key_fingerprint} 1y,`,
            `and the same with '*' for its subkeys), then send the maintainers the updated public key.`,
          ].join('\n'),
        });
        await manager.query('UPDATE member SET key_expiry_warned_at = $2 WHERE id = $1', [m.id, now]);
        await this.audit.append(manager, {
          actor: 'system',
          action: 'member.key_expiry_warned',
          subject: `member:${m.id}`,
          details: { keyFingerprint: m.key_fingerprint, expiresAt: day },
        });
      }
      if (expiring.length) await this.tellMaintainers(manager, expiring);
      return expiring.length;
    });
  }

  private async tellMaintainers(manager: EntityManager, expiring: Expiring[]): Promise<void> {
    const maintainers = (await manager.query(`SELECT email, key_armored FROM maintainer WHERE status = 'active'`)) as {
      email: string;
      key_armored: string;
    }[];
    const lines = expiring.map(
      (m) => `  - ${m.organisation} <${m.email}>: ${new Date(m.key_expires_at).toISOString().slice(0, 10)}`,
    );
    for (const maintainer of maintainers) {
      await this.outbox.send(manager, {
        purpose: 'relay.key_expiry_report',
        to: maintainer.email,
        recipientKey: maintainer.key_armored,
        subject: `Member keys expiring within ${WARN_DAYS} days`,
        text: [`These members were warned that their keys expire soon:`, ``, ...lines].join('\n'),
      });
    }
  }
}
