/**
 * Draws latency percentiles per scenario headless: a Vega-Lite spec compiled to Vega, rendered to SVG without a
 * canvas, and rasterised to PNG by sharp (prebuilt libvips from npm).
 */
import fs from 'node:fs';
import sharp from 'sharp';

export interface LatencyBar {
  /** Scenario and measure, e.g. "many keys · submit → started". */
  label: string;
  percentile: 'p50' | 'p95' | 'p99';
  /** Median over repetitions, and its spread. */
  median: number;
  min: number;
  max: number;
}

export async function drawLatencyChart(bars: LatencyBar[], title: string, subtitle: string, pngPath: string) {
  // vega and vega-lite are ES modules with top-level await: load them with import(), not require().
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const order = [...new Set(bars.map((b) => b.label))];
  const values = bars.map((b) => ({ ...b, median: Math.max(b.median, 0.1), min: Math.max(b.min, 0.1) }));
  const lowest = Math.min(...values.map((v) => v.min));
  const highest = Math.max(...values.map((v) => v.max));
  const xScale = {
    type: 'log' as const,
    domain: [10 ** Math.floor(Math.log10(lowest)), 10 ** Math.ceil(Math.log10(highest * 1.5))],
  };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start' as const },
    width: 700,
    height: Math.max(200, order.length * 42),
    background: 'white',
    data: { values },
    encoding: {
      y: { field: 'label', type: 'nominal' as const, sort: order, title: null, axis: { labelLimit: 760 } },
      yOffset: { field: 'percentile', type: 'nominal' as const, sort: ['p50', 'p95', 'p99'] },
      color: {
        field: 'percentile',
        type: 'nominal' as const,
        sort: ['p50', 'p95', 'p99'],
        scale: { range: ['#4c78a8', '#f58518', '#e45756'] },
        title: 'percentile',
      },
      x: {
        field: 'median',
        type: 'quantitative' as const,
        scale: xScale,
        title: 'milliseconds (log scale): median over repetitions, whiskers min–max',
      },
    },
    layer: [
      // On a log scale a bar needs an explicit base: the left edge of the axis.
      { mark: { type: 'bar' as const, height: { band: 1 } }, encoding: { x2: { datum: xScale.domain[0] } } },
      {
        mark: { type: 'rule' as const },
        encoding: {
          x: { field: 'min', type: 'quantitative' as const, scale: xScale },
          x2: { field: 'max' },
          color: { value: 'black' },
        },
      },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 9 },
        encoding: {
          x: { field: 'max', type: 'quantitative' as const, scale: xScale },
          text: { field: 'median', type: 'quantitative' as const, format: '.0f' },
        },
      },
    ],
  };
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG(2);
  view.finalize();
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  fs.writeFileSync(pngPath, png);
  return svg;
}
