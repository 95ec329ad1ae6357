/** An Autocrypt header's parts that count here (Autocrypt Level 1, §2.1). */
export interface AutocryptHeader {
  addr: string;
  /** The key as binary OpenPGP packets (the header carries them base64). */
  keydata: Buffer;
}

/**
 * Reads an `Autocrypt:` header value, `addr=…; [prefer-encrypt=mutual;] keydata=…` (Autocrypt
 * Level 1, §2.1): attributes separated by `;`, values unquoted, white space in keydata ignored. As
 * the specification says, a header with an unknown critical attribute (one not starting with `_`)
 * is ignored whole, and so is one without addr or keydata. Null when it cannot be used.
 */
export function parseAutocrypt(value: string): AutocryptHeader | null {
  const attributes = new Map<string, string>();
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (attributes.has(name)) return null;
    attributes.set(name, part.slice(eq + 1).trim());
  }
  for (const name of attributes.keys()) {
    if (!['addr', 'keydata', 'prefer-encrypt'].includes(name) && !name.startsWith('_')) return null;
  }
  const addr = attributes.get('addr')?.toLowerCase();
  const base64 = attributes.get('keydata')?.replace(/\s+/g, '');
  if (!addr || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  return { addr, keydata: Buffer.from(base64, 'base64') };
}
