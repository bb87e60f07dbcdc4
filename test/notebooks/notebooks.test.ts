/**
 * Every notebook executes headless (nbconvert + tslab) without a cell error, and its committed
 * outputs are the ones it produces now. Executed copies go to a temp directory; the committed
 * notebooks are never touched (`npm run notebooks` regenerates them).
 *
 * Without Jupyter or tslab the test skips with one line, unless CI or SERVESIM_REQUIRE_GPU=1 is set:
 * there the toolchain is part of the contract and its absence fails.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureKernel, executeNotebook, notebookFiles, notebookText, toolchain } from '../../notebooks/run.mjs';

const required = Boolean(process.env.CI) || process.env.SERVESIM_REQUIRE_GPU === '1';
const tc = toolchain();
const files = notebookFiles();
/** Generous: a notebook should take under 90 s; CI's two cores are shared with other test files. */
const NOTEBOOK_TIMEOUT_MS = 10 * 60_000;

describe('notebooks', () => {
  it('there are notebooks to run', () => {
    expect(files.map((f) => basename(f))).toEqual(['edit-continuous-batching.ipynb', 'moe-cache-size.ipynb', 't2i-lora-patching.ipynb']);
  });

  if (!tc.ok) {
    if (required) {
      it('has its toolchain (required under CI / SERVESIM_REQUIRE_GPU=1)', () => {
        throw new Error(`cannot execute notebooks: ${tc.reason}`);
      });
    } else {
      it.skip(`execute: skipped, ${tc.reason}`, () => {});
    }
    return;
  }

  const out = mkdtempSync(join(tmpdir(), 'servesim-notebooks-'));
  it('the tslab kernel is installed', () => {
    expect(['present', 'installed']).toContain(ensureKernel(tc.python));
  });

  for (const file of files) {
    const name = basename(file);
    it(
      `${name} runs without a cell error and its committed outputs are current`,
      async () => {
        ensureKernel(tc.python);
        const r = await executeNotebook(file, { python: tc.python, outDir: out });
        if (!r.ok) throw new Error(`${name} failed:\n${r.output.split('\n').slice(-25).join('\n')}`);
        const fresh = notebookText(JSON.parse(readFileSync(join(out, name), 'utf8')));
        const committed = notebookText(JSON.parse(readFileSync(file, 'utf8')));
        const stale = fresh.findIndex((t, i) => t !== committed[i]);
        if (stale >= 0 || fresh.length !== committed.length) {
          throw new Error(`${name}: committed outputs are stale (code cell ${stale + 1} differs); run \`npm run notebooks\` and commit the notebooks`);
        }
      },
      NOTEBOOK_TIMEOUT_MS,
    );
  }
});
