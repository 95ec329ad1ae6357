import { parseSettings, SettingsError } from './settings';

describe('PUBLIC_HOLIDAYS', () => {
  it('is empty unless set: weekends only', () => {
    expect(parseSettings({}, '/srv/cordon').PUBLIC_HOLIDAYS).toEqual([]);
  });

  it('takes date-holidays countries, states and regions, upper-cased, each once', () => {
    expect(parseSettings({ PUBLIC_HOLIDAYS: 'de, DE-BY,us-ca,DE' }, '/srv/cordon').PUBLIC_HOLIDAYS).toEqual([
      'DE',
      'DE-BY',
      'US-CA',
    ]);
  });

  it.each(['XX', 'DE-ZZ', 'DE-BY-NOPE', 'DE-BY-A-B'])('refuses %s at start-up, naming the setting', (value) => {
    expect(() => parseSettings({ PUBLIC_HOLIDAYS: value }, '/srv/cordon')).toThrow(SettingsError);
    expect(() => parseSettings({ PUBLIC_HOLIDAYS: value }, '/srv/cordon')).toThrow(
      /^Invalid setting PUBLIC_HOLIDAYS: .* is not a holiday list of date-holidays/,
    );
  });
});
