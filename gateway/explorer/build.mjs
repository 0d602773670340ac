// Bundles the explorer (GraphiQL + our entry) into gateway/dist/explorer/{explorer.js,explorer.css}
// so the gateway can serve it from its own assets, with no CDN. Run by `npm run build`.
// Bare imports resolve upwards from here: gateway/node_modules (esbuild), then the hoisted
// /work/main/node_modules (react, graphiql, ...).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const outdir = here('../dist/explorer');

const result = await build({
  entryPoints: { explorer: here('./entry.tsx') },
  outdir,
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  logLevel: 'warning', // errors/warnings still print; a clean build prints only the line below
});

const sizes = Object.entries(result.metafile.outputs)
  .map(([file, { bytes }]) => `${file.split('/').pop()} ${(bytes / 1024).toFixed(0)} kB`)
  .join(', ');
console.log(`explorer: built dist/explorer (${sizes})`);
