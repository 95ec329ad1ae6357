import { listenFailure } from './listen-failure';
import { SettingsError } from './settings';

const failure = (code: string, message = `listen ${code}`) => Object.assign(new Error(message), { code });

describe('listenFailure', () => {
  it('names the settings, the address and the fix for a port in use', () => {
    const error = listenFailure('HTTP', '127.0.0.1', 3000, failure('EADDRINUSE'));
    expect(error).toBeInstanceOf(SettingsError);
    expect(error.message).toBe(
      'Cannot listen on HTTP_HOST:HTTP_PORT (127.0.0.1:3000): the port is in use by another program (EADDRINUSE); ' +
        'stop it, or set HTTP_PORT to a free port.',
    );
  });

  it('says what a port below 1024 needs when binding it is not allowed', () => {
    expect(listenFailure('SMTP', '0.0.0.0', 25, failure('EACCES')).message).toBe(
      'Cannot listen on SMTP_HOST:SMTP_PORT (0.0.0.0:25): permission denied (EACCES); ports below 1024 need root or ' +
        'CAP_NET_BIND_SERVICE: set SMTP_PORT to 1024 or above (behind a proxy or a port forward).',
    );
  });

  it('points at the host setting for an address that is not this machine’s or does not resolve', () => {
    expect(listenFailure('HTTP', '10.9.9.9', 3000, failure('EADDRNOTAVAIL')).message).toMatch(
      /10\.9\.9\.9 is not an address of this machine \(EADDRNOTAVAIL\); check HTTP_HOST\.$/,
    );
    expect(listenFailure('SMTP', 'mx.invalid', 2525, failure('ENOTFOUND')).message).toMatch(
      /mx\.invalid does not resolve \(ENOTFOUND\); check SMTP_HOST\.$/,
    );
  });

  it('keeps any other reason, in one line', () => {
    expect(listenFailure('HTTP', '::1', 8080, failure('EINVAL', 'listen EINVAL: invalid argument')).message).toBe(
      'Cannot listen on HTTP_HOST:HTTP_PORT (::1:8080): listen EINVAL: invalid argument',
    );
  });
});
