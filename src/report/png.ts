/**
 * `--png DIR`: every report chart as SVG (vega View with the headless 'none' renderer, toSVG)
 * and PNG (@resvg/resvg-js). resvg draws text only with fonts it is given, so fonts are loaded
 * explicitly: DejaVu Sans from Debian's fonts-dejavu-core, or the directory in SERVESIM_FONT_DIR.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { importModule } from '../load-module.js';
import { buildCharts } from './specs.js';
import type { ResultsFile } from './types.js';

const DEFAULT_FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

export function fontFiles(): string[] {
  const dir = process.env.SERVESIM_FONT_DIR ?? DEFAULT_FONT_DIR;
  const files = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  if (!files.some((f) => f.endsWith('DejaVuSans.ttf'))) {
    throw new ConfigError(`--png needs the DejaVu Sans font in ${dir} (Debian: apt-get install fonts-dejavu-core, or set SERVESIM_FONT_DIR)`);
  }
  return files;
}

/** Writes <id>.svg and <id>.png for every chart; returns the paths. */
export async function writeChartImages(results: ResultsFile, dir: string): Promise<string[]> {
  const fonts = fontFiles();
  const [vega, vegaLite, { Resvg }] = await Promise.all([
    importModule<typeof import('vega')>('vega'),
    importModule<typeof import('vega-lite')>('vega-lite'),
    importModule<typeof import('@resvg/resvg-js')>('@resvg/resvg-js'),
  ]);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const chart of buildCharts(results)) {
    const compiled = vegaLite.compile(chart.spec as never).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const svg = await view.toSVG();
    view.finalize();
    const svgPath = join(dir, `${chart.id}.svg`);
    writeFileSync(svgPath, svg);
    const png = new Resvg(svg, {
      background: 'white',
      fitTo: { mode: 'zoom', value: 2 },
      font: { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    const pngPath = join(dir, `${chart.id}.png`);
    writeFileSync(pngPath, png);
    written.push(svgPath, pngPath);
  }
  return written;
}
