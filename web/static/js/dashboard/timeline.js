// A rolling, bucketed time series for one chart: several named series sharing one x axis (media time t).
// Bucketing (mean per 0.5 s) keeps a 120 s window at ≤ 240 points whatever the message rate, and turns
// 1/0 samples such as eye_contact into a readable share per bucket.

export class Timeline {
  constructor(names, { bucketS = 0.5, windowS = 120, holdS = 2 } = {}) {
    this.names = names;
    this.index = new Map(names.map((name, i) => [name, i]));
    this.bucketS = bucketS;
    this.windowS = windowS;
    this.holdS = holdS;
    this.rows = []; // {x, sums: number[], counts: number[]}, sorted by x
    this.latest = 0;
    this.cache = null;
  }

  has(name) {
    return this.index.has(name);
  }

  add(name, t, value) {
    const i = this.index.get(name);
    if (i === undefined || typeof t !== "number" || !Number.isFinite(t)) return;
    const v = typeof value === "boolean" ? Number(value) : value;
    if (typeof v !== "number" || !Number.isFinite(v)) return;
    if (t > this.latest) this.latest = t;
    if (t < this.latest - this.windowS) return; // too old to be seen

    const x = Math.floor(t / this.bucketS) * this.bucketS;
    const row = this._row(x);
    row.sums[i] += v;
    row.counts[i] += 1;
    this._trim();
    this.cache = null;
  }

  // Samples arrive in time order per source, but video and audio interleave: search from the end.
  _row(x) {
    const rows = this.rows;
    let k = rows.length - 1;
    while (k >= 0 && rows[k].x > x) k--;
    if (k >= 0 && rows[k].x === x) return rows[k];
    const row = { x, sums: new Array(this.names.length).fill(0), counts: new Array(this.names.length).fill(0) };
    rows.splice(k + 1, 0, row);
    return row;
  }

  _trim() {
    const oldest = this.latest - this.windowS - this.bucketS;
    let drop = 0;
    while (drop < this.rows.length && this.rows[drop].x < oldest) drop++;
    if (drop) this.rows.splice(0, drop);
  }

  // uPlot's columnar format: [xs, series1, series2, …]. A bucket without a sample holds the series' previous
  // value for up to holdS (eye_contact skips blinks, audio and video interleave); a longer silence from the
  // source is a real gap, drawn as a break rather than a line across it.
  data() {
    if (this.cache) return this.cache;
    const n = this.names.length;
    const xs = [];
    const cols = this.names.map(() => []);
    const lastVal = new Array(n).fill(null);
    const lastX = new Array(n).fill(-Infinity);
    let prevX = null;
    for (const row of this.rows) {
      if (prevX !== null && row.x - prevX > this.holdS) {
        xs.push(prevX + this.bucketS); // a row of nulls breaks every line across the gap
        for (const col of cols) col.push(null);
      }
      xs.push(row.x);
      for (let i = 0; i < n; i++) {
        if (row.counts[i]) {
          lastVal[i] = row.sums[i] / row.counts[i];
          lastX[i] = row.x;
          cols[i].push(lastVal[i]);
        } else {
          cols[i].push(row.x - lastX[i] <= this.holdS ? lastVal[i] : null);
        }
      }
      prevX = row.x;
    }
    this.cache = [xs, ...cols];
    return this.cache;
  }
}
