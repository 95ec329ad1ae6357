import { parseSettings, SettingsError } from './settings';

/** A fresh copy of the module (it reads CORDON_TEST_KILL_AT once), with process.kill watched. */
function killPointWith(value: string | undefined) {
  const kills: (string | number | undefined)[] = [];
  jest.spyOn(process, 'kill').mockImplementation((_pid, signal) => (kills.push(signal), true));
  let killPoint!: typeof import('./kill-point').killPoint;
  const before = process.env.CORDON_TEST_KILL_AT;
  if (value === undefined) delete process.env.CORDON_TEST_KILL_AT;
  else process.env.CORDON_TEST_KILL_AT = value;
  try {
    jest.isolateModules(() => ({ killPoint } = jest.requireActual<typeof import('./kill-point')>('./kill-point')));
    killPoint('opening'); // the first point reached reads the variable
  } finally {
    if (before === undefined) delete process.env.CORDON_TEST_KILL_AT;
    else process.env.CORDON_TEST_KILL_AT = before;
  }
  return { killPoint, kills };
}

afterEach(() => jest.restoreAllMocks());

describe('killPoint (test hook)', () => {
  it('does nothing when CORDON_TEST_KILL_AT is unset', () => {
    const { killPoint, kills } = killPointWith(undefined);
    killPoint('storing');
    killPoint('delivering');
    expect(kills).toEqual([]);
  });

  it('kills with SIGKILL at the point named, and only there', () => {
    const { killPoint, kills } = killPointWith('claimed');
    killPoint('fanned-out');
    expect(kills).toEqual([]);
    killPoint('claimed');
    expect(kills).toEqual(['SIGKILL']);
  });

  it('kills the n-th time the point is reached with point:n', () => {
    const { killPoint, kills } = killPointWith('delivering:3');
    killPoint('delivering');
    killPoint('delivering');
    expect(kills).toEqual([]);
    killPoint('delivering');
    expect(kills).toEqual(['SIGKILL']);
  });

  it('reads the variable once: a later change does not arm it', () => {
    const { killPoint, kills } = killPointWith(undefined);
    process.env.CORDON_TEST_KILL_AT = 'storing';
    try {
      killPoint('storing');
    } finally {
      delete process.env.CORDON_TEST_KILL_AT;
    }
    expect(kills).toEqual([]);
  });

  it('is checked with the settings: a value naming no point stops start-up', () => {
    expect(parseSettings({ CORDON_TEST_KILL_AT: 'delivering:2' }, '/').CORDON_TEST_KILL_AT).toBe('delivering:2');
    expect(() => parseSettings({ CORDON_TEST_KILL_AT: 'deliver' }, '/')).toThrow(SettingsError);
    expect(() => parseSettings({ CORDON_TEST_KILL_AT: 'opening:0' }, '/')).toThrow(
      /CORDON_TEST_KILL_AT: must be one of storing, stored, opening, fanned-out, claimed, delivering/,
    );
  });
});
