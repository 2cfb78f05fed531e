// pg-boss peer. Tuned as its docs suggest for throughput: batch fetch (batchSize) and several
// work() loops for concurrency, the shortest polling interval it accepts (0.5 s), insert() for
// batches. Usage: node pgboss.mjs '{"workload":"drain","url":"postgres://…","jobs":10000,…}'
import PgBoss from 'pg-boss';
import * as bench from './common.mjs';

const WORKERS = 8;
const BATCH_SIZE = 1000;
const POLLING_SECONDS = 0.5;
const QUEUE = 'bench-noop';

const a = bench.args();
const boss = new PgBoss({ connectionString: a.url, max: 10 });
boss.on('error', (e) => process.stderr.write(`pg-boss error: ${e.message}\n`));
await boss.start();
await boss.createQueue(QUEUE);

const counter = { done: 0 };
const insert = (from, count) =>
  boss.insert(bench.range(from, count).map((n) => ({ name: QUEUE, data: { n } })));
const startWorkers = async () => {
  for (let i = 0; i < WORKERS; i++) {
    await boss.work(QUEUE, { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLLING_SECONDS }, async (jobs) => {
      counter.done += jobs.length;
    });
  }
};

let result;
switch (a.workload) {
  case 'enqueue-single':
    result = await bench.enqueueSingle(a.jobs, a.callers, (n) => boss.send(QUEUE, { n }));
    break;
  case 'enqueue-batch':
    result = await bench.enqueueBatch(a.jobs, a.batchSize, insert);
    break;
  case 'drain':
    for (let done = 0; done < a.jobs; done += 1000) await insert(done, Math.min(1000, a.jobs - done));
    result = await bench.drain(a.url, a.jobs, startWorkers, counter,
      "select count(*) from pgboss.job where name = $1 and state <> 'completed'", [QUEUE]);
    break;
  case 'steady':
    await startWorkers();
    result = await bench.steady(a.durationMs, a.batchSize, a.maxBacklog, insert, counter);
    break;
  default:
    throw new Error(`unknown workload ${a.workload}`);
}
bench.report(result);
await boss.stop({ graceful: false, wait: true, timeout: 2000 });
process.exit(0);
