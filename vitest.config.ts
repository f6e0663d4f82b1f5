import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/** Test files under `dir` that replace a module with vi.mock or vi.doMock. */
function mocking(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts') && /\bvi\.(?:do)?[mM]ock\(/.test(readFileSync(join(dir, f), 'utf8')))
    .map((f) => join(dir, f));
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module cache: importing the server's modules again for each of
    // ~400 files cost about 200 s of the suite's CPU (vitest's "collect"). The files still stand
    // alone: none keeps state in a module that another reads. A file that replaces a module with
    // vi.mock needs modules loaded afresh for itself, so it runs in the isolated threads pool; the
    // scan above finds such files, so a new one cannot land in the shared pool by mistake.
    // (poolMatchGlobs is deprecated in vitest 3.2 for `projects`, but inline projects ran every
    // file in both projects here.)
    poolMatchGlobs: mocking('test').map((f) => [`**/${f}`, 'threads']),
    poolOptions: { forks: { isolate: false }, threads: { isolate: true } },
    // Two test files at once on the 2-core CI machine (vitest's default is cores - 1): the wire tests
    // spend much of their time waiting on sockets and child processes.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default', 'json'],
    outputFile: { json: 'var/test-results.json' },
  },
});
