// Event queues a user would write by hand for a quick simulation, shared by the reference cases
// (not itself a case: run.mjs only runs test/bench/cases/). Both give push(t, fn) and pop() ->
// {t, fn}, earliest first, and pop equal times in insertion order, as servesim does.

/** Events kept in a JS array sorted on insert (binary search + splice), earliest at the end. */
export function sortedArrayQueue() {
  const a = [];
  return {
    push(t, fn) {
      let lo = 0;
      let hi = a.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a[mid].t > t) lo = mid + 1;
        else hi = mid;
      }
      a.splice(lo, 0, { t, fn });
    },
    pop: () => a.pop(),
  };
}

/** A binary heap of {t, seq, fn} closures (seq keeps equal times in insertion order). */
export function closureHeapQueue() {
  const h = [];
  let seq = 0;
  const less = (x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq);
  return {
    push(t, fn) {
      h.push({ t, seq: seq++, fn });
      let i = h.length - 1;
      while (i > 0) {
        const p = Math.floor((i - 1) / 2);
        if (!less(h[i], h[p])) break;
        [h[p], h[i]] = [h[i], h[p]];
        i = p;
      }
    },
    pop() {
      if (h.length === 0) return undefined;
      const top = h[0];
      const last = h.pop();
      if (h.length) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && less(h[l], h[m])) m = l;
          if (r < h.length && less(h[r], h[m])) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i], h[m]];
          i = m;
        }
      }
      return top;
    },
  };
}

/** Process CPU seconds and wall seconds of f() (f returns an object, extended with both). */
export function timed(f) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = f();
  const secs = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { ...r, secs, cpu: (c.user + c.system) / 1e6 };
}
