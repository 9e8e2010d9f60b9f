#!/usr/bin/env node
'use strict';
// The package's bin: runs the compiled CLI, which `npm run build` writes to dist/ (`npm start` builds too).
const { existsSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(main)) {
  const where = relative(process.cwd(), root) || '.';
  process.stderr.write(
    `replog: not built yet (no ${relative(process.cwd(), main)}). Run \`npm run build\`${where === '.' ? '' : ` in ${where}`} first, or \`npm start\`, which builds and runs replog dev.\n`,
  );
  process.exit(1);
}
require(main).runCli(process.argv);
