/** T5's bucket of a relative position (key − query): exact for small distances, log-spaced beyond. */
export function relativePositionBucket(
  relative: number,
  bidirectional: boolean,
  buckets: number,
  maxDistance: number,
): number {
  let bucket = 0;
  let n = buckets;
  let distance: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (relative > 0) bucket += n;
    distance = Math.abs(relative);
  } else {
    distance = Math.max(-relative, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (distance < maxExact) return bucket + distance;
  const large =
    maxExact +
    Math.floor((Math.log(distance / maxExact) / Math.log(maxDistance / maxExact)) * (n - maxExact));
  return bucket + Math.min(large, n - 1);
}
