import { isFailedSignature, isWorkLimit, REFUSALS, refusalCodes } from './refusal-catalogue';

// One catalogue of refusal codes (docs/architecture.md, "Errors and refusals"); what a reader
// decides from a refusal it decides from these flags, never from the message.
describe('the refusal catalogue', () => {
  it('lists each code once, in upper snake case, each saying what it means', () => {
    expect(new Set(refusalCodes).size).toBe(refusalCodes.length);
    for (const code of refusalCodes) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(REFUSALS[code].means.length).toBeGreaterThan(0);
    }
  });

  it('marks as work limits exactly the refusals of too many key packets or signatures', () => {
    expect(refusalCodes.filter(isWorkLimit)).toEqual(['TOO_MANY_KEY_PACKETS', 'TOO_MANY_SIGNATURES']);
  });

  it('marks as failed signatures those where a known key signed and the signature failed', () => {
    expect(refusalCodes.filter(isFailedSignature)).toEqual(['BAD_SIGNATURE', 'SIGNATURE_TOO_OLD']);
  });
});
