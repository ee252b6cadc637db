/** Seeded pseudo-random numbers (mulberry32), so a simulator run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function randomHex(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** A v4-shaped UUID drawn from the seeded generator. */
export function randomUuid(random: () => number): string {
  const h = randomHex(random, 32).split('');
  h[12] = '4';
  h[16] = ((Number.parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** A public-looking IPv4 address from the documentation ranges, never a routable one. */
export function randomTestIp(random: () => number): string {
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[randomInt(random, 0, nets.length - 1)]}.${randomInt(random, 1, 254)}`;
}
