// graphile-worker peer. Tuned as its performance docs suggest: a local queue (one query locks a
// batch of jobs), batched completion (completeJobBatchDelay 0), concurrency 24 with a pool of
// concurrency + 2, addJobs() for batches.
// Usage: node graphile.mjs '{"workload":"drain","url":"postgres://…","jobs":10000,…}'
import { run, makeWorkerUtils, Logger } from 'graphile-worker';
import * as bench from './common.mjs';

const CONCURRENCY = 24;
const LOCAL_QUEUE = 500;
const TASK = 'bench_noop';
const quiet = new Logger(() => () => {});

const a = bench.args();
const utils = await makeWorkerUtils({ connectionString: a.url, logger: quiet });
await utils.migrate();

const counter = { done: 0 };
let runner;
const addMany = (from, count) =>
  utils.addJobs(bench.range(from, count).map((n) => ({ identifier: TASK, payload: { n } })));
const startWorkers = async () => {
  runner = await run({
    connectionString: a.url,
    concurrency: CONCURRENCY,
    maxPoolSize: CONCURRENCY + 2,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: quiet,
    taskList: { [TASK]: async () => { counter.done++; } },
    preset: { worker: { localQueue: { size: LOCAL_QUEUE }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
};

let result;
switch (a.workload) {
  case 'enqueue-single':
    result = await bench.enqueueSingle(a.jobs, a.callers, (n) => utils.addJob(TASK, { n }));
    break;
  case 'enqueue-batch':
    result = await bench.enqueueBatch(a.jobs, a.batchSize, addMany);
    break;
  case 'drain':
    for (let done = 0; done < a.jobs; done += 1000) await addMany(done, Math.min(1000, a.jobs - done));
    result = await bench.drain(a.url, a.jobs, startWorkers, counter,
      'select count(*) from graphile_worker._private_jobs');
    break;
  case 'steady':
    await startWorkers();
    result = await bench.steady(a.durationMs, a.batchSize, a.maxBacklog, addMany, counter);
    break;
  default:
    throw new Error(`unknown workload ${a.workload}`);
}
bench.report(result);
if (runner) await runner.stop();
await utils.release();
process.exit(0);
