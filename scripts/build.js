// `npm run build`: compiles apps/, libs/, migrations/ and bench/ into dist/, copies the web app's
// templates and assets, and stamps dist/ with the time the build started.
// `node scripts/build.js --if-changed` (what `npm start` runs) builds only when a source file is
// newer than that stamp: a start that changes nothing takes no build, and rewrites nothing under
// a service already running (issue 11).
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const STAMP = join('dist', '.build-stamp');
// Everything the build reads: a change to any of it is a reason to build again.
const SOURCES = [
  'apps',
  'libs',
  'migrations',
  'bench',
  'scripts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
];

/** The newest modification time (ms) of the sources under `dir`, or 0 if there are none. */
function newestSource(dir) {
  let newest = 0;
  const visit = (path) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return; // removed while we looked
    }
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of SOURCES) visit(join(dir, source));
  return newest;
}

/** Why `dir` needs a build, or undefined when dist/ is up to date. */
function staleReason(dir) {
  const stamp = join(dir, STAMP);
  if (!existsSync(stamp) || !existsSync(join(dir, 'dist', 'apps', 'cordon', 'src', 'main.js')))
    return 'dist/ is not built';
  const builtFrom = Number(readFileSync(stamp, 'utf8'));
  if (!(newestSource(dir) < builtFrom)) return 'sources changed since the last build';
  return undefined;
}

function build(dir) {
  const started = Date.now();
  const bin = (pkg, file) => join(dir, 'node_modules', pkg, file);
  const steps = [
    [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.build.json'],
    [bin('tsc-alias', 'dist/bin/index.js'), '-p', 'tsconfig.build.json'],
    [join(dir, 'scripts', 'copy-assets.js')],
  ];
  for (const args of steps) {
    const run = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
    if (run.status !== 0) process.exit(run.status ?? 1);
  }
  mkdirSync(join(dir, 'dist'), { recursive: true });
  // The time the build started: a file saved during the build is newer, and makes the next start build.
  writeFileSync(join(dir, STAMP), String(started));
}

module.exports = { staleReason };

if (require.main === module) {
  if (process.argv.includes('--if-changed')) {
    const reason = staleReason(root);
    if (reason) {
      console.error(`${reason}: building (npm run build)...`);
      build(root);
    }
  } else {
    build(root);
  }
}
