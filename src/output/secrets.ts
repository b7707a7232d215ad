// Secret files of a bundle. A password that was given is written as given; one that was not is
// generated once and then kept: an existing secret file is never regenerated, so re-rendering a
// bundle (to add a replica, or in CI) never changes the passwords of a running stack.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Secret } from '../config/model.js';
import { services, type SecretFile } from '../render/topology.js';
import { SECRET_DIR } from '../render/view.js';

export type SecretOrigin = 'given' | 'generated' | 'kept';

export interface ResolvedSecret {
  path: string;
  variable: SecretFile['variable'];
  value: string;
  origin: SecretOrigin;
}

/** 24 random bytes as base64url: 32 characters, safe in every quoting context we write. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** A secret file's value (trailing newlines dropped), or undefined when it is missing or empty. */
export function readExistingSecret(path: string): string | undefined {
  try {
    const value = readFileSync(path, 'utf8').replace(/\n+$/, '');
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

function resolve(secret: Secret, existingPath: string): { value: string; origin: SecretOrigin } {
  if (secret.kind === 'given') return { value: secret.value, origin: 'given' };
  const existing = readExistingSecret(existingPath);
  if (existing !== undefined) return { value: existing, origin: 'kept' };
  return { value: generatePassword(), origin: 'generated' };
}

export function resolveSecrets(config: Config, outDir: string): ResolvedSecret[] {
  const needed = new Map<string, SecretFile>();
  for (const service of services(config)) for (const s of service.secrets) needed.set(s.name, s);
  return [...needed.values()].map((file) => {
    const path = `${SECRET_DIR}/${file.name}`;
    const secret = file.variable === 'REPLICATION_PASSWORD' ? config.replicationPassword : config.postgresPassword;
    return { path, variable: file.variable, ...resolve(secret, join(outDir, path)) };
  });
}
