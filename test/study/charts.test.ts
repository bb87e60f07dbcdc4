import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { chartBundle, chartSvg, lineSpec, VEGALITE_MIME } from '../../src/study/charts.js';
import { textTable } from '../../src/study/table.js';

const data = [
  { gpu: 'A', policy: 'p', x: 1, y: 10 },
  { gpu: 'A', policy: 'p', x: 2, y: 20 },
  { gpu: 'B', policy: 'q', x: 1, y: 5 },
  { gpu: 'B', policy: 'q', x: 2, y: 7 },
];

describe('lineSpec(options)', () => {
  it('a single panel: a line layer, then marks and a labelled rule', () => {
    const spec = lineSpec({ title: 't', data, x: 'x', y: 'y', color: 'policy', marks: [{ x: 2, y: 20, label: 'knee' }], yRule: { y: 15, label: 'SLO' } });
    const layers = spec.layer as Array<{ mark: { type: string }; data: { values: unknown[] } }>;
    expect(layers.map((l) => l.mark.type)).toEqual(['line', 'point', 'text', 'rule', 'text']);
    expect(layers[0]!.data.values).toHaveLength(4);
    expect(() => compile(spec as never)).not.toThrow();
  });

  it('facets: one data source, marks in their panel, the rule copied into every panel', () => {
    const spec = lineSpec({ title: 't', data, x: 'x', y: 'y', column: 'gpu', columnOrder: ['B', 'A'], marks: [{ gpu: 'A', x: 2, y: 20, label: 'k' }], yRule: { y: 6, label: 'r' } });
    const rows = (spec.data as { values: Array<Record<string, unknown>> }).values;
    expect(rows.filter((r) => r._layer === 'line')).toHaveLength(4);
    expect(rows.filter((r) => r._layer === 'mark')).toEqual([{ gpu: 'A', x: 2, y: 20, label: 'k', _layer: 'mark' }]);
    expect(rows.filter((r) => r._layer === 'rule').map((r) => r.gpu)).toEqual(['A', 'B']);
    expect((spec.facet as { column: { sort: string[] } }).column.sort).toEqual(['B', 'A']);
    expect(() => compile(spec as never)).not.toThrow();
  });

  it('refuses an empty chart', () => {
    expect(() => lineSpec({ title: 'empty', data: [], x: 'x', y: 'y' })).toThrow("lineSpec 'empty': no data");
  });
});

describe('chartSvg(spec) / chartBundle(spec)', () => {
  it('renders without a browser, and bundles vega-lite, SVG and text', async () => {
    const spec = lineSpec({ title: 'Tokens per second', data, x: 'x', y: 'y', color: 'policy' });
    const svg = await chartSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Tokens per second');
    const bundle = await chartBundle(spec);
    expect(Object.keys(bundle).sort()).toEqual([VEGALITE_MIME, 'image/svg+xml', 'text/plain'].sort());
    expect(bundle['image/svg+xml']).toBe(svg);
    expect(bundle['text/plain']).toBe('[chart: Tokens per second]');
  });
});

describe('textTable(rows, columns)', () => {
  it('pads text left and numbers right, formats numbers with fmt', () => {
    const t = textTable(
      [
        { name: 'fetch', tps: 1.23456, n: 3 },
        { name: 'drop and renormalise', tps: 130.6, n: 12 },
      ],
      ['name', { key: 'tps', title: 'tokens/s' }, { key: 'n', format: (v) => `${v}x` }],
    );
    expect(t.split('\n')).toEqual([
      'name                  tokens/s    n',
      '--------------------  --------  ---',
      'fetch                    1.235   3x',
      'drop and renormalise     130.6  12x',
    ]);
  });
});
