/**
 * The words of the re-attestation mail (issue 6, "Watch it"). Each goes out encrypted to its
 * recipient's key; none quotes a member's evidence.
 */
export const reattestationMail = {
  request: (listName: string, organisation: string, link: string, graceDays: number) => ({
    subject: `Please confirm your membership of ${listName}`,
    text: [
      `Hello,`,
      ``,
      `Once a year every member of ${listName} confirms that the membership criteria still hold`,
      `for it: an active distributor of the project, with users beyond its own organisation, a public`,
      `track record of fixing security issues up to today, not a downstream or rebuild of another`,
      `distributor, and taking part in the project's community.`,
      ``,
      `Please confirm them for ${organisation}, and update your evidence if it changed: sign in to`,
      `your member pages (the sign-in link is mailed to you, encrypted to this key) and open`,
      `"Re-attest":`,
      ``,
      `  ${link}`,
      ``,
      `If the criteria are not confirmed within ${graceDays} days, the membership is suspended (no list`,
      `mail reaches you) until they are.`,
    ].join('\n'),
  }),
  suspended: (listName: string, organisation: string, link: string) => ({
    subject: `Your membership of ${listName}: suspended until you re-attest`,
    text: [
      `Hello,`,
      ``,
      `The membership criteria were not confirmed for ${organisation} within the time given, so its`,
      `membership of ${listName} is suspended: no list mail reaches you from now on.`,
      ``,
      `Confirming them reinstates the membership at once: sign in to your member pages and open`,
      `"Re-attest":`,
      ``,
      `  ${link}`,
    ].join('\n'),
  }),
  reinstated: (listName: string, organisation: string) => ({
    subject: `Your membership of ${listName}: active again`,
    text: [
      `Hello,`,
      ``,
      `Thank you: the membership criteria are confirmed for ${organisation}, and its membership of`,
      `${listName} is active again. List mail reaches you again while you have acknowledged the`,
      `current Embargo Policy.`,
    ].join('\n'),
  }),
  maintainerNotice: (
    listName: string,
    event: 'suspended' | 'reinstated',
    member: { organisation: string; email: string },
    link: string,
  ) => ({
    subject:
      event === 'suspended'
        ? `[${listName}] Suspended, not re-attested: ${member.organisation}`
        : `[${listName}] Re-attested and reinstated: ${member.organisation}`,
    text: [
      event === 'suspended'
        ? `${member.organisation} <${member.email}> did not confirm membership criteria 1–5 within the grace period`
        : `${member.organisation} <${member.email}> confirmed membership criteria 1–5 in self-service`,
      event === 'suspended'
        ? `after it was asked, and is suspended until it does (confirming reinstates it).`
        : `and, having been suspended only for not doing so, is active again.`,
      ``,
      `Members and their re-attestation: ${link}`,
    ].join('\n'),
  }),
};
