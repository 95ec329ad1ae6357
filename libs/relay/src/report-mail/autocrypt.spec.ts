import { parseAutocrypt } from './autocrypt';

describe('an Autocrypt header', () => {
  const keydata = Buffer.from('binary key packets').toString('base64');

  it('gives the address and the key bytes, white space in keydata ignored', () => {
    const folded = `${keydata.slice(0, 8)}\r\n ${keydata.slice(8)}`;
    expect(parseAutocrypt(`addr=Ann@Example.org; prefer-encrypt=mutual; keydata=${folded}`)).toEqual({
      addr: 'ann@example.org',
      keydata: Buffer.from('binary key packets'),
    });
  });

  it('takes unknown non-critical attributes (starting with _)', () => {
    expect(parseAutocrypt(`addr=a@example.org; _extra=1; keydata=${keydata}`)?.addr).toBe('a@example.org');
  });

  it.each([
    ['an unknown critical attribute', `addr=a@example.org; type=2; keydata=${keydata}`],
    ['no addr', `keydata=${keydata}`],
    ['no keydata', 'addr=a@example.org'],
    ['keydata that is not base64', 'addr=a@example.org; keydata=<script>'],
    ['an attribute given twice', `addr=a@example.org; addr=b@example.org; keydata=${keydata}`],
  ])('is ignored with %s', (_why, value) => {
    expect(parseAutocrypt(value)).toBeNull();
  });
});
