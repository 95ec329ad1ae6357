import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite takes no lock of its own, and two processes writing one data directory corrupt it
 * (docs/architecture.md, "Toolchain notes"). We hold `cordon.lock`, created with O_EXCL and holding our pid; a lock
 * whose process is gone (a crash, kill -9) is taken over.
 */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    // One line, for the operator who started a second process (a second role, a second copy).
    super(
      `DATA_DIR ${dir} holds an embedded database that is in use by process ${pid}, and the embedded database ` +
        'serves one process only: stop that process, or set DATABASE_URL to a PostgreSQL server to run several processes.',
    );
    this.name = 'DataDirInUseError';
  }
}

/** The pid of the live process that holds DATA_DIR's embedded database, if one does. */
export function dataDirHolder(dir: string): number | undefined {
  let holder: number;
  try {
    holder = Number.parseInt(readFileSync(join(dir, 'cordon.lock'), 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(holder) && holder > 0 && isAlive(holder) ? holder : undefined;
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  static acquire(dir: string): DataDirLock {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'cordon.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = dataDirHolder(dir);
        if (holder !== undefined) throw new DataDirInUseError(dir, holder);
        rmSync(file, { force: true }); // stale: its process is gone
      }
    }
    throw new Error(`Could not lock ${dir}`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
