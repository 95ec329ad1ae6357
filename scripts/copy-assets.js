// Templates and static assets are not TypeScript: copy them beside the compiled web app.
const { cpSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
for (const dir of ['views', 'assets']) {
  cpSync(join(root, 'apps', 'web', dir), join(root, 'dist', 'apps', 'web', dir), { recursive: true });
}
