import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SETTINGS, Settings } from '@cordon/config';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { acknowledgementStatement, Policies } from './policies';
import { PolicyVersion } from './policy-version.entity';
import { PolicyReaders } from './policy-readers';

/** Far more than any policy needs; a bound on what is stored, hashed and mailed to every member. */
export const POLICY_MAX = 50_000;

/**
 * Browsers send a textarea's line breaks as CRLF (HTML, "form submission"), the CLI and files as
 * LF: the text is stored with LF only, so the same words always have the same SHA-256.
 */
export function normalisePolicyText(body: string): string {
  return body.replace(/\r\n?/g, '\n');
}

/**
 * A maintainer publishes the next version of the Embargo Policy (issue 5). Every active member
 * whose key can be encrypted to is told, encrypted, in the same transaction, that the new version
 * needs its acknowledgement and how to give it: until it does, list mail to it is held.
 */
@Injectable()
export class PublishPolicy {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: Policies,
    private readonly readers: PolicyReaders,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** `basedOn` is the version the maintainer saw the diff against: a publish in between is refused. */
  async execute(
    body: string,
    basedOn: number,
    maintainerId: string,
  ): Promise<{ policy: PolicyVersion; membersTold: number }> {
    const text = normalisePolicyText(body);
    if (!text.trim()) throw new DomainError('INVALID_INPUT', 'Write the text of the new version.', 'body');
    if (text.length > POLICY_MAX) {
      throw new DomainError('INVALID_INPUT', `The policy must be at most ${POLICY_MAX} characters.`, 'body');
    }
    return this.dataSource.transaction(async (manager) => {
      const current = await this.policies.current(manager);
      if (current.version !== basedOn) {
        throw new DomainError(
          'INVALID_INPUT',
          `Version ${current.version} was published meanwhile. Compare your text with it and preview again.`,
          'body',
        );
      }
      if (current.body === text) {
        throw new DomainError(
          'INVALID_INPUT',
          `This is the text of version ${current.version} as it stands. Change it before publishing.`,
          'body',
        );
      }
      const policy = await this.policies.publish(manager, text, `maintainer:${maintainerId}`);
      const members = await this.readers.of(manager);
      for (const member of members) {
        await this.outbox.send(manager, {
          purpose: 'policy.published',
          to: member.email,
          recipientKey: member.keyArmored,
          ...this.notice(policy),
        });
      }
      return { policy, membersTold: members.length };
    });
  }

  private notice(policy: PolicyVersion): { subject: string; text: string } {
    const [local, domain] = this.settings.LIST_ADDRESS.split('@');
    const list = this.settings.LIST_NAME;
    return {
      subject: `${list}: Embargo Policy version ${policy.version} needs your acknowledgement`,
      text: [
        `Hello,`,
        ``,
        `The maintainers of ${list} published version ${policy.version} of the Embargo Policy`,
        `(SHA-256 ${policy.sha256}). Its text is below.`,
        ``,
        `Until you acknowledge it, list mail to you is held: it is delivered once you do, while its`,
        `embargo still runs. Acknowledge it in either of two ways:`,
        ``,
        `- Ask for a sign-in link at ${this.settings.publicUrl}/member (it is mailed to you, encrypted`,
        `  to this key), and acknowledge the policy in the session it opens.`,
        `- Or mail ${local}-ack@${domain} a message signed with your key (PGP/MIME or inline,`,
        `  encrypted to the list key or not) whose text says:`,
        `  "${acknowledgementStatement(policy, this.settings.LIST_ADDRESS)}"`,
        ``,
        `The people in your team who need to know must agree to the new version too: send them a new`,
        `link from the team page of your member session.`,
        ``,
        `--- Embargo Policy, version ${policy.version} ---`,
        ``,
        policy.body,
      ].join('\n'),
    };
  }
}
