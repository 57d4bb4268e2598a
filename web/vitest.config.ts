import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';

// Unit tests of the app's own logic: `src/**/*.test.ts(x)` beside the code they test, in Node
// (no browser), with the app's own Vite settings. Dates are formatted in the reader's locale and
// time zone, so both are pinned here: each test file runs in a child process started with this
// environment, as a process's default locale is fixed when it starts. One such process at a time
// keeps the run light beside a build.
export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
      environment: 'node',
      pool: 'forks',
      maxWorkers: 1,
      env: { TZ: 'America/New_York', LANG: 'en_GB.UTF-8', LC_ALL: 'en_GB.UTF-8' },
    },
  }),
);
