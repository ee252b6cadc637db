/**
 * The SSH wire encoding (RFC 4251 §5) that public key blobs and `openssh-key-v1` private keys are made of:
 * big-endian uint32, length-prefixed strings and two's-complement mpints.
 */

export class SshWireReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset === this.buffer.length;
  }

  uint32(): number {
    if (this.offset + 4 > this.buffer.length) throw new Error('truncated uint32');
    const value = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  bytes(): Buffer {
    const length = this.uint32();
    if (this.offset + length > this.buffer.length) throw new Error('truncated string');
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  text(): string {
    return this.bytes().toString('latin1');
  }

  /** A positive mpint as its magnitude, without the sign byte OpenSSH adds when the top bit is set. */
  positiveMpint(): Buffer {
    const raw = this.bytes();
    if (raw.length === 0 || (raw[0]! & 0x80) !== 0) throw new Error('mpint is not positive');
    return raw[0] === 0 ? raw.subarray(1) : raw;
  }

  rest(): Buffer {
    const value = this.buffer.subarray(this.offset);
    this.offset = this.buffer.length;
    return value;
  }
}

export class SshWireWriter {
  private readonly parts: Buffer[] = [];

  uint32(value: number): this {
    const part = Buffer.alloc(4);
    part.writeUInt32BE(value >>> 0);
    this.parts.push(part);
    return this;
  }

  bytes(value: Buffer | Uint8Array): this {
    this.uint32(value.length);
    this.parts.push(Buffer.from(value));
    return this;
  }

  text(value: string): this {
    return this.bytes(Buffer.from(value, 'latin1'));
  }

  /** A positive big-endian magnitude as an mpint: leading zeros dropped, a zero byte added when the top bit is set. */
  positiveMpint(magnitude: Buffer): this {
    let start = 0;
    while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
    const trimmed = magnitude.subarray(start);
    return this.bytes((trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
  }

  raw(value: Buffer): this {
    this.parts.push(value);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
