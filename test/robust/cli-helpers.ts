/**
 * Running the built CLI (`node dist/src/cli/main.js`) from tests with the real registry (all three
 * systems and trace kinds), building first when dist/ is missing or older than src/.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export const MAIN = resolve('dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Newest modification time of the .ts files under `dirs`. */
export function newestSource(...dirs: string[]): number {
  let t = 0;
  for (const dir of dirs) for (const f of execFileSync('find', [dir, '-name', '*.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean)) t = Math.max(t, statSync(f).mtimeMs);
  return t;
}

/**
 * Build dist/ as `npm run build` does (tsc, then the bundled CLI and its code cache) if any source
 * file is newer than the CLI entry point: a plain tsc build would leave main.js unbundled, and the
 * tests of the bundle's loader would then skip.
 */
export function ensureBuilt(newerThan = newestSource('src')): void {
  if (!existsSync(MAIN) || statSync(MAIN).mtimeMs < newerThan) {
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
    execFileSync(process.execPath, [resolve('tools/bundle-cli.mjs')], { stdio: 'inherit' });
  }
}

/** Run the CLI; resolves with the exit code, output and, if it was killed, the signal. */
export function cli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((done) => {
    const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0', ...opts.env };
    delete env.SERVESIM_REGISTRY;
    execFile(process.execPath, [MAIN, ...args], { encoding: 'utf8', env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: NodeJS.Signals }) | null;
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** Run the CLI synchronously (for tests that check one invocation at a time). */
export function cliSync(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, FORCE_COLOR: '0' };
  delete env.SERVESIM_REGISTRY;
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
