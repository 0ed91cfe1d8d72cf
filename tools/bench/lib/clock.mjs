// The one clock every Node variant uses, and the shape of a timed run.

export const now = () => process.hrtime.bigint();
export const seconds = (start, end = now()) => Number(end - start) / 1e9;
export const result = (records, elapsed, extra = {}) => ({
  records,
  seconds: elapsed,
  recordsPerSecond: records / elapsed,
  ...extra,
});
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
