/**
 * Loads OpenPGP.js before anything else does, without the platform's DecompressionStream.
 *
 * OpenPGP.js 6.3 inflates compressed data packets (RFC 9580 §5.6) with DecompressionStream when
 * the platform has one, and decides which when it is loaded. Node 22 and later (every current LTS
 * line) made that stream refuse any byte after the end of the deflate data
 * (ERR_TRAILING_JUNK_AFTER_STREAM_END), and Sequoia's `sq` writes such bytes: on those lines its
 * posts were refused as not for the list key. Without DecompressionStream, OpenPGP.js uses its own
 * inflater (fflate), which reads them, and still stops at `maxDecompressedMessageSize`. The global
 * is put back at once, for everything else.
 *
 * Every entry point (the `cordon` command, the benchmarks, the test set-up) imports this first.
 */
const platform = globalThis as { DecompressionStream?: unknown };
const native = platform.DecompressionStream;
delete platform.DecompressionStream;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('openpgp');
} finally {
  if (native !== undefined) platform.DecompressionStream = native;
}
