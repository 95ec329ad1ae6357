/**
 * What one `cordon serve` process runs. `all` (what `npm start` does) runs the web app, the SMTP/LMTP
 * ingress and the delivery workers in one process, which is also the only way to run on the
 * embedded database. On a shared PostgreSQL each role can run alone, in as many copies as wanted
 * (README "Scale out"):
 * - `web`: the web app and API (what it sends is queued, never sent from here);
 * - `relay`: the SMTP/LMTP ingress, the post pipeline that drains what it stored, and the timed
 *   jobs (embargo reminders, key health, re-attestation, inbound retention, the maintainers'
 *   digest): their work is claimed in the database, so several relays do each piece once;
 * - `worker`: both delivery queues (the service's own mail, and members' copies of posts).
 * Every queue is claimed with FOR UPDATE SKIP LOCKED and a lease, so copies of a role share the work.
 */
export const SERVICE_ROLES = ['all', 'web', 'relay', 'worker'] as const;

export type ServiceRole = (typeof SERVICE_ROLES)[number];
