import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { AudienceView, ChangeAudience, EmbargoAudiences } from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { normaliseProducts } from '@cordon/membership';

export type AudienceMode = 'all' | 'products';
export type AudiencePick = 'include' | 'exclude' | 'none';

/** What a maintainer asks to set; a part left out stays as it is. */
export interface AudienceChange {
  mode?: AudienceMode;
  products?: string[] | string;
  /** The whole list of members included whatever they ship. */
  include?: string[];
  /** The whole list of members excluded whatever they ship. */
  exclude?: string[];
}

type AudienceMember = AudienceView['members'][number];

/** One member's row on the embargo page: the view's, plus the affected products it ships and its pick. */
export interface AudienceRow extends AudienceMember {
  matched: string[];
  pick: AudiencePick;
}

/** The embargo page's "Audience" section (issue 14): who the embargo's posts and notices reach, and why. */
export interface AudienceSection {
  mode: AudienceMode;
  products: string[];
  members: AudienceRow[];
  /** Members in the audience, and those of them who would get a post now. */
  inAudience: number;
  reached: number;
}

/**
 * The web edge of an embargo's audience (issue 14, "An audience per embargo"), for the admin page
 * and the API: reads the audience the embargo lib computes (EmbargoAudiences), and applies a change
 * through ChangeAudience only after every part of it is checked, so that bad input changes nothing
 * (docs/architecture.md, invariant 7). A part that would change nothing is not applied, so the audit
 * log records only real changes.
 */
@Injectable()
export class AudienceChanges {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audiences: EmbargoAudiences,
    private readonly change: ChangeAudience,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** What a new embargo's audience is when the maintainer does not say (EMBARGO_AUDIENCE). */
  get defaultMode(): AudienceMode {
    return this.settings.EMBARGO_AUDIENCE;
  }

  /** The embargo's audience, its members by organisation (as the members page lists them). */
  async view(embargoId: string): Promise<AudienceView> {
    const view = await this.audiences.members(this.dataSource.manager, embargoId);
    const members = [...view.members].sort((a, b) => a.organisation.localeCompare(b.organisation, 'en'));
    return { ...view, members };
  }

  async section(embargoId: string): Promise<AudienceSection> {
    const view = await this.view(embargoId);
    const affected = new Set(view.products);
    const members = view.members.map((member) => ({
      ...member,
      matched: member.products.filter((product) => affected.has(product)),
      pick: pickOf(member),
    }));
    const inAudience = members.filter((member) => member.inAudience);
    return {
      mode: view.mode,
      products: view.products,
      members,
      inAudience: inAudience.length,
      reached: inAudience.filter((member) => member.eligible).length,
    };
  }

  /** Checks the whole change, then applies what differs from now; answers the audience after it. */
  async apply(embargoId: string, change: AudienceChange, maintainerId: string): Promise<AudienceView> {
    const now = await this.view(embargoId);
    const products = change.products === undefined ? undefined : normaliseProducts(change.products);
    const picks = change.include || change.exclude ? wantedPicks(now, change) : new Map<string, AudiencePick>();
    if (change.mode && change.mode !== now.mode) await this.change.setMode(embargoId, change.mode, maintainerId);
    if (products && products.join('\n') !== now.products.join('\n')) {
      await this.change.setProducts(embargoId, products, maintainerId);
    }
    for (const [memberId, pick] of picks) await this.change.pick(embargoId, memberId, pick, maintainerId);
    return this.view(embargoId);
  }

  /** One member's pick from the admin page's buttons. */
  async pick(embargoId: string, memberId: string, pick: AudiencePick, maintainerId: string): Promise<void> {
    const member = (await this.view(embargoId)).members.find((m) => m.memberId === memberId);
    if (!member) throw new DomainError('NOT_FOUND', 'That member is not on the list.', 'memberId');
    if (pickOf(member) !== pick) await this.change.pick(embargoId, memberId, pick, maintainerId);
  }
}

/** A member's explicit pick, as the view tells it: its reason is the pick whenever there is one. */
function pickOf(member: AudienceMember): AudiencePick {
  return member.why === 'included' ? 'include' : member.why === 'excluded' ? 'exclude' : 'none';
}

/**
 * The picks to make so that the inclusions (and exclusions) given are the whole list of them: each
 * named member gets its pick, each member picked so but not named loses it. Every id must be a
 * member on the list, and none both included and excluded.
 */
function wantedPicks(view: AudienceView, change: AudienceChange): Map<string, AudiencePick> {
  const known = new Map(view.members.map((member) => [member.memberId, pickOf(member)]));
  const include = new Set(change.include ?? []);
  const exclude = new Set(change.exclude ?? []);
  for (const [field, ids] of [
    ['include', include],
    ['exclude', exclude],
  ] as const) {
    const unknown = [...ids].filter((id) => !known.has(id));
    if (unknown.length)
      throw new DomainError('INVALID_INPUT', `No member on the list has the id ${unknown[0]}.`, field);
  }
  const both = [...include].find((id) => exclude.has(id));
  if (both) throw new DomainError('INVALID_INPUT', `Member ${both} cannot be both included and excluded.`, 'exclude');
  const wanted = new Map<string, AudiencePick>();
  for (const [memberId, current] of known) {
    let pick = current;
    if (change.include && current === 'include' && !include.has(memberId)) pick = 'none';
    if (change.exclude && current === 'exclude' && !exclude.has(memberId)) pick = 'none';
    if (include.has(memberId)) pick = 'include';
    if (exclude.has(memberId)) pick = 'exclude';
    if (pick !== current) wanted.set(memberId, pick);
  }
  return wanted;
}
