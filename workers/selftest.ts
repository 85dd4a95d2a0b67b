/** The self-test worker: runs the custom ops' oracle checks on the backend it was started with. */
import * as Comlink from 'comlink';
import { runtimeApi } from './runtime_api.ts';
import { runOpChecks, type CheckResult } from '../src/ops/checks.ts';

const api = {
  ...runtimeApi,
  /** Runs every op check (or those of the named ops) on the active backend. */
  runOpChecks(ops?: string[]): Promise<CheckResult[]> {
    return runOpChecks(ops === undefined ? undefined : (c) => ops.includes(c.op));
  },
};

export type SelftestApi = typeof api;
Comlink.expose(api);
