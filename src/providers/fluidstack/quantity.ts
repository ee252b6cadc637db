const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Bytes in a Kubernetes resource quantity (`960Gi`, `1.5Ti`, `500G`, `1024`); null when it is not one. */
export function quantityBytes(quantity: string): number | null {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = match[2];
  if (!unit) return value;
  return value * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

/** A quantity in GiB, rounded to two decimals so `960Gi` reads as exactly 960. */
export function quantityGiB(quantity: string): number | null {
  const bytes = quantityBytes(quantity);
  return bytes === null ? null : Math.round((bytes / 2 ** 30) * 100) / 100;
}

/**
 * A filesystem's `size` in GB (10^9 bytes), the unit of gpufleet's `sizeGB`. It is documented as "in GB" yet
 * exemplified as a quantity (`512Gi`): a suffixed value is read as the quantity it is (`512Gi` = 512 × 2^30 bytes
 * = 549.76 GB, to two decimals; `50G` = 50 GB), a bare number the way the description says (GB, not bytes).
 */
export function filesystemSizeGB(size: string): number | null {
  const trimmed = size.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Number(trimmed);
  const bytes = quantityBytes(trimmed);
  return bytes === null ? null : Math.round((bytes / 1e9) * 100) / 100;
}

/**
 * The `size` sent for a filesystem of `sizeGB` GB: a decimal quantity (`50G`), exactly the size asked for and read
 * back as the same number. Never a bare number (a quantity would read it as bytes, the description as GB) and
 * never `Gi` (`50Gi` is 53.69 GB, not the 50 GB ordered).
 */
export function filesystemQuantityOf(sizeGB: number): string {
  return `${sizeGB}G`;
}
