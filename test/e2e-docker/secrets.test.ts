// Scenario 5: secrets and access, on per-host bundles (the replica dials the primary's published
// port). No secret in the bundle's compose/env files, in any container process's argv while the
// replica clones, in the containers' configuration or in their logs; secret files 0600; pg_hba
// lets only the replication role replicate, only from REPLICATION_CIDR, only with SCRAM, and
// trusts nothing over TCP; the superuser (or any other role) is refused replication; a wrong
// replication password fails the replica with a clear log line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connectFrom, replicationAttempt } from './support/access.js';
import { dataLayout } from './support/bundle.js';
import { describe, variants } from './support/matrix.js';
import { docker } from './support/rig.js';
import { waitFor } from './support/process.js';
import type { Project } from './support/project.js';
import { psql, scenario, waitStreaming } from './support/scenario.js';

const LIST_ARGV = 'for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f" 2>/dev/null; echo; done';

/** Sample every process's argv in the given containers until stop() is called. */
function argvSampler(targets: () => Promise<{ project: Project; service: string }[]>) {
  const seen = new Set<string>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const { project, service } of await targets()) {
        const id = await project.containerId(service).catch(() => undefined);
        if (!id) continue;
        // From the host (ps of the container's processes) and from inside (/proc/*/cmdline).
        const [top, inside] = await Promise.all([
          docker(['top', id, '-eo', 'pid,args'], { check: false, timeoutMs: 10_000 }),
          docker(['exec', id, 'sh', '-c', LIST_ARGV], { check: false, timeoutMs: 10_000 }),
        ]);
        for (const line of `${top.stdout}\n${inside.stdout}`.split('\n')) {
          const args = line.replace(/^\s*\d+\s+/, '').trim();
          if (args && args !== 'ARGS') seen.add(`${service}: ${args}`);
        }
        samples++;
      }
    }
  })();
  return {
    seen,
    get samples() { return samples; },
    async stop() { running = false; await loop; },
  };
}

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

for (const variant of variants('secrets')) {
  test(`secrets stay secret, and only the replication role may replicate [${describe(variant)}]`, { timeout: 420_000 }, async (t) => {
    await scenario(t, 'scenario 5: secrets and access', variant, async (s) => {
      const replicationPassword = `replSecret-${randomBytes(12).toString('hex')}`;
      const superPassword = `suSecret-${randomBytes(12).toString('hex')}`;
      const secrets = [replicationPassword, superPassword];
      const leaks = (text: string): string[] => secrets.filter((x) => text.includes(x));

      const steps: [string, () => Promise<void>][] = [];
      const step = (name: string, body: () => Promise<void>): void => { steps.push([name, body]); };
      const primary = await s.perHostPrimary('secrets', { REPLICATION_PASSWORD: replicationPassword, POSTGRES_PASSWORD: superPassword });
      const replica = await s.perHostReplica('secrets', primary.port, { REPLICATION_PASSWORD: replicationPassword, REPLICA_NAME: 'replica1' });
      // Both nodes run the same major, so the same layout.
      const PGDATA = dataLayout(primary.bundle, 'primary').pgdata;

      step('bundles: no secret outside secrets/, which is 0700 with 0600 files', async () => {
        for (const bundle of [primary.bundle, replica.bundle]) {
          const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
          for (const file of walk(bundle.dir).filter((f) => !f.includes('/secrets/'))) {
            assert.deepEqual(leaks(bundle.read(file.slice(bundle.dir.length + 1))), [], file);
          }
          assert.equal(modeOf(join(bundle.dir, 'secrets')), '700');
          for (const name of readdirSync(join(bundle.dir, 'secrets'))) assert.equal(modeOf(join(bundle.dir, 'secrets', name)), '600', name);
          for (const name of readdirSync(join(bundle.dir, 'env'))) assert.equal(modeOf(join(bundle.dir, 'env', name)), '600', name);
        }
        for (const project of [primary.project, replica.project]) {
          assert.deepEqual(leaks((await project.compose(['config'])).stdout), [], `${project.command} config`);
        }
      });

      step('no secret in any argv (sampled while the replica clones), container config, environ of postgres, or logs', async () => {
        await primary.project.up();
        await primary.project.waitHealthy(['primary'], 120_000);
        // ~400 MB, so that the clone lasts long enough to be watched.
        await s.time('load ~400 MB on the primary', () => psql(primary.node,
          'CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 56) AS pad FROM generate_series(1, 200000) g;'));
        const sampler = argvSampler(async () => [{ project: primary.project, service: 'primary' }, { project: replica.project, service: 'replica' }]);
        const started = Date.now();
        try {
          await replica.project.up();
          await waitStreaming(primary.node, [{ node: replica.node, name: 'replica1' }]);
        } finally {
          await sampler.stop();
        }
        s.metric('replica up -> streaming (400 MB clone, sampled)', Date.now() - started, 'ms');
        s.metric('argv samples taken during the clone', sampler.samples);
        const lines = [...sampler.seen];
        assert.ok(lines.some((l) => l.startsWith('replica: ') && /pg_basebackup/.test(l)), `pg_basebackup was seen running:\n${lines.join('\n')}`);
        assert.ok(lines.some((l) => l.startsWith('primary: ') && /walsender replicator/.test(l)), 'the primary\'s walsender was seen');
        assert.deepEqual(lines.filter((l) => leaks(l).length > 0), [], 'no secret in any argv');
        s.metric('distinct argv lines seen', lines.length);
        s.metric('argv of the clone tools seen', lines.filter((l) => /pg_basebackup|pg_receivewal|pg_isready|gosu|entrypoint|walsender/.test(l)).join(' || '));

        for (const [project, service] of [[primary.project, 'primary'], [replica.project, 'replica']] as const) {
          const info = await project.inspect(service);
          const config = JSON.stringify({ env: info.Config.Env, cmd: info.Config.Cmd, entrypoint: info.Config.Entrypoint, args: info.Args, path: info.Path, labels: info.Config.Labels });
          assert.deepEqual(leaks(config), [], `${service}: docker inspect`);
          assert.ok((info.Config.Env as string[]).some((e) => e.startsWith('REPLICATION_PASSWORD_FILE=/run/secrets/')));
          // The postmaster (PID 1 after the entrypoint's exec) was started with the secrets unset.
          // (Read as postgres: root in the container lacks CAP_SYS_PTRACE to read another uid's environ.)
          const environ = (await project.exec(service, ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ'], { user: 'postgres' })).stdout;
          assert.match(environ, /^PGDATA=/m);
          assert.deepEqual(leaks(environ), [], `${service}: environment of postgres`);
          assert.doesNotMatch(environ, /^(REPLICATION_PASSWORD|POSTGRES_PASSWORD|PGPASSWORD)=/m);
        }
        assert.deepEqual(leaks((await primary.project.logs()) + (await replica.project.logs())), [], `${primary.project.command} logs`);
      });

      step('secret files inside the containers are 0600', async () => {
        const p = (await primary.project.exec('primary', ['stat', '-c', '%n %a %U', '/run/secrets/replication_password', '/run/secrets/postgres_password', `${PGDATA}/pg-ha-init.hba.conf`])).stdout.trim();
        assert.equal(p, `/run/secrets/replication_password 600 root\n/run/secrets/postgres_password 600 root\n${PGDATA}/pg-ha-init.hba.conf 600 postgres`);
        const r = (await replica.project.exec('replica', ['stat', '-c', '%n %a %U', '/run/secrets/replication_password', `${PGDATA}/postgresql.auto.conf`])).stdout.trim();
        assert.equal(r, `/run/secrets/replication_password 600 root\n${PGDATA}/postgresql.auto.conf 600 postgres`);
        assert.ok((await psql(replica.node, 'SHOW primary_conninfo;')).includes(replicationPassword), 'the one other place the password lives (pg_basebackup -R)');
        assert.ok(!(await psql(replica.node, 'SELECT conninfo FROM pg_stat_wal_receiver;')).includes(replicationPassword), 'obscured in pg_stat_wal_receiver');
      });

      step('pg_hba: replication only for the replication role, from REPLICATION_CIDR, SCRAM; no trust over TCP', async () => {
        const rules = (await psql(primary.node,
          "SELECT type, array_to_string(database, ','), array_to_string(user_name, ','), coalesce(address, ''), coalesce(netmask, ''), auth_method, coalesce(error, '') FROM pg_hba_file_rules ORDER BY line_number;"))
          .split('\n').map((l) => l.split('|'));
        s.metric('pg_hba_file_rules', rules.map((r) => r.slice(0, 6).join(' ')).join('; '));
        assert.ok(rules.every((r) => r[6] === ''), 'no rule has an error');
        assert.deepEqual(rules.filter((r) => r[5] === 'trust').map((r) => r[0]), ['local'], 'trust only on the local socket');
        assert.ok(rules.filter((r) => r[0] !== 'local').every((r) => r[5] === 'scram-sha-256'), 'SCRAM on every TCP rule');
        const replication = rules.filter((r) => r[1]?.split(',').includes('replication'));
        assert.deepEqual(replication, [['host', 'replication', 'replicator', primary.networkGateway, '255.255.255.255', 'scram-sha-256', '']]);
        assert.equal(await psql(primary.node, 'SHOW hba_file;'), `${PGDATA}/pg-ha-init.hba.conf`);
      });

      step('the superuser, and any other role, is refused a replication connection', async () => {
        const target = { host: s.rig.gateway, port: primary.port };
        // Controls: the same place, the same published port, right passwords.
        const asReplicator = await replicationAttempt(replica.project, 'replica', { ...target, user: 'replicator', password: replicationPassword });
        assert.equal(asReplicator.code, 0, asReplicator.stderr);
        const plain = await connectFrom(replica.project, 'replica', { ...target, user: 'postgres', password: superPassword, replication: false });
        assert.equal(plain.stdout.trim(), 'postgres', `the superuser password is right: ${plain.stderr}`);

        const refusal = new RegExp(`no pg_hba.conf entry for replication connection from host "${primary.networkGateway.replace(/\./g, '\\.')}", user "postgres"`);
        const asSuperuser = await replicationAttempt(replica.project, 'replica', { ...target, user: 'postgres', password: superPassword });
        assert.notEqual(asSuperuser.code, 0);
        assert.match(asSuperuser.stderr, refusal);
        // pg_basebackup as the superuser from a throwaway container on the replica's network.
        const basebackup = await docker(['run', '--rm', '-i', '--network', `${replica.project.name}_default`, '-e', `PGHOST=${s.rig.gateway}`, '-e', `PGPORT=${primary.port}`, '-e', 'PGUSER=postgres',
          'postgres:15', 'sh', '-c', 'IFS= read -r PGPASSWORD; export PGPASSWORD; exec pg_basebackup -D /tmp/stolen -X none -w'], { input: `${superPassword}\n`, check: false, timeoutMs: 60_000 });
        assert.notEqual(basebackup.code, 0);
        assert.match(basebackup.stderr, refusal);

        // A role with the REPLICATION attribute that is not REPLICATION_USER: refused as well.
        await psql(primary.node, "CREATE ROLE other_replicator WITH LOGIN REPLICATION PASSWORD 'other-pw';");
        const other = await replicationAttempt(replica.project, 'replica', { ...target, user: 'other_replicator', password: 'other-pw' });
        assert.match(other.stderr, /no pg_hba.conf entry for replication connection from host .*, user "other_replicator"/);
      });

      step('a wrong replication password fails the replica with a clear log line', async () => {
        const wrong = await s.perHostReplica('secrets-wrong', primary.port, {
          REPLICATION_PASSWORD: `wrong-${randomBytes(8).toString('hex')}`, REPLICA_NAME: 'replica2', PRIMARY_WAIT_TIMEOUT: '6',
        });
        await wrong.project.up();
        const logs = await waitFor(async () => {
          const text = await wrong.project.logs('replica');
          return /could not clone the primary/.test(text) ? text : undefined;
        }, { timeoutMs: 90_000, intervalMs: 1000, what: 'the replica with a wrong password to give up' });
        assert.match(logs, /password authentication failed for user "replicator"/);
        assert.match(logs, /error: could not clone the primary at .* within PRIMARY_WAIT_TIMEOUT=6s; check .*REPLICATION_PASSWORD/);
        assert.match(await primary.project.logs('primary'), /FATAL: {2}password authentication failed for user "replicator"/);
        assert.ok(!logs.includes(wrong.bundle.secrets.replication), 'the wrong password is not logged either');
        const state = await waitFor(async () => {
          const [st] = await wrong.project.states(['replica']);
          return st && st.restartCount >= 1 ? st : undefined;
        }, { timeoutMs: 60_000, what: 'the failed replica to be restarted by its restart policy' });
        s.metric('wrong password: container state after giving up', `${state.status}, restarts ${state.restartCount}, health ${state.health}`);
        assert.equal(await psql(primary.node, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'replica2';"), '0', 'no slot was created');
      });

      await s.steps(steps);
    });
  });
}
