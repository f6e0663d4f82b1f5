#!/usr/bin/env node
// The single entry point: `cyrusts <subcommand> ...` (see src/tools/cli.ts).
import { main } from '../src/tools/cli.js';

main().catch((err: unknown) => {
  process.stderr.write(`cyrusts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
