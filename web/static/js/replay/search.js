// Finding where a media time falls in a sorted list of times.

/** Index of the last value <= t in ascending `values`, or -1 if t is before them all. */
export function lastAtOrBefore(values, t) {
  let lo = 0;
  let hi = values.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
