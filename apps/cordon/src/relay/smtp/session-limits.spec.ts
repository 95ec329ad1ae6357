import { PassThrough } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { testSettings } from '../../../../../test/support/settings';
import { addressKey, DATA_RATE_WINDOW_MS, HangUp, SessionLimits } from './session-limits';

const aSession = (id: string, remoteAddress: string) => ({ id, remoteAddress }) as SMTPServerSession;
const aDataStream = () => new PassThrough() as unknown as SMTPServerDataStream;
/** Streams and the hang-up after a drop run on the real ticks; only the clock is fake. */
const ticks = () => new Promise((resolve) => setImmediate(resolve));

describe('the SMTP session limits', () => {
  const settings = testSettings({
    DATA_DIR: '/nonexistent',
    SMTP_MAX_CLIENTS_PER_ADDRESS: '2',
    SMTP_SESSION_SECONDS: '10',
  });
  let hangUp: jest.MockedFunction<HangUp>;
  let limits: SessionLimits;
  let logged: jest.SpyInstance;
  const admit = (session: SMTPServerSession) =>
    new Promise<Error | null | undefined>((resolve) => limits.admit(session, resolve));

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    logged = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    hangUp = jest.fn();
    limits = new SessionLimits(settings, hangUp);
  });
  afterEach(() => {
    limits.clear();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('refuses a session over the quota of its address with 421 4.7.0, and frees the slot when one closes', async () => {
    expect(await admit(aSession('a', '192.0.2.1'))).toBeUndefined();
    expect(await admit(aSession('b', '192.0.2.1'))).toBeUndefined();
    expect(await admit(aSession('c', '192.0.2.1'))).toMatchObject({
      responseCode: 421,
      message: expect.stringMatching(/^4\.7\.0 Too many connections from your address/),
    });
    // Another address has its own quota.
    expect(await admit(aSession('d', '192.0.2.2'))).toBeUndefined();
    // A refused session's close frees nothing; an admitted one's frees its slot.
    limits.release(aSession('c', '192.0.2.1'));
    expect(await admit(aSession('e', '192.0.2.1'))).toMatchObject({ responseCode: 421 });
    limits.release(aSession('a', '192.0.2.1'));
    expect(await admit(aSession('f', '192.0.2.1'))).toBeUndefined();
  });

  it('counts an IPv6 /64 as one address', async () => {
    expect(await admit(aSession('a', '2001:db8:1:2::1'))).toBeUndefined();
    expect(await admit(aSession('b', '2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBeUndefined();
    expect(await admit(aSession('c', '2001:db8:1:2::ffff'))).toMatchObject({ responseCode: 421 });
    expect(await admit(aSession('d', '2001:db8:1:3::1'))).toBeUndefined();
  });

  it('hangs up with 421 at the session deadline, and not on a session that has closed', async () => {
    const open = aSession('a', '192.0.2.1');
    await admit(open);
    await admit(aSession('b', '192.0.2.1'));
    limits.release(aSession('b', '192.0.2.1'));
    jest.advanceTimersByTime(9_999);
    expect(hangUp).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(hangUp).toHaveBeenCalledTimes(1);
    expect(hangUp).toHaveBeenCalledWith(
      open,
      expect.objectContaining({
        responseCode: 421,
        message: expect.stringMatching(/^Session time limit of 10 seconds/),
      }),
    );
  });

  it('drops a message arriving slower than SMTP_MIN_DATA_RATE with 421, logging one line without its content', async () => {
    const session = aSession('a', '192.0.2.1');
    await admit(session);
    const stream = aDataStream();
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    const reply = jest.fn();
    limits.watchData(stream, session, reply);
    stream.write('CANARY text');
    await ticks();
    logged.mockClear();
    jest.advanceTimersByTime(DATA_RATE_WINDOW_MS);
    const refusal = await failed;
    expect(refusal).toMatchObject({ responseCode: 421 });
    expect(refusal.message).toMatch(/^Message arriving slower than 1024 bytes a second; not stored/);
    await ticks();
    expect(hangUp).toHaveBeenCalledWith(session, expect.objectContaining({ responseCode: 421 }));
    expect(logged.mock.calls).toEqual([
      [expect.stringMatching(/^dropped a message from 192\.0\.2\.1 \(session a\) after 11 bytes: DATA slower than/)],
    ]);
    expect(String(logged.mock.calls)).not.toContain('CANARY');
  });

  it('drops a message still arriving at the session deadline, unstored, with 421', async () => {
    const session = aSession('a', '192.0.2.1');
    await admit(session);
    jest.advanceTimersByTime(9_000);
    const stream = aDataStream();
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    limits.watchData(stream, session, jest.fn());
    stream.write('x'.repeat(10_000));
    await ticks();
    jest.advanceTimersByTime(1_000);
    expect((await failed).message).toMatch(/^Session time limit of 10 seconds reached/);
  });

  it('answers a message that is in before hanging up at the session deadline', async () => {
    const session = aSession('a', '192.0.2.1');
    await admit(session);
    const stream = aDataStream();
    const reply = jest.fn();
    const answer = limits.watchData(stream, session, reply);
    stream.end('a whole message');
    await ticks();
    jest.advanceTimersByTime(10_000);
    expect(hangUp).not.toHaveBeenCalled();
    answer(null, 'Stored as 1');
    expect(reply).toHaveBeenCalledWith(null, 'Stored as 1');
    expect(hangUp).toHaveBeenCalledTimes(1);
    expect(reply.mock.invocationCallOrder[0]).toBeLessThan(hangUp.mock.invocationCallOrder[0]);
  });

  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:0:1:2:3:4:5', '2001:db8:0:1::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:198.51.100.7', '198.51.100.7'],
  ])('keys %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
