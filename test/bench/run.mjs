#!/usr/bin/env node
// Runs every bench case in its own child process (so peak RSS is per case), prints a table and
// writes test/bench/results.json: { machine, cases: [{ name, value, unit, peak_rss_mb, ... }] }.
// Usage: node test/bench/run.mjs [filter]
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(join(here, 'cases')).filter((f) => f.endsWith('.mjs') && f.includes(filter)).sort();
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memory_gb: Math.round(totalmem() / 1e9),
  node: process.version,
  platform: `${platform()}-${arch()}`,
  date: new Date().toISOString(),
  // Other work on the machine inflates wall times: the 1-minute load average when each case started.
  load_average: {},
};
console.log(`servesim bench on ${machine.cpu} (${machine.cores} cores), node ${machine.node}`);
const cases = [];
for (const f of files) {
  machine.load_average[f] = Math.round(loadavg()[0] * 10) / 10;
  const out = execFileSync(process.execPath, ['--expose-gc', join(here, 'case.mjs'), join(here, 'cases', f)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of out.trim().split('\n')) {
    if (!line.startsWith('{')) continue;
    const c = JSON.parse(line);
    cases.push(c);
    const target = c.target ? `  (target ${c.target})` : '';
    const cpu = c.cpu_seconds !== undefined ? `  [${c.cpu_seconds} s CPU]` : c.events_per_cpu_s !== undefined ? `  [${fmt(c.events_per_cpu_s)} events/cpu-s]` : '';
    console.log(`${c.name.padEnd(52)} ${fmt(c.value).padStart(12)} ${c.unit.padEnd(16)} peak RSS ${String(c.peak_rss_mb).padStart(5)} MB${target}${cpu}`);
  }
}
writeFileSync(join(here, 'results.json'), JSON.stringify({ machine, cases }, null, 2) + '\n');
console.log(`wrote ${join('test', 'bench', 'results.json')}`);

function fmt(v) {
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(2);
}
