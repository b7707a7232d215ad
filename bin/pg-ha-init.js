#!/usr/bin/env node
// Checks the Node version before anything that might not parse on an old one is loaded.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`pg-ha-init needs Node.js 20.19 or newer; this is ${process.versions.node}. Install a current LTS from https://nodejs.org/.`);
  process.exit(1);
}
await import('../dist/cli.js');
