import { formatPublicMoment } from '../embargo-clock';
import { EmbargoMemberStatus } from './member-status.entity';

/** The status in words, as the member said it. */
export function statusWords(
  row: Pick<EmbargoMemberStatus, 'status' | 'fixedVersion' | 'publishAt'>,
  zone = 'UTC',
): string {
  switch (row.status) {
    case 'affected':
      return 'affected';
    case 'not_affected':
      return 'not affected';
    case 'fixed':
      return `fixed in ${row.fixedVersion}`;
    case 'will_publish':
      return `will publish at ${formatPublicMoment(row.publishAt!, zone)}`;
  }
}
