import { SettingsError } from '@cordon/config';
import { ListKey } from '@cordon/crypto';
import { initialise, InitialiseResult, Runtime } from '@cordon/runtime';

/** Initialises (one process at a time: see `initialise`), then checks this process's secret. */
export async function initialiseOnce(runtime: Runtime): Promise<InitialiseResult> {
  const init = await initialise(runtime);
  await sameSecretAsTheOthers(runtime);
  return init;
}

/**
 * The list key is stored encrypted under a passphrase derived from the server secret
 * (SECRET_KEY_FILE, by default DATA_DIR/secret.key). A process started with another secret could
 * not sign or open anything: it stops now, with one line saying what to share.
 */
async function sameSecretAsTheOthers(runtime: Runtime): Promise<void> {
  try {
    await new ListKey(runtime.database.dataSource, runtime.settings, runtime.secret).secretKey();
  } catch (error) {
    // OpenPGP.js: "Error decrypting private key: Incorrect key passphrase". Anything else (the
    // database going away) is not about the secret, and is reported as it is.
    if (!(error instanceof Error && /passphrase/i.test(error.message))) throw error;
    throw new SettingsError(
      `The list key in DATABASE_URL does not open with the server secret in ${runtime.settings.secretKeyFile}: ` +
        'every process sharing one database needs a copy of the same secret key file (set SECRET_KEY_FILE).',
    );
  }
}
