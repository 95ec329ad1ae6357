import { DomainError } from '@cordon/errors';
import { AudienceMode, audienceModes } from '../embargo.entity';

/** The audience mode given, or `fallback` when none is: anything else is refused with the field `audienceMode`. */
export function audienceModeOf(given: string | null | undefined, fallback: AudienceMode): AudienceMode {
  if (given === undefined || given === null || given === '') return fallback;
  if ((audienceModes as readonly string[]).includes(given)) return given as AudienceMode;
  throw new DomainError(
    'INVALID_INPUT',
    'The audience is all members or the members shipping an affected product.',
    'audienceMode',
  );
}
