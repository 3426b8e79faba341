/**
 * Starting a set of module Workers and waiting until each has loaded: the one start-up both Worker pools
 * (GBDT histogram threads, the ICA pool) need. A Worker signals it has loaded by posting its first message.
 */

/**
 * Starts `count` Workers of the module at `url` and resolves when each has posted its first message. A
 * Worker that fails to load or stays silent for `timeoutMs` rejects with `<label> failed to start: …` or
 * `<label> did not start`, and every Worker already started is terminated.
 */
export async function startWorkers(
  url: URL,
  count: number,
  label: string,
  timeoutMs: number,
): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    for (let k = 0; k < count; k++) workers.push(new Worker(url, { type: "module" }));
    await Promise.all(workers.map((w) => firstMessage(w, label, timeoutMs)));
  } catch (err) {
    for (const w of workers) w.terminate();
    throw err;
  }
  return workers;
}

function firstMessage(worker: Worker, label: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start`)), timeoutMs);
    worker.onmessage = () => {
      clearTimeout(timer);
      resolve();
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      event.preventDefault();
      reject(new Error(`${label} failed to start: ${event.message}`));
    };
  });
}
