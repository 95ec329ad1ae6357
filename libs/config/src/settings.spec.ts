import { parseSettings, SettingsError } from './settings';

describe('settings', () => {
  it('has defaults that run with no setup', () => {
    const s = parseSettings({}, '/srv/cordon');
    expect(s).toMatchObject({
      dataDir: '/srv/cordon/data',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 3000,
      SMTP_PORT: 2525,
      publicUrl: 'http://127.0.0.1:3000',
      outboundFrom: 'distributors-owner@cordon.localhost',
      secretKeyFile: '/srv/cordon/data/secret.key',
      secureCookies: false,
    });
    expect(s.DATABASE_URL).toBeUndefined();
    expect(s.OUTBOUND_SMTP_URL).toBeUndefined();
  });

  it('derives addresses and cookie security from LIST_ADDRESS and PUBLIC_URL', () => {
    const s = parseSettings(
      { LIST_ADDRESS: 'distributors@example.org', PUBLIC_URL: 'https://lists.example.org/' },
      '/',
    );
    expect(s.outboundFrom).toBe('distributors-owner@example.org');
    expect(s.publicUrl).toBe('https://lists.example.org');
    expect(s.secureCookies).toBe(true);
  });

  it.each([
    ['HTTP_PORT', 'abc', /^Invalid setting HTTP_PORT: must be a port number 0-65535 \(got "abc"\)$/],
    ['HTTP_PORT', '70000', /^Invalid setting HTTP_PORT: must be a port number/],
    ['LIST_ADDRESS', 'not-an-address', /^Invalid setting LIST_ADDRESS: must be an e-mail address/],
    ['DATABASE_URL', 'mysql://x', /^Invalid setting DATABASE_URL: must be a postgres:\/\/ URL/],
    ['OUTBOUND_SMTP_URL', 'http://relay', /^Invalid setting OUTBOUND_SMTP_URL: must be a URL/],
    ['PUBLIC_URL', 'ftp://x', /^Invalid setting PUBLIC_URL/],
    ['LOG_LEVEL', 'loud', /^Invalid setting LOG_LEVEL/],
    ['CONFIRM_LINK_TTL_HOURS', '0', /^Invalid setting CONFIRM_LINK_TTL_HOURS: must be at least 1/],
  ])('refuses a bad %s with one line naming it', (name, value, message) => {
    let error: unknown;
    try {
      parseSettings({ [name]: value }, '/');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never echoes a database or relay URL, which may hold a password', () => {
    expect(() => parseSettings({ DATABASE_URL: 'mysql://user:s3cret@db' }, '/')).toThrow(/^(?!.*s3cret)/);
  });

  it('trusts no proxy unless told, and takes loopback, addresses, CIDRs or a hop count', () => {
    expect(parseSettings({}, '/').TRUST_PROXY).toBe(false);
    expect(parseSettings({ TRUST_PROXY: 'false' }, '/').TRUST_PROXY).toBe(false);
    expect(parseSettings({ TRUST_PROXY: 'loopback' }, '/').TRUST_PROXY).toEqual(['loopback']);
    expect(parseSettings({ TRUST_PROXY: ' loopback, 10.0.0.5,172.18.0.0/16 ,fd00::/8' }, '/').TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.5',
      '172.18.0.0/16',
      'fd00::/8',
    ]);
    expect(parseSettings({ TRUST_PROXY: '2' }, '/').TRUST_PROXY).toBe(2);
  });

  it.each(['true', '0', '11', 'nginx', '10.0.0.0/33', '10.0.0.1/8/8', 'loopback,', '999.1.1.1'])(
    'refuses TRUST_PROXY=%s, which would trust everyone or names no proxy',
    (value) => {
      expect(() => parseSettings({ TRUST_PROXY: value }, '/')).toThrow(/^Invalid setting TRUST_PROXY: must be false/);
    },
  );

  it('treats an empty variable as unset', () => {
    expect(parseSettings({ DATABASE_URL: '', HTTP_PORT: '' }, '/')).toMatchObject({ HTTP_PORT: 3000 });
  });
});
