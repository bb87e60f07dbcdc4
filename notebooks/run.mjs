#!/usr/bin/env node
/**
 * Executes the TypeScript notebooks headless with Jupyter's nbconvert and the tslab kernel.
 *
 *   node notebooks/run.mjs                 run every notebook in place (regenerates the committed outputs)
 *   node notebooks/run.mjs --out DIR       write executed copies to DIR, leave the committed ones alone
 *   node notebooks/run.mjs moe-cache-size  only the notebooks whose name contains an argument
 *
 * `npm run notebooks` builds the library first (the notebooks import dist/src/index.js). The test
 * test/notebooks/notebooks.test.ts uses the same functions. Needs a Python with nbconvert and
 * jupyter_client (Debian: jupyter-nbconvert python3-ipykernel); SERVESIM_PYTHON picks the Python.
 * The tslab kernelspec is installed for the user when missing (idempotent), and node_modules/.bin
 * goes on PATH so Jupyter can start `tslab`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NOTEBOOK_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(NOTEBOOK_DIR, '..');
const TSLAB = join(ROOT, 'node_modules', '.bin', 'tslab');
/** Per-cell limit; a notebook is meant to finish in well under 5 minutes on 2 cores. */
const CELL_TIMEOUT_S = 600;

/** The notebooks, sorted by name. */
export function notebookFiles(filters = []) {
  return readdirSync(NOTEBOOK_DIR)
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort()
    .map((f) => join(NOTEBOOK_DIR, f));
}

/** Environment for Jupyter: tslab on PATH. */
export function kernelEnv() {
  return { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
}

/**
 * What running notebooks needs: a Python that imports nbconvert and jupyter_client, the tslab
 * binary, and the built library. Returns { ok: true, python } or { ok: false, reason }.
 */
export function toolchain() {
  if (!existsSync(TSLAB)) return { ok: false, reason: `tslab is not installed (${TSLAB}); run npm ci` };
  const candidates = [process.env.SERVESIM_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
  const python = candidates.find((p) => spawnSync(p, ['-c', 'import nbconvert, jupyter_client'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    return { ok: false, reason: `no Python with nbconvert and jupyter_client (tried ${candidates.join(', ')}); install Debian's jupyter-nbconvert python3-ipykernel or set SERVESIM_PYTHON` };
  }
  if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) return { ok: false, reason: 'the library is not built (dist/src/index.js); run npm run build' };
  return { ok: true, python };
}

/** Installs the tslab kernelspec for the user unless Jupyter already knows one. */
export function ensureKernel(python) {
  const list = spawnSync(python, ['-m', 'jupyter_client.kernelspecapp', 'list', '--json'], { encoding: 'utf8', env: kernelEnv() });
  if (list.status === 0) {
    try {
      if (JSON.parse(list.stdout).kernelspecs?.tslab) return 'present';
    } catch {
      // Unreadable list: install, which is idempotent.
    }
  }
  const r = spawnSync(TSLAB, ['install', '--user', `--python=${python}`], { encoding: 'utf8', env: kernelEnv() });
  if (r.status !== 0) throw new Error(`tslab install --user --python=${python} failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return 'installed';
}

/**
 * Executes one notebook; in place unless outDir is given. Resolves { ok, seconds, output } where
 * output is nbconvert's log (on failure it names the cell and the error).
 */
export function executeNotebook(file, { python, outDir } = {}) {
  const args = ['-m', 'nbconvert', '--to', 'notebook', '--execute', file];
  args.push(...(outDir ? ['--output-dir', outDir, '--output', basename(file)] : ['--inplace']));
  args.push(`--ExecutePreprocessor.timeout=${CELL_TIMEOUT_S}`, '--ExecutePreprocessor.kernel_name=tslab', '--ExecutePreprocessor.record_timing=False');
  const t0 = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, args, { cwd: NOTEBOOK_DIR, env: kernelEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ ok: code === 0, seconds: (Date.now() - t0) / 1000, output }));
  });
}

/**
 * The text a notebook shows (stream output and rendered markdown, cell by cell), for comparing an
 * executed copy with the committed one. Charts are left out: they are drawn from the same numbers.
 */
export function notebookText(nb) {
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) =>
      (c.outputs ?? [])
        .map((o) => {
          const join = (v) => (Array.isArray(v) ? v.join('') : String(v ?? ''));
          if (o.output_type === 'stream') return join(o.text);
          if (o.output_type === 'error') return `${o.ename}: ${o.evalue}`;
          return join(o.data?.['text/markdown'] ?? o.data?.['text/plain']);
        })
        .join(''),
    );
}

async function main(argv) {
  const outIdx = argv.indexOf('--out');
  const outDir = outIdx >= 0 ? resolve(argv[outIdx + 1] ?? '') : undefined;
  if (outIdx >= 0 && !argv[outIdx + 1]) throw new Error('--out needs a directory');
  const filters = argv.filter((a, i) => !a.startsWith('-') && !(outIdx >= 0 && i === outIdx + 1));
  const tc = toolchain();
  if (!tc.ok) throw new Error(tc.reason);
  ensureKernel(tc.python);
  const files = notebookFiles(filters);
  if (files.length === 0) throw new Error(`no notebook matches ${filters.join(', ')}`);
  let failed = 0;
  for (const f of files) {
    process.stdout.write(`${basename(f)} ... `);
    const r = await executeNotebook(f, { python: tc.python, outDir });
    process.stdout.write(`${r.ok ? 'ok' : 'FAILED'} (${r.seconds.toFixed(0)} s)\n`);
    if (!r.ok) {
      failed++;
      process.stderr.write(r.output.split('\n').slice(-30).join('\n') + '\n');
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`notebooks: ${e.message}\n`);
    process.exitCode = 2;
  });
}
