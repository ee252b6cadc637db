import { createHash } from 'node:crypto';

/**
 * bcrypt_pbkdf, the key derivation OpenSSH uses for passphrase-protected `openssh-key-v1` private keys
 * (node:crypto has no Blowfish). It follows the published OpenBSD algorithm: SHA-512 of the passphrase
 * and salt, an expensive Blowfish key schedule per round, and output bytes spread across blocks.
 */
export function bcryptPbkdf(passphrase: Buffer, salt: Buffer, keyLength: number, rounds: number): Buffer {
  if (rounds < 1) throw new Error('bcrypt_pbkdf needs at least one round');
  if (passphrase.length === 0 || salt.length === 0 || keyLength === 0 || keyLength > HASH_BYTES * HASH_BYTES) {
    throw new Error('bcrypt_pbkdf: empty passphrase or salt, or bad key length');
  }
  const key = Buffer.alloc(keyLength);
  const stride = Math.ceil(keyLength / HASH_BYTES);
  let amount = Math.ceil(keyLength / stride);
  const sha2pass = sha512(passphrase);
  const countSalt = Buffer.alloc(salt.length + 4);
  salt.copy(countSalt);

  let remaining = keyLength;
  for (let count = 1; remaining > 0; count++) {
    countSalt.writeUInt32BE(count, salt.length);
    let block = bcryptHash(sha2pass, sha512(countSalt));
    const out = Buffer.from(block);
    for (let round = 1; round < rounds; round++) {
      block = bcryptHash(sha2pass, sha512(block));
      for (let i = 0; i < out.length; i++) out[i]! ^= block[i]!;
    }
    // Not PBKDF2's concatenation: byte i of this block lands at i * stride + (count - 1).
    amount = Math.min(amount, remaining);
    let i = 0;
    for (; i < amount; i++) {
      const dest = i * stride + (count - 1);
      if (dest >= keyLength) break;
      key[dest] = out[i]!;
    }
    remaining -= i;
  }
  return key;
}

const HASH_BYTES = 32;
const MAGIC = Buffer.from('OxychromaticBlowfishSwatDynamite', 'latin1');

function sha512(data: Buffer): Buffer {
  return createHash('sha512').update(data).digest();
}

function bcryptHash(sha2pass: Buffer, sha2salt: Buffer): Buffer {
  // Both inputs are read as endless word streams; unrolling them once keeps the hot loop free of byte work.
  const passWords = wordStream(sha2pass, BLOWFISH_WORDS);
  const saltWords = wordStream(sha2salt, BLOWFISH_WORDS);
  const state = new BlowfishState();
  state.expand(passWords, saltWords);
  for (let i = 0; i < 64; i++) {
    state.expand(saltWords);
    state.expand(passWords);
  }
  const data = wordStream(MAGIC, 8);
  for (let i = 0; i < 64; i++) {
    for (let b = 0; b < 8; b += 2) state.encipher(data, b);
  }
  // bcrypt_pbkdf writes the words out little-endian (unlike the rest of Blowfish).
  const out = Buffer.alloc(HASH_BYTES);
  for (let i = 0; i < 8; i++) out.writeUInt32LE(data[i]!, i * 4);
  return out;
}

/** The first `count` words of `data` read as big-endian words, wrapping around at its end (Blowfish_stream2word). */
function wordStream(data: Buffer, count: number): Uint32Array {
  const words = new Uint32Array(count);
  let at = 0;
  for (let w = 0; w < count; w++) {
    let word = 0;
    for (let i = 0; i < 4; i++) {
      if (at >= data.length) at = 0;
      word = ((word << 8) | data[at]!) >>> 0;
      at++;
    }
    words[w] = word;
  }
  return words;
}

class BlowfishState {
  private readonly p = new Uint32Array(18);
  private readonly s0: Uint32Array;
  private readonly s1: Uint32Array;
  private readonly s2: Uint32Array;
  private readonly s3: Uint32Array;
  private readonly block = new Uint32Array(2);

  constructor() {
    const initial = blowfishInitialWords();
    this.p.set(initial.subarray(0, 18));
    this.s0 = initial.slice(18, 18 + 256);
    this.s1 = initial.slice(18 + 256, 18 + 512);
    this.s2 = initial.slice(18 + 512, 18 + 768);
    this.s3 = initial.slice(18 + 768, 18 + 1024);
  }

  /**
   * Blowfish_expandstate when `data` is given, Blowfish_expand0state otherwise. `key` and `data` are word
   * streams (see wordStream): the key is restarted for the P-array, the data runs on through P and S.
   */
  expand(key: Uint32Array, data?: Uint32Array): void {
    const p = this.p;
    for (let i = 0; i < 18; i++) p[i] = p[i]! ^ key[i]!;
    const block = this.block;
    block[0] = 0;
    block[1] = 0;
    let d = 0;
    const fill = (target: Uint32Array) => {
      for (let i = 0; i < target.length; i += 2) {
        if (data) {
          block[0] = block[0]! ^ data[d++]!;
          block[1] = block[1]! ^ data[d++]!;
        }
        this.encipher(block, 0);
        target[i] = block[0]!;
        target[i + 1] = block[1]!;
      }
    };
    fill(p);
    fill(this.s0);
    fill(this.s1);
    fill(this.s2);
    fill(this.s3);
  }

  encipher(block: Uint32Array, offset: number): void {
    const { p, s0, s1, s2, s3 } = this;
    let left = block[offset]! ^ p[0]!;
    let right = block[offset + 1]!;
    for (let n = 1; n <= 16; n += 2) {
      right ^= ((((s0[left >>> 24]! + s1[(left >>> 16) & 0xff]!) ^ s2[(left >>> 8) & 0xff]!) + s3[left & 0xff]!) | 0) ^ p[n]!;
      left ^=
        ((((s0[right >>> 24]! + s1[(right >>> 16) & 0xff]!) ^ s2[(right >>> 8) & 0xff]!) + s3[right & 0xff]!) | 0) ^ p[n + 1]!;
    }
    block[offset] = right ^ p[17]!;
    block[offset + 1] = left;
  }
}

const BLOWFISH_WORDS = 18 + 1024;
let initialWords: Uint32Array | undefined;

/**
 * Blowfish's initial P-array and S-boxes are, by definition, the hexadecimal digits of π's fractional
 * part in order. Computing them once (Machin's formula on BigInts, a few milliseconds) spares a
 * 1,042-word constant table.
 */
export function blowfishInitialWords(): Uint32Array {
  if (initialWords) return initialWords;
  const bits = BLOWFISH_WORDS * 32;
  const guard = 64;
  const one = 1n << BigInt(bits + guard);
  const pi = 16n * arctanOfInverse(5n, one) - 4n * arctanOfInverse(239n, one);
  const fraction = (pi - 3n * one) >> BigInt(guard);
  const words = new Uint32Array(BLOWFISH_WORDS);
  for (let i = 0; i < BLOWFISH_WORDS; i++) {
    words[i] = Number((fraction >> BigInt(bits - 32 * (i + 1))) & 0xffffffffn);
  }
  initialWords = words;
  return words;
}

/** arctan(1/x) scaled by `one`, by its Taylor series. */
function arctanOfInverse(x: bigint, one: bigint): bigint {
  const xSquared = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= xSquared;
    const term = power / (2n * k + 1n);
    sum += k % 2n === 1n ? -term : term;
  }
  return sum;
}
