import { randomInt } from '../../kit/sim/random.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomId(random: () => number, length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[randomInt(random, 0, ALPHABET.length - 1)];
  return id;
}

/** RunPod pod and machine ids are 14 lower-case letters and digits, e.g. `50qynxzilsxoey`. */
export function randomPodId(random: () => number): string {
  return randomId(random, 14);
}

/** Network volume ids are 10 of the same characters, e.g. `agv6w2qcg7` (REST v1 examples). */
export function randomVolumeId(random: () => number): string {
  return randomId(random, 10);
}

/** Proxy SSH user of a pod: `<podId>-<8 digits>`. */
export function randomPodHostId(random: () => number, podId: string): string {
  return `${podId}-${randomInt(random, 10_000_000, 99_999_999)}`;
}

/** Public ports RunPod maps to a container's TCP ports are random high ports. */
export function randomPublicPort(random: () => number): number {
  return randomInt(random, 10_000, 49_999);
}
