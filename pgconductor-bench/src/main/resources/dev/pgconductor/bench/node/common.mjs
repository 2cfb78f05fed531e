// Measuring loops shared by the Node peers; they mirror the Java harness (LoadDriver) so every
// system is timed the same way. Each script prints one line: {"result": {...}}.
import pg from 'pg';

export function args() {
  return JSON.parse(process.argv[2]);
}

export function range(from, count) {
  return Array.from({ length: count }, (_, i) => from + i);
}

export function report(result) {
  process.stdout.write(JSON.stringify({ result }) + '\n');
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

// Scenario 1: `callers` concurrent async callers make `jobs` single enqueue calls.
export async function enqueueSingle(jobs, callers, enqueueOne) {
  let next = 0;
  const t0 = now();
  await Promise.all(range(0, callers).map(async () => {
    for (let n = next++; n < jobs; n = next++) {
      await enqueueOne(n);
    }
  }));
  return { throughput: jobs / (now() - t0) };
}

// Scenario 2: one caller enqueues `jobs` in calls of `batch`.
export async function enqueueBatch(jobs, batch, enqueueMany) {
  const t0 = now();
  for (let done = 0; done < jobs; done += batch) {
    await enqueueMany(done, Math.min(batch, jobs - done));
  }
  return { throughput: jobs / (now() - t0) };
}

// Scenario 3: starts the workers, waits until `counter.done` reaches `jobs`, then until the
// database shows no unfinished job (`unfinishedSql` returns a count).
export async function drain(url, jobs, startWorkers, counter, unfinishedSql, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = now();
    await startWorkers();
    const deadline = Date.now() + 60_000 + jobs * 10;
    while (counter.done < jobs) {
      if (Date.now() > deadline) throw new Error(`only ${counter.done} of ${jobs} jobs ran`);
      await sleep(1);
    }
    const handlersDone = now() - t0;
    for (;;) {
      const { rows } = await client.query(unfinishedSql, params);
      if (Number(rows[0].count) === 0) break;
      if (Date.now() > deadline) throw new Error('timed out waiting for completions to be written');
      await sleep(2);
    }
    const elapsed = now() - t0;
    return { throughput: jobs / elapsed, details: { last_handler_ms: handlersDone * 1000, all_written_ms: elapsed * 1000 } };
  } finally {
    await client.end();
  }
}

// Scenario 4: for `durationMs` a producer enqueues batches while workers run them, with at most
// `maxBacklog` jobs enqueued and not yet run; returns completed jobs per second.
export async function steady(durationMs, batch, maxBacklog, enqueueMany, counter) {
  const t0 = now();
  const end = t0 + durationMs / 1000;
  let enqueued = 0;
  while (now() < end) {
    if (enqueued - counter.done + batch > maxBacklog) {
      await sleep(1);
      continue;
    }
    await enqueueMany(enqueued, batch);
    enqueued += batch;
  }
  const done = counter.done;
  return { throughput: done / (now() - t0), details: { enqueued, completed: done } };
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
