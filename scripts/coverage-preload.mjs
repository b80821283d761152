// Loaded into every node process of an `npm run errors:coverage` / `npm run errors:table` run
// (through NODE_OPTIONS=--import). A process whose main file is a test file names itself in
// OPENSLB_COVERAGE_TEST, so src/errors/catalog.ts can say which test file made the server answer an
// error; `openslb serve` children spawned by that test inherit the variable and keep it.
import { relative } from 'node:path';

const main = process.argv[1] ?? '';
if (/\.test\.[cm]?[jt]s$/.test(main)) process.env.OPENSLB_COVERAGE_TEST = relative(process.cwd(), main) || main;
