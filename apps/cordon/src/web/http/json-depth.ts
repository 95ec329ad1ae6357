import type { IncomingMessage } from 'node:http';
import { RequestRefused } from './request-refused';

/** No API body needs more than a few levels; 32 leaves room and stops a body built to exhaust the stack. */
export const JSON_MAX_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]); // [ {
const CLOSERS = new Set([0x5d, 0x7d]); // ] }

/**
 * A `verify` hook for express.json: it runs on the raw bytes before JSON.parse, so a body nested
 * thousands of levels deep is refused in one linear pass instead of reaching the recursive code
 * after the parser (class-transformer, class-validator), where it overflowed the stack as a 500.
 * JSON between systems is UTF-8 (RFC 8259 §8.1), which lets the scan work on bytes: no byte of a
 * multi-byte UTF-8 character is a quote, a backslash or a bracket.
 */
export function refuseDeepJson(_req: IncomingMessage, _res: unknown, body: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') {
    throw new RequestRefused(415, 'UNSUPPORTED_CHARSET', 'Send JSON in UTF-8 (RFC 8259 §8.1).');
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      if (++depth > JSON_MAX_DEPTH) {
        throw new RequestRefused(
          400,
          'JSON_TOO_DEEP',
          `The JSON body nests deeper than ${JSON_MAX_DEPTH} levels. No request of this API needs more than a few.`,
        );
      }
    } else if (CLOSERS.has(byte)) {
      depth--;
    }
  }
}
