#!/usr/bin/env node
// The published command: checks the Node version, then loads the bundle (dist/cli.js, built by
// scripts/build.mjs). Deliberately plain (no top-level await, nothing newer than ES2015 but the
// import() call), so that an old Node prints the message below rather than a SyntaxError.
var version = process.versions.node.split('.').map(Number);
if (version[0] < 20 || (version[0] === 20 && version[1] < 19)) {
  console.error('pg-ha-init needs Node.js 20.19 or newer; this is Node.js ' + process.versions.node + '.\n' +
    'Install a current LTS release from https://nodejs.org/ (or run: npx -p node@22 -p pg-ha-init pg-ha-init).');
  process.exitCode = 1;
} else {
  import('../dist/cli.js').catch(function (error) {
    console.error('pg-ha-init: cannot load its bundle (' + error.message + '). In a source checkout, run: npm run build');
    process.exitCode = 1;
  });
}
