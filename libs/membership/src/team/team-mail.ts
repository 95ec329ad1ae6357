/** The words of the mail a team member gets; it goes out encrypted to the team member's own key. */
export const teamMail = {
  acknowledgeRequest: (
    listName: string,
    who: { name: string; organisation: string; memberEmail: string },
    policy: { version: number; sha256: string },
    link: string,
    hours: number,
  ) => ({
    subject: `Acknowledge the Embargo Policy of ${listName}`,
    text: [
      `Hello ${who.name},`,
      ``,
      `${who.organisation} (${who.memberEmail}) registered you as a member of its team who needs to know`,
      `what ${listName}, an embargoed distributor list, tells it about security issues before they are public.`,
      ``,
      `Before anything from the list may be shared with you, you must agree to the same terms: the`,
      `Embargo Policy, version ${policy.version} (SHA-256 ${policy.sha256}).`,
      `Read it and acknowledge it here:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. If you did not expect this, ignore this message:`,
      `nothing is shared with you until you acknowledge.`,
    ].join('\n'),
  }),
};
