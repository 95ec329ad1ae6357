import { AckStatementHandler, AckStatements } from './ack-statements';

const handler = (name: string, pattern: RegExp): AckStatementHandler => ({
  name,
  matches: (text) => pattern.test(text),
  handle: () => Promise.resolve(null),
});

describe('AckStatements', () => {
  it('gives a signed text to the first handler that takes it, and none to a policy acknowledgement', () => {
    const statements = new AckStatements();
    const status = handler('status', /^Status EMB-\d+:/m);
    const drill = handler('drill', /^Drill \d+ received/m);
    statements.register(status);
    statements.register(drill);
    expect(statements.find('Status EMB-3: affected')).toBe(status);
    expect(statements.find('Hello,\nDrill 2 received\n')).toBe(drill);
    expect(statements.find('I acknowledge version 1 of the Embargo Policy of list@example.org.')).toBeUndefined();
  });

  it('refuses a second handler by the same name', () => {
    const statements = new AckStatements();
    statements.register(handler('status', /x/));
    expect(() => statements.register(handler('status', /y/))).toThrow(/status/);
  });
});
