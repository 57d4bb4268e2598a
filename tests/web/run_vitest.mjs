// Runs the web app's unit tests for CTest with vitest from web/node_modules: `node run_vitest.mjs
// WEB_DIR`. Exits 77, which CTest counts as skipped, when the npm packages are not installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

if (process.argv.length < 3) {
  console.error('usage: node run_vitest.mjs WEB_DIR');
  process.exit(2);
}
const web = resolve(process.argv[2]);
const vitest = join(web, 'node_modules', 'vitest', 'vitest.mjs');
if (!existsSync(vitest)) {
  console.log(`${vitest} is missing: run \`npm ci\` in web/ (\`make web-deps\`)`);
  process.exit(77);
}
const run = spawnSync(process.execPath, [vitest, 'run', '--root', web], { cwd: web, stdio: 'inherit' });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
