import { deliveryEntities } from '@cordon/delivery';
import { embargoEntities } from '@cordon/embargo';
import { maintainersEntities } from '@cordon/maintainers';
import { membershipEntities } from '@cordon/membership';
import { policyEntities } from '@cordon/policy';
import { relayEntities } from '@cordon/relay';
import { reportsEntities } from '@cordon/reports';

/** Entities of the feature libs, registered with TypeORM by every app. */
export const allFeatureEntities = [
  ...membershipEntities,
  ...maintainersEntities,
  ...policyEntities,
  ...embargoEntities,
  ...deliveryEntities,
  ...reportsEntities,
  ...relayEntities,
];
