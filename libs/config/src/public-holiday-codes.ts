import Holidays from 'date-holidays';

/**
 * PUBLIC_HOLIDAYS (README, settings): comma-separated holiday lists of the date-holidays package,
 * each a country code, optionally with a state and a region ("DE", "DE-BY", "US-CA"). Returns the
 * codes upper-cased and without duplicates, or the first one the package does not know.
 */
export function publicHolidayCodes(value: string): { codes: string[] } | { unknown: string } {
  const codes = [
    ...new Set(
      value
        .split(',')
        .map((code) => code.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
  const lists = new Holidays();
  for (const code of codes) {
    const [country, state, region, ...rest] = code.split('-');
    const known =
      rest.length === 0 &&
      has(lists.getCountries('en'), country) &&
      (state === undefined || has(lists.getStates(country, 'en'), state)) &&
      (region === undefined || has(lists.getRegions(country, state, 'en'), region));
    if (!known) return { unknown: code.slice(0, 40) };
  }
  return { codes };
}

function has(names: Record<string, string> | undefined, code: string): boolean {
  return Boolean(names && Object.prototype.hasOwnProperty.call(names, code));
}
