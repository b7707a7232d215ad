// Free TCP ports for test servers and benches. Servers listen on loopback (or, for published
// container ports, the wildcard), never on anything else.
import { createServer } from 'node:net';

/** An ephemeral port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const handedOut = new Set<number>();

function portIsFree(port: number): Promise<boolean> {
  // The wildcard address: docker-proxy binds 0.0.0.0 for per-host bundles, 127.0.0.1 for stacks,
  // and binding the wildcard fails when either is taken.
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** `count` consecutive free TCP ports in 30000..59999, never the same twice in one process. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 30000 + Math.floor(Math.random() * (30000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const free = await Promise.all(ports.map(portIsFree));
    if (free.every(Boolean)) {
      ports.forEach((p) => handedOut.add(p));
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free ports found`);
}
