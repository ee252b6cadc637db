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
 * Filesystem sizes are documented as "in GB" yet sent as quantities (`512Gi`). A bare number is read the
 * way the description says (GB); a suffixed one as a quantity.
 */
export function filesystemSizeGiB(size: string): number | null {
  const trimmed = size.trim();
  if (/^[0-9]+(\.[0-9]+)?$/.test(trimmed)) return Math.round(((Number(trimmed) * 1e9) / 2 ** 30) * 100) / 100;
  return quantityGiB(trimmed);
}
