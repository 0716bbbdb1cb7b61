// The files the web console's pages load: ours (console/web/assets/) and the libraries' own builds,
// served from node_modules at URLs that carry their version. Only the files listed here are served
// (no path from a URL reaches the file system), and nothing is fetched from the internet.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

export interface Asset {
  /** The file served, or `content`: bytes made once, when first asked for. */
  file?: string;
  content?: () => Buffer;
  type: string;
  /** A library's file never changes at its versioned URL; ours may change with an upgrade. */
  immutable: boolean;
}

const ours = join(import.meta.dirname, 'assets');
const packageFile = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

function packageVersion(file: string, name: string): string {
  // Walk up from the resolved file to the package's own package.json.
  for (let folder = dirname(file); folder !== dirname(folder); folder = dirname(folder)) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name && manifest.version !== undefined) return manifest.version;
    } catch {
      // no package.json at this level
    }
  }
  throw new Error(`no version found for ${name}`);
}

const echartsFile = packageFile('echarts/dist/echarts.esm.min.mjs');
/** The URL the page modules import ECharts from (they name it in an import, so it is fixed here). */
export const echartsUrl = `/assets/vendor/echarts@${packageVersion(echartsFile, 'echarts')}/echarts.esm.min.mjs`;

const javascript = 'text/javascript; charset=utf-8';

/**
 * The countries of Natural Earth (world-atlas, 1:110 m) as GeoJSON, for the locations map: drawn
 * from the package, no tile server. Converted once, on the first request.
 */
function worldMap(): () => Buffer {
  let body: Buffer | undefined;
  return () => {
    if (body === undefined) {
      const topology = JSON.parse(
        readFileSync(packageFile('world-atlas/countries-110m.json'), 'utf8'),
      ) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
      body = Buffer.from(JSON.stringify(feature(topology, topology.objects.countries)));
    }
    return body;
  };
}

export const assets = new Map<string, Asset>([
  [
    '/assets/console.css',
    { file: join(ours, 'console.css'), type: 'text/css; charset=utf-8', immutable: false },
  ],
  ['/assets/charts.js', { file: join(ours, 'charts.js'), type: javascript, immutable: false }],
  ['/assets/run.js', { file: join(ours, 'run.js'), type: javascript, immutable: false }],
  ['/assets/trace.js', { file: join(ours, 'trace.js'), type: javascript, immutable: false }],
  ['/assets/lists.js', { file: join(ours, 'lists.js'), type: javascript, immutable: false }],
  ['/assets/transaction.js', { file: join(ours, 'transaction.js'), type: javascript, immutable: false }],
  [echartsUrl, { file: echartsFile, type: javascript, immutable: true }],
  [
    `/assets/vendor/world-atlas@${packageVersion(packageFile('world-atlas/countries-110m.json'), 'world-atlas')}/countries.geo.json`,
    { content: worldMap(), type: 'application/json', immutable: true },
  ],
]);

/** The URL of the world map's GeoJSON (the pages read it from the layout's meta tags). */
export const worldMapUrl = [...assets.keys()].find((url) => url.endsWith('/countries.geo.json')) as string;

/** The login page's stylesheet: the one file served without a session (it holds only styles). */
export const loginStylesheet = { url: '/login/console.css', file: join(ours, 'console.css') };
