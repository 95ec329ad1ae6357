import { GIVE_UP_AFTER_MS, MAX_RETRY_DELAY_MS, nextAttemptAt, retryDelay } from './retry-schedule';
import { classifySmtpError } from './smtp-transport';

const MINUTE = 60_000;

describe('the retry schedule', () => {
  it('backs off 1, 5, 15 and 60 minutes, then doubles up to six hours', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelay)).toEqual(
      [1, 5, 15, 60, 120, 240, 360, 360, 360].map((m) => m * MINUTE),
    );
    expect(retryDelay(1000)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('gives up once a message has waited three days', () => {
    const created = new Date('2099-01-01T00:00:00Z');
    const almost = new Date(created.getTime() + GIVE_UP_AFTER_MS - 1);
    expect(nextAttemptAt(30, created, almost)).toEqual(new Date(almost.getTime() + MAX_RETRY_DELAY_MS));
    expect(nextAttemptAt(30, created, new Date(created.getTime() + GIVE_UP_AFTER_MS))).toBeNull();
  });
});

describe('SMTP error classification (RFC 5321 §4.2.1)', () => {
  it('treats a 4yz reply as temporary', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 451, response: '451 try later' })).toMatchObject({
      permanent: false,
      responseCode: 451,
    });
  });

  it('treats a 5yz refusal of the recipient or the message as permanent', () => {
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 550 }).permanent).toBe(true);
    expect(classifySmtpError({ code: 'EMESSAGE', responseCode: 552 }).permanent).toBe(true);
  });

  it('keeps lost connections, 503 and a refused login temporary, since the message may still go', () => {
    expect(classifySmtpError({ code: 'ECONNECTION', message: 'Connection closed' }).permanent).toBe(false);
    expect(classifySmtpError({ code: 'ESOCKET', message: 'connect ECONNREFUSED' }).permanent).toBe(false);
    expect(classifySmtpError({ code: 'EENVELOPE', responseCode: 503 }).permanent).toBe(false);
    expect(classifySmtpError({ code: 'EAUTH', responseCode: 535 }).permanent).toBe(false);
  });
});
