// Templates and static assets are not TypeScript: copy them beside the compiled web role.
const { cpSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const web = join('apps', 'cordon', 'src', 'web');
for (const dir of ['views', 'assets']) {
  cpSync(join(root, web, dir), join(root, 'dist', web, dir), { recursive: true });
}
