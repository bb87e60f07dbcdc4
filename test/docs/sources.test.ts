/**
 * Citations point at sources a reader can open: nothing shipped cites the project's private
 * design notes (design.md is not in the repository), and every arXiv id cited in src/, docs/,
 * traces/, scenarios/, validate/, reproduce/ or the README is in docs/sources.md's bibliography.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

const SHIPPED = [...['src', 'scenarios', 'traces', 'docs'].flatMap(files), 'README.md'];

describe('docs/sources.md and citations', () => {
  it('no file under src/, scenarios/, traces/, docs/ or README.md mentions design.md', () => {
    expect(SHIPPED.length).toBeGreaterThan(50);
    const hits = SHIPPED.filter((f) => /\.(ts|md|ya?ml|json|csv|txt|mjs)$/.test(f)).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/design\.md/i.test(line) ? [`${f}:${i + 1}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('every cited arXiv id is in the bibliography, with a link', () => {
    const bib = readFileSync('docs/sources.md', 'utf8');
    const cited = new Set<string>();
    for (const f of [...SHIPPED, ...files('validate'), ...files('reproduce')]) {
      if (f === join('docs', 'sources.md') || !/\.(ts|md|ya?ml)$/.test(f)) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/arXiv:? ?(\d{4}\.\d{4,5})/g)) cited.add(m[1]!);
    }
    expect(cited.size).toBeGreaterThanOrEqual(5);
    const missing = [...cited].filter((id) => !bib.includes(`https://arxiv.org/abs/${id}`));
    expect(missing).toEqual([]);
  });
});
