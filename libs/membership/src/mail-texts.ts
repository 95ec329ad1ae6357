/**
 * The words of the mail the membership flow sends. Every one goes out encrypted to its recipient's
 * key (the Outbox refuses anything else); none quotes another person's evidence.
 */
export const mailTexts = {
  confirmApplication: (listName: string, organisation: string, link: string, statusLink: string, hours: number) => ({
    subject: `Confirm your application to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `Someone, hopefully you, applied for ${organisation} to join ${listName}.`,
      `Following this link proves that you read this mailbox and hold the key it was encrypted to:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. If you did not apply, ignore this message.`,
      ``,
      `You can follow your application at any time here (keep this link private):`,
      ``,
      `  ${statusLink}`,
    ].join('\n'),
  }),
  statusReminder: (listName: string, organisation: string, statusLink: string) => ({
    subject: `Your open application to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `Someone, hopefully you, tried to apply again for ${organisation} to join ${listName},`,
      `while the application below is still open. One application at a time is taken, so the`,
      `new one was not. This is the private link to the open one's status page (it replaces`,
      `the link sent before, which no longer works):`,
      ``,
      `  ${statusLink}`,
      ``,
      `If it was not you, nothing changed; the maintainers decide on the open application as before.`,
    ].join('\n'),
  }),
  vouchRequest: (
    listName: string,
    app: { organisation: string; distribution: string; website: string; contactName: string },
    link: string,
    hours: number,
  ) => ({
    subject: `Vouching request: ${app.organisation} applies to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `${app.contactName} of ${app.organisation} (${app.distribution}, ${app.website}) applied to join ${listName}`,
      `and named you as the existing member who can vouch for them.`,
      ``,
      `Please read their application and vouch for it, or decline, here:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours.`,
    ].join('\n'),
  }),
  approved: (listName: string, organisation: string) => ({
    subject: `Welcome to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `The maintainers approved the application of ${organisation}: you are now a member of ${listName}.`,
      `List mail reaches you encrypted to this key, while you have acknowledged the current Embargo Policy.`,
    ].join('\n'),
  }),
  rejected: (listName: string, organisation: string, reason: string) => ({
    subject: `Your application to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `The maintainers did not approve the application of ${organisation}.`,
      ``,
      `Their reason:`,
      ``,
      reason,
    ].join('\n'),
  }),
  infoRequested: (listName: string, question: string) => ({
    subject: `More information needed for your application to ${listName}`,
    text: [
      `Hello,`,
      ``,
      `The maintainers need more information before they can decide on your application:`,
      ``,
      question,
      ``,
      `Answer on your application's status page: the private link in the confirmation mail`,
      `and on the page shown when you applied (it is not repeated here).`,
    ].join('\n'),
  }),
  memberStatusChanged: (listName: string, status: string, reason: string) => ({
    subject: `Your membership of ${listName}: ${status}`,
    text: [
      `Hello,`,
      ``,
      `The maintainers changed your membership of ${listName} to: ${status}.`,
      ``,
      `Reason: ${reason}`,
    ].join('\n'),
  }),
};
