/**
 * The words of a member's change of address. Both go out encrypted to the member's key: the proof
 * to the new mailbox (reading it proves that mailbox is the member's), the notice to the old one.
 */
export const emailChangeMail = {
  proof: (listName: string, organisation: string, from: string, to: string, link: string, hours: number) => ({
    subject: `Confirm your new address for ${listName}`,
    text: [
      `Hello,`,
      ``,
      `In a member session of ${listName}, ${organisation} asked to move its contact address`,
      ``,
      `  from: ${from}`,
      `  to:   ${to}`,
      ``,
      `This message went to the new address, encrypted to your key. Following this link proves you`,
      `read mail there, and makes it the address all list mail to you goes to, from then on:`,
      ``,
      `  ${link}`,
      ``,
      `The link works once and expires in ${hours} hours. Until it is followed, list mail keeps going`,
      `to ${from}. If you did not ask for this, ignore this message and tell the maintainers.`,
    ].join('\n'),
  }),
  changed: (listName: string, organisation: string, from: string, to: string) => ({
    subject: `Your address on ${listName} was changed`,
    text: [
      `Hello,`,
      ``,
      `The contact address of ${organisation} on ${listName} was changed, in a member session, by`,
      `following a link mailed to the new address and encrypted to your key.`,
      ``,
      `  old address: ${from}`,
      `  new address: ${to}`,
      ``,
      `This is the last list mail to the old address. If you did not do this, tell the maintainers at once.`,
    ].join('\n'),
  }),
};
