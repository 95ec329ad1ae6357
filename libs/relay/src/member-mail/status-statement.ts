import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import {
  EmbargoMemberStatus,
  EmbargoTags,
  embargoTag,
  MemberStatusInput,
  publicMoment,
  SetMemberEmbargoStatus,
  statusWords,
} from '@cordon/embargo';
import { DomainError } from '@cordon/errors';
import { MemberLookup } from '@cordon/membership';
import { InboundMessage, ListAddresses } from '../ingress';
import { OpenedMail } from '../open';
import { AckStatementHandler, AckStatements } from './ack-statements';
import { MemberMailRefusal } from './member-mail-refusals';

/** A status line: `Status EMB-3: fixed in 1.2.4`, anywhere in the signed text, on a line of its own. */
const STATUS_LINE = /^[ \t]*Status[ \t]+EMB-(\d{1,9})[ \t]*:[ \t]*(.*?)[ \t]*$/gim;

/** What a status statement says, or why it cannot be read; the embargo by its number. */
export type ParsedStatus = { number: number; input: MemberStatusInput; zone?: string } | { error: string };

/**
 * Reads `Status EMB-<n>: affected | not affected | fixed in <version> | will publish at
 * <YYYY-MM-DD HH:MM Zone/Name>` (case aside). One statement a message: two lines are refused, not
 * guessed between.
 */
export function parseStatusStatement(text: string): ParsedStatus {
  const lines = [...text.matchAll(STATUS_LINE)];
  if (lines.length !== 1) return { error: 'Send one status line a message.' };
  const [, digits, said] = lines[0];
  const number = Number(digits);
  const words = said.replace(/\s+/g, ' ').trim();
  if (/^affected$/i.test(words)) return { number, input: { status: 'affected' } };
  if (/^not affected$/i.test(words)) return { number, input: { status: 'not_affected' } };
  const fixed = /^fixed in (.+)$/i.exec(words);
  if (fixed) return { number, input: { status: 'fixed', fixedVersion: fixed[1] } };
  const publish = /^will publish at (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) (\S+)$/i.exec(words);
  if (publish) {
    try {
      const at = publicMoment(`${publish[1]}T${publish[2]}`, publish[3]);
      return { number, input: { status: 'will_publish', publishAt: at }, zone: publish[3] };
    } catch (error) {
      if (error instanceof DomainError) return { error: error.message };
      throw error;
    }
  }
  return { error: 'The status says neither affected, not affected, fixed in <version> nor will publish at a moment.' };
}

/**
 * A member's status for an embargo, by signed mail to `-ack` (issue 14): the handler registers
 * itself with AckStatements, and the embargo lib's SetMemberEmbargoStatus decides (a running
 * embargo, a member in its audience) and records it. The member gets an encrypted confirmation;
 * a statement that cannot count is refused and changes nothing.
 */
@Injectable()
export class StatusStatement implements AckStatementHandler {
  readonly name = 'embargo status';

  constructor(
    statements: AckStatements,
    private readonly tags: EmbargoTags,
    private readonly setStatus: SetMemberEmbargoStatus,
    private readonly outbox: Outbox,
    private readonly addresses: ListAddresses,
    private readonly mailboxes: MemberLookup,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {
    statements.register(this);
  }

  matches(text: string): boolean {
    return /^[ \t]*Status[ \t]+EMB-\d+[ \t]*:/im.test(text);
  }

  async handle(
    manager: EntityManager,
    _inbound: InboundMessage,
    opened: OpenedMail,
    memberId: string,
    text: string,
  ): Promise<MemberMailRefusal | null> {
    const parsed = parseStatusStatement(text);
    if ('error' in parsed) return this.refusal('INVALID_STATUS', parsed.error);
    const embargo = await this.tags.named(manager, parsed.number);
    if (!embargo) return this.refusal('UNKNOWN_EMBARGO', `There is no embargo ${embargoTag(parsed.number)}.`);
    let row: EmbargoMemberStatus;
    try {
      row = await this.setStatus.execute(embargo.id, memberId, parsed.input, 'mail', `member:${memberId}`, manager);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return this.refusal('INVALID_STATUS', error.message);
    }
    await this.confirm(manager, memberId, parsed.number, row, parsed.zone, opened);
    return null;
  }

  private refusal(code: MemberMailRefusal['code'], message: string): MemberMailRefusal {
    return { code, message, advice: this.advice() };
  }

  private async confirm(
    manager: EntityManager,
    memberId: string,
    number: number,
    row: EmbargoMemberStatus,
    zone: string | undefined,
    opened: OpenedMail,
  ): Promise<void> {
    const member = await this.mailboxes.byId(manager, memberId);
    if (!member) return;
    try {
      await this.outbox.send(manager, {
        purpose: 'relay.status_confirmed',
        to: member.email,
        recipientKey: member.keyArmored,
        subject: `Your status for ${embargoTag(number)}`,
        text: [
          `Recorded: your status for ${embargoTag(number)} on ${this.settings.LIST_ADDRESS} is now "${statusWords(row, zone)}".`,
          `The maintainers see it; a new signed statement replaces it while the embargo runs.`,
          ``,
          `Signed with key: ${opened.signer.signerFingerprint}`,
          `Signed at: ${opened.signer.signedAt.toISOString()}`,
        ].join('\n'),
      });
    } catch (error) {
      // A key that can sign but no longer encrypt: the status stands, unconfirmed.
      if (!(error instanceof DomainError)) throw error;
    }
  }

  private advice(): string {
    return [
      `To state your status for an embargo by mail, send ${this.addresses.ack} a message signed with the key`,
      `registered for your membership whose text has one line such as`,
      `  Status EMB-3: affected`,
      `  Status EMB-3: not affected`,
      `  Status EMB-3: fixed in 1.2.4-1`,
      `  Status EMB-3: will publish at 2027-01-10 14:00 Europe/Berlin`,
      `Or set it on your embargoes page, after asking for a sign-in link at ${this.settings.publicUrl}/member.`,
    ].join('\n');
  }
}
