// Every command. `pg-ha-init <verb> ...` runs the verb of that name; without a verb, the flags
// choose today's interface: --stack or --from-env renders, nothing starts the wizard.
//
// To add a verb: write src/commands/<verb>.ts exporting a Command (command.ts), and list it in
// VERBS. Its usage and flags then appear in --help, `pg-ha-init <verb> --help` shows them, and
// any other flag given with it is a usage error.
import type { Command } from './command.js';
import { failover } from './failover.js';
import { follow } from './follow.js';
import { rejoin } from './rejoin.js';
import { render } from './render.js';
import { status } from './status.js';
import { switchover } from './switchover.js';
import { wizard } from './wizard.js';

export const VERBS: readonly Command[] = [status, switchover, failover, follow, rejoin];

/** The command when no verb is given. */
export function commandForFlags(given: ReadonlySet<string>): Command {
  return given.has('stack') || given.has('from-env') ? render : wizard;
}

/** In --help's order. */
export const COMMANDS: readonly Command[] = [render, wizard, ...VERBS];
