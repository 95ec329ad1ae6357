import { parseSettings } from '@cordon/config';
import { DrillAckStatement } from './drill-ack-statement';
import { drillStatement } from './start-drill';

describe('a drill answer mailed to -ack', () => {
  const handler = new DrillAckStatement({} as never, {} as never, {} as never, {} as never, {} as never);

  it('is the statement the drill mail asks for, wherever it stands in the signed text', () => {
    expect(drillStatement(7)).toBe('Drill 7 received');
    expect(handler.matches(drillStatement(7))).toBe(true);
    expect(handler.matches('Hello,\n\ndrill 12 RECEIVED, thanks.\n\n-- \nDistro A')).toBe(true);
  });

  it('is not a policy acknowledgement, an embargo status, nor a drill named without its number', () => {
    expect(handler.matches('I acknowledge version 2 of the Embargo Policy of distributors@example.org.')).toBe(false);
    expect(handler.matches('Status EMB-3: affected')).toBe(false);
    expect(handler.matches('Drill received')).toBe(false);
    expect(handler.matches('Drill 1 not received')).toBe(false);
    expect(handler.matches('Drill 12345678901 received')).toBe(false);
  });
});

describe('DRILL_HOURS', () => {
  it('defaults to 48 and takes a whole number of hours up to 720', () => {
    expect(parseSettings({}, process.cwd()).DRILL_HOURS).toBe(48);
    expect(parseSettings({ DRILL_HOURS: '72' }, process.cwd()).DRILL_HOURS).toBe(72);
    for (const value of ['0', '1.5', '721', 'two days']) {
      expect(() => parseSettings({ DRILL_HOURS: value }, process.cwd())).toThrow(/DRILL_HOURS/);
    }
  });
});
