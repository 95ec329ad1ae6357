/**
 * SQL for the queues' claims (docs/architecture.md, "Leases"), from the lib that owns
 * `service_process`, so that the queues' own SQL never names it.
 */

/**
 * True when the lease in `column` (qualified: `post_delivery.lease_owner`) names a process that is
 * no longer registered: killed, or cut off past TAKEOVER_AFTER_MS. False for a lease without an
 * owner (claimed before owners were recorded), which waits for its time to run out. PostgreSQL
 * reads the registry once per statement (a hashed subplan), and asks only of rows still leased.
 */
export function leaseOwnerGone(column: string): string {
  return `(${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM service_process WHERE service_process.id = ${column}))`;
}

/**
 * True while the process `ownerParam` ($4) names is registered, once per statement. A claim
 * guarded by it takes nothing for a process that was taken for dead and has not yet noticed
 * (ProcessRegistry.beat): a lease it wrote now would be void, and its rows sent twice.
 */
export function ownerRegistered(ownerParam: string): string {
  return `EXISTS (SELECT 1 FROM service_process WHERE service_process.id = ${ownerParam})`;
}
