// The sizing and durability questions, step by step over a scripted prompt, and the machine
// reading that proposes the sizing defaults (cgroup limits over the host's memory and cores).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/model.js';
import type { Settings, Topology } from '../../src/wizard/context.js';
import { machineFrom, thisMachine } from '../../src/wizard/machine.js';
import { durability } from '../../src/wizard/steps/durability.js';
import { proposedMemory, sizing } from '../../src/wizard/steps/sizing.js';
import { ENTER, scriptedPrompts, type Answer } from './scripted-prompts.js';

const GB = 1048576;
const machine = () => ({ memoryKb: 16 * GB - 300, cpus: 8 });

function ctx(script: Answer[], topology: Topology, settings: Settings = {}) {
  const all: Settings = { REPLICATION_PASSWORD: 'pw', ...settings };
  return { prompt: scriptedPrompts(script), settings: all, topology, machine };
}

describe('sizing questions', () => {
  test('Enter proposes this machine to a node: memory in whole MB, its cores, ssd, 100 connections', async () => {
    const c = ctx([ENTER, ENTER, ENTER, ENTER], 'primary', { REPLICATION_ROLE: 'primary' });
    await sizing(c);
    assert.deepEqual(c.prompt.asked.map((q) => q.default), ['16383MB', '8', 'ssd', '100']);
    assert.deepEqual([c.settings.PG_MEMORY, c.settings.PG_CPUS, c.settings.PG_STORAGE, c.settings.PG_MAX_CONNECTIONS], ['16383MB', '8', 'ssd', '100']);
  });

  test('a stack\'s nodes share this machine: each is proposed its share, and the question says so', async () => {
    const c = ctx([ENTER, ENTER, ENTER, ENTER], 'stack', { REPLICA_COUNT: '2' });
    await sizing(c);
    assert.deepEqual(c.prompt.asked.map((q) => q.default), ['5461MB', '2', 'ssd', '100']);
    assert.match(c.prompt.asked[0]?.message ?? '', /this machine's 16383MB and 8 core\(s\) shared by 3 nodes/);
  });

  test('an empty memory keeps PostgreSQL\'s defaults and asks nothing more', async () => {
    const c = ctx([''], 'stack', { PG_MEMORY: '4GB', PG_CPUS: '2' });
    await sizing(c);
    assert.equal(c.prompt.asked.length, 1);
    assert.equal(c.settings.PG_MEMORY, undefined);
    assert.equal(c.settings.PG_CPUS, undefined);
    assert.ok(parseConfig(c.settings, { mode: 'stack' }).ok);
  });

  test('bad answers show the model\'s message and are asked again; values from the environment are the defaults', async () => {
    const c = ctx(['4g', '4GB', '0', ENTER, 'hdd', '5', ENTER], 'primary', { REPLICATION_ROLE: 'primary', PG_CPUS: '3' });
    await sizing(c);
    const expected = (name: string, value: string) => {
      const result = parseConfig({ REPLICATION_ROLE: 'primary', REPLICATION_PASSWORD: 'pw', PG_MEMORY: '4GB', PG_CPUS: '2', [name]: value }, { mode: 'node' });
      return result.ok ? '' : result.errors.filter((e) => e.variable === name).map(formatConfigError).join(' ');
    };
    assert.deepEqual(c.prompt.asked[0]?.errors, [expected('PG_MEMORY', '4g')]);
    assert.match(c.prompt.asked[0]?.errors[0] ?? '', /PostgreSQL spells the unit "GB"/);
    assert.deepEqual(c.prompt.asked[1]?.errors, [expected('PG_CPUS', '0')]);
    assert.equal(c.prompt.asked[1]?.default, '3');
    assert.deepEqual(c.prompt.asked[3]?.errors, [expected('PG_MAX_CONNECTIONS', '5')]);
    assert.deepEqual([c.settings.PG_MEMORY, c.settings.PG_CPUS, c.settings.PG_STORAGE, c.settings.PG_MAX_CONNECTIONS], ['4GB', '3', 'hdd', '100']);
  });

  test('a machine below 256MB proposes no sizing', () => {
    assert.equal(proposedMemory({ memoryKb: 200 * 1024, cpus: 1 }), undefined);
    assert.equal(proposedMemory({ memoryKb: 4 * GB, cpus: 1 }), '4GB');
  });
});

describe('durability question', () => {
  test('asynchronous is the default: SYNC_REPLICAS=0', async () => {
    const c = ctx([ENTER], 'stack');
    await durability(c);
    assert.equal(c.prompt.asked[0]?.message, 'Durability:');
    assert.match(String(c.prompt.asked[0]?.choices?.[0]?.name), /Asynchronous \(fastest; a primary crash can lose the last commits\)/);
    assert.match(String(c.prompt.asked[0]?.choices?.[1]?.name), /no acknowledged commit lost while 1 replica\(s\) are up; commits wait when fewer than 1 are up/);
    assert.equal(c.settings.SYNC_REPLICAS, '0');
  });

  test('stack, synchronous: k=1, no names asked (the stack lists its services)', async () => {
    const c = ctx(['sync'], 'stack');
    await durability(c);
    assert.equal(c.prompt.asked.length, 1);
    assert.equal(c.settings.SYNC_REPLICAS, '1');
  });

  test('per-host primary, synchronous: the replicas\' names, checked against k', async () => {
    const c = ctx([ENTER, 'replica1', 'Replica-2,replica3', 'replica2,replica3'], 'primary', { REPLICATION_ROLE: 'primary', SYNC_REPLICAS: '2' });
    await durability(c);
    assert.equal(c.prompt.asked[0]?.default, 'sync', 'SYNC_REPLICAS from the environment');
    assert.equal(c.settings.SYNC_REPLICAS, '2');
    const names = c.prompt.asked[1];
    assert.match(names?.errors[0] ?? '', /^SYNC_REPLICAS is 2, more than the 1 name\(s\) in SYNC_REPLICA_NAMES/);
    assert.match(names?.errors[1] ?? '', /^SYNC_REPLICA_NAMES has "Replica-2"/);
    assert.equal(c.settings.SYNC_REPLICA_NAMES, 'replica2,replica3');
    assert.ok(parseConfig(c.settings, { mode: 'node' }).ok);
  });
});

describe('this machine', () => {
  const read = (files: Record<string, string>) => (path: string) => files[path];
  test('cgroup v2 limits win over the host', () => {
    const m = machineFrom({ read: read({ '/sys/fs/cgroup/memory.max': '2147483648\n', '/sys/fs/cgroup/cpu.max': '150000 100000\n' }), totalMemoryBytes: 64 * 2 ** 30, cores: 16 });
    assert.deepEqual(m, { memoryKb: 2 * GB, cpus: 1 });
  });
  test('no limit ("max", v1 unlimited, -1 quota) is the host', () => {
    const v2 = machineFrom({ read: read({ '/sys/fs/cgroup/memory.max': 'max\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' }), totalMemoryBytes: 8 * 2 ** 30, cores: 4 });
    assert.deepEqual(v2, { memoryKb: 8 * GB, cpus: 4 });
    const v1 = machineFrom({
      read: read({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }),
      totalMemoryBytes: 8 * 2 ** 30, cores: 4,
    });
    assert.deepEqual(v1, { memoryKb: 8 * GB, cpus: 4 });
  });
  test('cgroup v1 limits', () => {
    const m = machineFrom({
      read: read({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '1073741824\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '300000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' }),
      totalMemoryBytes: 8 * 2 ** 30, cores: 8,
    });
    assert.deepEqual(m, { memoryKb: GB, cpus: 3 });
  });
  test('the real machine reads as something sizable', () => {
    const m = thisMachine();
    assert.ok(m.memoryKb > 0 && Number.isInteger(m.cpus) && m.cpus >= 1, JSON.stringify(m));
  });
});
