import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { formatPublicMoment } from './embargo-clock';
import { embargoTag } from './embargo-queries';
import { Embargo } from './embargo.entity';
import { EditedField, memberRelevantFields } from './embargo-edits';
import { RecipientSelector } from './recipients';
import { EmbargoAudiences } from './audience/embargo-audiences';

/**
 * Tells the members of a change to an embargo, each copy encrypted to the member alone, in the
 * transaction of the change. The recipients are exactly those of list mail (RecipientSelector):
 * an embargo's title and date are embargoed information too.
 */
@Injectable()
export class EmbargoNotices {
  private readonly audiences = new EmbargoAudiences();

  constructor(
    private readonly selector: RecipientSelector,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  extended(manager: EntityManager, embargo: Embargo, previous: Date, reason: string): Promise<number> {
    const tag = embargoTag(embargo.number);
    return this.tellAudience(manager, embargo, 'embargo.extended', `[${tag}] Embargo extended: ${embargo.title}`, [
      `The embargo ${tag}, "${embargo.title}", is extended.`,
      ``,
      `Public date, as agreed now: ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}`,
      `It was:                     ${formatPublicMoment(previous, embargo.timeZone)}`,
      ``,
      `Why: ${reason}`,
      ``,
      `Until then nothing of it may be shared beyond your team members who have acknowledged the`,
      `${this.settings.LIST_NAME} Embargo Policy.`,
    ]);
  }

  lifted(manager: EntityManager, embargo: Embargo): Promise<number> {
    const tag = embargoTag(embargo.number);
    return this.tellAudience(manager, embargo, 'embargo.lifted', `[${tag}] Embargo lifted: ${embargo.title}`, [
      `The embargo ${tag}, "${embargo.title}", is lifted: the information is public now.`,
      ...(embargo.cveIds.length ? [``, `CVE: ${embargo.cveIds.join(', ')}`] : []),
      ``,
      `The agreed public date was ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}.`,
      `You may publish your fixes and advisories.`,
    ]);
  }

  /**
   * A change members must know of while the embargo runs (issue 14): the CVE IDs, the versions or
   * the mitigations, with their values now. Other changes (title, description, references) are
   * not mailed; they answer 0.
   */
  changed(manager: EntityManager, embargo: Embargo, changed: readonly EditedField[]): Promise<number> {
    const told = memberRelevantFields.filter((field) => changed.includes(field));
    if (embargo.status !== 'active' || !told.length) return Promise.resolve(0);
    const tag = embargoTag(embargo.number);
    const value: Record<string, string[]> = {
      cveIds: [`CVE: ${embargo.cveIds.join(', ') || 'none'}`],
      affectedVersions: [`Affected versions: ${embargo.affectedVersions || 'not stated'}`],
      fixedVersions: [`Fixed in: ${embargo.fixedVersions || 'not stated'}`],
      mitigations: ['Mitigations:', embargo.mitigations || 'none stated'],
    };
    return this.tellAudience(manager, embargo, 'embargo.changed', `[${tag}] Embargo changed: ${embargo.title}`, [
      `The maintainers changed the embargo ${tag}, "${embargo.title}". Now:`,
      ...told.flatMap((field) => [``, ...value[field]]),
      ``,
      `Public date, unchanged: ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}`,
      `Until then nothing of it may be shared beyond your team members who have acknowledged the`,
      `${this.settings.LIST_NAME} Embargo Policy.`,
    ]);
  }

  /**
   * A leak broke the embargo (issue 14): the audience learns at once, with the moment in UTC and
   * in the embargo's zone, that the information is out and they may publish.
   */
  broken(manager: EntityManager, embargo: Embargo): Promise<number> {
    const tag = embargoTag(embargo.number);
    const endedAt = embargo.endedAt ?? new Date();
    return this.tellAudience(manager, embargo, 'embargo.broken', `[${tag}] Embargo broken: ${embargo.title}`, [
      `The embargo ${tag}, "${embargo.title}", is broken: the maintainers confirmed a leak, and the`,
      `information is public before the agreed date.`,
      ...(embargo.cveIds.length ? [``, `CVE: ${embargo.cveIds.join(', ')}`] : []),
      ``,
      `Broken at:                  ${formatPublicMoment(endedAt, embargo.timeZone)}`,
      `The agreed public date was: ${formatPublicMoment(embargo.publicAt, embargo.timeZone)}`,
      ``,
      `The embargo has ended: you may publish your fixes and advisories now.`,
    ]);
  }

  /**
   * Sends one notice about `embargo` to each member of its audience that may receive its mail now,
   * encrypted to that member alone; answers how many were queued.
   */
  async tellAudience(
    manager: EntityManager,
    embargo: Embargo,
    purpose: string,
    subject: string,
    lines: string[],
  ): Promise<number> {
    // The embargo as this transaction sees it: its audience, and whether it ended (a lift commits with its notice).
    const circumstances = await this.audiences.of(manager, embargo.id);
    const { recipients } = await this.selector.select(manager, new Date(), circumstances);
    for (const member of recipients) {
      await this.outbox.send(manager, {
        purpose,
        to: member.email,
        recipientKey: member.key.armor(),
        subject,
        text: lines.join('\n'),
      });
    }
    return recipients.length;
  }
}
