/**
 * A member's history as a maintainer reads it (issue 11): one sentence per audit entry, built from
 * its action and the facts in its details, instead of the entry's JSON. The audit log itself is
 * unchanged; `cordon audit verify` and the API still give the entries as recorded. An action this
 * table does not know reads as its name in words, with its facts after it.
 */
type Details = Record<string, unknown>;

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value);
const day = (value: unknown): string => text(value).slice(0, 10);
const key = (value: unknown): string => (value ? ` (key ${text(value)})` : '');
const because = (details: Details): string => (details.reason ? `: ${text(details.reason)}` : '');
const version = (details: Details): string => (details.version ?? details.policyVersion) as string;
const how = (details: Details): string => (details.how ? ` (${text(details.how).replace(/_/g, ' ')})` : '');

// A Map, so that an action named like an Object property (`constructor`) is not taken for one.
const sentences = new Map<string, (details: Details) => string>(
  Object.entries({
    'application.submitted': (d) => `Applied to join${key(d.keyFingerprint)}.`,
    'application.confirmed': () => 'Confirmed the application from the encrypted link.',
    'application.info_requested': () => 'The maintainers asked for more information.',
    'application.info_given': () => 'Answered the request for more information.',
    'application.commented': () => 'A maintainer commented on the application.',
    'application.approved': (d) => `The application was approved${key(d.keyFingerprint)}.`,
    'application.rejected': (d) => `The application was rejected${because(d)}.`,
    'application.status_link_resent': () => 'A second application was refused; the status link was mailed again.',
    'member.created': () => 'Became a member.',
    'member.imported': (d) => `Was brought over as a member${key(d.keyFingerprint)}.`,
    'member.suspended': (d) => `Was suspended${because(d)}.`,
    'member.reinstated': (d) => `Was reinstated${because(d)}.`,
    'member.removed': (d) => `Was removed from the list${because(d)}.`,
    'member.left': () => 'Left the list at its own request.',
    'member.banned': () => 'Was banned: its organisation, addresses and keys cannot apply again.',
    'member.strike_added': (d) => `A confirmed leak counted against it (strike ${text(d.strikes)}).`,
    'member.key_proposed': (d) =>
      `Proposed a new key${key(d.keyFingerprint ?? d.fingerprint)}, to be proved by an encrypted link.`,
    'member.key_replaced': (d) => `Replaced its key${key(d.keyFingerprint ?? d.fingerprint ?? d.to)}.`,
    'member.email_change_proposed': (d) =>
      `Asked to move its address to ${text(d.to)}, to be proved by a link mailed there.`,
    'member.email_changed': (d) => `Moved its address from ${text(d.from)} to ${text(d.to)}.`,
    'member.key_expiry_warned': (d) =>
      `Was warned that its key expires on ${day(d.expiresAt)} (${text(d.daysBefore)} days before).`,
    'member.reattestation_requested': () => 'Was asked to confirm that membership criteria 1–5 still hold.',
    'member.reattested': () => 'Confirmed that membership criteria 1–5 still hold.',
    'member.sign_in_link_sent': () => 'Asked for a sign-in link, mailed encrypted.',
    'member.signed_in': () => 'Signed in to the member pages.',
    'member.signed_out': () => 'Signed out of the member pages.',
    'member.mail_stopped': () => 'Mail to it was stopped.',
    'policy.acknowledged': (d) => `Acknowledged the Embargo Policy, version ${text(version(d))}${how(d)}.`,
    'team_member.registered': (d) => `Registered a team member, ${text(d.email)}${key(d.keyFingerprint)}.`,
    'team_member.link_sent': (d) =>
      `A team member${d.email ? `, ${text(d.email)},` : ''} was sent its acknowledgement link.`,
    'team_member.acknowledged': (d) =>
      `A team member${d.email ? `, ${text(d.email)},` : ''} acknowledged the Embargo Policy${d.version ? `, version ${text(d.version)}` : ''}.`,
    'team_member.withdrawn': (d) => `Withdrew a team member${d.email ? `, ${text(d.email)}` : ''}.`,
    'leak.reported': (d) =>
      d.selfReported
        ? `Reported a leak of its own${d.embargo ? ` (${text(d.embargo)})` : ''}.`
        : `A leak report${d.suspectedMemberId ? ' named it' : ' came from it'}${d.embargo ? ` (${text(d.embargo)})` : ''}.`,
    'leak.confirmed': () => 'A leak report against it was confirmed.',
    'leak.dismissed': () => 'A leak report against it was dismissed.',
    'embargo.date_answered': (d) =>
      `Answered an embargo's proposed date: ${d.answer === 'accept' ? 'accepts' : d.answer === 'object' ? 'objects' : text(d.answer)}.`,
    'member_mail.acknowledgement': () => 'Acknowledged the policy by signed mail.',
    'member_mail.leak_report': () => 'Reported a leak by signed mail.',
    'member_mail.refused': (d) => `Mail in its name was refused${d.code ? ` (${text(d.code)})` : ''}.`,
    'member_answer.received': () => 'Answered the maintainers by signed, encrypted mail.',
    'member_answer.released': () => 'Its answer was released to the list.',
    'post.copy_bounced': () => 'A copy of a post to it bounced.',
    'post.copies_released': () => 'Held copies of posts were released to it.',
  } satisfies Record<string, (details: Details) => string>),
);

/** The sentence for one entry of a member's history. */
export function historySentence(action: string, details: Details): string {
  const sentence = sentences.get(action);
  if (sentence) return sentence(details);
  const facts = Object.entries(details)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([name, value]) => `${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${text(value)}`);
  const words = action.replace(/[._]+/g, ' ').trim();
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}${facts.length ? ` (${facts.join(', ')})` : ''}.`;
}
