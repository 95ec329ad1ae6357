import { Inject, Injectable } from '@nestjs/common';
import { SETTINGS, Settings } from '@cordon/config';
import { inspectPublicKey, KeyDetails } from '@cordon/crypto';
import { Outbox } from '@cordon/delivery';
import { DomainError } from '@cordon/errors';
import { messageText } from '../report-content';
import { Report } from '../report.entity';
import { TriageContext, TriageStep } from './triage-step';

/** Whom a maintainer writes to about a report: its reporter, or a named outside party with its key. */
export type MessageRecipient = { kind: 'reporter' } | { kind: 'outsider'; name: string; email: string; key: string };

interface CheckedOutsider {
  name: string;
  email: string;
  key: KeyDetails;
}

const NAME_MAX = 200;
// One bare addr-spec (RFC 5322 §3.4.1), as the Outbox takes: one party, one address.
const BARE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/;
const ARMORED_PUBLIC_KEY = /^-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]+-----END PGP PUBLIC KEY BLOCK-----$/;

/**
 * A maintainer writes, through the list, to the reporter or to another party outside the list (an
 * affected dependency's upstream, say) about a report (issue 13, "Talking to outsiders through the
 * list"). The reporter is written to as always (ReporterMail). An outsider gets the message only
 * encrypted to the key the maintainer gives, checked by the key policy, and signed by the list key:
 * without a usable key nothing is sent (docs/architecture.md, invariant 1). Either message is kept,
 * sealed, in the report's history; the reporter's page never shows what went to an outsider.
 */
@Injectable()
export class MessageParty {
  constructor(
    private readonly triage: TriageStep,
    private readonly outbox: Outbox,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async execute(
    reportId: string,
    maintainerId: string,
    to: MessageRecipient,
    text: string,
    now = new Date(),
  ): Promise<void> {
    const message = messageText(text, 'text', 20_000, 'Write the message.');
    if (to?.kind === 'reporter') {
      return this.triage.run(reportId, maintainerId, now, (context) => this.toReporter(context, message));
    }
    if (to?.kind !== 'outsider') throw new DomainError('INVALID_INPUT', 'Choose whom to write to.', 'to');
    const outsider = await checkedOutsider(to);
    return this.triage.run(reportId, maintainerId, now, (context) => this.toOutsider(context, outsider, message));
  }

  private async toReporter(context: TriageContext, message: string): Promise<void> {
    await touch(context);
    await context.event('message_to_reporter', true, { text: message });
    await context.audit('message_sent', { to: 'reporter' });
    await context.tell({
      purpose: 'report.message',
      subject: `Your vulnerability report ${context.reference}`,
      text: [
        `The project's maintainers wrote about your report ${context.reference}:`,
        '',
        message,
        '',
        // A closed report takes no more replies (ReporterReply): it is not offered.
        context.report.closedAt
          ? 'The report is closed; its page keeps the whole exchange.'
          : 'You can answer on the report’s page.',
      ].join('\n'),
    });
  }

  private async toOutsider(context: TriageContext, outsider: CheckedOutsider, message: string): Promise<void> {
    await touch(context);
    await context.event('message_to_outsider', false, {
      text: message,
      to: { name: outsider.name, email: outsider.email },
      keyFingerprint: outsider.key.fingerprint,
    });
    await context.audit('message_sent', { to: 'outsider', email: outsider.email, key: outsider.key.fingerprint });
    await this.outbox.send(context.manager, {
      purpose: 'report.outsider_message',
      to: outsider.email,
      recipientKey: outsider.key.armored,
      subject: `A message from ${this.settings.LIST_NAME}`,
      text: [
        `Dear ${outsider.name},`,
        '',
        message,
        '',
        '--',
        `The project's maintainers wrote this through ${this.settings.LIST_NAME} (${this.settings.LIST_ADDRESS}), about a private vulnerability report.`,
        'It is under embargo: please keep it to those who need it until the issue is public.',
      ].join('\n'),
    });
  }
}

async function touch(context: TriageContext): Promise<void> {
  await context.manager.update(Report, context.report.id, { updatedAt: context.now });
}

/** The outside party as given, checked: a name, one address, and a key the key policy takes for it. */
async function checkedOutsider(to: { name: string; email: string; key: string }): Promise<CheckedOutsider> {
  const name = typeof to.name === 'string' ? to.name.normalize('NFC').trim() : '';
  // eslint-disable-next-line no-control-regex
  if (!name || name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new DomainError('INVALID_INPUT', `Name the party you write to, in at most ${NAME_MAX} characters.`, 'name');
  }
  const email = typeof to.email === 'string' ? to.email.trim() : '';
  if (email.length > 254 || !BARE_ADDRESS.test(email)) {
    throw new DomainError('INVALID_INPUT', 'Give one e-mail address, such as security@example.org.', 'email');
  }
  const armored = typeof to.key === 'string' ? to.key.trim() : '';
  if (!ARMORED_PUBLIC_KEY.test(armored)) {
    throw new DomainError(
      'INVALID_INPUT',
      'Paste the party’s OpenPGP public key, armored (`gpg --armor --export ADDRESS`): the message goes only encrypted to it.',
      'key',
    );
  }
  try {
    const { details } = await inspectPublicKey(armored, { requireAddress: email });
    return { name, email, key: details };
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.code, error.message, 'key');
    throw error;
  }
}
