import { RefusalCode } from '../refusals/refusal-catalogue';

/**
 * Why a report by mail was not filed, in the words its sender gets (plain text, so never anything
 * from the message: docs/architecture.md, "Errors and refusals"). Codes the opening of a report
 * does not give fall back to the last line.
 */
const WHY: Partial<Record<RefusalCode, string>> = {
  NOT_FOR_LIST_KEY:
    "It is encrypted, but not to the list's current key, or it is damaged. Fetch the list key (from the -sendkey address or the report page), encrypt to it and send the report again.",
  TOO_MANY_KEY_PACKETS: 'It is encrypted to more keys than Cordon reads. Encrypt it to the list key alone.',
  TOO_LARGE:
    'It is larger than a report may be, once decompressed or with its attachments. Leave out large files (offer them in your report) and send it again.',
  MALFORMED_MIME:
    'It is not MIME Cordon can read: broken, with too many parts, or nested too deeply. Send the report as a plain message with at most ten attachments.',
  UNSUPPORTED:
    'It carries OpenPGP in a form Cordon does not read. Send it as PGP/MIME (RFC 3156), or as one inline-PGP message in its text.',
  NOT_ENCRYPTED:
    'It holds an OpenPGP message that is not encrypted. Encrypt it to the list key, or send it in plain text.',
};

export function reportRefusalText(code: RefusalCode, detail?: string): string {
  return detail ?? WHY[code] ?? 'Cordon could not read it as a report.';
}
