import { z } from 'zod';

/** A key is a few KB; the multipart reader (application-upload.ts) stops at the same 64 KB. */
const KEY_MAX = 64 * 1024;

const key = z.string().trim().max(KEY_MAX, 'The key must be at most 64 KB.').optional();
const code = z.string().trim().max(20, 'Enter the 6-digit code.').optional();

/** Adding a maintainer in the admin UI: who, its key (pasted or a file), and the acting maintainer's code. */
export const addMaintainerForm = z.object({
  name: z.string().trim().max(100, 'Keep the name under 100 characters.').default(''),
  email: z.string().trim().max(254, 'The address is too long.').default(''),
  key,
  code,
});

/** Proposing a new key for oneself: pasted or a file. */
export const maintainerKeyForm = z.object({ key });

/** The string fields of a posted form, as posted (for the form to show them again). */
export function postedFields(body: unknown, names: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  for (const name of names) if (typeof record[name] === 'string') values[name] = record[name];
  return values;
}

/**
 * The key from the form: pasted text wins, else the uploaded file. A file may be armored
 * (`gpg --armor --export`) or binary (`gpg --export`); a binary key goes on as the CLI passes a
 * binary key file (apps/cordon/src/cli/key-file.ts), one character a byte.
 */
export function keyFromForm(pasted: string | undefined, file: Buffer | undefined): string {
  if (pasted?.trim()) return pasted.trim();
  if (!file?.length) return '';
  const head = file.subarray(0, 200).toString('latin1');
  return head.includes('-----BEGIN PGP') ? file.toString('utf8') : file.toString('binary');
}
