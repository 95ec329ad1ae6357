/**
 * The audit chain key for a test that opens a database without a server secret of its own: one
 * per test file, random, as the key derived from a real server secret would be.
 */
import { randomBytes } from 'node:crypto';
import { auditChainKey } from '@cordon/audit';
import { ServerSecret } from '@cordon/crypto';

export const testAuditKey: Buffer = auditChainKey(ServerSecret.fromBytes(randomBytes(32)));
