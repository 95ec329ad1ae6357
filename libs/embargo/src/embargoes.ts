import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor, AuditLog } from '@cordon/audit';
import { SETTINGS, Settings } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { businessDaysBetween, formatPublicMoment, publicMoment } from './embargo-clock';
import { HeldMail } from './held-mail';
import { Embargo, EmbargoStatus } from './embargo.entity';
import { scoreCvss } from './cvss';
import { PublicHolidays } from './public-holidays';
import { PublicMomentCheck } from './public-moment-check';
import { cves, DESCRIPTION_MAX, invalid, MITIGATIONS_MAX, referenceUrls, text, TEXT_MAX } from './embargo-fields';
import { normaliseProducts } from '@cordon/membership';
import { audienceModeOf } from './audience/audience-mode';
import { AudienceMode } from './embargo.entity';

/** What a maintainer gives for a new embargo. Free text is shown escaped; it is never HTML. */
export interface EmbargoInput {
  title: string;
  cveIds?: string[];
  cvssVector?: string | null;
  affectedVersions?: string;
  fixedVersions?: string;
  reporterCredit?: string;
  /** What the issue is, what members can do before a fix, and http(s) references (issue 14). */
  description?: string;
  mitigations?: string;
  references?: string[] | string;
  /** Local date and time as agreed, "YYYY-MM-DDTHH:MM", in `timeZone`. */
  publicAt: string;
  /** IANA name. */
  timeZone: string;
  /** Needed when the embargo runs past MAX_EMBARGO_BUSINESS_DAYS. */
  overLimitReason?: string | null;
  /**
   * Where the business-day limit counts from, when not from now: the date of the vulnerability
   * report the embargo is made from (issue 13). Never later than now.
   */
  limitCountedFrom?: Date;
  /** Keep a public moment on a weekend or listed holiday (PublicMomentCheck) rather than be offered the next working day. */
  acceptNonWorkingDay?: boolean;
  /** The products it affects (one per line, or separated by commas), and who its mail reaches (issue 14). */
  products?: string[] | string;
  /** Absent: the list's default, EMBARGO_AUDIENCE. */
  audienceMode?: AudienceMode;
}

const MIN_REASON = 10;

/**
 * Embargoes and their lifecycle (docs/architecture.md, flow "Embargo"; issue 5): created with the facts of the
 * disclosure and its agreed public moment, extended with a reason, lifted, or broken by a leak.
 * Every change is audited in the caller's transaction. Telling the members is the callers' part.
 */
@Injectable()
export class Embargoes {
  constructor(
    private readonly audit: AuditLog,
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly heldMail: HeldMail,
    // Optional only for unit tests that build Embargoes by hand: they get the settings' holidays.
    @Optional() publicMoments?: PublicMomentCheck,
  ) {
    this.publicMoments = publicMoments ?? new PublicMomentCheck(new PublicHolidays(settings));
  }

  private readonly publicMoments: PublicMomentCheck;

  async create(manager: EntityManager, input: EmbargoInput, actor: Actor, now = new Date()): Promise<Embargo> {
    const title = text(input.title, 'title', 200);
    if (!title) throw invalid('Give the embargo a title.', 'title');
    const cveIds = cves(input.cveIds ?? []);
    const cvss = input.cvssVector?.trim() ? scoreCvss(input.cvssVector) : null;
    const publicAt = publicMoment(input.publicAt, input.timeZone);
    if (publicAt.getTime() <= now.getTime()) throw invalid('The public date must be in the future.', 'publicAt');
    const limitCountedFrom =
      input.limitCountedFrom && input.limitCountedFrom.getTime() < now.getTime() ? input.limitCountedFrom : now;
    const overLimitReason = this.checkLength(limitCountedFrom, publicAt, input.timeZone, input.overLimitReason);
    const nonWorkingDay = this.publicMoments.require(publicAt, input.timeZone, input.acceptNonWorkingDay);
    const embargo = manager.create(Embargo, {
      id: randomUUID(),
      title,
      cveIds,
      cvssVector: cvss?.vector ?? null,
      cvssScore: cvss?.score ?? null,
      cvssSeverity: cvss?.severity ?? null,
      affectedVersions: text(input.affectedVersions, 'affectedVersions'),
      fixedVersions: text(input.fixedVersions, 'fixedVersions'),
      reporterCredit: text(input.reporterCredit, 'reporterCredit', 500),
      description: text(input.description, 'description', DESCRIPTION_MAX),
      mitigations: text(input.mitigations, 'mitigations', MITIGATIONS_MAX),
      referenceUrls: referenceUrls(input.references),
      products: normaliseProducts(input.products ?? []),
      audienceMode: audienceModeOf(input.audienceMode, this.settings.EMBARGO_AUDIENCE),
      publicAt,
      timeZone: input.timeZone,
      overLimitReason,
      limitCountedFrom,
      status: 'active',
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
      endedAt: null,
    });
    await manager.insert(Embargo, embargo);
    const [{ number }] = (await manager.query('SELECT number FROM embargo WHERE id = $1', [embargo.id])) as {
      number: number;
    }[];
    embargo.number = number;
    await this.audit.append(manager, {
      actor,
      action: 'embargo.created',
      subject: `embargo:${embargo.id}`,
      details: {
        number,
        cveIds,
        cvss: cvss && { vector: cvss.vector, score: cvss.score, severity: cvss.severity },
        publicAt: publicAt.toISOString(),
        timeZone: input.timeZone,
        overLimitReason,
        limitCountedFrom: limitCountedFrom.toISOString(),
        ...(nonWorkingDay ? { nonWorkingDayKept: nonWorkingDay } : {}),
        audience: { mode: embargo.audienceMode, products: embargo.products },
      },
    });
    return embargo;
  }

  /** Moves the public moment later; the reason is recorded (and is the reason for a long embargo). */
  async extend(
    manager: EntityManager,
    id: string,
    change: { publicAt: string; timeZone: string; reason: string; acceptNonWorkingDay?: boolean },
    actor: Actor,
    now = new Date(),
  ): Promise<{ embargo: Embargo; previous: Date }> {
    const embargo = await this.activeForUpdate(manager, id);
    const reason = text(change.reason, 'reason', TEXT_MAX);
    if (reason.length < MIN_REASON) throw invalid('Say why the embargo is extended.', 'reason');
    const publicAt = publicMoment(change.publicAt, change.timeZone);
    if (publicAt.getTime() <= embargo.publicAt.getTime()) {
      throw invalid(
        `An extension moves the public date later than ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}.`,
        'publicAt',
      );
    }
    const overLimit = this.isOverLimit(embargo.limitCountedFrom, publicAt, change.timeZone);
    const nonWorkingDay = this.publicMoments.require(publicAt, change.timeZone, change.acceptNonWorkingDay);
    const previous = embargo.publicAt;
    Object.assign(embargo, {
      publicAt,
      timeZone: change.timeZone,
      overLimitReason: overLimit ? reason : embargo.overLimitReason,
      updatedAt: now,
    });
    await manager.update(Embargo, embargo.id, {
      publicAt,
      timeZone: embargo.timeZone,
      overLimitReason: embargo.overLimitReason,
      updatedAt: now,
    });
    await this.audit.append(manager, {
      actor,
      action: 'embargo.extended',
      subject: `embargo:${embargo.id}`,
      details: {
        from: previous.toISOString(),
        to: publicAt.toISOString(),
        timeZone: change.timeZone,
        reason,
        ...(nonWorkingDay ? { nonWorkingDayKept: nonWorkingDay } : {}),
      },
    });
    return { embargo, previous };
  }

  /** The information is public: the embargo ends. */
  lift(manager: EntityManager, id: string, actor: Actor, now = new Date()): Promise<Embargo> {
    return this.end(manager, id, 'lifted', actor, now, {});
  }

  /** A leak made it public early (a confirmed leak report says which). */
  markBroken(manager: EntityManager, id: string, reason: string, actor: Actor, now = new Date()): Promise<Embargo> {
    const why = text(reason, 'reason', TEXT_MAX);
    if (why.length < MIN_REASON) throw invalid('Say how the embargo was broken.', 'reason');
    return this.end(manager, id, 'broken', actor, now, { reason: why });
  }

  /** Business days (listed holidays skipped) from `from` to the public moment, against MAX_EMBARGO_BUSINESS_DAYS. */
  isOverLimit(from: Date, publicAt: Date, timeZone: string): boolean {
    return (
      businessDaysBetween(from, publicAt, timeZone, this.publicMoments.holidays) >
      this.settings.MAX_EMBARGO_BUSINESS_DAYS
    );
  }

  private checkLength(from: Date, publicAt: Date, timeZone: string, given?: string | null): string | null {
    if (!this.isOverLimit(from, publicAt, timeZone)) return null;
    const reason = text(given ?? '', 'overLimitReason', TEXT_MAX);
    if (reason.length < MIN_REASON) {
      const days = businessDaysBetween(from, publicAt, timeZone, this.publicMoments.holidays);
      throw invalid(
        `This embargo runs ${days} business days, past the ${this.settings.MAX_EMBARGO_BUSINESS_DAYS} the policy allows without a reason: give one.`,
        'overLimitReason',
      );
    }
    return reason;
  }

  private async end(
    manager: EntityManager,
    id: string,
    status: Exclude<EmbargoStatus, 'active'>,
    actor: Actor,
    now: Date,
    details: Record<string, unknown>,
  ): Promise<Embargo> {
    const embargo = await this.activeForUpdate(manager, id);
    Object.assign(embargo, { status, endedAt: now, updatedAt: now });
    await manager.update(Embargo, embargo.id, { status, endedAt: now, updatedAt: now });
    // Mail held for members who had not acknowledged the policy is never delivered after the end.
    const heldWithdrawn = await this.heldMail.withdrawForEmbargo(manager, embargo.id);
    await this.audit.append(manager, {
      actor,
      action: `embargo.${status}`,
      subject: `embargo:${embargo.id}`,
      details: { number: embargo.number, agreedPublicAt: embargo.publicAt.toISOString(), heldWithdrawn, ...details },
    });
    return embargo;
  }

  private async activeForUpdate(manager: EntityManager, id: string): Promise<Embargo> {
    const embargo = /^[0-9a-f-]{36}$/i.test(id)
      ? await manager.findOne(Embargo, { where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!embargo) throw new DomainError('NOT_FOUND', 'There is no such embargo.');
    if (embargo.status !== 'active') throw new DomainError('WRONG_STATE', `This embargo is already ${embargo.status}.`);
    return embargo;
  }
}
