import { CommanderError } from 'commander';
import { SettingsError } from '@cordon/config';
import { DomainError } from '@cordon/errors';
import { DatabaseUnreachableError, DataDirInUseError } from '@cordon/persistence';

/**
 * What a failed command prints: one line (issue 11). A refusal says what was refused; the
 * operator's own matters (a setting, a port, the database, a data directory in use, a file that
 * is not there) say what to do. Anything else is a bug: its first line, and with LOG_LEVEL=debug
 * (or trace) its stack, for a report. Commander has printed its own usage errors: nothing more.
 */
export function failureText(error: unknown, debug: boolean): string | undefined {
  if (error instanceof CommanderError) return undefined;
  if (error instanceof DomainError) return `${error.code}: ${error.message}`;
  if (operators(error)) return firstLine(error);
  if (debug && error instanceof Error && error.stack) return error.stack;
  return `${firstLine(error)} (unexpected: LOG_LEVEL=debug prints where it arose)`;
}

function operators(error: unknown): boolean {
  return (
    error instanceof SettingsError ||
    error instanceof DataDirInUseError ||
    error instanceof DatabaseUnreachableError ||
    // A system call's error (ENOENT on a key file, EACCES on a directory) is the machine's, not a bug.
    typeof (error as NodeJS.ErrnoException | null)?.syscall === 'string'
  );
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.split('\n')[0];
}
