#!/usr/bin/env node
'use strict';
// The package's bin: runs the compiled CLI (npm run build produces dist/).
require('../dist/cli/main.js').buildProgram().parseAsync(process.argv).catch((error) => {
  process.stderr.write(`replog: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
